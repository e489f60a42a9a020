import { api } from './client';
import type { DrainOptions, DrainStarted, LabelChange, NodeDetail, NodeList, NodeMetricsHistory, NodeMetricsLatest, TaintChange, Task } from './types';

const base = (id: string | number) => `/k8s/cluster/${id}/nodes`;

export interface NodeListParams {
  page?: number;
  page_size?: number;
  name?: string;
  role?: string;
  status?: string;
  label_selector?: string;
  sort?: string;
}

export const listNodes = (id: string | number, q: NodeListParams) => api<NodeList>(base(id), { query: { ...q } });
export const getNode = (id: string | number, name: string) => api<NodeDetail>(`${base(id)}/${encodeURIComponent(name)}`);
export const cordonNode = (id: string | number, name: string) =>
  api<unknown>(`${base(id)}/${encodeURIComponent(name)}/cordon`, { method: 'POST' });
export const uncordonNode = (id: string | number, name: string) =>
  api<unknown>(`${base(id)}/${encodeURIComponent(name)}/uncordon`, { method: 'POST' });
export const drainNode = (id: string | number, name: string, opts: DrainOptions) =>
  api<DrainStarted>(`${base(id)}/${encodeURIComponent(name)}/drain`, { method: 'POST', body: opts });
export const setNodeLabels = (
  id: string | number,
  name: string,
  body: LabelChange,
) => api<unknown>(`${base(id)}/${encodeURIComponent(name)}/labels`, { method: 'PUT', body });
export const setNodeTaints = (
  id: string | number,
  name: string,
  body: TaintChange,
) => api<unknown>(`${base(id)}/${encodeURIComponent(name)}/taints`, { method: 'PUT', body });
export const nodeMetricsHistory = (id: string | number, name: string, q: { from: string; to: string; step?: number }) =>
  api<NodeMetricsHistory>(`${base(id)}/${encodeURIComponent(name)}/metrics/history`, { query: q });
export const nodeMetricsLatest = (id: string | number, name: string) =>
  api<NodeMetricsLatest>(`${base(id)}/${encodeURIComponent(name)}/metrics`);

export const getTask = (taskId: string | number) => api<Task>(`/tasks/${taskId}`);
export const cancelTask = (taskId: string | number) => api<unknown>(`/tasks/${taskId}/cancel`, { method: 'POST' });

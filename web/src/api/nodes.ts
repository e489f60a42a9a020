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
  /** `false` for cordoned nodes only */
  schedulable?: boolean;
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
/** Goes on with an interrupted or failed drain in a new task (`POST /api/v1/tasks/{id}/resume`): its id. */
export const resumeTask = (taskId: string | number) => api<{ task_id: number }>(`/tasks/${taskId}/resume`, { method: 'POST' });

/**
 * Follows a task's server-sent events (`GET /api/v1/tasks/{id}/events`, one `task` event per change).
 * EventSource cannot send the bearer token, so this reads the stream with fetch. Resolves when the stream ends.
 */
export async function followTask(taskId: string | number, onTask: (t: Task) => void, signal: AbortSignal): Promise<void> {
  const { getSession } = await import('./session');
  const s = getSession();
  const res = await fetch(`/api/v1/tasks/${taskId}/events`, {
    headers: { Accept: 'text/event-stream', ...(s ? { Authorization: `Bearer ${s.accessToken}` } : {}) },
    signal,
  });
  if (!res.ok || !res.body) throw new Error(`task events: HTTP ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const data = parseSseData(frame);
      if (data) onTask(JSON.parse(data) as Task);
    }
  }
}

/** The data of one server-sent event frame (joined `data:` lines), or null for comments/keep-alives. */
export function parseSseData(frame: string): string | null {
  const lines = frame.split('\n').filter((l) => l.startsWith('data:'));
  if (!lines.length) return null;
  return lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n');
}

// Cluster metrics and "top" (GET /k8s/cluster/{id}/metrics, .../metrics/history, .../top/nodes, .../top/pods).
import { api } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];
export type ClusterMetricsPoint = Schemas['ClusterMetricsPoint'];
export type ClusterMetricsLatest = Schemas['ClusterMetricsLatest'];
export type ClusterMetricsHistory = Schemas['ClusterMetricsHistory'];
export type TopNodes = Schemas['TopNodes'];
export type TopNode = Schemas['TopNode'];
export type TopPods = Schemas['TopPods'];
export type TopPod = Schemas['TopPod'];
export type TopSort = 'cpu' | 'memory';

const base = (id: string | number) => `/k8s/cluster/${id}`;

export const clusterMetricsLatest = (id: string | number) => api<ClusterMetricsLatest>(`${base(id)}/metrics`);
export const clusterMetricsHistory = (id: string | number, q: { from: string; to: string; step?: number }) =>
  api<ClusterMetricsHistory>(`${base(id)}/metrics/history`, { query: q });
export const topNodes = (id: string | number, sort: TopSort) => api<TopNodes>(`${base(id)}/top/nodes`, { query: { sort } });
export const topPods = (id: string | number, q: { sort: TopSort; namespace?: string; name?: string; limit?: number }) =>
  api<TopPods>(`${base(id)}/top/pods`, { query: { ...q, namespace: q.namespace || undefined } });

import { api } from './client';
import type { Cluster, ClusterHealth, ClusterImportRequest, Page, Preflight } from './types';

export interface ClusterListParams {
  page?: number;
  page_size?: number;
  name?: string;
  status?: number;
  cluster_type?: number;
  sort?: string;
}

export const listClusters = (q: ClusterListParams = {}) =>
  api<Page<Cluster>>('/k8s/cluster', { query: { ...q } });
export const getCluster = (id: string | number) => api<Cluster>(`/k8s/cluster/${id}`);
export const getClusterStatus = (id: string | number) => api<ClusterHealth>(`/k8s/cluster/${id}/status`);
export const preflightCluster = (body: ClusterImportRequest) =>
  api<{ preflight: Preflight }>('/k8s/cluster', { method: 'POST', query: { dry_run: true }, body });
export const importCluster = (body: ClusterImportRequest) =>
  api<{ cluster: Cluster; preflight: Preflight }>('/k8s/cluster', { method: 'POST', body });
export const updateCluster = (id: string | number, body: Partial<ClusterImportRequest>) =>
  api<Cluster>(`/k8s/cluster/${id}`, { method: 'PUT', body });
export const deleteCluster = (id: string | number) => api<void>(`/k8s/cluster/${id}`, { method: 'DELETE' });
export const syncCluster = (id: string | number) => api<Cluster>(`/k8s/cluster/${id}/sync`, { method: 'POST' });

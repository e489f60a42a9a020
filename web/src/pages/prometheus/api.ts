// The cluster's Prometheus (issue 16, application metrics): the link an admin sets, PromQL for charts, a workload's
// application metrics and saved queries. Same client (`api`) as every page.
import { api } from '../../api/client';

export type Point = [number, number | null];
export interface PromSeries {
  labels: Record<string, string>;
  values: Point[];
}
export interface PrometheusLink {
  cluster_id: number;
  url: string;
  auth: 'none' | 'basic' | 'bearer';
  username?: string | null;
  credentials_set: boolean;
  insecure_skip_tls_verify: boolean;
  ca_pem?: string | null;
  timeout_secs: number;
  version?: string | null;
  checked_at?: string | null;
  updated_by: string;
  updated_at: string;
}
export interface PrometheusLinkInput {
  url: string;
  auth: 'none' | 'basic' | 'bearer';
  username?: string;
  password?: string;
  token?: string;
  insecure_skip_tls_verify?: boolean;
  ca_pem?: string;
  timeout_secs?: number;
}
export interface AppChart {
  query: string;
  series: PromSeries[];
}
export interface SavedChart {
  id: number;
  name: string;
  unit: string;
  cluster_wide: boolean;
  query: string;
  series: PromSeries[];
  error?: string | null;
}
export interface AppMetrics {
  family?: string | null;
  reason?: string | null;
  pods: string[];
  from: number;
  to: number;
  step: number;
  window: number;
  request_rate?: AppChart | null;
  request_rate_by_pod?: AppChart | null;
  error_ratio?: AppChart | null;
  latency?: AppChart | null;
  saved: SavedChart[];
}
export interface SavedQuery {
  id: number;
  cluster_id: number;
  namespace?: string | null;
  workload?: string | null;
  name: string;
  query: string;
  unit: string;
}
export interface SavedQueryInput {
  name: string;
  query: string;
  unit: string;
  namespace?: string;
  workload?: string;
}

const base = (id: string | number) => `/k8s/cluster/${id}/prometheus`;

export const getLink = (id: string | number) => api<PrometheusLink>(base(id));
export const putLink = (id: string | number, body: PrometheusLinkInput, verify = true) =>
  api<PrometheusLink>(base(id), { method: 'PUT', body, query: { verify: verify ? undefined : false } });
export const deleteLink = (id: string | number) => api<void>(base(id), { method: 'DELETE' });
export const testLink = (id: string | number) => api<{ ok: boolean; version: string }>(`${base(id)}/test`, { method: 'POST', body: {} });
export const appMetrics = (id: string | number, ns: string, plural: string, name: string, range: string) =>
  api<AppMetrics>(`/k8s/cluster/${id}/namespaces/${encodeURIComponent(ns)}/${plural}/${encodeURIComponent(name)}/app-metrics`, { query: { range } });
export const createSaved = (id: string | number, body: SavedQueryInput) => api<SavedQuery>(`${base(id)}/queries`, { method: 'POST', body });
export const deleteSaved = (id: string | number, qid: number) => api<void>(`${base(id)}/queries/${qid}`, { method: 'DELETE' });

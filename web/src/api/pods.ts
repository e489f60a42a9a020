import { api } from './client';
import type { MergedLogs, PodDetail, PodList, PodSearchResult } from './types';

export interface PodListParams {
  page?: number;
  page_size?: number;
  namespace?: string;
  label_selector?: string;
  node?: string;
  phase?: string;
  /** kubectl's STATUS (CrashLoopBackOff, Completed ...) */
  status?: string;
  /** owner kind/name */
  owner?: string;
  name?: string;
  sort?: string;
}

const podPath = (id: string | number, ns: string, name: string) =>
  `/k8s/cluster/${id}/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;

export const listPods = (id: string | number, q: PodListParams) =>
  api<PodList>(`/k8s/cluster/${id}/pods`, { query: { ...q } });
export const getPod = (id: string | number, ns: string, name: string) => api<PodDetail>(podPath(id, ns, name));
export const deletePod = (id: string | number, ns: string, name: string, q: { grace_period_seconds?: number; force?: boolean } = {}) =>
  api<void>(podPath(id, ns, name), { method: 'DELETE', query: q });

export interface LogOptions {
  container?: string;
  tailLines?: number;
  previous?: boolean;
  timestamps?: boolean;
  sinceSeconds?: number;
  limitBytes?: number;
}

export async function fetchLogs(id: string | number, ns: string, name: string, o: LogOptions): Promise<string> {
  const res = await api<Response>(`${podPath(id, ns, name)}/logs`, { query: { ...o }, raw: true });
  return res.text();
}

export async function downloadLogs(id: string | number, ns: string, name: string, o: LogOptions): Promise<Blob> {
  const res = await api<Response>(`${podPath(id, ns, name)}/logs`, { query: { ...o, download: true }, raw: true });
  return res.blob();
}

/** Path of the follow WebSocket (the access token travels as a subprotocol, never in the URL). */
export function logStreamUrl(id: string | number, ns: string, name: string, o: LogOptions) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '' && v !== null) q.set(k, String(v));
  return `${proto}//${location.host}/ws/k8s/cluster/${id}/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}/logs?${q}`;
}

/** A workload's logs merged in time order by the server (label selector within one namespace). */
export const mergedLogs = (id: string | number, ns: string, q: { labelSelector: string; tailLines?: number; sinceSeconds?: number }) =>
  api<MergedLogs>(`/k8s/cluster/${id}/namespaces/${encodeURIComponent(ns)}/logs`, { query: { ...q } });

/** "Where is this pod?": name or label search over every cluster the user may see. */
export const searchPods = (q: string, page = 1, page_size = 50) => api<PodSearchResult>('/k8s/pods', { query: { q, page, page_size } });

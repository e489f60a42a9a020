// The alert engine's API (issue 16, Alerts): a cluster's alerts and every cluster's (the global page and the header
// badge), acknowledge and resolve, the rules, silences and the Alertmanager ingest tokens.
import { api } from '../../api/client';
import type { components } from '../../api/schema';

type Schemas = components['schemas'];
export type Alert = Schemas['AlertView'];
export type AlertRule = Schemas['RuleView'];
export type RuleUpdate = Schemas['RuleUpdate'];
export type NewRule = Schemas['NewRule'];
export type Silence = Schemas['SilenceView'];
export type NewSilence = Schemas['NewSilence'];
export type Matcher = Schemas['Matcher'];
export type IngestToken = Schemas['IngestTokenView'];
export type CreatedIngestToken = Schemas['CreatedIngestToken'];

export interface AlertPage {
  items: Alert[];
  total: number;
  page: number;
  page_size: number;
}

/** The list filters as the URL and the server name them. */
export interface AlertFilters {
  state?: string;
  severity?: string;
  rule?: string;
  namespace?: string;
  cluster_id?: string;
}

export const ALERT_FILTERS = ['state', 'severity', 'rule', 'namespace', 'cluster_id'] as const;

/** The filters of a URL's query (empty values left out). */
export function filtersFromParams(params: URLSearchParams): AlertFilters {
  const f: Record<string, string> = {};
  for (const k of ALERT_FILTERS) {
    const v = params.get(k)?.trim();
    if (v) f[k] = v;
  }
  return f;
}

const base = (id: string | number) => `/k8s/cluster/${id}`;

export const listAlerts = (clusterId: string | undefined, f: AlertFilters, page: number, pageSize: number) =>
  api<AlertPage>(clusterId ? `${base(clusterId)}/alerts` : '/alerts', { query: { ...f, page, page_size: pageSize } });
/** How many alerts fire now in every cluster the user may read (the header badge). */
export const firingCount = () => api<AlertPage>('/alerts', { query: { state: 'firing', page_size: 1 } }).then((p) => p.total);
export const ackAlert = (clusterId: number, id: number) => api<Alert>(`${base(clusterId)}/alerts/${id}/ack`, { method: 'POST', body: {} });
export const resolveAlert = (clusterId: number, id: number, reason: string) =>
  api<Alert>(`${base(clusterId)}/alerts/${id}/resolve`, { method: 'POST', body: { reason } });

export const listRules = (clusterId: string) => api<AlertRule[]>(`${base(clusterId)}/alert-rules`);
export const updateRule = (clusterId: string, name: string, body: RuleUpdate) =>
  api<AlertRule>(`${base(clusterId)}/alert-rules/${encodeURIComponent(name)}`, { method: 'PUT', body });
export const createRule = (clusterId: string, body: NewRule) => api<AlertRule>(`${base(clusterId)}/alert-rules`, { method: 'POST', body });
export const deleteRule = (clusterId: string, name: string) =>
  api<void>(`${base(clusterId)}/alert-rules/${encodeURIComponent(name)}`, { method: 'DELETE' });

export const listSilences = (clusterId: string) => api<Silence[]>(`${base(clusterId)}/silences`);
export const createSilence = (clusterId: string | number, body: NewSilence) => api<Silence>(`${base(clusterId)}/silences`, { method: 'POST', body });
export const expireSilence = (clusterId: string, id: number) => api<Silence>(`${base(clusterId)}/silences/${id}`, { method: 'DELETE' });

export const listTokens = (clusterId: string) => api<IngestToken[]>(`${base(clusterId)}/alert-ingest-tokens`);
export const createToken = (clusterId: string, name: string) =>
  api<CreatedIngestToken>(`${base(clusterId)}/alert-ingest-tokens`, { method: 'POST', body: { name } });
export const deleteToken = (clusterId: string, id: number) => api<void>(`${base(clusterId)}/alert-ingest-tokens/${id}`, { method: 'DELETE' });

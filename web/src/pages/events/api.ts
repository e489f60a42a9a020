// The event archive (issue 16, Events): a cluster's events kept beyond the apiserver's --event-ttl, searched by
// involved object, reason, type, message text, namespace and time; the warnings timeline; a relist now.
import { api } from '../../api/client';
import type { components } from '../../api/schema';

type Schemas = components['schemas'];
export type EventList = Schemas['EventList'];
export type ArchivedEvent = Schemas['EventRow'];
export type WarningTimeline = Schemas['WarningTimeline'];
export type EventSyncResult = Schemas['EventSyncResult'];

/** The search filters as the URL and the server name them. */
export interface EventSearch {
  kind?: string;
  name?: string;
  namespace?: string;
  reason?: string;
  type?: string;
  q?: string;
  from?: string;
  to?: string;
  page?: number;
  page_size?: number;
}

export const EVENT_FILTERS = ['kind', 'name', 'namespace', 'reason', 'type', 'q', 'from', 'to'] as const;

/** The filters of a URL's query (empty values left out). */
export function searchFromParams(params: URLSearchParams): EventSearch {
  const s: Record<string, string> = {};
  for (const k of EVENT_FILTERS) {
    const v = params.get(k)?.trim();
    if (v) s[k] = v;
  }
  return s;
}

const base = (id: string | number) => `/k8s/cluster/${id}/events`;

export const searchEvents = (id: string | number, s: EventSearch) => api<EventList>(`${base(id)}/search`, { query: { ...s } });
export const warningTimeline = (id: string | number, from: string, to: string) => api<WarningTimeline>(`${base(id)}/timeline`, { query: { from, to } });
export const syncEvents = (id: string | number) => api<EventSyncResult>(`${base(id)}/sync`, { method: 'POST', body: {} });

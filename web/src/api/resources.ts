// The resource engine (issue 13): one API for every Kubernetes kind. The shapes come from the server's OpenAPI
// document (schema.d.ts); what it leaves as plain strings or free objects (an outcome, a relation, an error body,
// the object itself) is narrowed here to what the server documents.
import { api, type Query } from './client';
import type { components } from './schema';
import type { ApiErrorBody } from './types';

type Schemas = components['schemas'];

export type KindCategory = Schemas['Category'];
export type KindTier = Schemas['Tier'];
export type ColumnType = Schemas['ColumnType'];
export type Health = Schemas['Health'];
/** One column of a kind's list, as `kubectl get -o wide` shows it (`key` is also its `sort=` and filter name). */
export type Column = Schemas['Column'];
/** A kind the server knows, and whether this cluster serves it (`version` null: it does not). */
export type KindInfo = Schemas['KindInfo'];
export type KindList = Schemas['KindList'];
export type ResourceOwner = Schemas['OwnerRef'];
export type ResourceRow = Schemas['ResourceRow'];
export type ResourceList = Omit<Schemas['ResourceList'], 'source'> & { source: 'live' | 'snapshot' | (string & {}) };
export type ResourceEvent = Schemas['EventRow'];

/** A Kubernetes object as JSON: what the console reads of it is typed, the rest is the kind's own. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export type Relation = 'owner' | 'owns' | 'selects' | 'selected_by' | 'uses' | 'used_by';
export type RelatedObject = Schemas['Related'];

export type ResourceDetail = Omit<Schemas['ResourceDetail'], 'object'> & {
  /** the live object without managedFields */
  object: KubeObject;
  /** (the list's columns, when the server sends them) */
  columns?: Column[];
};

export type ApplyOutcome = 'created' | 'configured' | 'unchanged' | 'failed';
export type ApplyResult = Omit<Schemas['ApplyResult'], 'outcome' | 'error'> & {
  outcome: ApplyOutcome;
  /** why it failed: the usual error body */
  error?: ApiErrorBody | null;
};
export type ApplyReport = Omit<Schemas['ApplyReport'], 'results'> & { results: ApplyResult[] };

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

export interface ResourceListParams {
  page?: number;
  page_size?: number;
  /** comma list (all-namespaces path only) */
  namespace?: string;
  label_selector?: string;
  name?: string;
  status?: string;
  /** `Kind/name` */
  owner?: string;
  sort?: string;
  /** and any column key as an exact-match filter */
  [column: string]: string | number | undefined;
}

/** Where one object of a kind lives (the namespace is ignored for a cluster-scoped kind). */
export interface ObjectRef {
  name: string;
  namespace?: string | null;
}

const cluster = (id: string | number) => `/k8s/cluster/${id}`;
const kindPath = (id: string | number, name: string, namespace?: string | null) =>
  namespace ? `${cluster(id)}/namespaces/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}` : `${cluster(id)}/${encodeURIComponent(name)}`;
/** The path of one object (`.../namespaces/{ns}/{name}/{objname}` or `.../{name}/{objname}`). */
export const objectPath = (id: string | number, kind: Pick<KindInfo, 'name' | 'namespaced'>, ref: ObjectRef) =>
  `${kindPath(id, kind.name, kind.namespaced ? ref.namespace : null)}/${encodeURIComponent(ref.name)}`;

const YAML = 'application/yaml';

export const listKinds = (id: string | number) => api<KindList>(`${cluster(id)}/kinds`);

export const listResources = (id: string | number, name: string, q: ResourceListParams) =>
  api<ResourceList>(kindPath(id, name), { query: q as Query });

export const getResource = (id: string | number, kind: Pick<KindInfo, 'name' | 'namespaced'>, ref: ObjectRef, reveal = false) =>
  api<ResourceDetail>(objectPath(id, kind, ref), { query: { reveal: reveal || undefined } });

export async function getResourceYaml(id: string | number, kind: Pick<KindInfo, 'name' | 'namespaced'>, ref: ObjectRef, reveal = false): Promise<string> {
  const res = await api<Response>(`${objectPath(id, kind, ref)}/yaml`, { query: { reveal: reveal || undefined }, raw: true, accept: YAML });
  return res.text();
}

export const getResourceEvents = (id: string | number, kind: Pick<KindInfo, 'name' | 'namespaced'>, ref: ObjectRef) =>
  api<Schemas['EventList']>(`${objectPath(id, kind, ref)}/events`);

/** Creates the objects of `text` (one or more YAML documents) of one kind. */
export const createResources = (id: string | number, kind: Pick<KindInfo, 'name' | 'namespaced'>, namespace: string | null, text: string, dryRun: boolean) =>
  api<unknown>(kindPath(id, kind.name, kind.namespaced ? namespace : null), { method: 'POST', query: { dry_run: dryRun || undefined }, text: { body: text, contentType: YAML } });

/** Server-side apply of any kinds (several documents). */
export const applyResources = (id: string | number, text: string, dryRun: boolean, force = false) =>
  api<unknown>(`${cluster(id)}/apply`, { method: 'POST', query: { dry_run: dryRun || undefined, force: force || undefined }, text: { body: text, contentType: YAML } });

/** Replaces one object; `text` must carry metadata.resourceVersion (a stale one answers 409 resource_conflict). */
export const replaceResource = (id: string | number, kind: Pick<KindInfo, 'name' | 'namespaced'>, ref: ObjectRef, text: string, dryRun: boolean) =>
  api<unknown>(objectPath(id, kind, ref), { method: 'PUT', query: { dry_run: dryRun || undefined }, text: { body: text, contentType: YAML } });

export const deleteResource = (
  id: string | number,
  kind: Pick<KindInfo, 'name' | 'namespaced'>,
  ref: ObjectRef,
  q: { propagation?: Propagation; grace_period_seconds?: number; dry_run?: boolean } = {},
) => api<unknown>(objectPath(id, kind, ref), { method: 'DELETE', query: { ...q } });

/** Relists a kind from the cluster. */
export const syncResources = (id: string | number, name: string) => api<unknown>(`${kindPath(id, name)}/sync`, { method: 'POST' });

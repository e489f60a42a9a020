// The resource engine (issue 13): one API for every Kubernetes kind. The shapes are written by hand after the
// server's contract until the generated schema (schema.d.ts) has them.
import { api, type Query } from './client';
import type { ApiErrorBody } from './types';

export type KindCategory = 'workloads' | 'network' | 'configuration' | 'storage' | 'access_control' | 'cluster' | 'custom_resources';
export type KindTier = 'app' | 'platform';
export type ColumnType = 'text' | 'number' | 'date';
export type Health = 'neutral' | 'ok' | 'progressing' | 'warning' | 'error';

/** One column of a kind's list, as `kubectl get -o wide` shows it. */
export interface Column {
  /** key in `sort=` and as an exact-match filter (`type=ClusterIP`) */
  key: string;
  /** kubectl's header (`CLUSTER-IP`) */
  header: string;
  type: ColumnType;
  /** shown by `-o wide` only */
  wide: boolean;
}

/** A kind the server knows, and whether this cluster serves it. */
export interface KindInfo {
  /** the URL name: `deployments`, or `widgets.example.com` for a custom resource */
  name: string;
  /** `Deployment` */
  kind: string;
  /** API group (`""` for the core group) */
  group: string;
  /** the version this cluster serves; null when it does not serve the kind */
  version: string | null;
  namespaced: boolean;
  category: KindCategory;
  /** which permission writes it: `app` (resource.write/delete) or `platform` (platform.write) */
  tier: KindTier;
  columns: Column[];
}

export interface KindList {
  server_version: string | null;
  items: KindInfo[];
}

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

export interface ResourceOwner {
  kind: string;
  name: string;
}

export interface ResourceRow {
  namespace: string | null;
  name: string;
  created_at: string | null;
  labels: Record<string, string>;
  /** one per column of the list */
  cells: (string | null)[];
  status: string | null;
  health: Health;
  owner: ResourceOwner | null;
}

export interface ResourceList {
  kind: string;
  api_version: string;
  namespaced: boolean;
  columns: Column[];
  items: ResourceRow[];
  total: number;
  page: number;
  page_size: number;
  stale: boolean;
  source: 'live' | 'snapshot';
  last_sync_at: string | null;
}

export type Relation = 'owner' | 'owns' | 'selects' | 'selected_by' | 'uses' | 'used_by';

export interface RelatedObject {
  relation: Relation | string;
  kind: string;
  /** the object's name */
  name: string;
  /** the URL name of its kind, when known */
  resource: string | null;
  namespace: string | null;
}

export interface ResourceDetail {
  kind: string;
  api_version: string;
  row: ResourceRow;
  /** the live object without managedFields */
  object: KubeObject;
  /** a Secret whose values were removed */
  redacted: boolean;
  related: RelatedObject[];
  /** (the list's columns, when the server sends them) */
  columns?: Column[];
}

export interface ResourceEvent {
  type: string;
  reason: string;
  message: string;
  count: number | null;
  first_seen: string | null;
  last_seen: string | null;
  source: string | null;
}

export type ApplyOutcome = 'created' | 'configured' | 'unchanged' | 'failed';

export interface ApplyResult {
  /** the document's place in the text (0-based) */
  index: number;
  kind: string | null;
  namespace: string | null;
  name: string | null;
  outcome: ApplyOutcome;
  error: ApiErrorBody | null;
  object: unknown | null;
  /** unified diff, live → new, on a dry run */
  diff: string | null;
}

export interface ApplyReport {
  dry_run: boolean;
  results: ApplyResult[];
}

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
  api<{ items: ResourceEvent[] }>(`${objectPath(id, kind, ref)}/events`);

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

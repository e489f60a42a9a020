// View logic of the generic resource pages (issue 13): navigation groups, URLs, the list's URL state, cells,
// status colours, who may write what, write answers and create templates. React-free, so unit tests run it directly.
import type { ApplyReport, ApplyResult, Column, Health, KindCategory, KindInfo, RelatedObject, ResourceListParams } from '../api/resources';
import type { Me } from '../api/types';
import { can } from './permissions';
import { formatAge } from './format';
import type { Tone } from './status';
import { workloadSpec } from './workloadManifest';
import { toYaml } from './yaml';

/** Navigation groups, in the order operators look for them. */
export const CATEGORIES: KindCategory[] = ['workloads', 'network', 'configuration', 'storage', 'access_control', 'cluster', 'custom_resources'];

/** Kinds with pages of their own (their sidebar entries stay where they were): not repeated in the groups. */
export const OWN_PAGES = new Set(['pods', 'nodes']);

/** A kind's plural as people write it: Deployments, Ingresses, NetworkPolicies, Endpoints. */
export function kindPlural(kind: string): string {
  if (!kind) return kind;
  if (/ss$/.test(kind) || /(x|z|ch|sh)$/.test(kind)) return `${kind}es`;
  // Endpoints is plural already
  if (/s$/.test(kind)) return kind;
  if (/[^aeiou]y$/i.test(kind)) return `${kind.slice(0, -1)}ies`;
  return `${kind}s`;
}

export interface KindGroup {
  category: KindCategory;
  kinds: KindInfo[];
}

/**
 * The sidebar's groups: every category that has a kind, its kinds in the server's order. Kinds with pages of their
 * own (pods, nodes) are left out; kinds this cluster does not serve are kept (shown greyed) unless `servedOnly`.
 */
export function groupKinds(items: KindInfo[], { servedOnly = false }: { servedOnly?: boolean } = {}): KindGroup[] {
  const groups = new Map<KindCategory, KindInfo[]>();
  for (const k of items) {
    if (OWN_PAGES.has(k.name) && !k.group) continue;
    if (servedOnly && !k.version) continue;
    const cat = CATEGORIES.includes(k.category) ? k.category : 'custom_resources';
    // a custom resource the cluster does not serve is only noise
    if (cat === 'custom_resources' && !k.version) continue;
    groups.set(cat, [...(groups.get(cat) ?? []), k]);
  }
  return CATEGORIES.filter((c) => groups.get(c)?.length).map((category) => ({ category, kinds: groups.get(category)! }));
}

/** The console page of a kind's list (pods and nodes have their own). */
export function kindHref(clusterId: string | number, name: string): string {
  if (name === 'pods' || name === 'nodes') return `/clusters/${clusterId}/${name}`;
  return `/clusters/${clusterId}/resources/${encodeURIComponent(name)}`;
}

/** `_` stands for the namespace of a cluster-scoped object in the detail page's URL. */
export const NO_NAMESPACE = '_';

/** The console page of one object (a pod's and a node's are their own pages). */
export function objectHref(clusterId: string | number, name: string, namespace: string | null | undefined, objname: string): string {
  const obj = encodeURIComponent(objname);
  if (name === 'pods' && namespace) return `/clusters/${clusterId}/namespaces/${encodeURIComponent(namespace)}/pods/${obj}`;
  if (name === 'nodes') return `/clusters/${clusterId}/nodes/${obj}`;
  return `/clusters/${clusterId}/resources/${encodeURIComponent(name)}/${namespace ? encodeURIComponent(namespace) : NO_NAMESPACE}/${obj}`;
}

/** The page of a related object, when the console has one (its kind's URL name is known). */
export function relatedHref(clusterId: string | number, r: RelatedObject, kinds?: KindInfo[]): string | null {
  const name = r.resource ?? kinds?.find((k) => k.kind === r.kind)?.name;
  if (!name) return null;
  return objectHref(clusterId, name, r.namespace, r.name);
}

/** The namespace in a detail page's URL (`_`: none). */
export const namespaceOfParam = (ns: string | undefined): string | null => (!ns || ns === NO_NAMESPACE ? null : ns);

// ---- the list's state in the URL -------------------------------------------------------------------------------

/** The list's filters kept in the URL besides the page, its size and the kind's own column filters. */
export const LIST_FILTERS = ['namespace', 'label_selector', 'name', 'status', 'owner', 'sort'] as const;
/** URL keys of the page itself, never sent as column filters. */
const PAGE_KEYS = new Set<string>([...LIST_FILTERS, 'page', 'page_size', 'wide', 'tab']);

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

function positive(v: string | null, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : dflt;
}

/**
 * What the list asks the server for, from the page's URL: page and size, the filters, and each of the kind's
 * column keys present in the URL as an exact-match filter (`?type=ClusterIP`). Other URL keys are not sent.
 */
export function listQueryOf(params: URLSearchParams, columns: Pick<Column, 'key'>[], namespaced = true): ResourceListParams {
  const q: ResourceListParams = {
    page: positive(params.get('page'), 1),
    page_size: positive(params.get('page_size'), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  };
  for (const k of LIST_FILTERS) {
    const v = params.get(k)?.trim();
    if (!v || (k === 'namespace' && !namespaced)) continue;
    q[k] = k === 'namespace' ? namespaceParam(v) : v;
  }
  for (const c of columns) {
    if (PAGE_KEYS.has(c.key)) continue;
    const v = params.get(c.key)?.trim();
    if (v) q[c.key] = v;
  }
  return q;
}

/** A namespace list as the API takes it: comma separated, no blanks or repeats. */
export function namespaceParam(v: string | string[] | null | undefined): string {
  const list = (Array.isArray(v) ? v : (v ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
  return [...new Set(list)].join(',');
}

/** The column filters the URL holds (`{type: 'ClusterIP'}`), shown as removable tags. */
export function columnFiltersOf(params: URLSearchParams, columns: Column[]): { column: Column; value: string }[] {
  return columns.filter((c) => !PAGE_KEYS.has(c.key) && params.get(c.key)).map((column) => ({ column, value: params.get(column.key)! }));
}

/** The list's columns on screen: the kind's own, the wide ones only when asked. */
export const visibleColumns = (columns: Column[], wide: boolean): Column[] => columns.filter((c) => wide || !c.wide);

// ---- cells -----------------------------------------------------------------------------------------------------

/** kubectl's word for an empty cell. */
export const NONE = '<none>';

/** A cell as the list shows it: a date as an age (kubectl's AGE), an empty cell as `<none>`. */
export function formatCell(column: Pick<Column, 'type'>, value: string | null | undefined, now = Date.now()): string {
  if (value === null || value === undefined || value === '') return NONE;
  if (column.type === 'date') {
    const age = formatAge(value, now);
    return age === '-' ? value : age;
  }
  return value;
}

/** The cells of a row by column key (the detail page's overview). */
export function cellsByKey(columns: Column[], cells: (string | null)[]): { column: Column; value: string | null }[] {
  return columns.map((column, i) => ({ column, value: cells[i] ?? null }));
}

export const healthTone: Record<Health, Tone> = {
  neutral: 'default',
  ok: 'success',
  progressing: 'processing',
  warning: 'warning',
  error: 'error',
};

export function toneOfHealth(h: Health | string | null | undefined): Tone {
  return h && Object.prototype.hasOwnProperty.call(healthTone, h) ? healthTone[h as Health] : 'default';
}

// ---- permissions -----------------------------------------------------------------------------------------------

type MeLike = Pick<Me, 'permissions' | 'bindings'> | null | undefined;

/** Writing an application kind needs resource.write; a platform kind (namespaces, RBAC, volumes ...) platform.write. */
export function canWriteKind(me: MeLike, kind: Pick<KindInfo, 'tier'> | undefined): boolean {
  if (!kind) return false;
  return kind.tier === 'platform' ? can(me, 'platform.write') : can(me, 'resource.write');
}

/** Deleting an application kind needs resource.delete; a platform kind platform.write. */
export function canDeleteKind(me: MeLike, kind: Pick<KindInfo, 'tier'> | undefined): boolean {
  if (!kind) return false;
  return kind.tier === 'platform' ? can(me, 'platform.write') : can(me, 'resource.delete');
}

/** A Secret's values: editing one means reading them first, so only with secret.read. */
export const isSecretKind = (k: Pick<KindInfo, 'name' | 'group'> | undefined) => k?.name === 'secrets' && !k.group;

// ---- write answers ---------------------------------------------------------------------------------------------

/**
 * A write's answer as a report: the server answers an ApplyReport; an answer that is the object itself (a route
 * that returns what it wrote) is one `configured` (or `created`) result.
 */
export function reportOf(answer: unknown, dryRun: boolean, outcome: ApplyResult['outcome'] = 'configured'): ApplyReport {
  if (answer && typeof answer === 'object' && Array.isArray((answer as ApplyReport).results)) {
    const r = answer as ApplyReport;
    return { dry_run: r.dry_run ?? dryRun, results: r.results };
  }
  const obj = (answer ?? null) as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
  return {
    dry_run: dryRun,
    results: [
      {
        index: 0,
        kind: obj?.kind ?? null,
        namespace: obj?.metadata?.namespace ?? null,
        name: obj?.metadata?.name ?? null,
        outcome,
        error: null,
        object: obj,
        diff: null,
      },
    ],
  };
}

/** Counts of a report's outcomes, for its one-line summary. */
export function outcomeCounts(report: ApplyReport): Record<ApplyResult['outcome'], number> {
  const n = { created: 0, configured: 0, unchanged: 0, failed: 0 };
  for (const r of report.results) n[r.outcome] = (n[r.outcome] ?? 0) + 1;
  return n;
}

// ---- create templates ------------------------------------------------------------------------------------------

/** `apps/v1`, `v1`, `example.com/v1alpha1`. */
export function apiVersionOf(k: Pick<KindInfo, 'group' | 'version'>): string {
  const v = k.version ?? 'v1';
  return k.group ? `${k.group}/${v}` : v;
}

// Workload kinds (Deployment, StatefulSet, DaemonSet, Job, CronJob) come from the deploy wizard's builder
// (`workloadSpec`): one pod template for the wizard, the templates and this editor.
const SPECS: Record<string, (name: string) => string> = {
  Service: (n) => `spec:
  type: ClusterIP
  selector:
    app: ${n}
  ports:
    - name: http
      port: 80
      targetPort: 80
`,
  ConfigMap: () => `data:
  key: value
`,
  Secret: () => `type: Opaque
stringData:
  key: value
`,
  PersistentVolumeClaim: () => `spec:
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 1Gi
`,
  ServiceAccount: () => '',
  Namespace: () => '',
  Role: () => `rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get", "list", "watch"]
`,
};

/** A starting point for the create editor: apiVersion, kind, metadata and, for common kinds, a minimal spec. */
export function createTemplate(k: Pick<KindInfo, 'kind' | 'group' | 'version' | 'namespaced'>, namespace?: string | null): string {
  const name = `my-${k.kind.toLowerCase()}`;
  const meta = k.namespaced ? `metadata:\n  name: ${name}\n  namespace: ${namespace || 'default'}\n` : `metadata:\n  name: ${name}\n`;
  const workload = workloadSpec(k.kind, name, apiVersionOf(k), namespace || 'default');
  const spec = workload ? toYaml({ spec: workload.spec }) : SPECS[k.kind]?.(name) ?? (k.group === '' || SPECS[k.kind] ? '' : 'spec: {}\n');
  return `apiVersion: ${apiVersionOf(k)}\nkind: ${k.kind}\n${meta}${spec}`;
}

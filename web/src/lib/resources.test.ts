import { describe, expect, it } from 'vitest';
import type { KindInfo } from '../api/resources';
import {
  canDeleteKind,
  canWriteKind,
  columnFiltersOf,
  createTemplate,
  formatCell,
  groupKinds,
  kindHref,
  kindPlural,
  listQueryOf,
  namespaceParam,
  objectHref,
  outcomeCounts,
  relatedHref,
  reportOf,
  toneOfHealth,
  visibleColumns,
} from './resources';
import { patchParams } from './urlstate';

const kind = (name: string, k: string, category: KindInfo['category'], over: Partial<KindInfo> = {}): KindInfo => ({
  name,
  kind: k,
  group: '',
  version: 'v1',
  namespaced: true,
  category,
  tier: 'app',
  columns: [],
  ...over,
});

const serviceColumns = [
  { key: 'type', header: 'TYPE', type: 'text' as const, wide: false },
  { key: 'cluster_ip', header: 'CLUSTER-IP', type: 'text' as const, wide: false },
  { key: 'ports', header: 'PORT(S)', type: 'text' as const, wide: false },
  { key: 'selector', header: 'SELECTOR', type: 'text' as const, wide: true },
];

describe('kind registry in the sidebar', () => {
  const kinds = [
    kind('pods', 'Pod', 'workloads'),
    kind('deployments', 'Deployment', 'workloads', { group: 'apps' }),
    kind('services', 'Service', 'network'),
    kind('ingresses', 'Ingress', 'network', { group: 'networking.k8s.io', version: null }),
    kind('configmaps', 'ConfigMap', 'configuration'),
    kind('nodes', 'Node', 'cluster', { namespaced: false, tier: 'platform' }),
    kind('namespaces', 'Namespace', 'cluster', { namespaced: false, tier: 'platform' }),
    kind('clusterroles', 'ClusterRole', 'access_control', { group: 'rbac.authorization.k8s.io', namespaced: false, tier: 'platform' }),
    kind('widgets.example.com', 'Widget', 'custom_resources', { group: 'example.com', version: 'v1alpha1' }),
    kind('gadgets.example.com', 'Gadget', 'custom_resources', { group: 'example.com', version: null }),
  ];
  it('groups kinds in the order operators expect, pods and nodes staying on their own pages', () => {
    const groups = groupKinds(kinds);
    expect(groups.map((g) => g.category)).toEqual(['workloads', 'network', 'configuration', 'access_control', 'cluster', 'custom_resources']);
    expect(groups[0].kinds.map((k) => k.name)).toEqual(['deployments']);
    expect(groups.find((g) => g.category === 'cluster')!.kinds.map((k) => k.name)).toEqual(['namespaces']);
  });
  it('keeps built-in kinds the cluster does not serve (shown greyed), drops unserved custom resources', () => {
    const groups = groupKinds(kinds);
    expect(groups.find((g) => g.category === 'network')!.kinds.map((k) => k.name)).toEqual(['services', 'ingresses']);
    expect(groups.find((g) => g.category === 'custom_resources')!.kinds.map((k) => k.name)).toEqual(['widgets.example.com']);
    expect(groupKinds(kinds, { servedOnly: true }).find((g) => g.category === 'network')!.kinds.map((k) => k.name)).toEqual(['services']);
  });
  it('names kinds in the plural', () => {
    expect(['Deployment', 'Ingress', 'NetworkPolicy', 'Endpoints', 'StorageClass', 'ConfigMap', 'Gateway'].map(kindPlural)).toEqual([
      'Deployments',
      'Ingresses',
      'NetworkPolicies',
      'Endpoints',
      'StorageClasses',
      'ConfigMaps',
      'Gateways',
    ]);
  });
  it('links pods and nodes to their own pages, other kinds to the generic ones', () => {
    expect(kindHref(7, 'pods')).toBe('/clusters/7/pods');
    expect(kindHref(7, 'nodes')).toBe('/clusters/7/nodes');
    expect(kindHref(7, 'widgets.example.com')).toBe('/clusters/7/resources/widgets.example.com');
    expect(objectHref(7, 'deployments', 'shop', 'web')).toBe('/clusters/7/resources/deployments/shop/web');
    expect(objectHref(7, 'namespaces', null, 'shop')).toBe('/clusters/7/resources/namespaces/_/shop');
    expect(objectHref(7, 'pods', 'shop', 'web-1')).toBe('/clusters/7/namespaces/shop/pods/web-1');
    expect(objectHref(7, 'nodes', null, 'worker-1')).toBe('/clusters/7/nodes/worker-1');
  });
  it('links a related object through its kind, found by name when the server does not say', () => {
    expect(relatedHref(7, { relation: 'owns', kind: 'ReplicaSet', name: 'web-5d9', resource: 'replicasets', namespace: 'shop' })).toBe('/clusters/7/resources/replicasets/shop/web-5d9');
    expect(relatedHref(7, { relation: 'selects', kind: 'Deployment', name: 'web', resource: null, namespace: 'shop' }, kinds)).toBe('/clusters/7/resources/deployments/shop/web');
    expect(relatedHref(7, { relation: 'uses', kind: 'Mystery', name: 'x', resource: null, namespace: null }, kinds)).toBeNull();
  });
});

describe('the generic list keeps its state in the URL', () => {
  it('sends the filters, page and size, and column filters, and nothing else', () => {
    const params = new URLSearchParams('namespace=shop,%20web,shop&label_selector=app%3Dweb&name=api&status=Running&sort=-age&page=3&page_size=20&wide=1&type=ClusterIP&tab=x&bogus=1');
    expect(listQueryOf(params, serviceColumns)).toEqual({
      page: 3,
      page_size: 20,
      namespace: 'shop,web',
      label_selector: 'app=web',
      name: 'api',
      status: 'Running',
      sort: '-age',
      type: 'ClusterIP',
    });
  });
  it('defaults the page and caps the page size at 500', () => {
    expect(listQueryOf(new URLSearchParams('page=0&page_size=9000'), [])).toEqual({ page: 1, page_size: 500 });
    expect(listQueryOf(new URLSearchParams(''), [])).toEqual({ page: 1, page_size: 50 });
  });
  it('a cluster-scoped kind sends no namespace', () => {
    expect(listQueryOf(new URLSearchParams('namespace=shop'), [], false).namespace).toBeUndefined();
  });
  it('a filter change goes back to page 1 and a column filter shows as a tag', () => {
    const next = patchParams(new URLSearchParams('page=4&type=ClusterIP'), { status: 'Bound' });
    expect(next.get('page')).toBeNull();
    expect(columnFiltersOf(next, serviceColumns).map((f) => `${f.column.header}=${f.value}`)).toEqual(['TYPE=ClusterIP']);
  });
  it('a namespace list is comma separated without blanks or repeats', () => {
    expect(namespaceParam(['a', ' b', 'a', ''])).toBe('a,b');
    expect(namespaceParam(undefined)).toBe('');
  });
  it('shows wide columns only when asked', () => {
    expect(visibleColumns(serviceColumns, false).map((c) => c.key)).toEqual(['type', 'cluster_ip', 'ports']);
    expect(visibleColumns(serviceColumns, true)).toHaveLength(4);
  });
});

describe('cells and status colours', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  it('a date column reads as an age, an empty cell as <none>', () => {
    expect(formatCell({ type: 'date' }, '2026-11-29T11:55:00Z', now)).toBe('5m');
    expect(formatCell({ type: 'date' }, 'not a date', now)).toBe('not a date');
    expect(formatCell({ type: 'text' }, null, now)).toBe('<none>');
    expect(formatCell({ type: 'text' }, '', now)).toBe('<none>');
    expect(formatCell({ type: 'number' }, '3/3', now)).toBe('3/3');
  });
  it('maps health to colours', () => {
    expect(['neutral', 'ok', 'progressing', 'warning', 'error', 'weird', null].map(toneOfHealth)).toEqual(['default', 'success', 'processing', 'warning', 'error', 'default', 'default']);
  });
});

describe('who may write which kind', () => {
  const me = (permissions: string[]) => ({ permissions, bindings: [] });
  const app = { tier: 'app' as const };
  const platform = { tier: 'platform' as const };
  it('application kinds need resource.write / resource.delete, platform kinds platform.write', () => {
    expect(canWriteKind(me(['resource.write']), app)).toBe(true);
    expect(canDeleteKind(me(['resource.write']), app)).toBe(false);
    expect(canDeleteKind(me(['resource.delete']), app)).toBe(true);
    expect(canWriteKind(me(['resource.write', 'resource.delete']), platform)).toBe(false);
    expect(canDeleteKind(me(['platform.write']), platform)).toBe(true);
    expect(canWriteKind(me(['resource.read']), app)).toBe(false);
    expect(canWriteKind({ permissions: [], bindings: [{ role: 'platform-admin', cluster_id: null, namespace: null }] } as never, platform)).toBe(true);
    expect(canWriteKind(null, app)).toBe(false);
  });
});

describe('write answers', () => {
  it('a report is kept as it came; an object answer is one result', () => {
    const report = { dry_run: true, results: [{ index: 0, kind: 'ConfigMap', namespace: 'a', name: 'b', outcome: 'unchanged' as const, error: null, object: null, diff: null }] };
    expect(reportOf(report, false)).toEqual(report);
    const one = reportOf({ kind: 'ConfigMap', metadata: { name: 'b', namespace: 'a' } }, false);
    expect(one.results[0]).toMatchObject({ kind: 'ConfigMap', name: 'b', namespace: 'a', outcome: 'configured' });
    expect(outcomeCounts({ dry_run: false, results: [...report.results, { ...report.results[0], outcome: 'failed' }] })).toEqual({ created: 0, configured: 0, unchanged: 1, failed: 1 });
  });
});

describe('create templates', () => {
  it('carry apiVersion, kind and metadata (namespace for namespaced kinds) and a spec for common kinds', () => {
    const t = createTemplate({ kind: 'Deployment', group: 'apps', version: 'v1', namespaced: true }, 'shop');
    expect(t.startsWith('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: my-deployment\n  namespace: shop\nspec:\n')).toBe(true);
    expect(createTemplate({ kind: 'ConfigMap', group: '', version: 'v1', namespaced: true })).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: my-configmap\n  namespace: default\ndata:\n  key: value\n');
    expect(createTemplate({ kind: 'Namespace', group: '', version: 'v1', namespaced: false })).toBe('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: my-namespace\n');
    expect(createTemplate({ kind: 'Widget', group: 'example.com', version: 'v1alpha1', namespaced: true }, null)).toContain('apiVersion: example.com/v1alpha1\nkind: Widget\n');
  });
});

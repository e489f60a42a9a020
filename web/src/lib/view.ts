// View logic shared by pages, kept free of React so unit tests run it directly.
import type { DrainOptions, KubeNode, Preflight } from '../api/types';

/** Only same-origin console paths are followed after login. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';
}

/** Suggests a cluster name from the kubeconfig's current-context (the user can change it). */
export function suggestName(kubeconfig: string): string {
  const m = /^current-context:\s*["']?([^"'\n]+)["']?\s*$/m.exec(kubeconfig);
  return (m?.[1] ?? '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

/** The kubectl command with the same options, so operators can read exactly what will happen. */
export function kubectlDrainEquivalent(node: string, o: DrainOptions): string {
  const parts = ['kubectl drain', node];
  if (o.ignore_daemonsets) parts.push('--ignore-daemonsets');
  if (o.delete_emptydir_data) parts.push('--delete-emptydir-data');
  if (o.force) parts.push('--force');
  if (o.grace_period_seconds !== null && o.grace_period_seconds !== undefined) parts.push(`--grace-period=${o.grace_period_seconds}`);
  if (o.timeout_seconds) parts.push(`--timeout=${o.timeout_seconds}s`);
  if (o.pod_selector) parts.push(`--pod-selector='${o.pod_selector}'`);
  if (o.dry_run) parts.push('--dry-run=server');
  return parts.join(' ');
}

/** Sums allocatable and committed requests over nodes. */
export function capacitySummary(nodes: Pick<KubeNode, 'allocatable' | 'committed' | 'pod_count'>[]) {
  let cpuAlloc = 0,
    cpuReq = 0,
    memAlloc = 0,
    memReq = 0,
    podsAlloc = 0,
    pods = 0;
  for (const n of nodes) {
    cpuAlloc += (n.allocatable?.cpu_millis ?? 0) / 1000;
    cpuReq += (n.committed?.cpu_requests_millis ?? 0) / 1000;
    memAlloc += n.allocatable?.memory_bytes ?? 0;
    memReq += n.committed?.memory_requests_bytes ?? 0;
    podsAlloc += n.allocatable?.pods ?? 0;
    pods += n.pod_count ?? 0;
  }
  return { cpuAlloc, cpuReq, memAlloc, memReq, podsAlloc, pods };
}

/** Antd table sorter → the API's sort parameter ("name", "-age"). */
export function sortParam(order: 'ascend' | 'descend' | null | undefined, key: unknown): string | undefined {
  if (!order || key === undefined || key === null) return undefined;
  return `${order === 'descend' ? '-' : ''}${String(key)}`;
}

/** Node counts of a preflight, whether the server nests them under `nodes` or not. */
export function preflightNodes(p: Preflight) {
  const n = p.nodes;
  return {
    known: !!n,
    node_count: n?.node_count ?? 0,
    ready_nodes: n?.ready_nodes ?? 0,
    master_nodes: n?.master_nodes ?? 0,
    worker_nodes: n?.worker_nodes ?? 0,
  };
}

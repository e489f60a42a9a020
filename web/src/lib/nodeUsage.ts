// The node list's CPU and memory figures: what the node uses now and what its pods request, both as a share of
// what the node can allocate. Kept free of React so unit tests run it directly.
import type { NodeListItem } from '../api/types';

export interface ResourceFigures {
  /** percent of allocatable in use at the newest sample; null when the node reports no metrics (never 0) */
  usage: number | null;
  /** when that sample was taken */
  sampledAt: string | null;
  /** requests of the node's pods, percent of allocatable (may pass 100); null when allocatable is unknown */
  requests: number | null;
  /** requested and allocatable amounts: millicores for CPU, bytes for memory */
  requested: number;
  allocatable: number | null;
}

export function nodeResourceFigures(n: Pick<NodeListItem, 'metrics' | 'committed' | 'allocatable'>, resource: 'cpu' | 'memory'): ResourceFigures {
  const m = n.metrics ?? null;
  const usage = m ? (resource === 'cpu' ? m.cpu_usage : m.memory_usage) : null;
  const requested = (resource === 'cpu' ? n.committed?.cpu_requests_millis : n.committed?.memory_requests_bytes) ?? 0;
  const alloc = (resource === 'cpu' ? n.allocatable?.cpu_millis : n.allocatable?.memory_bytes) ?? 0;
  return {
    usage: usage !== null && Number.isFinite(usage) ? usage : null,
    sampledAt: m?.timestamp ?? null,
    requests: alloc > 0 ? (requested / alloc) * 100 : null,
    requested,
    allocatable: alloc > 0 ? alloc : null,
  };
}

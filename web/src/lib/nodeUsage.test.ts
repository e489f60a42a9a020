import { describe, expect, it } from 'vitest';
import { nodeResourceFigures } from './nodeUsage';

const node = {
  allocatable: { cpu: '4', cpu_millis: 4000, memory: '16Gi', memory_bytes: 16 * 2 ** 30, pods: 110, ephemeral_storage_bytes: 0 },
  committed: { cpu_requests_millis: 2080, cpu_limits_millis: 0, memory_requests_bytes: 4 * 2 ** 30, memory_limits_bytes: 0 },
  metrics: { timestamp: '2026-11-29T10:00:00Z', cpu_usage: 37.2, memory_usage: 61.5, disk_usage: 10, pod_count: 12, resolution: 'raw' },
};

describe('node list CPU and memory figures', () => {
  it('usage comes from the newest sample, requests from the pods, both of allocatable', () => {
    expect(nodeResourceFigures(node, 'cpu')).toEqual({ usage: 37.2, sampledAt: '2026-11-29T10:00:00Z', requests: 52, requested: 2080, allocatable: 4000 });
    expect(nodeResourceFigures(node, 'memory')).toMatchObject({ usage: 61.5, requests: 25, requested: 4 * 2 ** 30, allocatable: 16 * 2 ** 30 });
  });
  it('a node without metrics has no usage figure (not 0), its requests still count', () => {
    const f = nodeResourceFigures({ ...node, metrics: null }, 'cpu');
    expect(f.usage).toBeNull();
    expect(f.sampledAt).toBeNull();
    expect(f.requests).toBe(52);
  });
  it('requests are not a percentage when allocatable is unknown; over-committed requests pass 100', () => {
    expect(nodeResourceFigures({ ...node, allocatable: { ...node.allocatable, cpu_millis: 0 } }, 'cpu').requests).toBeNull();
    expect(nodeResourceFigures({ ...node, committed: { ...node.committed, cpu_requests_millis: 5000 } }, 'cpu').requests).toBe(125);
  });
});

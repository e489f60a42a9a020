import { describe, expect, it } from 'vitest';
import type { ClusterMetricsPoint } from '../api/metrics';
import { countSeries, mebibytesText, millicoresText, usageSeries } from './clusterMetrics';

const point = (t: string, cpu: number, pods: number): ClusterMetricsPoint => ({
  timestamp: t,
  cpu_usage: cpu,
  memory_usage: 40,
  storage_usage: 6,
  cpu_used_cores: 1,
  cpu_allocatable_cores: 4,
  memory_used_bytes: 1,
  memory_allocatable_bytes: 2,
  storage_used_bytes: 1,
  storage_capacity_bytes: 10,
  node_count: 3,
  reporting_nodes: 3,
  pod_count: pods,
  service_count: 2,
  deployment_count: 1,
  resolution: 'raw',
});

describe('cluster metrics series', () => {
  it('keeps one decimal of a percentage and breaks the line where samples are missing', () => {
    const pts = ['08:00:00', '08:00:30', '08:01:00', '08:10:00'].map((t, i) => point(`2026-11-30T${t}Z`, 12.345 + i, 10));
    const s = usageSeries(pts, 'cpu_usage', 30);
    expect(s[0]).toEqual([Date.parse('2026-11-30T08:00:00Z'), 12.3]);
    expect(s).toHaveLength(5);
    expect(s[3][1]).toBeNull();
  });

  it('draws counts as whole objects', () => {
    const s = countSeries([point('2026-11-30T08:00:00Z', 1, 10.6)], 'pod_count', 30);
    expect(s[0][1]).toBe(11);
  });

  it('writes top figures in kubectl top units', () => {
    expect(millicoresText(250)).toBe('250m');
    expect(mebibytesText(37)).toBe('37Mi');
  });
});

// The cluster dashboard's figures and chart series, kept free of React so unit tests run them directly.
import type { ClusterMetricsPoint } from '../api/metrics';
import { breakAtGaps, type Point } from './series';

/** The dashboard's history ranges: the span shown and the step asked for (≈ 120-340 points each). */
export const CLUSTER_RANGES: Record<string, { ms: number; step: number }> = {
  '1h': { ms: 3600e3, step: 30 },
  '6h': { ms: 6 * 3600e3, step: 60 },
  '24h': { ms: 24 * 3600e3, step: 300 },
  '7d': { ms: 7 * 86400e3, step: 1800 },
};

export type UsageKey = 'cpu_usage' | 'memory_usage' | 'storage_usage';
export type CountKey = 'node_count' | 'pod_count' | 'service_count' | 'deployment_count';

/** One line per usage figure, in percent, broken where samples are missing. */
export function usageSeries(points: ClusterMetricsPoint[], key: UsageKey, stepSeconds: number): Point[] {
  return breakAtGaps(
    points.map((p): Point => [new Date(p.timestamp).getTime(), Number.isFinite(p[key]) ? Math.round(p[key] * 10) / 10 : null]),
    stepSeconds,
  );
}

/** A count over time (averages of a step rounded to whole objects). */
export function countSeries(points: ClusterMetricsPoint[], key: CountKey, stepSeconds: number): Point[] {
  return breakAtGaps(
    points.map((p): Point => [new Date(p.timestamp).getTime(), Math.round(p[key])]),
    stepSeconds,
  );
}

/** The Top view's CPU column as kubectl prints it: millicores ("250m"). */
export function millicoresText(m: number): string {
  return `${m}m`;
}

/** The Top view's memory column as kubectl prints it: MiB ("37Mi"). */
export function mebibytesText(mi: number): string {
  return `${mi}Mi`;
}

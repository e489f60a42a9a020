// Pod and workload metrics history (GET .../pods/{name}/metrics/history, .../{plural}/{name}/metrics/history).
import { api } from './client';

export interface PodMetricsPoint {
  timestamp: string;
  cpu_cores: number;
  memory_bytes: number;
  network_in?: number | null;
  network_out?: number | null;
  restarts: number;
  /** pods summed in a workload's point */
  pods?: number;
  resolution: string;
}

export interface ContainerMetricsSeries {
  name: string;
  items: { timestamp: string; cpu_cores: number; memory_bytes: number; resolution: string }[];
}

export interface PodMetricsHistory {
  items: PodMetricsPoint[];
  containers?: ContainerMetricsSeries[];
  pods_counted?: number;
  stale: boolean;
  last_timestamp?: string | null;
  interval_seconds: number;
  step?: number | null;
}

const ns = (id: string | number, namespace: string) => `/k8s/cluster/${id}/namespaces/${encodeURIComponent(namespace)}`;

/** `plural` is `pods` for a pod, else deployments, statefulsets, daemonsets or jobs. */
export const metricsHistory = (
  id: string | number,
  namespace: string,
  plural: string,
  name: string,
  q: { from: string; to: string; step?: number },
) => api<PodMetricsHistory>(`${ns(id, namespace)}/${plural}/${encodeURIComponent(name)}/metrics/history`, { query: q });

/** Kinds whose detail page charts the sum of their pods. */
export const WORKLOAD_METRIC_KINDS = ['deployments', 'statefulsets', 'daemonsets', 'jobs'];

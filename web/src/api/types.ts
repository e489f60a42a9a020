// API shapes. Everything the server already serves comes from its OpenAPI document
// (`kubedeck openapi > web/openapi.json && npm run gen:api` writes schema.d.ts), so a changed API breaks
// `npm run typecheck`. Node/pod/log shapes (issues 5 and 6) are written by hand until those routes land.
import type { components } from './schema';

type Schemas = components['schemas'];

export type TokenPair = Schemas['TokenResponse'];
export type Me = Schemas['Me'];
export type User = Schemas['UserView'];
export type RoleBinding = Schemas['Binding'];
export type Role = Schemas['Role'];
export type AuditEntry = Schemas['AuditView'];
export type Cluster = Schemas['ClusterView'];
export type ClusterHealth = Schemas['ClusterStatus'];
export type Preflight = Schemas['PreflightReport'];
export type PreflightCertificate = Schemas['CertificateReport'];
export type PreflightPermission = Schemas['FeaturePermission'];
export type ClusterImportRequest = Schemas['ImportCluster'];
export type ClusterUpdateRequest = Schemas['UpdateCluster'];
export type Task = Schemas['TaskView'];
export type CreateUserRequest = Schemas['CreateUser'];
export type UpdateUserRequest = Schemas['UpdateUser'];

/** 1 creating, 2 running, 3 stopped, 4 error */
export type ClusterStatus = 1 | 2 | 3 | 4;
/** 1 self-built, 2 imported */
export type ClusterType = 1 | 2;

export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
  request_id?: string;
  preflight?: Preflight;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
  stale?: boolean;
  last_sync_at?: string | null;
}

// ---- nodes (issue 5): the server's NodeSummary/NodeDetail/DrainStarted views, until they are in openapi.json ----
export interface NodeCondition {
  type: string;
  status: string;
  reason?: string | null;
  message?: string | null;
  last_transition_time?: string | null;
  last_heartbeat_time?: string | null;
}

export interface Taint {
  key: string;
  value?: string | null;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string;
}

/** CPU, memory and pods of a node, as quantities and as numbers. */
export interface NodeResources {
  cpu: string;
  cpu_millis: number;
  memory: string;
  memory_bytes: number;
  pods: number;
  ephemeral_storage_bytes?: number;
}

/** Requests and limits committed by the node's non-terminated pods. */
export interface NodeCommitted {
  cpu_requests_millis: number;
  cpu_limits_millis: number;
  memory_requests_bytes: number;
  memory_limits_bytes: number;
}

export interface KubeNode {
  name: string;
  role?: string;
  roles: string[];
  status: 'Ready' | 'NotReady' | 'Unknown' | string;
  status_reason?: string | null;
  status_message?: string | null;
  schedulable: boolean;
  internal_ip?: string | null;
  external_ip?: string | null;
  kubelet_version?: string | null;
  os_image?: string | null;
  kernel_version?: string | null;
  container_runtime?: string | null;
  architecture?: string | null;
  capacity?: NodeResources;
  allocatable?: NodeResources;
  committed?: NodeCommitted;
  pod_count?: number | null;
  labels?: Record<string, string>;
  taints?: Taint[];
  conditions?: NodeCondition[];
  created_at?: string | null;
  age_seconds?: number;
  resource_version?: string | null;
}

export interface KubeEvent {
  type: string;
  reason: string;
  message: string;
  count?: number | null;
  first_seen?: string | null;
  last_seen?: string | null;
  source?: string | null;
  involved_object?: string | null;
}

/** A pod as the node detail lists it. */
export interface NodePod {
  namespace: string;
  name: string;
  phase: string;
  ready: string;
  restarts: number;
  cpu_request_millis?: number;
  memory_request_bytes?: number;
  owner_kind?: string | null;
  owner_name?: string | null;
  pod_ip?: string | null;
}

export interface NodeDetail {
  node: KubeNode;
  pods: NodePod[];
  events: KubeEvent[];
  source?: string;
  stale?: boolean;
  last_sync_at?: string | null;
}

/** One sample, or the average of the samples in a step. Usage figures are percentages. */
export interface NodeMetricsPoint {
  timestamp: string;
  cpu_usage: number;
  memory_usage: number;
  disk_usage: number;
  network_in: number | null;
  network_out: number | null;
  pod_count: number;
  resolution?: string;
}

export interface NodeMetricsLatest {
  node_name: string;
  stale: boolean;
  last_timestamp: string | null;
  interval_seconds?: number;
  data: NodeMetricsPoint | null;
}

export interface NodeMetricsHistory {
  from?: string;
  to?: string;
  step?: number | null;
  items: NodeMetricsPoint[];
}

export interface DrainOptions {
  ignore_daemonsets: boolean;
  delete_emptydir_data: boolean;
  force: boolean;
  grace_period_seconds?: number | null;
  timeout_seconds?: number | null;
  pod_selector?: string | null;
  dry_run: boolean;
}

/** What the drain does with one pod. */
export interface PlannedPod {
  namespace: string;
  name: string;
  verdict: 'evict' | 'skip' | 'refuse' | string;
  reason: string;
}

export interface DrainStarted {
  task_id: number | null;
  dry_run: boolean;
  eviction_api: string;
  plan: { pods: PlannedPod[] };
}

/** One pod's progress in a running drain task. */
export interface DrainPodProgress {
  namespace: string;
  name: string;
  state: 'pending' | 'evicting' | 'evicted' | 'deleted' | 'blocked_by_pdb' | 'failed' | string;
  message?: string | null;
}

/** The drain task's progress document. */
export interface DrainProgress {
  node?: string;
  eviction_api?: string;
  cordoned?: boolean;
  pods?: DrainPodProgress[];
  skipped?: PlannedPod[];
}

// ---- pods (issue 6) ----
export type ResourceFigures = Record<string, string | number | null | undefined>;

export interface ContainerSummary {
  name: string;
  image?: string;
  ready?: boolean;
  restart_count?: number;
  state?: string | null;
  reason?: string | null;
  exit_code?: number | null;
  init?: boolean;
}

export interface PodSummary {
  namespace: string;
  name: string;
  node_name?: string | null;
  phase?: string | null;
  reason?: string | null;
  ready?: string | null;
  ready_containers?: number | null;
  total_containers?: number | null;
  restarts?: number | null;
  pod_ip?: string | null;
  created_at?: string | null;
  owner_kind?: string | null;
  owner_name?: string | null;
  labels?: Record<string, string>;
  containers?: ContainerSummary[];
}

export interface ContainerDetail extends ContainerSummary {
  ports?: { name?: string; container_port: number; protocol?: string }[];
  requests?: ResourceFigures;
  limits?: ResourceFigures;
  last_termination?: { reason?: string; exit_code?: number; finished_at?: string } | null;
  probes?: Record<string, unknown>;
}

export interface PodDetail extends PodSummary {
  qos_class?: string | null;
  host_ip?: string | null;
  pod_ips?: string[];
  owner_chain?: { kind: string; name: string }[];
  containers?: ContainerDetail[];
  init_containers?: ContainerDetail[];
  conditions?: NodeCondition[];
  volumes?: { name: string; kind?: string; source?: string }[];
  annotations?: Record<string, string>;
  events?: KubeEvent[];
  yaml?: string;
}

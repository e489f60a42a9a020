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

// ---- nodes (issue 5) ----
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

export interface ResourceFigures {
  cpu?: string | number | null;
  memory?: string | number | null;
  pods?: string | number | null;
  [k: string]: string | number | null | undefined;
}

export interface NodeMetricsPoint {
  at: string;
  cpu_percent?: number | null;
  memory_percent?: number | null;
  fs_percent?: number | null;
  network_rx_bps?: number | null;
  network_tx_bps?: number | null;
  pod_count?: number | null;
}

export interface KubeNode {
  name: string;
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
  capacity?: ResourceFigures;
  allocatable?: ResourceFigures;
  requests?: ResourceFigures;
  limits?: ResourceFigures;
  pod_count?: number | null;
  labels?: Record<string, string>;
  taints?: Taint[];
  conditions?: NodeCondition[];
  created_at?: string | null;
  resource_version?: string | null;
  metrics?: (NodeMetricsPoint & { stale?: boolean }) | null;
}

export interface KubeEvent {
  type: string;
  reason: string;
  message: string;
  count?: number | null;
  first_seen?: string | null;
  last_seen?: string | null;
  involved_object?: string | null;
}

export interface NodeDetail extends KubeNode {
  pods?: PodSummary[];
  events?: KubeEvent[];
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

export interface DrainPodProgress {
  namespace: string;
  name: string;
  state: 'pending' | 'evicting' | 'evicted' | 'blocked_by_pdb' | 'failed' | 'skipped' | string;
  message?: string | null;
}

export interface DrainResponse {
  task_id?: string | number;
  dry_run?: boolean;
  pods?: DrainPodProgress[];
  refused?: DrainPodProgress[];
}

// ---- pods (issue 6) ----
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

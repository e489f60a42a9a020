// API shapes. Written against the agreed contract until the server commits web/openapi.json;
// then `npm run gen:api` writes schema.d.ts and these become re-exports of components['schemas'].

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

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  must_change_password: boolean;
}

export type Role = 'platform-admin' | 'cluster-admin' | 'operator' | 'viewer';

export interface RoleBinding {
  role: Role | string;
  cluster_id?: number | string | null;
  namespace?: string | null;
}

export interface Me {
  id: number | string;
  username: string;
  display_name: string;
  must_change_password: boolean;
  bindings: RoleBinding[];
  permissions: string[];
}

export interface User {
  id: number | string;
  username: string;
  display_name: string;
  disabled: boolean;
  must_change_password: boolean;
  created_at: string;
  bindings: RoleBinding[];
}

export interface AuditEntry {
  id: number | string;
  at: string;
  username: string | null;
  source_ip: string | null;
  action: string;
  method: string;
  path: string;
  cluster_id: number | string | null;
  namespace: string | null;
  resource: string | null;
  outcome: string;
  status_code: number;
  detail: unknown;
}

/** 1 creating, 2 running, 3 stopped, 4 error */
export type ClusterStatus = 1 | 2 | 3 | 4;
/** 1 self-built, 2 imported */
export type ClusterType = 1 | 2;

export interface Cluster {
  id: number | string;
  name: string;
  version: string | null;
  status: ClusterStatus;
  description: string | null;
  cluster_type: ClusterType;
  node_count: number;
  ready_nodes: number;
  master_nodes: number;
  worker_nodes: number;
  last_sync_at: string | null;
  created_at: string;
  updated_at: string;
  server_url: string | null;
  status_reason: string | null;
  last_error: string | null;
  last_healthy_at: string | null;
  api_latency_ms: number | null;
  status_text?: string;
  context?: string;
  platform?: string;
  capabilities?: PreflightPermission[];
}

export interface ClusterHealth {
  status: ClusterStatus;
  reason: string | null;
  last_healthy_at: string | null;
  api_latency_ms: number | null;
  last_sync_at: string | null;
}

export interface PreflightCertificate {
  subject: string;
  kind: 'client' | 'ca' | string;
  not_after: string;
  days_left: number;
}

export interface PreflightPermission {
  feature: string;
  allowed: boolean;
  /** the Kubernetes checks behind the feature, e.g. "create pods/eviction" */
  checks?: string[];
  /** the checks that were denied */
  denied?: string[];
  verbs?: string[];
  reason?: string | null;
}

export interface Preflight {
  ok: boolean;
  contexts: string[];
  context: string | null;
  server_url: string | null;
  version: { git_version: string; platform: string } | null;
  nodes?: { node_count: number; ready_nodes: number; master_nodes: number; worker_nodes: number } | null;
  node_count?: number;
  ready_nodes?: number;
  master_nodes?: number;
  worker_nodes?: number;
  api_latency_ms?: number | null;
  failure_code?: string;
  certificates: PreflightCertificate[];
  permissions: PreflightPermission[];
  warnings: string[];
  errors: string[];
  duplicate_of: number | string | null;
}

export interface ClusterImportRequest {
  name: string;
  description?: string;
  credential: string;
  context?: string;
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

export interface Task {
  id: string | number;
  kind: string;
  /** pending, running, succeeded, failed, cancelled, interrupted */
  status: string;
  error?: string | null;
  target?: string;
  cancel_requested?: boolean;
  created_at?: string;
  finished_at?: string | null;
  progress?: { pods?: DrainPodProgress[]; [k: string]: unknown } | null;
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

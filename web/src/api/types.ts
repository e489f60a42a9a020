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

/** Every code the server answers errors with (a closed list; the console has a sentence for each). */
export type ErrorCode = Schemas['ErrorCode'];

/** An error answer: `Schemas['ErrorBody']`, read leniently (an older server, a proxy's HTML, a newer code). */
export interface ApiErrorBody {
  /** an `ErrorCode`, or one a newer server added (then `message` is shown) */
  code: string;
  /** the English sentence: the fallback and what logs show */
  message: string;
  field?: string | null;
  /** what the code's sentence names (`min`, `max`, `node`, `allowed` ...) */
  params?: Record<string, unknown>;
  request_id?: string;
  preflight?: Preflight;
  /** `labels_changed`: each label that changed since it was read */
  changes?: { key: string; expected?: string | null; current?: string | null }[];
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
export type KubeNode = Schemas['NodeSummary'];
export type NodeResources = KubeNode['capacity'];
export type NodeCommitted = KubeNode['committed'];
export type NodeCondition = KubeNode['conditions'][number];
export type Taint = Schemas['TaintView'];
export type NodeList = Schemas['NodeList'];
export type NodeDetail = Schemas['NodeDetail'];
export type NodePodCounts = Schemas['NodePodCounts'];
export type NodeEvent = Schemas['NodeEvent'];
export type NodeMetricsPoint = Schemas['NodeMetricsPoint'];
export type NodeMetricsLatest = Schemas['NodeMetricsLatest'];
export type NodeMetricsHistory = Schemas['NodeMetricsHistory'];
export type DrainOptions = Schemas['DrainOptions'];
export type DrainStarted = Schemas['DrainStarted'];
export type PlannedPod = Schemas['PlannedPod'];
export type DrainPlan = Schemas['DrainPlan'];
export type DrainReasonCode = Schemas['ReasonCode'];
export type LabelChange = Schemas['LabelChange'];
export type TaintChange = Schemas['TaintChange'];

/** An event as the pages show it (node events carry `source`, pod events may name their object). */
export interface KubeEvent {
  type: string;
  reason: string;
  message: string;
  count?: number | null;
  last_seen?: string | null;
  source?: string | null;
  involved_object?: string | null;
}

/** One pod's progress in a running drain task (the task's `progress` document is free-form JSON). */
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
  /** The interrupted or failed drain this one goes on with. */
  resumed_from?: number | null;
}

// ---- pods (issue 6) ----
export type PodSummary = Schemas['PodSummary'];
export type PodList = Schemas['PodList'];
export type PodDetail = Schemas['PodDetail'];
export type OwnerRef = Schemas['OwnerRef'];
export type FoundPod = Schemas['FoundPod'];
export type PodSearchResult = Schemas['SearchResult'];
export type MergedLogs = Schemas['MergedLogs'];
export type MergedLine = Schemas['MergedLine'];
export type NodeListItem = Schemas['NodeListItem'];

/** Requests/limits as Kubernetes writes them (from the live pod object). */
export type ResourceFigures = Record<string, string | number | null | undefined>;

/** A container as the pod detail shows it, read from the live object's spec and status. */
export interface ContainerDetail {
  name: string;
  image?: string;
  init?: boolean;
  ready?: boolean;
  restart_count?: number;
  state?: string | null;
  reason?: string | null;
  exit_code?: number | null;
  ports?: { name?: string; container_port: number; protocol?: string }[];
  requests?: ResourceFigures;
  limits?: ResourceFigures;
  last_termination?: { reason?: string; exit_code?: number; finished_at?: string } | null;
  probes?: string[];
}

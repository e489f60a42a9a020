// Workload operations (issue 14): the verbs of /work/briefs/workloads-contract.md on the generic engine's object
// path. Typed by hand from the contract until the routes are in openapi.json (schema.d.ts); same client (`api`).
import { api } from '../../api/client';
import { objectPath, type KindInfo, type ObjectRef } from '../../api/resources';

type K = Pick<KindInfo, 'name' | 'namespaced'>;

export interface ScaleAnswer {
  replicas_before: number;
  replicas: number;
}
export interface ImageOfContainer {
  container: string;
  image: string;
}
export interface Revision {
  revision: number;
  change_cause: string | null;
  images: ImageOfContainer[];
  created_at: string | null;
  source: string;
  /** ReplicaSets only */
  replicas: number | null;
  current: boolean;
}
export interface RevisionDetail extends Revision {
  template: Record<string, unknown>;
}
export interface RevisionDiff {
  from: number;
  to: number;
  diff: string;
}
export interface RollbackAnswer {
  outcome: 'rolled_back' | 'skipped';
  from_revision: number | null;
  to_revision: number;
  message?: string | null;
}
export type RolloutState = 'complete' | 'progressing' | 'stalled' | 'paused';
export interface RolloutCondition {
  type: string;
  status: string;
  reason?: string | null;
  message?: string | null;
  last_update?: string | null;
}
export interface RolloutReplicaSet {
  name: string;
  replicas: number;
  ready: number;
  revision: number | null;
}
export interface FailingPod {
  name: string;
  container?: string | null;
  reason?: string | null;
  message?: string | null;
}
export interface Rollout {
  state: RolloutState;
  reason?: string | null;
  message?: string | null;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  conditions: RolloutCondition[];
  new_replicaset: RolloutReplicaSet | null;
  old_replicasets: RolloutReplicaSet[];
  failing_pods: FailingPod[];
}
export interface ImageAnswer {
  container: string;
  image_before: string;
  image: string;
}
export interface JobRef {
  namespace: string;
  name: string;
}
export interface ClusterImage {
  repository: string;
  tags: string[];
  used_by: { kind: string; namespace: string | null; name: string; container: string }[];
}

const post = <T>(path: string, body: unknown = {}, dryRun = false) => api<T>(path, { method: 'POST', body, query: { dry_run: dryRun || undefined } });
const at = (id: string | number, kind: K, ref: ObjectRef, verb: string) => `${objectPath(id, kind, ref)}/${verb}`;

export const scale = (id: string | number, kind: K, ref: ObjectRef, replicas: number) => post<ScaleAnswer>(at(id, kind, ref, 'scale'), { replicas });
export const restart = (id: string | number, kind: K, ref: ObjectRef) => post<{ restarted_at: string }>(at(id, kind, ref, 'restart'));
export const pause = (id: string | number, kind: K, ref: ObjectRef) => post<{ paused: boolean }>(at(id, kind, ref, 'pause'));
export const resume = (id: string | number, kind: K, ref: ObjectRef) => post<{ paused?: boolean; suspended?: boolean }>(at(id, kind, ref, 'resume'));
export const suspend = (id: string | number, kind: K, ref: ObjectRef) => post<{ suspended: boolean }>(at(id, kind, ref, 'suspend'));
export const trigger = (id: string | number, kind: K, ref: ObjectRef, jobName?: string) => post<{ job: JobRef }>(at(id, kind, ref, 'trigger'), jobName ? { job_name: jobName } : {});
export const rerun = (id: string | number, kind: K, ref: ObjectRef, jobName?: string) => post<{ job: JobRef }>(at(id, kind, ref, 'rerun'), jobName ? { job_name: jobName } : {});
export const setImage = (id: string | number, kind: K, ref: ObjectRef, container: string, image: string) =>
  api<ImageAnswer>(at(id, kind, ref, 'image'), { method: 'PUT', body: { container, image } });
export const rollback = (id: string | number, kind: K, ref: ObjectRef, revision: number) => post<RollbackAnswer>(at(id, kind, ref, 'rollback'), { revision });

export const getHistory = (id: string | number, kind: K, ref: ObjectRef) => api<{ revisions: Revision[] }>(at(id, kind, ref, 'history'));
export const getRevision = (id: string | number, kind: K, ref: ObjectRef, revision: number) => api<RevisionDetail>(at(id, kind, ref, `history/${revision}`));
export const getRevisionDiff = (id: string | number, kind: K, ref: ObjectRef, from: number, to: number) => api<RevisionDiff>(at(id, kind, ref, 'history/diff'), { query: { from, to } });
export const getRollout = (id: string | number, kind: K, ref: ObjectRef) => api<Rollout>(at(id, kind, ref, 'rollout'));
export const listImages = (id: string | number) => api<{ images: ClusterImage[] }>(`/k8s/cluster/${id}/images`);

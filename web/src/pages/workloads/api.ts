// Workload operations (issue 14): the verbs of /work/briefs/workloads-contract.md on the generic engine's object
// path, typed from the server's OpenAPI document (schema.d.ts), narrowed where it says string; same client (`api`).
import { api } from '../../api/client';
import type { components } from '../../api/schema';
import { objectPath, type KindInfo, type ObjectRef } from '../../api/resources';

type K = Pick<KindInfo, 'name' | 'namespaced'>;

type Schemas = components['schemas'];

export type ScaleAnswer = Schemas['ScaleResult'];
export type ImageOfContainer = Schemas['ContainerImage'];
export type Revision = Schemas['Revision'];
export type RevisionDetail = Omit<Schemas['RevisionDetail'], 'template'> & { template: Record<string, unknown> };
export type RevisionDiff = Schemas['RevisionDiff'];
/** (the schema says string: the contract's two outcomes) */
export type RollbackAnswer = Omit<Schemas['RollbackResult'], 'outcome'> & { outcome: 'rolled_back' | 'skipped' };
export type RolloutState = 'complete' | 'progressing' | 'stalled' | 'paused';
export type RolloutCondition = Schemas['Condition'];
export type RolloutReplicaSet = Schemas['ReplicaSetSummary'];
export type FailingPod = Schemas['FailingPod'];
/** (the schema says string: the contract's four states) */
export type Rollout = Omit<Schemas['RolloutStatus'], 'state'> & { state: RolloutState };
export type ImageAnswer = Schemas['SetImageResult'];
export type JobRef = Schemas['JobRef'];
export type ClusterImage = Schemas['ClusterImage'];

const post = <T>(path: string, body: unknown = {}, dryRun = false) => api<T>(path, { method: 'POST', body, query: { dry_run: dryRun || undefined } });
const at = (id: string | number, kind: K, ref: ObjectRef, verb: string) => `${objectPath(id, kind, ref)}/${verb}`;

export const scale = (id: string | number, kind: K, ref: ObjectRef, replicas: number) => post<ScaleAnswer>(at(id, kind, ref, 'scale'), { replicas });
export const restart = (id: string | number, kind: K, ref: ObjectRef) => post<Schemas['RestartResult']>(at(id, kind, ref, 'restart'));
export const pause = (id: string | number, kind: K, ref: ObjectRef) => post<Schemas['PauseResult']>(at(id, kind, ref, 'pause'));
export const resume = (id: string | number, kind: K, ref: ObjectRef) => post<Schemas['ResumeResult']>(at(id, kind, ref, 'resume'));
export const suspend = (id: string | number, kind: K, ref: ObjectRef) => post<Schemas['SuspendResult']>(at(id, kind, ref, 'suspend'));
export const trigger = (id: string | number, kind: K, ref: ObjectRef, jobName?: string) => post<Schemas['JobCreated']>(at(id, kind, ref, 'trigger'), jobName ? { job_name: jobName } : {});
export const rerun = (id: string | number, kind: K, ref: ObjectRef, jobName?: string) => post<Schemas['JobCreated']>(at(id, kind, ref, 'rerun'), jobName ? { job_name: jobName } : {});
export const setImage = (id: string | number, kind: K, ref: ObjectRef, container: string, image: string) =>
  api<ImageAnswer>(at(id, kind, ref, 'image'), { method: 'PUT', body: { container, image } });
export const rollback = (id: string | number, kind: K, ref: ObjectRef, revision: number) => post<RollbackAnswer>(at(id, kind, ref, 'rollback'), { revision });

export const getHistory = (id: string | number, kind: K, ref: ObjectRef) => api<Schemas['History']>(at(id, kind, ref, 'history'));
export const getRevision = (id: string | number, kind: K, ref: ObjectRef, revision: number) => api<RevisionDetail>(at(id, kind, ref, `history/${revision}`));
export const getRevisionDiff = (id: string | number, kind: K, ref: ObjectRef, from: number, to: number) => api<RevisionDiff>(at(id, kind, ref, 'history/diff'), { query: { from, to } });
export const getRollout = (id: string | number, kind: K, ref: ObjectRef) => api<Rollout>(at(id, kind, ref, 'rollout'));
export const listImages = (id: string | number) => api<Schemas['ClusterImages']>(`/k8s/cluster/${id}/images`);

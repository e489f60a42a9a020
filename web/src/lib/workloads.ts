// View logic of the workload operations (issue 14): which verbs a kind has, what an object's state allows, history
// order, image tag suggestions, and the HPA form's object. React-free.
import type { KindInfo, KubeObject } from '../api/resources';
import type { Tone } from './status';

export type Verb = 'scale' | 'restart' | 'pause' | 'history' | 'rollout' | 'image' | 'suspend' | 'trigger' | 'rerun';

/** The kinds (URL names of the built-in groups) each verb of the workloads contract takes. */
const VERBS: Record<Verb, string[]> = {
  scale: ['deployments', 'statefulsets', 'replicasets'],
  restart: ['deployments', 'statefulsets', 'daemonsets'],
  pause: ['deployments'],
  history: ['deployments', 'statefulsets', 'daemonsets'],
  rollout: ['deployments', 'statefulsets', 'daemonsets'],
  image: ['deployments', 'statefulsets', 'daemonsets', 'cronjobs'],
  suspend: ['cronjobs'],
  trigger: ['cronjobs'],
  rerun: ['jobs'],
};
const GROUPS: Record<string, string> = { deployments: 'apps', statefulsets: 'apps', daemonsets: 'apps', replicasets: 'apps', cronjobs: 'batch', jobs: 'batch' };

/** Whether a kind (the built-in one, not a CRD of the same plural) has a verb. */
export function hasVerb(kind: Pick<KindInfo, 'name' | 'group'> | undefined, verb: Verb): boolean {
  if (!kind || GROUPS[kind.name] !== kind.group) return false;
  return VERBS[verb].includes(kind.name);
}

/** Whether the kind has any workload verb (the detail page shows the workload parts). */
export const isWorkloadKind = (kind: Pick<KindInfo, 'name' | 'group'> | undefined) => (Object.keys(VERBS) as Verb[]).some((v) => hasVerb(kind, v));

type Spec = {
  replicas?: number;
  paused?: boolean;
  suspend?: boolean;
  schedule?: string;
  template?: { spec?: { containers?: { name: string; image?: string }[] } };
  jobTemplate?: { spec?: { template?: { spec?: { containers?: { name: string; image?: string }[] } } } };
};
const specOf = (o: KubeObject | undefined): Spec => ((o as { spec?: Spec } | undefined)?.spec ?? {}) as Spec;

export const isPaused = (o: KubeObject | undefined) => specOf(o).paused === true;
export const isSuspended = (o: KubeObject | undefined) => specOf(o).suspend === true;
export const replicasOf = (o: KubeObject | undefined): number => specOf(o).replicas ?? 1;
export const scheduleOf = (o: KubeObject | undefined): string | null => specOf(o).schedule ?? null;

/** The containers of a workload's pod template (a CronJob's is in its job template). */
export function containersOf(o: KubeObject | undefined): { name: string; image: string }[] {
  const s = specOf(o);
  const list = s.template?.spec?.containers ?? s.jobTemplate?.spec?.template?.spec?.containers ?? [];
  return list.map((c) => ({ name: c.name, image: c.image ?? '' }));
}

export const ROLLOUT_TONE: Record<string, Tone> = { complete: 'success', progressing: 'processing', stalled: 'error', paused: 'warning' };
export const rolloutTone = (state: string | undefined): Tone => (state && ROLLOUT_TONE[state]) || 'default';

/** Revisions newest first (the API sends them so; a list from elsewhere is put in that order). */
export function newestFirst<T extends { revision: number }>(revs: T[]): T[] {
  return [...revs].sort((a, b) => b.revision - a.revision);
}

/** The two revisions a diff compares by default: the one picked against the current one (older → newer). */
export function diffPair(picked: number, current: number | undefined): { from: number; to: number } | null {
  if (current === undefined || picked === current) return null;
  return picked < current ? { from: picked, to: current } : { from: current, to: picked };
}

/**
 * Tag suggestions for an image: the tags the cluster has seen of its repository (newest order kept as the API
 * gives them), the current tag first, without repeats.
 */
export function tagSuggestions(images: { repository: string; tags: string[] }[] | undefined, repository: string, current?: string): string[] {
  const tags = images?.find((i) => i.repository === repository)?.tags ?? [];
  return [...new Set([...(current ? [current] : []), ...tags])];
}

// ---- HPA --------------------------------------------------------------------------------------------------------

/**
 * The apiVersion an HPA is written with: the version this cluster serves for the kind (the registry's), so v2 where
 * served and v2beta2 on v1.20; v1 only when nothing newer is.
 */
export function hpaApiVersion(kind: Pick<KindInfo, 'version'> | undefined): string {
  const v = kind?.version;
  return `autoscaling/${v && /^v[12]/.test(v) ? v : 'v2beta2'}`;
}

export interface HpaValues {
  name: string;
  namespace: string;
  /** `Deployment/web` */
  target: string;
  min: number;
  max: number;
  cpu?: number | null;
  memory?: number | null;
}

const TARGET_API: Record<string, string> = { Deployment: 'apps/v1', StatefulSet: 'apps/v1', ReplicaSet: 'apps/v1' };

/** The HPA object of the form (v2/v2beta2 metrics; v1's single CPU target when only v1 is served). */
export function buildHpa(v: HpaValues, apiVersion: string, base?: KubeObject): KubeObject {
  const [kind, name] = v.target.split('/');
  const spec: Record<string, unknown> = {
    scaleTargetRef: { apiVersion: TARGET_API[kind] ?? 'apps/v1', kind, name },
    minReplicas: v.min,
    maxReplicas: v.max,
  };
  if (apiVersion === 'autoscaling/v1') {
    if (v.cpu) spec.targetCPUUtilizationPercentage = v.cpu;
  } else {
    const metrics = [];
    if (v.cpu) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: v.cpu } } });
    if (v.memory) metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: v.memory } } });
    if (metrics.length) spec.metrics = metrics;
    const behavior = (base as { spec?: { behavior?: unknown } } | undefined)?.spec?.behavior;
    if (behavior) spec.behavior = behavior;
  }
  const metadata: KubeObject['metadata'] = { name: v.name, namespace: v.namespace };
  if (base?.metadata?.resourceVersion) metadata.resourceVersion = base.metadata.resourceVersion;
  if (base?.metadata?.labels) metadata.labels = base.metadata.labels;
  return { apiVersion, kind: 'HorizontalPodAutoscaler', metadata, spec };
}

type HpaSpec = {
  scaleTargetRef?: { kind?: string; name?: string };
  minReplicas?: number;
  maxReplicas?: number;
  targetCPUUtilizationPercentage?: number;
  metrics?: { type?: string; resource?: { name?: string; target?: { averageUtilization?: number }; targetAverageUtilization?: number } }[];
};
type HpaStatus = {
  currentReplicas?: number;
  desiredReplicas?: number;
  currentCPUUtilizationPercentage?: number;
  currentMetrics?: { type?: string; resource?: { name?: string; current?: { averageUtilization?: number }; currentAverageUtilization?: number } }[];
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
};

const utilTarget = (s: HpaSpec, res: string) => {
  if (res === 'cpu' && s.targetCPUUtilizationPercentage != null) return s.targetCPUUtilizationPercentage;
  const m = s.metrics?.find((x) => x.type === 'Resource' && x.resource?.name === res);
  return m?.resource?.target?.averageUtilization ?? m?.resource?.targetAverageUtilization ?? null;
};

/** The form's values of an HPA object (editing). */
export function hpaValuesOf(o: KubeObject): HpaValues {
  const s = ((o as { spec?: HpaSpec }).spec ?? {}) as HpaSpec;
  return {
    name: o.metadata?.name ?? '',
    namespace: o.metadata?.namespace ?? 'default',
    target: `${s.scaleTargetRef?.kind ?? 'Deployment'}/${s.scaleTargetRef?.name ?? ''}`,
    min: s.minReplicas ?? 1,
    max: s.maxReplicas ?? 1,
    cpu: utilTarget(s, 'cpu'),
    memory: utilTarget(s, 'memory'),
  };
}

export interface HpaView {
  target: string;
  min: number;
  max: number;
  current: number | null;
  desired: number | null;
  metrics: { resource: string; current: number | null; target: number | null }[];
  conditions: { type: string; status: string; reason?: string; message?: string }[];
}

/** What the HPA detail shows: target, bounds, replicas, each resource metric's current / target utilisation. */
export function hpaView(o: KubeObject): HpaView {
  const s = ((o as { spec?: HpaSpec }).spec ?? {}) as HpaSpec;
  const st = ((o as { status?: HpaStatus }).status ?? {}) as HpaStatus;
  const resources = new Set<string>();
  if (s.targetCPUUtilizationPercentage != null) resources.add('cpu');
  for (const m of s.metrics ?? []) if (m.type === 'Resource' && m.resource?.name) resources.add(m.resource.name);
  const current = (res: string) => {
    if (res === 'cpu' && st.currentCPUUtilizationPercentage != null) return st.currentCPUUtilizationPercentage;
    const m = st.currentMetrics?.find((x) => x.type === 'Resource' && x.resource?.name === res);
    return m?.resource?.current?.averageUtilization ?? m?.resource?.currentAverageUtilization ?? null;
  };
  return {
    target: `${s.scaleTargetRef?.kind ?? '?'}/${s.scaleTargetRef?.name ?? '?'}`,
    min: s.minReplicas ?? 1,
    max: s.maxReplicas ?? 1,
    current: st.currentReplicas ?? null,
    desired: st.desiredReplicas ?? null,
    metrics: [...resources].map((r) => ({ resource: r, current: current(r), target: utilTarget(s, r) })),
    conditions: st.conditions ?? [],
  };
}

// ---- what the StatefulSet, DaemonSet and Job panels show -------------------------------------------------------

/** A StatefulSet pod's ordinal: the number after its set's name (`web-2` of `web` is 2); null for another pod. */
export function ordinalOf(pod: string, set: string): number | null {
  if (!pod.startsWith(`${set}-`)) return null;
  const rest = pod.slice(set.length + 1);
  return /^\d+$/.test(rest) ? Number(rest) : null;
}

/** Pods in ordinal order (StatefulSet), pods of other names after them by name. */
export function byOrdinal<T extends { name: string }>(pods: T[], set: string): T[] {
  const key = (p: T) => ordinalOf(p.name, set) ?? Number.MAX_SAFE_INTEGER;
  return [...pods].sort((a, b) => key(a) - key(b) || a.name.localeCompare(b.name));
}

export interface UpdateStrategyView {
  /** `RollingUpdate` or `OnDelete` (the API's default when unset: RollingUpdate) */
  type: string;
  /** StatefulSet: pods with an ordinal below it keep the old revision (0 when unset) */
  partition: number | null;
  /** DaemonSet / Deployment: `maxUnavailable` / `maxSurge` as written */
  maxUnavailable: string | null;
  maxSurge: string | null;
}

type RollingSpec = { partition?: number; maxUnavailable?: number | string; maxSurge?: number | string };
type StrategySpec = { updateStrategy?: { type?: string; rollingUpdate?: RollingSpec } };

/** A StatefulSet's or DaemonSet's `spec.updateStrategy`, with the API's defaults filled in as kubectl describe shows. */
export function updateStrategyOf(o: KubeObject | undefined, kind: 'statefulsets' | 'daemonsets'): UpdateStrategyView {
  const u = ((o as { spec?: StrategySpec } | undefined)?.spec?.updateStrategy ?? {}) as NonNullable<StrategySpec['updateStrategy']>;
  const type = u.type ?? 'RollingUpdate';
  const r = u.rollingUpdate ?? {};
  const rolling = type === 'RollingUpdate';
  const str = (v: number | string | undefined) => (v === undefined ? null : String(v));
  return {
    type,
    partition: kind === 'statefulsets' && rolling ? (r.partition ?? 0) : null,
    maxUnavailable: kind === 'daemonsets' && rolling ? (str(r.maxUnavailable) ?? '1') : null,
    maxSurge: kind === 'daemonsets' && rolling ? str(r.maxSurge) : null,
  };
}

export interface StatefulSetView {
  podManagementPolicy: string;
  serviceName: string | null;
  currentRevision: string | null;
  updateRevision: string | null;
  /** pods of the update revision / replicas wanted */
  updated: number;
  replicas: number;
}

type StsSpec = { replicas?: number; podManagementPolicy?: string; serviceName?: string };
type StsStatus = { currentRevision?: string; updateRevision?: string; updatedReplicas?: number };

export function statefulSetView(o: KubeObject | undefined): StatefulSetView {
  const s = ((o as { spec?: StsSpec } | undefined)?.spec ?? {}) as StsSpec;
  const st = ((o as { status?: StsStatus } | undefined)?.status ?? {}) as StsStatus;
  return {
    podManagementPolicy: s.podManagementPolicy ?? 'OrderedReady',
    serviceName: s.serviceName || null,
    currentRevision: st.currentRevision ?? null,
    updateRevision: st.updateRevision ?? null,
    updated: st.updatedReplicas ?? 0,
    replicas: s.replicas ?? 1,
  };
}

export interface JobView {
  completions: number | null;
  parallelism: number;
  backoffLimit: number;
  active: number;
  succeeded: number;
  failed: number;
  start: string | null;
  completion: string | null;
  /** seconds from start to completion, or to `now` while it runs; null before it starts */
  durationSeconds: number | null;
  /** `Complete`, `Failed`, `Suspended` or `Running` (the Job's own conditions) */
  state: 'Complete' | 'Failed' | 'Suspended' | 'Running';
}

type JobSpec = { completions?: number; parallelism?: number; backoffLimit?: number; suspend?: boolean };
type JobStatus = { active?: number; succeeded?: number; failed?: number; startTime?: string; completionTime?: string; conditions?: { type: string; status: string }[] };

/** What `kubectl describe job` leads with: completions, parallelism, the pods' outcomes and the duration. */
export function jobView(o: KubeObject | undefined, now: number = Date.now()): JobView {
  const s = ((o as { spec?: JobSpec } | undefined)?.spec ?? {}) as JobSpec;
  const st = ((o as { status?: JobStatus } | undefined)?.status ?? {}) as JobStatus;
  const cond = (type: string) => st.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
  const start = st.startTime ?? null;
  const completion = st.completionTime ?? null;
  // a failed Job has no completion time: its duration is not known (kubectl shows none either)
  const end = completion ? new Date(completion).getTime() : cond('Failed') ? null : now;
  const durationSeconds = start && end !== null ? Math.max(0, Math.round((end - new Date(start).getTime()) / 1000)) : null;
  return {
    completions: s.completions ?? (s.parallelism && s.parallelism > 1 ? null : 1),
    parallelism: s.parallelism ?? 1,
    backoffLimit: s.backoffLimit ?? 6,
    active: st.active ?? 0,
    succeeded: st.succeeded ?? 0,
    failed: st.failed ?? 0,
    start,
    completion,
    durationSeconds,
    state: cond('Complete') ? 'Complete' : cond('Failed') ? 'Failed' : s.suspend ? 'Suspended' : 'Running',
  };
}

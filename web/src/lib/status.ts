// Maps server states to what the console shows: a translation key and an antd colour.
import type { Cluster, ClusterStatus, KubeNode } from '../api/types';
import type { components } from '../api/schema';
import { en } from '../i18n/en';
import type { TFunc } from '../i18n';

export type Tone = 'success' | 'processing' | 'warning' | 'error' | 'default';

export interface StatusView {
  key: string;
  tone: Tone;
}

export function clusterStatusView(status: ClusterStatus | number | null | undefined): StatusView {
  switch (status) {
    case 1:
      return { key: 'cluster.status.creating', tone: 'processing' };
    case 2:
      return { key: 'cluster.status.running', tone: 'success' };
    case 3:
      return { key: 'cluster.status.stopped', tone: 'default' };
    case 4:
      return { key: 'cluster.status.error', tone: 'error' };
    default:
      return { key: 'cluster.status.unknown', tone: 'default' };
  }
}

export function clusterTypeKey(t: number | null | undefined): string {
  return t === 1 ? 'cluster.type.selfBuilt' : t === 2 ? 'cluster.type.imported' : 'cluster.status.unknown';
}

export type Health = 'healthy' | 'degraded' | 'unreachable' | 'stale' | 'unknown';

/** One word for "how is this cluster": unreachable beats degraded nodes beats a stale sync. */
export function clusterHealth(c: Pick<Cluster, 'status' | 'node_count' | 'ready_nodes' | 'last_sync_at'>, now = Date.now(), staleAfterMs = 5 * 60_000): Health {
  if (c.status === 4 || c.status === 3) return 'unreachable';
  if (c.status !== 2) return 'unknown';
  if (c.node_count > 0 && c.ready_nodes < c.node_count) return 'degraded';
  if (c.last_sync_at && now - new Date(c.last_sync_at).getTime() > staleAfterMs) return 'stale';
  return 'healthy';
}

export const healthTone: Record<Health, Tone> = {
  healthy: 'success',
  degraded: 'warning',
  unreachable: 'error',
  stale: 'warning',
  unknown: 'default',
};

export function nodeStatusView(n: Pick<KubeNode, 'status' | 'schedulable'>): StatusView {
  const base: StatusView =
    n.status === 'Ready'
      ? { key: 'kstatus.Ready', tone: 'success' }
      : n.status === 'NotReady'
        ? { key: 'kstatus.NotReady', tone: 'error' }
        : { key: 'kstatus.Unknown', tone: 'warning' };
  return base;
}

export interface PodStatusInput {
  /** kubectl's STATUS column, when the server computed it */
  status?: string | null;
  phase?: string | null;
  reason?: string | null;
  containers?: { name?: string; init?: boolean; state?: string | null; reason?: string | null }[];
}

/** The reason kubectl shows in STATUS: the server's column, else container waiting/terminated reasons, else the phase. */
export function podDisplayStatus(p: PodStatusInput): string {
  if (p.status) return p.status;
  if (p.reason) return p.reason;
  const cs = p.containers ?? [];
  const waiting = cs.find((c) => !c.init && c.reason && c.state === 'waiting');
  if (waiting?.reason) return waiting.reason;
  const term = cs.find((c) => !c.init && c.reason && c.state === 'terminated');
  if (term?.reason && p.phase !== 'Running') return term.reason;
  return p.phase || 'Unknown';
}

const errorReasons = new Set([
  'CrashLoopBackOff',
  'Error',
  'Failed',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'OOMKilled',
  'Evicted',
  'NodeLost',
  'ContainerCannotRun',
  'DeadlineExceeded',
]);
const warnReasons = new Set(['Pending', 'ContainerCreating', 'PodInitializing', 'Terminating', 'Unknown', 'NotReady']);

export function podStatusTone(status: string): Tone {
  if (errorReasons.has(status) || status.startsWith('Init:Error') || status.startsWith('Init:CrashLoopBackOff')) return 'error';
  if (warnReasons.has(status) || status.startsWith('Init:')) return 'warning';
  if (status === 'Running') return 'success';
  if (status === 'Succeeded' || status === 'Completed') return 'default';
  return 'default';
}

export const toneColor: Record<Tone, string> = {
  success: 'green',
  processing: 'blue',
  warning: 'gold',
  error: 'red',
  default: 'default',
};

export function certificateTone(daysLeft: number): Tone {
  if (daysLeft < 0) return 'error';
  if (daysLeft < 30) return 'warning';
  return 'success';
}

export function taskFinished(state: string | undefined): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled' || state === 'interrupted';
}

/**
 * A word kubectl prints (a pod phase, a STATUS value such as `CrashLoopBackOff` or `Init:0/1`, a node condition, a
 * container state) in the user's language. The Chinese text keeps kubectl's word in brackets ("运行中（Running）"),
 * because operators search for that word; English shows the word itself; a word we do not know is shown as it is.
 */
export function kubectlWord(t: TFunc, word: string | null | undefined): string {
  if (!word) return '-';
  // container states come lower-case from the API (`running`, `waiting`, `terminated`)
  const w = /^(running|waiting|terminated)$/.test(word) ? word[0].toUpperCase() + word.slice(1) : word;
  if (`kstatus.${w}` in en) return t(`kstatus.${w}`);
  const prefix = /^(Init|Signal|ExitCode):/.exec(w)?.[1];
  if (prefix) return t(`kstatus.${prefix}`, { word: w });
  return w;
}

/** Why a cluster's status is what it is, as the API's stable code (`ClusterReasonCode`; `none`: nothing to say). */
type ClusterReasonCode = components['schemas']['ClusterReasonCode'];

/** Every code's sentence key: a code added to the API without one fails the type check here. */
export const CLUSTER_REASON_KEYS: Record<ClusterReasonCode, string | null> = {
  imported: 'cluster.reasonCode.imported',
  in_sync: 'cluster.reasonCode.in_sync',
  credential_replaced: 'cluster.reasonCode.credential_replaced',
  credential_rejected: 'cluster.reasonCode.credential_rejected',
  cluster_forbidden: 'cluster.reasonCode.cluster_forbidden',
  cluster_unreachable: 'cluster.reasonCode.cluster_unreachable',
  cluster_error: 'cluster.reasonCode.cluster_error',
  none: null,
};

/** A cluster's status reason in the user's language; the server's words for a code this console does not know. */
export function clusterReasonText(t: (k: string) => string, code: string | null | undefined, text: string | null | undefined): string {
  if (code && Object.prototype.hasOwnProperty.call(CLUSTER_REASON_KEYS, code)) {
    const key = CLUSTER_REASON_KEYS[code as ClusterReasonCode];
    return key ? t(key) : '';
  }
  return text ?? '';
}

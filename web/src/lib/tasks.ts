// Task history view logic (kinds, states, a drain's per-pod progress), kept free of React so unit tests run it.
import type { DrainPodProgress, DrainProgress, PlannedPod, Task } from '../api/types';
import { taskFinished, type Tone } from './status';

export function taskStateTone(status: string | undefined): Tone {
  switch (status) {
    case 'succeeded':
      return 'success';
    case 'failed':
    case 'interrupted':
      return 'error';
    case 'cancelled':
      return 'warning';
    case 'running':
      return 'processing';
    default:
      return 'default';
  }
}

/** How often to re-read a task: every 2 s while it runs, not at all once it ended. */
export const taskPollMs = (status: string | undefined): number | false => (status && taskFinished(status) ? false : 2000);

/** A list page re-reads while any of its tasks is still running. */
export const taskListPollMs = (tasks: Pick<Task, 'status'>[] | undefined): number | false => (tasks?.some((t) => !taskFinished(t.status)) ? 5000 : false);

export interface DrainView {
  node: string | null;
  evictionApi: string | null;
  cordoned: boolean;
  pods: DrainPodProgress[];
  skipped: PlannedPod[];
  /** pods per state, in the order states are first met */
  counts: { state: string; count: number }[];
  /** the interrupted or failed drain this one goes on with */
  resumedFrom: number | null;
}

/** A drain task's progress document as the detail page shows it; null for a task of another kind. */
export function drainView(t: Pick<Task, 'kind' | 'progress'>): DrainView | null {
  if (t.kind !== 'node.drain') return null;
  const p = (t.progress ?? {}) as DrainProgress;
  const pods = Array.isArray(p.pods) ? p.pods : [];
  const skipped = Array.isArray(p.skipped) ? p.skipped : [];
  const counts = new Map<string, number>();
  for (const x of pods) counts.set(x.state, (counts.get(x.state) ?? 0) + 1);
  if (skipped.length) counts.set('skipped', skipped.length);
  return {
    node: p.node ?? null,
    evictionApi: p.eviction_api ?? null,
    cordoned: !!p.cordoned,
    pods,
    skipped,
    counts: [...counts].map(([state, count]) => ({ state, count })),
    resumedFrom: typeof p.resumed_from === 'number' ? p.resumed_from : null,
  };
}

/** Where a task's target lives in the console (a drain's node), or null. */
export function taskTargetLink(t: Pick<Task, 'kind' | 'cluster_id' | 'target'>): string | null {
  if (t.kind.startsWith('node.') && t.cluster_id) return `/clusters/${t.cluster_id}/nodes/${encodeURIComponent(t.target)}`;
  return null;
}

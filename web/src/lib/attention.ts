// What the cluster overview lists under "needs attention", kept free of React so unit tests run it directly.
import type { Tone } from './status';

/** Phases in which a pod is not doing its work: every one the overview counts but Running and Succeeded. */
export const ATTENTION_PHASES = ['Pending', 'Failed', 'Unknown'] as const;

export interface PhaseAttention {
  phase: (typeof ATTENTION_PHASES)[number];
  count: number;
  tone: Tone;
  /** the pod list filtered to these pods */
  link: string;
}

/** One entry per phase that has pods in it (counts the overview has not loaded yet are left out). */
export function podPhaseAttention(clusterId: string, counts: Partial<Record<string, number | null | undefined>>): PhaseAttention[] {
  return ATTENTION_PHASES.flatMap((phase) => {
    const count = counts[phase];
    if (!count || count <= 0) return [];
    return [{ phase, count, tone: phase === 'Failed' ? 'error' : 'warning', link: `/clusters/${clusterId}/pods?phase=${phase}` }];
  });
}

import { describe, expect, it } from 'vitest';
import { drainView, taskListPollMs, taskPollMs, taskStateTone, taskTargetLink } from './tasks';

const drain = {
  kind: 'node.drain',
  cluster_id: 3,
  target: 'worker-1',
  progress: {
    node: 'worker-1',
    eviction_api: 'policy/v1beta1',
    cordoned: true,
    pods: [
      { namespace: 'shop', name: 'web-1', state: 'evicted', message: null },
      { namespace: 'shop', name: 'web-2', state: 'blocked_by_pdb', message: 'Cannot evict pod as it would violate the pod\'s disruption budget.' },
      { namespace: 'db', name: 'pg-0', state: 'evicted', message: null },
    ],
    skipped: [{ namespace: 'kube-system', name: 'proxy-x', verdict: 'skip', reason: 'DaemonSet pod' }],
  },
};

describe('task history', () => {
  it("a drain's progress: its pods, the skipped ones and counts per state", () => {
    const v = drainView(drain)!;
    expect(v.node).toBe('worker-1');
    expect(v.cordoned).toBe(true);
    expect(v.pods.map((p) => p.name)).toEqual(['web-1', 'web-2', 'pg-0']);
    expect(v.skipped.map((p) => p.name)).toEqual(['proxy-x']);
    expect(v.counts).toEqual([
      { state: 'evicted', count: 2 },
      { state: 'blocked_by_pdb', count: 1 },
      { state: 'skipped', count: 1 },
    ]);
  });
  it('a resumed drain names the task it goes on with; a first drain names none', () => {
    expect(drainView({ ...drain, progress: { ...drain.progress, resumed_from: 41 } })!.resumedFrom).toBe(41);
    expect(drainView(drain)!.resumedFrom).toBeNull();
  });
  it('another kind has no drain view; a drain without a document has no pods', () => {
    expect(drainView({ kind: 'cluster.sync', progress: {} })).toBeNull();
    expect(drainView({ kind: 'node.drain', progress: null })?.pods).toEqual([]);
  });
  it('polls while the task runs and stops when it ended', () => {
    expect(taskPollMs('running')).toBe(2000);
    expect(taskPollMs('pending')).toBe(2000);
    expect(taskPollMs(undefined)).toBe(2000);
    for (const s of ['succeeded', 'failed', 'cancelled', 'interrupted']) expect(taskPollMs(s)).toBe(false);
    expect(taskListPollMs([{ status: 'succeeded' }, { status: 'running' }])).toBe(5000);
    expect(taskListPollMs([{ status: 'succeeded' }])).toBe(false);
  });
  it('states have tones and a drain links to its node', () => {
    expect(taskStateTone('succeeded')).toBe('success');
    expect(taskStateTone('failed')).toBe('error');
    expect(taskTargetLink(drain)).toBe('/clusters/3/nodes/worker-1');
    expect(taskTargetLink({ kind: 'cluster.sync', cluster_id: 3, target: 'x' })).toBeNull();
  });
});

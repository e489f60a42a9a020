import { describe, expect, it } from 'vitest';
import { buildHpa, byOrdinal, containersOf, diffPair, hasVerb, hpaApiVersion, hpaValuesOf, hpaView, isPaused, isWorkloadKind, jobView, newestFirst, ordinalOf, rolloutTone, statefulSetView, tagSuggestions, updateStrategyOf } from './workloads';

const k = (name: string, group: string) => ({ name, group });

describe('workload verbs per kind', () => {
  it('follows the contract', () => {
    expect(hasVerb(k('deployments', 'apps'), 'pause')).toBe(true);
    expect(hasVerb(k('statefulsets', 'apps'), 'pause')).toBe(false);
    expect(hasVerb(k('statefulsets', 'apps'), 'scale')).toBe(true);
    expect(hasVerb(k('daemonsets', 'apps'), 'scale')).toBe(false);
    expect(hasVerb(k('daemonsets', 'apps'), 'history')).toBe(true);
    expect(hasVerb(k('replicasets', 'apps'), 'scale')).toBe(true);
    expect(hasVerb(k('replicasets', 'apps'), 'restart')).toBe(false);
    expect(hasVerb(k('cronjobs', 'batch'), 'trigger')).toBe(true);
    expect(hasVerb(k('cronjobs', 'batch'), 'image')).toBe(true);
    expect(hasVerb(k('jobs', 'batch'), 'rerun')).toBe(true);
    // a custom resource that happens to be called deployments is not one
    expect(hasVerb(k('deployments', 'example.com'), 'scale')).toBe(false);
    expect(isWorkloadKind(k('configmaps', ''))).toBe(false);
    expect(isWorkloadKind(k('jobs', 'batch'))).toBe(true);
  });
  it('reads the object', () => {
    expect(isPaused({ spec: { paused: true } })).toBe(true);
    expect(isPaused({ spec: {} })).toBe(false);
    // (a resumed Deployment keeps `paused: false` in its spec)
    expect(isPaused({ spec: { paused: false } })).toBe(false);
    expect(containersOf({ spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } } } })).toEqual([{ name: 'web', image: 'nginx:1.25' }]);
    expect(containersOf({ spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } } })).toEqual([{ name: 'c', image: 'busybox' }]);
    expect(rolloutTone('stalled')).toBe('error');
    expect(rolloutTone('nope')).toBe('default');
  });
  it('orders history and picks diff pairs', () => {
    expect(newestFirst([{ revision: 1 }, { revision: 3 }, { revision: 2 }]).map((r) => r.revision)).toEqual([3, 2, 1]);
    expect(diffPair(2, 5)).toEqual({ from: 2, to: 5 });
    expect(diffPair(5, 2)).toEqual({ from: 2, to: 5 });
    expect(diffPair(3, 3)).toBeNull();
  });
  it('suggests the tags seen in the cluster, the current first', () => {
    const imgs = [{ repository: 'nginx', tags: ['1.25', '1.24'] }, { repository: 'redis', tags: ['7'] }];
    expect(tagSuggestions(imgs, 'nginx', '1.24')).toEqual(['1.24', '1.25']);
    expect(tagSuggestions(imgs, 'busybox')).toEqual([]);
    expect(tagSuggestions(undefined, 'nginx', 'x')).toEqual(['x']);
  });
});

describe('HPA', () => {
  it('writes the version the cluster serves', () => {
    expect(hpaApiVersion({ version: 'v2beta2' })).toBe('autoscaling/v2beta2');
    expect(hpaApiVersion({ version: 'v2' })).toBe('autoscaling/v2');
    expect(hpaApiVersion(undefined)).toBe('autoscaling/v2beta2');
  });
  it('builds v2 metrics and v1 CPU, and reads them back', () => {
    const v = { name: 'web', namespace: 'shop', target: 'Deployment/web', min: 2, max: 10, cpu: 60, memory: 80 };
    const o = buildHpa(v, 'autoscaling/v2beta2');
    expect(o).toEqual({
      apiVersion: 'autoscaling/v2beta2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
        ],
      },
    });
    expect(hpaValuesOf(o)).toEqual(v);
    const v1 = buildHpa({ ...v, memory: null }, 'autoscaling/v1') as any;
    expect(v1.spec.targetCPUUtilizationPercentage).toBe(60);
    expect(v1.spec.metrics).toBeUndefined();
    // an edit keeps the version read and the behaviour the form does not show
    const edited = buildHpa(v, 'autoscaling/v2', { metadata: { resourceVersion: '42' }, spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } }) as any;
    expect(edited.metadata.resourceVersion).toBe('42');
    expect(edited.spec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 60 } });
  });
  it('shows current / target per resource', () => {
    const o = {
      ...buildHpa({ name: 'web', namespace: 'shop', target: 'Deployment/web', min: 1, max: 5, cpu: 50 }, 'autoscaling/v2beta2'),
      status: { currentReplicas: 3, desiredReplicas: 4, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 87, averageValue: '87m' } } }] },
    };
    expect(hpaView(o)).toEqual({ target: 'Deployment/web', min: 1, max: 5, current: 3, desired: 4, metrics: [{ resource: 'cpu', current: 87, target: 50 }], conditions: [] });
    expect(hpaView({ spec: { targetCPUUtilizationPercentage: 70 }, status: {} } as any).metrics).toEqual([{ resource: 'cpu', current: null, target: 70 }]);
  });
});

describe('StatefulSet, DaemonSet and Job panels', () => {
  it('orders a StatefulSet\'s pods by ordinal', () => {
    expect(ordinalOf('web-10', 'web')).toBe(10);
    expect(ordinalOf('web-x', 'web')).toBeNull();
    expect(ordinalOf('webapp-1', 'web')).toBeNull();
    expect(byOrdinal([{ name: 'web-10' }, { name: 'web-2' }, { name: 'other' }, { name: 'web-0' }], 'web').map((p) => p.name)).toEqual(['web-0', 'web-2', 'web-10', 'other']);
  });
  it('reads update strategies with the API defaults', () => {
    expect(updateStrategyOf({ spec: {} }, 'statefulsets')).toEqual({ type: 'RollingUpdate', partition: 0, maxUnavailable: null, maxSurge: null });
    expect(updateStrategyOf({ spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } } }, 'statefulsets').partition).toBe(2);
    expect(updateStrategyOf({ spec: { updateStrategy: { type: 'OnDelete' } } }, 'statefulsets')).toEqual({ type: 'OnDelete', partition: null, maxUnavailable: null, maxSurge: null });
    expect(updateStrategyOf({ spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%' } } } }, 'daemonsets')).toEqual({ type: 'RollingUpdate', partition: null, maxUnavailable: '25%', maxSurge: null });
    expect(updateStrategyOf({ spec: {} }, 'daemonsets').maxUnavailable).toBe('1');
    const s = statefulSetView({ spec: { replicas: 3, serviceName: 'web' }, status: { currentRevision: 'web-a', updateRevision: 'web-b', updatedReplicas: 1 } });
    expect(s).toEqual({ podManagementPolicy: 'OrderedReady', serviceName: 'web', currentRevision: 'web-a', updateRevision: 'web-b', updated: 1, replicas: 3 });
  });
  it('reads a Job as kubectl describe does', () => {
    const done = jobView({ spec: { completions: 3, parallelism: 2 }, status: { succeeded: 3, failed: 1, startTime: '2024-01-01T00:00:00Z', completionTime: '2024-01-01T00:01:05Z', conditions: [{ type: 'Complete', status: 'True' }] } });
    expect(done).toMatchObject({ completions: 3, parallelism: 2, succeeded: 3, failed: 1, active: 0, durationSeconds: 65, state: 'Complete' });
    const running = jobView({ spec: {}, status: { active: 1, startTime: '2024-01-01T00:00:00Z' } }, Date.parse('2024-01-01T00:00:30Z'));
    expect(running).toMatchObject({ completions: 1, parallelism: 1, active: 1, durationSeconds: 30, state: 'Running' });
    const failed = jobView({ spec: { backoffLimit: 0 }, status: { failed: 1, startTime: '2024-01-01T00:00:00Z', conditions: [{ type: 'Failed', status: 'True' }] } });
    expect(failed).toMatchObject({ backoffLimit: 0, failed: 1, durationSeconds: null, state: 'Failed' });
    expect(jobView({ spec: { parallelism: 4 } }).completions).toBeNull();
    expect(jobView({ spec: { suspend: true } }).state).toBe('Suspended');
  });
});

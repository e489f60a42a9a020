import { describe, expect, it } from 'vitest';
import { podObjectView } from './podObject';
import { toYaml } from './yaml';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'demo', uid: 'u1', annotations: { 'kubedeck.io/x': 'y' }, labels: { app: 'web' } },
  spec: {
    initContainers: [{ name: 'init', image: 'busybox' }],
    containers: [
      { name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { requests: { cpu: '100m' }, limits: { memory: '128Mi' } }, livenessProbe: {}, readinessProbe: {} },
    ],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'pvc-1' } }, { name: 'cfg', configMap: { name: 'web-config' } }],
  },
  status: {
    hostIP: '10.0.0.5',
    podIPs: [{ ip: '10.244.1.7' }],
    conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    initContainerStatuses: [{ name: 'init', ready: true, restartCount: 0, state: { terminated: { reason: 'Completed', exitCode: 0 } } }],
    containerStatuses: [
      { name: 'app', ready: false, restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 137, finishedAt: '2026-01-01T00:01:00Z' } } },
    ],
  },
};

describe('pod object view', () => {
  it('reads container state, last termination, restarts, ports, resources and probes', () => {
    const v = podObjectView(pod);
    expect(v.containers[0]).toMatchObject({
      name: 'app',
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      restart_count: 7,
      ports: [{ container_port: 80, protocol: 'TCP' }],
      requests: { cpu: '100m' },
      limits: { memory: '128Mi' },
      last_termination: { reason: 'Error', exit_code: 137 },
      probes: ['liveness', 'readiness'],
    });
    expect(v.initContainers[0]).toMatchObject({ name: 'init', init: true, state: 'terminated', reason: 'Completed', exit_code: 0 });
  });
  it('reads conditions, volumes, IPs and annotations', () => {
    const v = podObjectView(pod);
    expect(v.conditions[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'ContainersNotReady' });
    expect(v.volumes).toEqual([
      { name: 'data', kind: 'persistentVolumeClaim', source: 'pvc-1' },
      { name: 'cfg', kind: 'configMap', source: 'web-config' },
    ]);
    expect(v.hostIp).toBe('10.0.0.5');
    expect(v.podIps).toEqual(['10.244.1.7']);
    expect(v.annotations).toEqual({ 'kubedeck.io/x': 'y' });
  });
  it('tolerates an empty object', () => {
    expect(podObjectView(undefined).containers).toEqual([]);
  });
});

describe('YAML view', () => {
  it('writes objects the way kubectl -o yaml reads', () => {
    const y = toYaml({ apiVersion: 'v1', metadata: { name: 'web-1', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', ports: [{ containerPort: 80 }], args: ['--port', '80'] }] } });
    expect(y).toBe(
      [
        'apiVersion: v1',
        'metadata:',
        '  name: web-1',
        '  labels:',
        '    app: web',
        'spec:',
        '  containers:',
        '  - name: app',
        '    ports:',
        '    - containerPort: 80',
        '    args:',
        '    - --port',
        '    - "80"',
        '',
      ].join('\n'),
    );
  });
  it('quotes strings YAML would misread and keeps multi-line text', () => {
    expect(toYaml({ a: 'true', b: '', c: 'x: y', d: null, e: [], f: {}, g: 'line1\nline2\n' })).toBe(
      ['a: "true"', "b: ''", 'c: "x: y"', 'd: null', 'e: []', 'f: {}', 'g: |', '  line1', '  line2', ''].join('\n'),
    );
  });
});

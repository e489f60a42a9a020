import { describe, expect, it } from 'vitest';
import { buildDeployment, buildService, cronJobTemplate, envManifestRows, fieldErrorsOf, formFieldOf, imageRef, intOrString, splitCommand, splitImage, WORKLOAD_TEMPLATES, workloadSpec, type WizardValues } from './workloadManifest';
import { toYaml } from './yaml';

const full: WizardValues = {
  name: 'shop',
  namespace: 'prod',
  image: 'nginx',
  tag: '1.25',
  replicas: 3,
  ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }, { containerPort: 9090 }],
  service: true,
  serviceType: 'NodePort',
  env: [
    { name: 'MODE', source: 'value', value: 'prod' },
    { source: 'configMap', ref: 'shop-config' },
    { name: 'DB_PASSWORD', source: 'secret', ref: 'db', key: 'password' },
  ],
  cpuRequest: '100m',
  memoryRequest: '128Mi',
  cpuLimit: '1',
  memoryLimit: '',
  liveness: { type: 'http', path: '/healthz', port: 80, initialDelaySeconds: 5, periodSeconds: 10 },
  readiness: { type: 'tcp', port: 80 },
  volumes: [
    { source: 'configMap', ref: 'shop-config', mountPath: '/etc/shop', readOnly: true },
    { name: 'data', source: 'pvc', ref: 'shop-data', mountPath: '/data' },
    { name: 'tls', source: 'secret', ref: 'shop-tls', mountPath: '/tls' },
  ],
  nodeSelector: [{ key: 'disktype', value: 'ssd' }],
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'shop', effect: 'NoSchedule' }, { operator: 'Exists' }],
  strategy: 'RollingUpdate',
  maxSurge: '1',
  maxUnavailable: '25%',
};

describe('the wizard builds the manifest', () => {
  it('a Deployment with every section', () => {
    const d = buildDeployment(full) as any;
    expect(d.apiVersion).toBe('apps/v1');
    expect(d.metadata).toEqual({ name: 'shop', namespace: 'prod', labels: { app: 'shop' } });
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'shop' } });
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });
    expect(d.spec.template.metadata.labels).toEqual({ app: 'shop' });
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(c.name).toBe('shop');
    expect(c.image).toBe('nginx:1.25');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 80, protocol: 'TCP' }, { containerPort: 9090, protocol: 'TCP' }]);
    expect(c.env).toEqual([{ name: 'MODE', value: 'prod' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'shop-config' } }]);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1' } });
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 80 }, initialDelaySeconds: 5, periodSeconds: 10 });
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 80 } });
    expect(c.volumeMounts).toEqual([{ name: 'shop-config', mountPath: '/etc/shop', readOnly: true }, { name: 'data', mountPath: '/data' }, { name: 'tls', mountPath: '/tls' }]);
    expect(pod.volumes).toEqual([{ name: 'shop-config', configMap: { name: 'shop-config' } }, { name: 'data', persistentVolumeClaim: { claimName: 'shop-data' } }, { name: 'tls', secret: { secretName: 'shop-tls' } }]);
    expect(pod.nodeSelector).toEqual({ disktype: 'ssd' });
    expect(pod.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'shop', effect: 'NoSchedule' }, { operator: 'Exists' }]);
  });
  it('a minimal Deployment has no empty sections, Recreate has no rollingUpdate', () => {
    const d = buildDeployment({ name: ' api ', namespace: 'default', image: 'reg:5000/team/api', tag: 'v2', strategy: 'Recreate' }) as any;
    expect(d.metadata.name).toBe('api');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.template.spec).toEqual({ containers: [{ name: 'api', image: 'reg:5000/team/api:v2' }] });
    expect(buildService({ name: 'api', namespace: 'default', image: 'x', service: true })).toBeNull();
  });
  it('the Service exposes the container ports', () => {
    expect(buildService(full)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop', namespace: 'prod', labels: { app: 'shop' } },
      spec: { type: 'NodePort', selector: { app: 'shop' }, ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }, { name: 'port-1', port: 9090, targetPort: 9090, protocol: 'TCP' }] },
    });
    expect(buildService({ ...full, service: false })).toBeNull();
  });
  it('the YAML shown is the object', () => {
    const y = toYaml(buildDeployment(full));
    expect(y).toContain('maxUnavailable: "25%"');
    expect(y).toContain('image: nginx:1.25');
    expect(y.startsWith('apiVersion: apps/v1\nkind: Deployment\n')).toBe(true);
  });
  it('images, commands and IntOrStrings', () => {
    expect(imageRef('nginx', '1.25')).toBe('nginx:1.25');
    expect(imageRef('nginx:1.24', '1.25')).toBe('nginx:1.24');
    expect(imageRef('nginx', '')).toBe('nginx');
    expect(imageRef('app@sha256:abc', 'x')).toBe('app@sha256:abc');
    expect(splitImage('reg:5000/team/api:v2')).toEqual({ repository: 'reg:5000/team/api', tag: 'v2' });
    expect(splitImage('reg:5000/team/api')).toEqual({ repository: 'reg:5000/team/api', tag: '' });
    expect(splitCommand('sh -c "echo hi there"')).toEqual(['sh', '-c', 'echo hi there']);
    expect(splitCommand("  ")).toEqual([]);
    expect(intOrString('2')).toBe(2);
    expect(intOrString('30%')).toBe('30%');
    expect(intOrString(' ')).toBeUndefined();
  });
});

describe("the cluster's field errors land on form fields", () => {
  it('maps Deployment paths', () => {
    expect(formFieldOf('metadata.name')).toEqual(['name']);
    expect(formFieldOf('spec.replicas')).toEqual(['replicas']);
    expect(formFieldOf('spec.template.spec.containers[0].image')).toEqual(['image']);
    expect(formFieldOf('spec.template.spec.containers[0].ports[1].name')).toEqual(['ports', 1, 'name']);
    expect(formFieldOf('spec.template.spec.containers[0].ports[0].containerPort')).toEqual(['ports', 0, 'containerPort']);
    expect(formFieldOf('spec.template.spec.containers[0].env[2].name')).toEqual(['env', 2, 'name']);
    expect(formFieldOf('spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key')).toEqual(['env', 0, 'key']);
    expect(formFieldOf('spec.template.spec.containers[0].resources.requests[cpu]')).toEqual(['cpuRequest']);
    expect(formFieldOf('spec.template.spec.containers[0].resources.limits.memory')).toEqual(['memoryLimit']);
    expect(formFieldOf('spec.template.spec.containers[0].livenessProbe.httpGet.port')).toEqual(['liveness', 'port']);
    expect(formFieldOf('spec.template.spec.containers[0].readinessProbe.periodSeconds')).toEqual(['readiness', 'periodSeconds']);
    expect(formFieldOf('spec.template.spec.containers[0].volumeMounts[1].mountPath')).toEqual(['volumes', 1, 'mountPath']);
    expect(formFieldOf('spec.template.spec.volumes[0].name')).toEqual(['volumes', 0, 'name']);
    expect(formFieldOf('spec.template.spec.volumes[2].secret.secretName')).toEqual(['volumes', 2, 'ref']);
    expect(formFieldOf('spec.template.spec.nodeSelector')).toEqual(['nodeSelector']);
    expect(formFieldOf('spec.template.spec.tolerations[1].effect')).toEqual(['tolerations', 1, 'effect']);
    expect(formFieldOf('spec.strategy.rollingUpdate.maxSurge')).toEqual(['maxSurge']);
    expect(formFieldOf('spec.strategy.rollingUpdate')).toEqual(['maxUnavailable']);
    expect(formFieldOf('spec.template.spec.containers[0].securityContext')).toBeNull();
    expect(formFieldOf('spec.template.spec.affinity')).toBeNull();
  });
  it('maps Service paths', () => {
    expect(formFieldOf('spec.ports[0].nodePort', 'Service')).toEqual(['ports', 0, 'containerPort']);
    expect(formFieldOf('spec.ports[1].name', 'Service')).toEqual(['ports', 1, 'name']);
    expect(formFieldOf('metadata.name', 'Service')).toEqual(['name']);
  });
  it('groups causes by field, renumbers env rows, keeps the rest', () => {
    const { fields, rest } = fieldErrorsOf(
      [
        { field: 'spec.template.spec.containers[0].env[1].name', reason: 'FieldValueInvalid', message: 'Invalid value: "1BAD": a valid environment variable name must consist of alphabetic characters' },
        { field: 'spec.template.spec.containers[0].image', reason: 'FieldValueRequired', message: 'Required value' },
        { field: 'spec.template.spec.affinity', message: 'bad' },
      ],
      'Deployment',
      full,
    );
    // env[1] of the manifest is the form's third row (the second went to envFrom)
    expect(envManifestRows(full)).toEqual([0, 2]);
    expect(fields).toEqual([
      { name: ['env', 2, 'name'], errors: ['Invalid value: "1BAD": a valid environment variable name must consist of alphabetic characters'] },
      { name: ['image'], errors: ['Required value'] },
    ]);
    expect(rest).toEqual(['spec.template.spec.affinity: bad']);
  });
});

describe('templates: one source', () => {
  it('the web app template exposes port 80 through a Service', () => {
    const v = WORKLOAD_TEMPLATES.web.values('web', 'default');
    expect((buildService(v) as any).spec.ports[0].port).toBe(80);
    expect((buildDeployment(v) as any).spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/');
  });
  it('the worker has no ports and a command', () => {
    const d = buildDeployment(WORKLOAD_TEMPLATES.worker.values('w', 'default')) as any;
    expect(d.spec.template.spec.containers[0].ports).toBeUndefined();
    expect(d.spec.template.spec.containers[0].command[0]).toBe('sh');
  });
  it('the cron job and the other kinds share the pod template', () => {
    const cj = cronJobTemplate('nightly', 'ops', 'batch/v1beta1') as any;
    expect(cj.apiVersion).toBe('batch/v1beta1');
    expect(cj.spec.schedule).toBe('*/5 * * * *');
    expect(cj.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('OnFailure');
    expect(cj.spec.jobTemplate.spec.template.spec.containers[0]).toEqual({ name: 'nightly', image: 'busybox:1.36', command: ['sh', '-c', 'date'] });
    const ss = workloadSpec('StatefulSet', 'db', 'apps/v1', 'x') as any;
    expect(ss.spec.serviceName).toBe('db');
    expect(ss.spec.template.spec.containers[0].image).toBe('nginx:1.25');
    expect(workloadSpec('ConfigMap', 'x', 'v1', 'x')).toBeNull();
  });
});

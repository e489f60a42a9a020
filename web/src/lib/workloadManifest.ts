// The deploy wizard's manifest (issue 14): form values → a Deployment (and optionally a Service for its ports),
// the cluster's field paths → the form field they came from, and the built-in workload templates (one source for
// the wizard, the template picker and the YAML editor's create templates). React-free.

export type EnvSource = 'value' | 'configMap' | 'secret';
export type VolumeSource = 'configMap' | 'secret' | 'pvc';
export type ProbeType = 'none' | 'http' | 'tcp' | 'exec';
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

export interface PortValue {
  name?: string;
  containerPort?: number | null;
  protocol?: 'TCP' | 'UDP';
}
export interface EnvValue {
  name?: string;
  source?: EnvSource;
  /** the literal value (source value) */
  value?: string;
  /** the ConfigMap or Secret */
  ref?: string;
  /** its key; empty: every key of it (envFrom) */
  key?: string;
}
export interface ProbeValue {
  type?: ProbeType;
  path?: string;
  port?: number | null;
  command?: string;
  initialDelaySeconds?: number | null;
  periodSeconds?: number | null;
}
export interface VolumeValue {
  name?: string;
  source?: VolumeSource;
  ref?: string;
  mountPath?: string;
  readOnly?: boolean;
}
export interface KeyValue {
  key?: string;
  value?: string;
}
export interface TolerationValue {
  key?: string;
  operator?: 'Equal' | 'Exists';
  value?: string;
  effect?: '' | 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface WizardValues {
  name: string;
  namespace: string;
  image: string;
  tag?: string;
  replicas?: number | null;
  ports?: PortValue[];
  service?: boolean;
  serviceType?: ServiceType;
  env?: EnvValue[];
  cpuRequest?: string;
  memoryRequest?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  liveness?: ProbeValue;
  readiness?: ProbeValue;
  volumes?: VolumeValue[];
  nodeSelector?: KeyValue[];
  tolerations?: TolerationValue[];
  strategy?: 'RollingUpdate' | 'Recreate';
  maxSurge?: string;
  maxUnavailable?: string;
  /** a worker has no ports; a template may carry a command */
  command?: string;
}

type Obj = Record<string, unknown>;

/** `nginx` + `1.25` → `nginx:1.25`; an image that already has a tag or digest keeps it. */
export function imageRef(image: string, tag?: string): string {
  const i = image.trim();
  const t = (tag ?? '').trim();
  if (!t) return i;
  const last = i.split('/').pop() ?? i;
  if (last.includes(':') || i.includes('@')) return i;
  return `${i}:${t}`;
}

/** `nginx:1.25` → [`nginx`, `1.25`]; a registry port is not a tag (`reg:5000/app` has none). */
export function splitImage(ref: string): { repository: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repository: ref.slice(0, at), tag: ref.slice(at) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { repository: ref, tag: '' };
}

/** `sh -c "echo hi"` → [`sh`, `-c`, `echo hi`] (double or single quotes group words). */
export function splitCommand(s: string | undefined): string[] {
  if (!s?.trim()) return [];
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of s.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** An IntOrString as Kubernetes takes it: `25%` stays a string, `1` becomes a number. */
export function intOrString(v: string | undefined): number | string | undefined {
  const s = (v ?? '').trim();
  if (!s) return undefined;
  return /^\d+$/.test(s) ? Number(s) : s;
}

const nonEmpty = <T>(xs: (T | null | undefined)[] | undefined): T[] => (xs ?? []).filter((x): x is T => x !== null && x !== undefined);

function probeOf(p: ProbeValue | undefined): Obj | undefined {
  if (!p || !p.type || p.type === 'none') return undefined;
  const timing: Obj = {};
  if (p.initialDelaySeconds != null) timing.initialDelaySeconds = p.initialDelaySeconds;
  if (p.periodSeconds != null) timing.periodSeconds = p.periodSeconds;
  if (p.type === 'http') return { httpGet: { path: p.path?.trim() || '/', port: p.port ?? 80 }, ...timing };
  if (p.type === 'tcp') return { tcpSocket: { port: p.port ?? 80 }, ...timing };
  return { exec: { command: splitCommand(p.command) }, ...timing };
}

/** The volume's name: the one given, else the source's name (both must be DNS labels; the cluster says so if not). */
const volumeName = (v: VolumeValue, i: number) => v.name?.trim() || v.ref?.trim() || `volume-${i}`;

/** The pod template's spec (containers, volumes, scheduling) of the wizard's values. */
export function podSpecOf(v: WizardValues): Obj {
  const name = v.name.trim();
  const container: Obj = { name, image: imageRef(v.image, v.tag) };
  const command = splitCommand(v.command);
  if (command.length) container.command = command;
  const ports = nonEmpty(v.ports).filter((p) => p.containerPort != null);
  if (ports.length) container.ports = ports.map((p) => ({ ...(p.name?.trim() ? { name: p.name.trim() } : {}), containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' }));
  const env: Obj[] = [];
  const envFrom: Obj[] = [];
  for (const e of nonEmpty(v.env)) {
    const src = e.source ?? 'value';
    if (src === 'value') {
      if (e.name?.trim()) env.push({ name: e.name.trim(), value: e.value ?? '' });
    } else if (e.ref?.trim()) {
      const ref = e.ref.trim();
      if (e.key?.trim()) env.push({ name: e.name?.trim() || e.key.trim(), valueFrom: { [src === 'configMap' ? 'configMapKeyRef' : 'secretKeyRef']: { name: ref, key: e.key.trim() } } });
      else envFrom.push({ [src === 'configMap' ? 'configMapRef' : 'secretRef']: { name: ref } });
    }
  }
  if (env.length) container.env = env;
  if (envFrom.length) container.envFrom = envFrom;
  const requests: Obj = {};
  const limits: Obj = {};
  if (v.cpuRequest?.trim()) requests.cpu = v.cpuRequest.trim();
  if (v.memoryRequest?.trim()) requests.memory = v.memoryRequest.trim();
  if (v.cpuLimit?.trim()) limits.cpu = v.cpuLimit.trim();
  if (v.memoryLimit?.trim()) limits.memory = v.memoryLimit.trim();
  if (Object.keys(requests).length || Object.keys(limits).length)
    container.resources = { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) };
  const liveness = probeOf(v.liveness);
  const readiness = probeOf(v.readiness);
  if (liveness) container.livenessProbe = liveness;
  if (readiness) container.readinessProbe = readiness;
  const vols = nonEmpty(v.volumes).filter((x) => x.ref?.trim());
  if (vols.length) container.volumeMounts = vols.map((x, i) => ({ name: volumeName(x, i), mountPath: x.mountPath?.trim() ?? '', ...(x.readOnly ? { readOnly: true } : {}) }));

  const spec: Obj = { containers: [container] };
  if (vols.length)
    spec.volumes = vols.map((x, i) => {
      const ref = x.ref!.trim();
      const source = x.source ?? 'configMap';
      return {
        name: volumeName(x, i),
        ...(source === 'configMap' ? { configMap: { name: ref } } : source === 'secret' ? { secret: { secretName: ref } } : { persistentVolumeClaim: { claimName: ref } }),
      };
    });
  const selector = nonEmpty(v.nodeSelector).filter((x) => x.key?.trim());
  if (selector.length) spec.nodeSelector = Object.fromEntries(selector.map((x) => [x.key!.trim(), x.value ?? '']));
  const tolerations = nonEmpty(v.tolerations).filter((x) => x.key?.trim() || x.operator === 'Exists');
  if (tolerations.length)
    spec.tolerations = tolerations.map((x) => {
      const op = x.operator ?? 'Equal';
      return { ...(x.key?.trim() ? { key: x.key.trim() } : {}), operator: op, ...(op === 'Equal' ? { value: x.value ?? '' } : {}), ...(x.effect ? { effect: x.effect } : {}) };
    });
  return spec;
}

/** The Deployment of the wizard's values. */
export function buildDeployment(v: WizardValues): Obj {
  const name = v.name.trim();
  const labels = { app: name };
  const strategy: Obj =
    v.strategy === 'Recreate'
      ? { type: 'Recreate' }
      : {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: intOrString(v.maxSurge) ?? '25%', maxUnavailable: intOrString(v.maxUnavailable) ?? '25%' },
        };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: v.namespace.trim(), labels },
    spec: {
      replicas: v.replicas ?? 1,
      selector: { matchLabels: labels },
      strategy,
      template: { metadata: { labels }, spec: podSpecOf(v) },
    },
  };
}

/** The Service for the Deployment's ports (port = containerPort), or null when not asked for or without ports. */
export function buildService(v: WizardValues): Obj | null {
  const ports = nonEmpty(v.ports).filter((p) => p.containerPort != null);
  if (!v.service || !ports.length) return null;
  const name = v.name.trim();
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: v.namespace.trim(), labels: { app: name } },
    spec: {
      type: v.serviceType ?? 'ClusterIP',
      selector: { app: name },
      ports: ports.map((p, i) => ({ name: p.name?.trim() || (ports.length > 1 ? `port-${i}` : 'http'), port: p.containerPort, targetPort: p.containerPort, protocol: p.protocol ?? 'TCP' })),
    },
  };
}

/** The form row of each `env[]` entry of the manifest, in order (a row naming a whole ConfigMap or Secret is in envFrom). */
export function envManifestRows(v: WizardValues): number[] {
  const rows: number[] = [];
  (v.env ?? []).forEach((e, i) => {
    if (!e) return;
    const src = e.source ?? 'value';
    if (src === 'value' ? !!e.name?.trim() : !!e.ref?.trim() && !!e.key?.trim()) rows.push(i);
  });
  return rows;
}

// ---- the cluster's field errors on the form --------------------------------------------------------------------

export type FormPath = (string | number)[];

/**
 * The form field a field path of the cluster's error belongs to (`spec.template.spec.containers[0].env[1].name` →
 * `['env', 1, 'name']`), for the Deployment (`kind` Deployment) or the Service; null when the form has no such field.
 * Indexes are the manifest's: the form's rows map to them one to one, as long as no row was left out when built
 * (`formIndex` maps them back otherwise).
 */
export function formFieldOf(path: string | null | undefined, kind: 'Deployment' | 'Service' = 'Deployment'): FormPath | null {
  if (!path) return null;
  const p = path.replace(/^\./, '');
  if (p === 'metadata.name' || p.startsWith('metadata.name')) return ['name'];
  if (p.startsWith('metadata.namespace')) return ['namespace'];
  if (p.startsWith('metadata.labels') || p.startsWith('spec.selector') || p.startsWith('spec.template.metadata')) return ['name'];
  if (kind === 'Service') {
    const m = /^spec\.ports\[(\d+)\]\.(\w+)/.exec(p);
    if (m) return ['ports', Number(m[1]), m[2] === 'name' ? 'name' : m[2] === 'protocol' ? 'protocol' : 'containerPort'];
    if (p.startsWith('spec.type')) return ['serviceType'];
    return null;
  }
  if (p.startsWith('spec.replicas')) return ['replicas'];
  if (p.startsWith('spec.strategy')) {
    if (p.includes('maxSurge')) return ['maxSurge'];
    if (p.includes('maxUnavailable') || p.includes('rollingUpdate')) return ['maxUnavailable'];
    return ['strategy'];
  }
  const pod = /^spec\.template\.spec\.(.*)$/.exec(p)?.[1];
  if (pod === undefined) return null;
  const c = /^containers\[\d+\]\.?(.*)$/.exec(pod);
  if (c) {
    const rest = c[1];
    if (!rest || rest.startsWith('name')) return ['name'];
    if (rest.startsWith('image')) return ['image'];
    if (rest.startsWith('command') || rest.startsWith('args')) return ['command'];
    let m = /^ports\[(\d+)\]\.?(\w*)/.exec(rest);
    if (m) return ['ports', Number(m[1]), m[2] === 'name' ? 'name' : m[2] === 'protocol' ? 'protocol' : 'containerPort'];
    m = /^env\[(\d+)\]\.?(\w*)(.*)$/.exec(rest);
    if (m) return ['env', Number(m[1]), m[2] === 'name' ? 'name' : m[2] === 'valueFrom' ? (m[3].includes('.key') ? 'key' : 'ref') : 'value'];
    m = /^envFrom\[(\d+)\]/.exec(rest);
    if (m) return ['env'];
    m = /^resources\.(requests|limits)(?:\[(\w+)\]|\.(\w+))?/.exec(rest);
    if (m) {
      const res = m[2] ?? m[3];
      const which = m[1] === 'requests' ? 'Request' : 'Limit';
      return [res === 'memory' ? `memory${which}` : `cpu${which}`];
    }
    m = /^(liveness|readiness)Probe\.?(.*)$/.exec(rest);
    if (m) {
      const f = m[2];
      const leaf = /initialDelaySeconds/.test(f) ? 'initialDelaySeconds' : /periodSeconds/.test(f) ? 'periodSeconds' : /path/.test(f) ? 'path' : /port/.test(f) ? 'port' : /command/.test(f) ? 'command' : 'type';
      return [m[1], leaf];
    }
    m = /^volumeMounts\[(\d+)\]\.?(\w*)/.exec(rest);
    if (m) return ['volumes', Number(m[1]), m[2] === 'mountPath' ? 'mountPath' : 'name'];
    return null;
  }
  let m = /^volumes\[(\d+)\]\.?(\w*)/.exec(pod);
  if (m) return ['volumes', Number(m[1]), m[2] === 'name' ? 'name' : 'ref'];
  if (pod.startsWith('nodeSelector')) return ['nodeSelector'];
  m = /^tolerations\[(\d+)\]\.?(\w*)/.exec(pod);
  if (m) return ['tolerations', Number(m[1]), ['key', 'operator', 'value', 'effect'].includes(m[2]) ? m[2] : 'key'];
  return null;
}

export interface FieldErrorCause {
  field?: string | null;
  reason?: string | null;
  message?: string | null;
}

/**
 * The cluster's causes grouped by form field (the message as the cluster says it, without the repeated path), and
 * what no form field takes (shown above the form).
 */
export function fieldErrorsOf(
  causes: FieldErrorCause[],
  kind: 'Deployment' | 'Service' = 'Deployment',
  values?: WizardValues,
): { fields: { name: FormPath; errors: string[] }[]; rest: string[] } {
  const byKey = new Map<string, { name: FormPath; errors: string[] }>();
  const rest: string[] = [];
  const envRows = values ? envManifestRows(values) : null;
  for (const c of causes) {
    const msg = (c.message ?? c.reason ?? '').trim();
    let path = formFieldOf(c.field, kind);
    // env[i] of the manifest is the form's row envRows[i] (rows of whole ConfigMaps/Secrets went to envFrom)
    if (path && envRows && path[0] === 'env' && typeof path[1] === 'number') path = envRows[path[1]] !== undefined ? ['env', envRows[path[1]], ...path.slice(2)] : ['env'];
    if (!path) {
      rest.push(c.field ? `${c.field}: ${msg}` : msg);
      continue;
    }
    const key = JSON.stringify(path);
    const entry = byKey.get(key) ?? { name: path, errors: [] };
    entry.errors.push(msg || String(c.field));
    byKey.set(key, entry);
  }
  return { fields: [...byKey.values()], rest };
}

// ---- templates ----------------------------------------------------------------------------------------------------

export type TemplateId = 'web' | 'worker' | 'cronjob';

/** The built-in workload templates: what each prefills in the wizard (web, worker) or the YAML editor (cronjob). */
export const WORKLOAD_TEMPLATES: Record<TemplateId, { wizard: boolean; values: (name: string, namespace: string) => WizardValues }> = {
  web: {
    wizard: true,
    values: (name, namespace) => ({
      name,
      namespace,
      image: 'nginx',
      tag: '1.25',
      replicas: 2,
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
      service: true,
      serviceType: 'ClusterIP',
      cpuRequest: '100m',
      memoryRequest: '128Mi',
      cpuLimit: '500m',
      memoryLimit: '256Mi',
      readiness: { type: 'http', path: '/', port: 80, periodSeconds: 10 },
      liveness: { type: 'tcp', port: 80, initialDelaySeconds: 10, periodSeconds: 20 },
      strategy: 'RollingUpdate',
      maxSurge: '25%',
      maxUnavailable: '25%',
    }),
  },
  worker: {
    wizard: true,
    values: (name, namespace) => ({
      name,
      namespace,
      image: 'busybox',
      tag: '1.36',
      replicas: 1,
      command: 'sh -c "while true; do echo working; sleep 30; done"',
      cpuRequest: '50m',
      memoryRequest: '64Mi',
      strategy: 'Recreate',
    }),
  },
  cronjob: {
    wizard: false,
    values: (name, namespace) => ({ name, namespace, image: 'busybox', tag: '1.36', command: 'sh -c date' }),
  },
};

/** The minimal wizard values the YAML editor's create templates start from. */
export const minimalValues = (name: string, namespace: string): WizardValues => ({ name, namespace, image: 'nginx', tag: '1.25', replicas: 1, strategy: 'RollingUpdate' });

/** A workload kind's spec for the YAML editor's create template, from the same pod template as the wizard. */
export function workloadSpec(kind: string, name: string, apiVersion: string, namespace: string, values?: WizardValues): Obj | null {
  const v = values ?? minimalValues(name, namespace);
  const labels = { app: name };
  const template = { metadata: { labels }, spec: podSpecOf(v) };
  const jobTemplate = (restartPolicy: string) => ({ spec: { ...podSpecOf(v), restartPolicy } });
  const metadata = { name, namespace };
  switch (kind) {
    case 'Deployment':
      return buildDeployment(v);
    case 'StatefulSet':
      return { apiVersion, kind, metadata, spec: { serviceName: name, replicas: v.replicas ?? 1, selector: { matchLabels: labels }, template } };
    case 'DaemonSet':
      return { apiVersion, kind, metadata, spec: { selector: { matchLabels: labels }, template } };
    case 'Job':
      return { apiVersion, kind, metadata, spec: { backoffLimit: 2, template: jobTemplate('Never') } };
    case 'CronJob':
      return { apiVersion, kind, metadata, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: jobTemplate('OnFailure') } } } };
    default:
      return null;
  }
}

/** The CronJob template (the "cron job" template opens the YAML editor with it). */
export const cronJobTemplate = (name: string, namespace: string, apiVersion: string) => workloadSpec('CronJob', name, apiVersion, namespace, WORKLOAD_TEMPLATES.cronjob.values(name, namespace))!;

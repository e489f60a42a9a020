// Reads what the pod detail shows from the live Kubernetes Pod object the server returns as-is.
import type { ContainerDetail } from '../api/types';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

function containerState(st: Obj | undefined): { state: string | null; reason: string | null; exit_code: number | null } {
  if (!st) return { state: null, reason: null, exit_code: null };
  if (st.running) return { state: 'running', reason: null, exit_code: null };
  if (st.waiting) return { state: 'waiting', reason: st.waiting.reason ?? null, exit_code: null };
  if (st.terminated) return { state: 'terminated', reason: st.terminated.reason ?? null, exit_code: st.terminated.exitCode ?? null };
  return { state: null, reason: null, exit_code: null };
}

function containers(spec: Obj[] | undefined, statuses: Obj[] | undefined, init: boolean): ContainerDetail[] {
  return (spec ?? []).map((c) => {
    const s = (statuses ?? []).find((x) => x.name === c.name);
    const term = s?.lastState?.terminated;
    return {
      name: c.name,
      image: c.image,
      init,
      ready: s?.ready ?? false,
      restart_count: s?.restartCount ?? 0,
      ...containerState(s?.state),
      ports: (c.ports ?? []).map((p: Obj) => ({ name: p.name, container_port: p.containerPort, protocol: p.protocol })),
      requests: c.resources?.requests,
      limits: c.resources?.limits,
      last_termination: term ? { reason: term.reason, exit_code: term.exitCode, finished_at: term.finishedAt } : null,
      probes: ['livenessProbe', 'readinessProbe', 'startupProbe'].filter((k) => c[k]).map((k) => k.replace('Probe', '')),
    };
  });
}

export interface PodObjectView {
  containers: ContainerDetail[];
  initContainers: ContainerDetail[];
  conditions: { type: string; status: string; reason?: string; message?: string; last_transition_time?: string }[];
  volumes: { name: string; kind: string; source: string }[];
  annotations: Record<string, string>;
  hostIp: string | null;
  podIps: string[];
  uid: string | null;
}

/** The parts of a Pod object the detail page shows. */
export function podObjectView(obj: unknown): PodObjectView {
  const o = (obj ?? {}) as Obj;
  const spec = o.spec ?? {};
  const status = o.status ?? {};
  return {
    containers: containers(spec.containers, status.containerStatuses, false),
    initContainers: containers(spec.initContainers, status.initContainerStatuses, true),
    conditions: (status.conditions ?? []).map((c: Obj) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      last_transition_time: c.lastTransitionTime,
    })),
    volumes: (spec.volumes ?? []).map((v: Obj) => {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? '';
      const src = v[kind] ?? {};
      const source = src.claimName ?? src.name ?? src.secretName ?? src.path ?? (src.sources ? `${src.sources.length} sources` : '');
      return { name: v.name, kind, source: String(source ?? '') };
    }),
    annotations: o.metadata?.annotations ?? {},
    hostIp: status.hostIP ?? null,
    podIps: (status.podIPs ?? []).map((x: Obj) => x.ip).filter(Boolean),
    uid: o.metadata?.uid ?? null,
  };
}

// The Service form's manifest (issue 15): what the operator filled in, as the YAML the generic create/replace
// takes (with its dry run first). React-free, unit-tested.

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

export interface ServicePortForm {
  name?: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  /** a number or a container port's name; empty: the same as `port` */
  targetPort?: string;
  /** NodePort / LoadBalancer only; empty: the cluster picks one */
  nodePort?: number | null;
}

export interface ServiceForm {
  name: string;
  namespace: string;
  type: ServiceType;
  ports: ServicePortForm[];
  selector: Record<string, string>;
}

/** A target port as Kubernetes takes it: digits are a number, anything else a port name. */
export function targetPortValue(v: string | undefined, port: number): number | string {
  const s = (v ?? '').trim();
  if (!s) return port;
  return /^\d+$/.test(s) ? Number(s) : s;
}

/** The Service object of a form. */
export function serviceObject(f: ServiceForm): Record<string, unknown> {
  const nodePorts = f.type !== 'ClusterIP';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: f.name, namespace: f.namespace },
    spec: {
      type: f.type,
      selector: f.selector,
      ports: f.ports.map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        protocol: p.protocol,
        port: p.port,
        targetPort: targetPortValue(p.targetPort, p.port),
        ...(nodePorts && p.nodePort ? { nodePort: p.nodePort } : {}),
      })),
    },
  };
}

/** The form of an existing Service (edit). */
export function formOfService(obj: { metadata?: { name?: string; namespace?: string }; spec?: Record<string, unknown> }): ServiceForm {
  const spec = (obj.spec ?? {}) as { type?: ServiceType; selector?: Record<string, string>; ports?: Record<string, unknown>[] };
  return {
    name: obj.metadata?.name ?? '',
    namespace: obj.metadata?.namespace ?? 'default',
    type: spec.type && spec.type !== ('ExternalName' as ServiceType) ? spec.type : 'ClusterIP',
    selector: spec.selector ?? {},
    ports: (spec.ports ?? []).map((p) => ({
      name: (p.name as string | undefined) ?? undefined,
      protocol: ((p.protocol as string) ?? 'TCP') as ServicePortForm['protocol'],
      port: Number(p.port),
      targetPort: p.targetPort === undefined ? undefined : String(p.targetPort),
      nodePort: (p.nodePort as number | undefined) ?? null,
    })),
  };
}

/** An edited Service: the form's fields over the live object (its clusterIP, resourceVersion and the rest kept). */
export function editedService(live: Record<string, unknown>, f: ServiceForm): Record<string, unknown> {
  const made = serviceObject(f) as { spec: Record<string, unknown> };
  const spec = { ...((live.spec as Record<string, unknown>) ?? {}), ...made.spec };
  return { ...live, spec };
}

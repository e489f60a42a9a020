// The Ingress form's manifest (issue 15): rows host → path (pathType) → Service:port and TLS entries, as the
// networking.k8s.io/v1 object, or v1beta1 (backend.serviceName / servicePort, the class as the annotation every
// controller of that age reads) where the cluster serves no v1. React-free, unit-tested.

export type PathType = 'Prefix' | 'Exact' | 'ImplementationSpecific';
export const PATH_TYPES: PathType[] = ['Prefix', 'Exact', 'ImplementationSpecific'];

/** One row of the form: a host's path sent to a Service's port. */
export interface IngressRouteForm {
  /** empty: any host */
  host?: string;
  path?: string;
  pathType: PathType;
  service: string;
  /** a port number or the Service port's name */
  port: string;
}

export interface IngressTlsForm {
  hosts: string[];
  secret?: string;
}

export interface IngressForm {
  name: string;
  namespace: string;
  /** empty: the cluster's default class */
  className?: string;
  routes: IngressRouteForm[];
  tls: IngressTlsForm[];
}

/** The Ingress versions the form writes; the kinds registry says which one the cluster serves. */
export type IngressVersion = 'v1' | 'v1beta1';

const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** A port as Kubernetes takes it: digits are a number, anything else a port name. */
const portValue = (p: string): number | string => (/^\d+$/.test(p.trim()) ? Number(p.trim()) : p.trim());

function backendOf(r: IngressRouteForm, version: IngressVersion): Record<string, unknown> {
  const port = portValue(r.port);
  if (version === 'v1beta1') return { serviceName: r.service, servicePort: port };
  return { service: { name: r.service, port: typeof port === 'number' ? { number: port } : { name: port } } };
}

/** The rows grouped by host, in the order the hosts first appear (a rule per host, a path per row). */
function rulesOf(routes: IngressRouteForm[], version: IngressVersion): Record<string, unknown>[] {
  const byHost = new Map<string, Record<string, unknown>[]>();
  for (const r of routes) {
    const host = (r.host ?? '').trim();
    const path = { path: (r.path ?? '').trim() || '/', pathType: r.pathType, backend: backendOf(r, version) };
    byHost.set(host, [...(byHost.get(host) ?? []), path]);
  }
  return [...byHost].map(([host, paths]) => ({ ...(host ? { host } : {}), http: { paths } }));
}

/** The Ingress object of a form, at the version the cluster serves. */
export function ingressObject(f: IngressForm, version: IngressVersion): Record<string, unknown> {
  const cls = (f.className ?? '').trim();
  const tls = f.tls
    .filter((t) => t.hosts.length || t.secret)
    .map((t) => ({ ...(t.hosts.length ? { hosts: t.hosts } : {}), ...(t.secret ? { secretName: t.secret } : {}) }));
  return {
    apiVersion: `networking.k8s.io/${version}`,
    kind: 'Ingress',
    metadata: { name: f.name, namespace: f.namespace, ...(cls && version === 'v1beta1' ? { annotations: { [CLASS_ANNOTATION]: cls } } : {}) },
    spec: {
      ...(cls && version === 'v1' ? { ingressClassName: cls } : {}),
      ...(tls.length ? { tls } : {}),
      rules: rulesOf(f.routes, version),
    },
  };
}

type Backend = { service?: { name?: string; port?: { number?: number; name?: string } }; serviceName?: string; servicePort?: number | string };
type Rule = { host?: string; http?: { paths?: { path?: string; pathType?: PathType; backend?: Backend }[] } };

/** The form of an existing Ingress of either version (edit); paths to a resource instead of a Service are left out. */
export function formOfIngress(obj: { metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> }): IngressForm {
  const spec = (obj.spec ?? {}) as { ingressClassName?: string; rules?: Rule[]; tls?: { hosts?: string[]; secretName?: string }[] };
  const routes: IngressRouteForm[] = [];
  for (const rule of spec.rules ?? [])
    for (const p of rule.http?.paths ?? []) {
      const b = p.backend ?? {};
      const service = b.service?.name ?? b.serviceName;
      if (!service) continue;
      const port = b.service ? (b.service.port?.number ?? b.service.port?.name) : b.servicePort;
      routes.push({ host: rule.host ?? '', path: p.path ?? '/', pathType: p.pathType ?? 'ImplementationSpecific', service, port: port === undefined ? '' : String(port) });
    }
  return {
    name: obj.metadata?.name ?? '',
    namespace: obj.metadata?.namespace ?? 'default',
    className: spec.ingressClassName ?? obj.metadata?.annotations?.[CLASS_ANNOTATION] ?? '',
    routes,
    tls: (spec.tls ?? []).map((t) => ({ hosts: t.hosts ?? [], secret: t.secretName })),
  };
}

/** An edited Ingress: the form's fields over the live object (its resourceVersion, default backend and the rest kept). */
export function editedIngress(live: Record<string, unknown>, f: IngressForm, version: IngressVersion): Record<string, unknown> {
  const made = ingressObject(f, version) as { metadata: { annotations?: Record<string, string> }; spec: Record<string, unknown> };
  const liveMeta = (live.metadata ?? {}) as { annotations?: Record<string, string> };
  const spec: Record<string, unknown> = { ...((live.spec as Record<string, unknown>) ?? {}), tls: undefined, ingressClassName: undefined, ...made.spec };
  for (const k of Object.keys(spec)) if (spec[k] === undefined) delete spec[k];
  const annotations = { ...(liveMeta.annotations ?? {}) };
  delete annotations[CLASS_ANNOTATION];
  Object.assign(annotations, made.metadata.annotations ?? {});
  return { ...live, metadata: { ...liveMeta, annotations }, spec };
}

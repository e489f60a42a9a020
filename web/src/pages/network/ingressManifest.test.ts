import { describe, expect, it } from 'vitest';
import { editedIngress, formOfIngress, ingressObject, type IngressForm } from './ingressManifest';

const form: IngressForm = {
  name: 'shop',
  namespace: 'web',
  className: 'nginx',
  routes: [
    { host: 'shop.example.com', path: '/', pathType: 'Prefix', service: 'front', port: '80' },
    { host: 'shop.example.com', path: '/api', pathType: 'Exact', service: 'api', port: 'http' },
    { host: '', path: '', pathType: 'Prefix', service: 'front', port: '80' },
  ],
  tls: [{ hosts: ['shop.example.com'], secret: 'shop-tls' }],
};

describe('the Ingress form', () => {
  it('writes networking.k8s.io/v1: a rule per host, service backends with a port number or name, the class as a field', () => {
    expect(ingressObject(form, 'v1')).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'shop', namespace: 'web' },
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'front', port: { number: 80 } } } },
                { path: '/api', pathType: 'Exact', backend: { service: { name: 'api', port: { name: 'http' } } } },
              ],
            },
          },
          { http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'front', port: { number: 80 } } } }] } },
        ],
      },
    });
  });

  it('writes v1beta1 with serviceName / servicePort and the class annotation', () => {
    const o = ingressObject({ ...form, tls: [] }, 'v1beta1') as { apiVersion: string; metadata: unknown; spec: { rules: { http: { paths: { backend: unknown }[] } }[]; tls?: unknown; ingressClassName?: string } };
    expect(o.apiVersion).toBe('networking.k8s.io/v1beta1');
    expect(o.metadata).toEqual({ name: 'shop', namespace: 'web', annotations: { 'kubernetes.io/ingress.class': 'nginx' } });
    expect(o.spec.ingressClassName).toBeUndefined();
    expect(o.spec.tls).toBeUndefined();
    expect(o.spec.rules[0].http.paths.map((p) => p.backend)).toEqual([
      { serviceName: 'front', servicePort: 80 },
      { serviceName: 'api', servicePort: 'http' },
    ]);
  });

  it('reads either version back into the same form', () => {
    for (const v of ['v1', 'v1beta1'] as const) expect(formOfIngress(ingressObject(form, v) as never)).toEqual({ ...form, routes: form.routes.map((r) => ({ ...r, path: r.path || '/' })) });
  });

  it('edits a live Ingress keeping what the form does not show', () => {
    const live = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'shop', namespace: 'web', resourceVersion: '9', annotations: { 'kubernetes.io/ingress.class': 'old', keep: 'me' } },
      spec: { defaultBackend: { service: { name: 'fallback', port: { number: 80 } } }, tls: [{ secretName: 'gone' }], rules: [] },
    };
    const out = editedIngress(live, { ...form, tls: [] }, 'v1') as { metadata: { resourceVersion: string; annotations: Record<string, string> }; spec: Record<string, unknown> };
    expect(out.metadata.resourceVersion).toBe('9');
    expect(out.metadata.annotations).toEqual({ keep: 'me' });
    expect(out.spec.defaultBackend).toEqual(live.spec.defaultBackend);
    expect(out.spec.ingressClassName).toBe('nginx');
    expect('tls' in out.spec).toBe(false);
    expect((out.spec.rules as unknown[]).length).toBe(2);
  });
});

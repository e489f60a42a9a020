import { describe, expect, it } from 'vitest';
import { editedService, formOfService, serviceObject, targetPortValue } from './serviceManifest';

describe('the Service form', () => {
  it('writes target ports as numbers or names and node ports only where they apply', () => {
    expect(targetPortValue('8080', 80)).toBe(8080);
    expect(targetPortValue('http', 80)).toBe('http');
    expect(targetPortValue('', 80)).toBe(80);
    const form = { name: 'web', namespace: 'shop', type: 'ClusterIP' as const, selector: { app: 'web' }, ports: [{ name: 'http', protocol: 'TCP' as const, port: 80, targetPort: 'http', nodePort: 30080 }] };
    expect(serviceObject(form)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { type: 'ClusterIP', selector: { app: 'web' }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' }] },
    });
    const np = serviceObject({ ...form, type: 'NodePort' }) as { spec: { ports: { nodePort?: number }[] } };
    expect(np.spec.ports[0].nodePort).toBe(30080);
  });

  it('edits a live Service keeping what the form does not show', () => {
    const live = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', resourceVersion: '7' }, spec: { clusterIP: '10.0.0.9', type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, nodePort: 31000, protocol: 'TCP' }] } };
    const f = formOfService(live);
    expect(f.ports[0]).toEqual({ name: undefined, protocol: 'TCP', port: 80, targetPort: '8080', nodePort: 31000 });
    const out = editedService(live, { ...f, selector: { app: 'web2' } }) as { metadata: { resourceVersion: string }; spec: { clusterIP: string; selector: unknown; ports: unknown[] } };
    expect(out.metadata.resourceVersion).toBe('7');
    expect(out.spec.clusterIP).toBe('10.0.0.9');
    expect(out.spec.selector).toEqual({ app: 'web2' });
    expect(out.spec.ports).toEqual([{ protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 31000 }]);
  });
});

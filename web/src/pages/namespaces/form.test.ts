import { describe, expect, it } from 'vitest';
import { namespaceRequest, parseLabels } from './form';

describe('namespace form', () => {
  it('reads labels as key=value lines and names a bad line', () => {
    expect(parseLabels('team=shop\n\n env = prod ')).toEqual({ labels: { team: 'shop', env: 'prod' } });
    expect(parseLabels('team=shop\nnope').bad).toBe('nope');
  });

  it('sends only the parts asked for, with the filled fields', () => {
    const base = { name: 'shop', labels: 'team=shop', withQuota: false, quota: { pods: '10' }, withLimits: false, limits: { 'default.cpu': '500m' } };
    expect(namespaceRequest(base)).toEqual({ labels: { team: 'shop' } });
    expect(namespaceRequest({ ...base, withQuota: true, quota: { pods: '10', 'requests.cpu': ' ', 'requests.memory': '1Gi' } })).toEqual({
      labels: { team: 'shop' },
      quota: { hard: { pods: '10', 'requests.memory': '1Gi' } },
    });
    expect(namespaceRequest({ ...base, withLimits: true, limits: { 'default.cpu': '500m', 'default_request.memory': '64Mi', 'max.cpu': '' } }).limit_range).toEqual({
      limits: [{ type: 'Container', default: { cpu: '500m' }, default_request: { memory: '64Mi' } }],
    });
  });
});

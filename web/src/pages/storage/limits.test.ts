import { describe, expect, it } from 'vitest';
import { limitRows } from './limits';

describe('limit range rows', () => {
  it('gives one row per type and resource, as kubectl describe limitrange', () => {
    const rows = limitRows({
      spec: {
        limits: [
          { type: 'Container', default: { memory: '512Mi', cpu: '500m' }, defaultRequest: { cpu: '250m' }, max: { cpu: '2' } },
          { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } },
        ],
      },
    });
    expect(rows).toEqual([
      { type: 'Container', resource: 'cpu', max: '2', defaultRequest: '250m', default: '500m' },
      { type: 'Container', resource: 'memory', default: '512Mi' },
      { type: 'PersistentVolumeClaim', resource: 'storage', min: '1Gi', max: '10Gi' },
    ]);
    expect(limitRows({})).toEqual([]);
  });
});

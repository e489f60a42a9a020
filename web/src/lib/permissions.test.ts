import { describe, expect, it } from 'vitest';
import { canImportClusters } from './permissions';

describe('who may import a cluster', () => {
  it('a platform-admin or cluster-admin bound to every cluster', () => {
    expect(canImportClusters({ bindings: [{ role: 'platform-admin' }] })).toBe(true);
    expect(canImportClusters({ bindings: [{ role: 'cluster-admin', cluster_id: null }] })).toBe(true);
  });
  it('not a viewer or operator, nor an admin of one cluster or namespace', () => {
    expect(canImportClusters({ bindings: [{ role: 'viewer' }] })).toBe(false);
    expect(canImportClusters({ bindings: [{ role: 'operator' }] })).toBe(false);
    expect(canImportClusters({ bindings: [{ role: 'cluster-admin', cluster_id: 3 }] })).toBe(false);
    expect(canImportClusters({ bindings: [{ role: 'cluster-admin', cluster_id: 3, namespace: 'shop' }] })).toBe(false);
    expect(canImportClusters({ bindings: [] })).toBe(false);
    expect(canImportClusters(undefined)).toBe(false);
  });
});

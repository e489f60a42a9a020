import { describe, expect, it } from 'vitest';
import { countOutcomes, failuresFirst, kindRows, leftOutKey, mappingCollisions, outcomeColor, restoreBody, volumeNoteKey } from './appBackups';
import { en } from '../i18n/en';

describe('restoreBody', () => {
  const base = { target: 3, source: 3, mapping: { shop: 'shop', db: undefined }, existing: 'skip' as const, dryRun: false };

  it('sends nothing for the defaults (this cluster, names unchanged, skip, for real)', () => {
    expect(restoreBody(base)).toEqual({});
  });

  it('sends only the namespaces that change name, trimmed', () => {
    expect(restoreBody({ ...base, mapping: { shop: ' shop-copy ', db: 'db', cache: '  ' } })).toEqual({ namespace_mapping: { shop: 'shop-copy' } });
  });

  it('sends another target cluster, replace and the dry run', () => {
    expect(restoreBody({ ...base, target: 7, existing: 'replace', dryRun: true })).toEqual({ target_cluster_id: 7, existing: 'replace', dry_run: true });
  });
});

describe('mappingCollisions', () => {
  it('names a target two namespaces are mapped to, counting a blank as the same name', () => {
    expect(mappingCollisions({ a: 'x', b: 'x', c: '' })).toEqual(['x']);
    expect(mappingCollisions({ a: '', b: 'a' })).toEqual(['a']);
    expect(mappingCollisions({ a: 'b', b: 'a' })).toEqual([]);
  });
});

describe('outcomes', () => {
  const results = [
    { name: 'ns', outcome: 'created' },
    { name: 'cm', outcome: 'skipped' },
    { name: 'deploy', outcome: 'failed' },
    { name: 'svc', outcome: 'replaced' },
    { name: 'secret', outcome: 'created' },
    { name: 'job', outcome: 'failed' },
  ];

  it('counts each outcome and the total', () => {
    expect(countOutcomes(results)).toEqual({ created: 2, skipped: 1, replaced: 1, failed: 2, total: 6 });
    expect(countOutcomes([])).toEqual({ created: 0, skipped: 0, replaced: 0, failed: 0, total: 0 });
  });

  it('puts failures first and keeps the restore order otherwise', () => {
    expect(failuresFirst(results).map((r) => r.name)).toEqual(['deploy', 'job', 'ns', 'cm', 'svc', 'secret']);
  });

  it('colours failed red, created green, replaced blue, skipped plain', () => {
    expect([outcomeColor('failed'), outcomeColor('created'), outcomeColor('replaced'), outcomeColor('skipped')]).toEqual(['red', 'green', 'blue', 'default']);
  });
});

describe('report wording', () => {
  it("turns the server's reasons into message keys that exist, and leaves others as they came", () => {
    for (const why of ['owned by a controller, which makes it again', 'made by the cluster in every namespace', 'a ServiceAccount token, made by the cluster']) {
      const key = leftOutKey(why);
      expect(key && key in en, why).toBe(true);
    }
    expect(leftOutKey('something new')).toBeNull();
  });

  it('says the volume note from the claims and the snapshot support', () => {
    for (const [r, key] of [
      [{ claims: 0, volume_snapshots_served: true }, 'appBackups.volume.none'],
      [{ claims: 2, volume_snapshots_served: true }, 'appBackups.volume.snapshotsServed'],
      [{ claims: 1, volume_snapshots_served: false }, 'appBackups.volume.noSnapshots'],
    ] as const) {
      expect(volumeNoteKey(r)).toBe(key);
      expect(key in en).toBe(true);
    }
  });

  it('lists kinds most first, then by name', () => {
    expect(kindRows({ Service: 1, ConfigMap: 3, Deployment: 1 })).toEqual([
      { kind: 'ConfigMap', count: 3 },
      { kind: 'Deployment', count: 1 },
      { kind: 'Service', count: 1 },
    ]);
  });
});

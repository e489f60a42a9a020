// Application backups (issue 18): the React-free view logic of the backups page — the restore body from the form,
// the outcomes of a restore counted and coloured, the server's English reasons as keys of the user's language.

export type RestoreOutcome = 'created' | 'skipped' | 'replaced' | 'failed';

export interface RestoreForm {
  /** the backup's cluster, or another one */
  target: number;
  /** the backup's cluster: a target equal to it is left out of the body (the server's default) */
  source: number;
  /** every backed-up namespace → its name in the target (as typed: blank or unchanged means the same name) */
  mapping: Record<string, string | undefined>;
  existing: 'skip' | 'replace';
  dryRun: boolean;
}

export interface RestoreBody {
  target_cluster_id?: number;
  namespace_mapping?: Record<string, string>;
  existing?: 'skip' | 'replace';
  dry_run?: boolean;
}

/** The body of `POST .../restore`: only the namespaces that change name, only what differs from the defaults. */
export function restoreBody(f: RestoreForm): RestoreBody {
  const body: RestoreBody = {};
  if (f.target !== f.source) body.target_cluster_id = f.target;
  const mapping: Record<string, string> = {};
  for (const [from, to] of Object.entries(f.mapping)) {
    const name = (to ?? '').trim();
    if (name && name !== from) mapping[from] = name;
  }
  if (Object.keys(mapping).length) body.namespace_mapping = mapping;
  if (f.existing === 'replace') body.existing = 'replace';
  if (f.dryRun) body.dry_run = true;
  return body;
}

/** Target names mapped to twice (two backed-up namespaces into one is allowed by the server, but rarely meant). */
export function mappingCollisions(mapping: Record<string, string | undefined>): string[] {
  const seen = new Map<string, number>();
  for (const [from, to] of Object.entries(mapping)) {
    const name = (to ?? '').trim() || from;
    seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([name]) => name).sort();
}

/** The colour of an outcome's tag (antd preset colours, readable in both themes). */
export function outcomeColor(o: string): string {
  switch (o) {
    case 'created':
      return 'green';
    case 'replaced':
      return 'blue';
    case 'skipped':
      return 'default';
    case 'failed':
      return 'red';
    default:
      return 'default';
  }
}

export interface OutcomeCounts {
  created: number;
  skipped: number;
  replaced: number;
  failed: number;
  total: number;
}

/** Counts of a restore's results by outcome (what the report's summary line says). */
export function countOutcomes(results: { outcome: string }[]): OutcomeCounts {
  const c: OutcomeCounts = { created: 0, skipped: 0, replaced: 0, failed: 0, total: results.length };
  for (const r of results) if (r.outcome in c && r.outcome !== 'total') c[r.outcome as RestoreOutcome] += 1;
  return c;
}

/** Results with the failures first, then in the server's (restore) order. */
export function failuresFirst<T extends { outcome: string }>(results: T[]): T[] {
  return results.map((r, i) => [r, i] as const).sort((a, b) => Number(b[0].outcome === 'failed') - Number(a[0].outcome === 'failed') || a[1] - b[1]).map(([r]) => r);
}

/** The message key for a left-out object's reason the server gives in English; null for one this console does not know. */
export function leftOutKey(why: string): string | null {
  switch (why) {
    case 'owned by a controller, which makes it again':
      return 'appBackups.why.owned';
    case 'made by the cluster in every namespace':
      return 'appBackups.why.perNamespace';
    case 'a ServiceAccount token, made by the cluster':
      return 'appBackups.why.token';
    default:
      return null;
  }
}

/** The message key of the volume note, from the report's facts (the server's note is English). */
export function volumeNoteKey(r: { claims: number; volume_snapshots_served: boolean }): string {
  if (r.claims === 0) return 'appBackups.volume.none';
  return r.volume_snapshots_served ? 'appBackups.volume.snapshotsServed' : 'appBackups.volume.noSnapshots';
}

/** The report's objects per kind, most first, then by name. */
export function kindRows(kinds: Record<string, number>): { kind: string; count: number }[] {
  return Object.entries(kinds)
    .map(([kind, count]) => ({ kind, count }))
    .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
}

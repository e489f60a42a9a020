// Application backups (issue 18): the React-free view logic of the backups page — the restore body from the form,
// the outcomes of a restore counted and coloured, the server's English reasons as keys of the user's language.

import { cronInWords, type CronLang } from './cronWords';

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

// ---- schedules, imports and interrupted backups ----------------------------------------------------------------------

/** The body of `POST/PUT .../app-backup-schedules` (`ScheduleBody`). */
export interface ScheduleBody {
  name: string;
  namespaces: string[];
  label_selector?: string;
  schedule: string;
  keep_count?: number;
  keep_days?: number;
  enabled: boolean;
}

/** The schedule dialog's values, as typed. */
export interface ScheduleForm {
  name: string;
  namespaces: string[];
  label_selector?: string | null;
  schedule: string;
  keep_count?: number | null;
  keep_days?: number | null;
  enabled: boolean;
}

/** The body from the dialog: trimmed, an empty selector and an empty retention left out (the server keeps the newest 7). */
export function scheduleBody(f: ScheduleForm): ScheduleBody {
  const body: ScheduleBody = { name: f.name.trim(), namespaces: f.namespaces, schedule: f.schedule.trim().replace(/\s+/g, ' '), enabled: f.enabled };
  const selector = (f.label_selector ?? '').trim();
  if (selector) body.label_selector = selector;
  if (f.keep_count != null) body.keep_count = f.keep_count;
  if (f.keep_days != null) body.keep_days = f.keep_days;
  return body;
}

/** A stored schedule as the dialog's values (editing it), or as a body with only `enabled` changed (the list's switch). */
export function scheduleForm(s: { name: string; namespaces: string[]; label_selector: string | null; schedule: string; keep_count: number | null; keep_days: number | null; enabled: boolean }): ScheduleForm {
  return { name: s.name, namespaces: s.namespaces, label_selector: s.label_selector ?? '', schedule: s.schedule, keep_count: s.keep_count, keep_days: s.keep_days, enabled: s.enabled };
}

/** The dialog field a refusal names (`namespaces[1]` → namespaces); undefined for one no field takes. */
export function scheduleField(field?: string | null): keyof ScheduleForm | undefined {
  if (!field) return undefined;
  if (field === 'namespaces' || field.startsWith('namespaces[')) return 'namespaces';
  return (['name', 'label_selector', 'schedule', 'keep_count', 'keep_days'] as const).find((f) => f === field);
}

/**
 * The schedule in words with its time zone (schedules run in UTC), or null when the words would be a guess: the page
 * then shows the expression alone. Only words that name a time of day ("at 03:00") say the zone.
 */
export function scheduleInWords(expr: string | null | undefined, lang: CronLang): string | null {
  const words = cronInWords(expr, lang);
  if (!words) return null;
  if (!/\d\d:\d\d/.test(words)) return words;
  return lang === 'en' ? `${words} UTC` : `${words}（UTC）`;
}

/** How many of its backups a schedule keeps, as a message key and its values (neither set: the server's newest 7). */
export function retention(s: { keep_count: number | null; keep_days: number | null }): { key: string; vars: Record<string, number> } {
  if (s.keep_count != null && s.keep_days != null) return { key: 'appBackups.schedules.keepBoth', vars: { count: s.keep_count, days: s.keep_days } };
  if (s.keep_days != null) return { key: 'appBackups.schedules.keepDays', vars: { days: s.keep_days } };
  return { key: 'appBackups.schedules.keepCount', vars: { count: s.keep_count ?? 7 } };
}

/**
 * The schedule that took a backup: its name from the schedules listed, else the name the server wrote in
 * `requested_by` (`schedule:<name>`, the schedule since deleted); null for one taken on demand.
 */
export function takenBySchedule(b: { schedule_id: number | null; requested_by: string }, schedules: { id: number; name: string }[]): string | null {
  if (b.schedule_id == null) return null;
  const s = schedules.find((x) => x.id === b.schedule_id);
  if (s) return s.name;
  return b.requested_by.startsWith('schedule:') ? b.requested_by.slice('schedule:'.length) : `#${b.schedule_id}`;
}

/** The newest backup each schedule took (the list's "last run" status), by schedule id. */
export function newestBySchedule<T extends { schedule_id: number | null; started_at: string }>(backups: T[]): Map<number, T> {
  const out = new Map<number, T>();
  for (const b of backups) {
    if (b.schedule_id == null) continue;
    const seen = out.get(b.schedule_id);
    if (!seen || Date.parse(b.started_at) > Date.parse(seen.started_at)) out.set(b.schedule_id, b);
  }
  return out;
}

/** A backup that did not finish can be taken again with the same namespaces and selector. */
export const canTakeAgain = (status: string) => status === 'failed' || status === 'interrupted';

/** The colour of a backup's status tag. */
export function backupStatusColor(status: string): string {
  switch (status) {
    case 'succeeded':
      return 'green';
    case 'failed':
      return 'red';
    case 'interrupted':
      return 'orange';
    default:
      return 'blue';
  }
}

/** The server's body limit for an imported archive (12 MiB): a larger file is refused before it is sent. */
export const ARCHIVE_LIMIT_BYTES = 12 * 1024 * 1024;

const ARCHIVE_PROBLEMS = ['format', 'manifests', 'namespaces', 'backup', 'sha256', 'secrets_sealed'];

/** The message key saying what is wrong with an archive, from the `field` of the server's `archive_invalid`; null for another. */
export function archiveProblemKey(field?: string | null): string | null {
  return field && ARCHIVE_PROBLEMS.includes(field) ? `appBackups.import.problem.${field}` : null;
}

// Application backups (issue 18): the calls of README "Application backups", typed by hand until the routes are in
// openapi.json (the lead regenerates schema.d.ts).
import { api } from '../../api/client';
import type { RestoreBody, RestoreOutcome, ScheduleBody } from '../../lib/appBackups';

export interface LeftOut {
  kind: string;
  namespace: string;
  name: string;
  why: string;
}

export interface BackupReport {
  kinds: Record<string, number>;
  left_out: LeftOut[];
  not_served: string[];
  claims: number;
  volume_data_included: boolean;
  volume_snapshots_served: boolean;
  volume_note: string;
}

export interface AppBackupView {
  id: number;
  cluster_id: number;
  name: string;
  namespaces: string[];
  label_selector: string | null;
  /** interrupted: the replica taking it stopped (`error` says so) */
  status: 'running' | 'succeeded' | 'failed' | 'interrupted';
  requested_by: string;
  object_count: number | null;
  secret_count: number | null;
  size_bytes: number | null;
  sha256: string | null;
  report: BackupReport | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  /** the schedule that took it; null: on demand (or imported) */
  schedule_id: number | null;
}

export interface BackupObject {
  api_version: string;
  kind: string;
  namespace: string | null;
  name: string;
}

export interface AppBackupDetail extends AppBackupView {
  /** in the order a restore creates them (namespaces first); never a Secret's values */
  objects: BackupObject[];
}

export interface NewAppBackup {
  name?: string;
  namespaces: string[];
  label_selector?: string;
}

export interface RestoreResult {
  kind: string;
  namespace: string | null;
  name: string;
  outcome: RestoreOutcome;
  error: { code: string; message: string; field?: string | null; params?: Record<string, unknown> } | null;
}

export interface RestoreReport {
  dry_run: boolean;
  backup: number;
  target_cluster_id: number;
  results: RestoreResult[];
  created: number;
  skipped: number;
  replaced: number;
  failed: number;
  volume_note: string | null;
}

/** A backup schedule (`ScheduleView`): times are UTC, `next_run_at` is null while it is disabled. */
export interface AppBackupSchedule {
  id: number;
  cluster_id: number;
  name: string;
  namespaces: string[];
  label_selector: string | null;
  /** five cron fields in UTC, or an alias (`@daily`) */
  schedule: string;
  keep_count: number | null;
  keep_days: number | null;
  enabled: boolean;
  next_run_at: string | null;
  last_scheduled_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

const base = (id: string | number) => `/k8s/cluster/${id}/app-backups`;
const schedules = (id: string | number) => `/k8s/cluster/${id}/app-backup-schedules`;

export const listAppBackups = (id: string | number) => api<AppBackupView[]>(base(id));
export const getAppBackup = (id: string | number, bid: number) => api<AppBackupDetail>(`${base(id)}/${bid}`);
export const createAppBackup = (id: string | number, body: NewAppBackup) => api<AppBackupView>(base(id), { method: 'POST', body });
export const deleteAppBackup = (id: string | number, bid: number) => api<void>(`${base(id)}/${bid}`, { method: 'DELETE' });
export const restoreAppBackup = (id: string | number, bid: number, body: RestoreBody) =>
  api<RestoreReport>(`${base(id)}/${bid}/restore`, { method: 'POST', body });

/** Imports a downloaded archive (the file's text sent as it is: its SHA-256 is checked over exactly these bytes' values). */
export const importAppBackup = (id: string | number, archive: string) =>
  api<AppBackupView>(`${base(id)}/import`, { method: 'POST', text: { body: archive, contentType: 'application/json' } });

export const listSchedules = (id: string | number) => api<AppBackupSchedule[]>(schedules(id));
export const createSchedule = (id: string | number, body: ScheduleBody) => api<AppBackupSchedule>(schedules(id), { method: 'POST', body });
export const updateSchedule = (id: string | number, sid: number, body: ScheduleBody) => api<AppBackupSchedule>(`${schedules(id)}/${sid}`, { method: 'PUT', body });
export const deleteSchedule = (id: string | number, sid: number) => api<void>(`${schedules(id)}/${sid}`, { method: 'DELETE' });

/** Saves the archive (JSON, Secrets still sealed) as a file, with the server's file name. */
export async function downloadAppBackup(id: string | number, b: AppBackupView) {
  const res = await api<Response>(`${base(id)}/${b.id}/download`, { raw: true, accept: 'application/json' });
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `app-backup-${id}-${b.id}.json`;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(await res.blob());
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

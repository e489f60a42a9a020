// Application backups (issue 18): the calls of README "Application backups", typed by hand until the routes are in
// openapi.json (the lead regenerates schema.d.ts).
import { api } from '../../api/client';
import type { RestoreBody, RestoreOutcome } from '../../lib/appBackups';

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
  status: 'running' | 'succeeded' | 'failed';
  requested_by: string;
  object_count: number | null;
  secret_count: number | null;
  size_bytes: number | null;
  sha256: string | null;
  report: BackupReport | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
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

const base = (id: string | number) => `/k8s/cluster/${id}/app-backups`;

export const listAppBackups = (id: string | number) => api<AppBackupView[]>(base(id));
export const getAppBackup = (id: string | number, bid: number) => api<AppBackupDetail>(`${base(id)}/${bid}`);
export const createAppBackup = (id: string | number, body: NewAppBackup) => api<AppBackupView>(base(id), { method: 'POST', body });
export const deleteAppBackup = (id: string | number, bid: number) => api<void>(`${base(id)}/${bid}`, { method: 'DELETE' });
export const restoreAppBackup = (id: string | number, bid: number, body: RestoreBody) =>
  api<RestoreReport>(`${base(id)}/${bid}/restore`, { method: 'POST', body });

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

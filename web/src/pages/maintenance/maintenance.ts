// Maintenance mode (issue 18): the client calls and the banner's words, shared by the cluster layout's banner and
// the Maintenance page.
import { api } from '../../api/client';

export interface MaintenanceWindow {
  id: number;
  cluster_id: number;
  reason: string;
  starts_at: string;
  ends_at: string;
  state: 'scheduled' | 'active' | 'ended' | 'cancelled';
  in_force: boolean;
  created_by: string;
  created_at: string;
  started_at?: string | null;
  ended_at?: string | null;
  ended_by?: string | null;
  silence_id?: number | null;
}

export interface MaintenanceList {
  current?: MaintenanceWindow | null;
  windows: MaintenanceWindow[];
}

export interface AppWindow {
  id: number;
  cluster_id: number;
  namespace: string;
  kind?: string | null;
  name?: string | null;
  schedule?: string | null;
  starts_at?: string | null;
  duration_secs: number;
  reason: string;
  created_by: string;
  open: boolean;
  open_until?: string | null;
  next_starts: string[];
}

export interface MaintenancePolicy {
  deploy_only_in_windows: boolean;
}

const base = (id: string) => `/k8s/cluster/${id}/maintenance`;

export const maintenanceKey = (id: string) => ['maintenance', id];
export const getMaintenance = (id: string) => api<MaintenanceList>(base(id));
export const startMaintenance = (id: string, body: { reason: string; starts_at?: string; ends_at: string }) =>
  api<MaintenanceWindow>(base(id), { method: 'POST', body });
export const endMaintenance = (id: string, wid: number) => api<MaintenanceWindow>(`${base(id)}/${wid}/end`, { method: 'POST' });
export const getAppWindows = (id: string) => api<AppWindow[]>(`${base(id)}/windows`);
export const createAppWindow = (id: string, body: Record<string, unknown>) =>
  api<AppWindow>(`${base(id)}/windows`, { method: 'POST', body });
export const deleteAppWindow = (id: string, wid: number) => api<AppWindow>(`${base(id)}/windows/${wid}`, { method: 'DELETE' });
export const getPolicy = (id: string) => api<MaintenancePolicy>(`${base(id)}/policy`);
export const setPolicy = (id: string, body: MaintenancePolicy) =>
  api<MaintenancePolicy>(`${base(id)}/policy`, { method: 'PUT', body });

/** How long until `iso` from `now`, in whole minutes (at least 1), for the banner's "ends in N min". */
export function minutesLeft(iso: string, now: number = Date.now()): number {
  return Math.max(1, Math.ceil((new Date(iso).getTime() - now) / 60000));
}

import { api } from './client';
import type { AuditEntry, Page, RoleBinding, User } from './types';

export const listUsers = (q: { page?: number; page_size?: number; q?: string }) =>
  api<Page<User>>('/users', { query: q });
export const createUser = (body: { username: string; display_name: string; password: string }) =>
  api<User>('/users', { method: 'POST', body });
export const updateUser = (id: string | number, body: { display_name?: string; disabled?: boolean; password?: string }) =>
  api<User>(`/users/${id}`, { method: 'PUT', body });
export const deleteUser = (id: string | number) => api<void>(`/users/${id}`, { method: 'DELETE' });
export const setUserBindings = (id: string | number, bindings: RoleBinding[]) =>
  api<unknown>(`/users/${id}/bindings`, { method: 'PUT', body: bindings });

export interface AuditQuery {
  page?: number;
  page_size?: number;
  username?: string;
  action?: string;
  outcome?: string;
  cluster_id?: string | number;
  from?: string;
  to?: string;
}
export const listAudit = (q: AuditQuery) => api<Page<AuditEntry>>('/audit', { query: { ...q } });

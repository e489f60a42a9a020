import type { Me } from '../api/types';

export type Permission =
  | 'cluster.read'
  | 'cluster.write'
  | 'node.read'
  | 'node.write'
  | 'pod.read'
  | 'pod.write'
  | 'pod.logs'
  | 'user.admin'
  | 'audit.read';

/** The server's effective set is "anywhere": per-cluster checks stay server-side (a 403 still explains). */
export function can(me: Pick<Me, 'permissions' | 'bindings'> | null | undefined, p: Permission): boolean {
  if (!me) return false;
  if (me.bindings?.some((b) => b.role === 'platform-admin' && !b.cluster_id)) return true;
  return me.permissions?.includes(p) ?? false;
}

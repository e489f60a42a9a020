import type { Me } from '../api/types';

export type Permission =
  | 'cluster.read'
  | 'cluster.write'
  | 'node.read'
  | 'node.write'
  | 'pod.read'
  | 'pod.write'
  | 'pod.logs'
  // the web terminal (issue 14): cluster-admin and operator, never a viewer
  | 'pod.exec'
  | 'user.admin'
  | 'audit.read'
  | 'task.read'
  // the resource engine (issue 13): application kinds, platform kinds, Secret values
  | 'resource.read'
  | 'resource.write'
  | 'resource.delete'
  | 'platform.write'
  | 'secret.read'
  // alerts and notification channels (issue 16)
  | 'alert.read'
  | 'alert.write'
  | 'alert.admin'
  | 'channel.admin'
  // etcd backups (issue 18): a snapshot holds every Secret of the cluster
  | 'etcd.admin'
  // application backups (issue 18): a backup holds its namespaces' Secrets
  | 'backup.admin'
  // maintenance mode (issue 18): schedule and end windows; change a cluster while it is in maintenance
  | 'maintenance.admin'
  | 'maintenance.bypass';

/** The server's effective set is "anywhere": per-cluster checks stay server-side (a 403 still explains). */
export function can(me: Pick<Me, 'permissions' | 'bindings'> | null | undefined, p: Permission): boolean {
  if (!me) return false;
  if (me.bindings?.some((b) => b.role === 'platform-admin' && !b.cluster_id)) return true;
  return me.permissions?.includes(p) ?? false;
}

/** Roles whose permissions include cluster.write (kubedeck-core's rbac.rs). */
const CLUSTER_WRITE_ROLES = new Set(['platform-admin', 'cluster-admin']);

/**
 * Importing creates a cluster, so it needs cluster.write for every cluster (a global binding): a role on one cluster
 * or namespace does not allow it, whatever `permissions` (granted somewhere) says.
 */
export function canImportClusters(me: Pick<Me, 'bindings'> | null | undefined): boolean {
  return !!me?.bindings?.some((b) => !b.cluster_id && !b.namespace && CLUSTER_WRITE_ROLES.has(b.role));
}

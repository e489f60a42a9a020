//! Kubedeck's own access control: built-in roles bound to users globally, per cluster or per namespace.
//!
//! Every API route names one [`Permission`]; [`Bindings::allows`] is the single place that decides.
//! Kubernetes RBAC still applies on top: Kubedeck acts with the cluster's imported credential, so a route
//! a Kubedeck role allows can still be refused by the cluster (passed through as 403).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A built-in role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Everything, including users, audit and importing clusters. Only meaningful as a global binding.
    PlatformAdmin,
    /// Full control of the clusters it is bound to (all of them when global), including secrets.
    ClusterAdmin,
    /// Day-to-day writes: cordon, drain, delete pods, read logs.
    Operator,
    /// Read-only.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [
        Role::PlatformAdmin,
        Role::ClusterAdmin,
        Role::Operator,
        Role::Viewer,
    ];

    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform-admin",
            Role::ClusterAdmin => "cluster-admin",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }

    /// The permissions the role grants within its binding's scope.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::PlatformAdmin => &Permission::ALL,
            Role::ClusterAdmin => &[
                ClusterRead,
                ClusterWrite,
                NodeRead,
                NodeWrite,
                PodRead,
                PodWrite,
                PodLogs,
                PodExec,
                SecretRead,
                TaskRead,
                ResourceRead,
                ResourceWrite,
                ResourceDelete,
                PlatformWrite,
                AlertRead,
                AlertWrite,
                AlertAdmin,
                EtcdAdmin,
                BackupAdmin,
                MaintenanceAdmin,
                MaintenanceBypass,
            ],
            Role::Operator => &[
                ClusterRead,
                NodeRead,
                NodeWrite,
                PodRead,
                PodWrite,
                PodLogs,
                PodExec,
                TaskRead,
                ResourceRead,
                ResourceWrite,
                ResourceDelete,
                AlertRead,
                AlertWrite,
            ],
            Role::Viewer => &[
                ClusterRead,
                NodeRead,
                PodRead,
                PodLogs,
                TaskRead,
                ResourceRead,
                AlertRead,
            ],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role '{s}'; expected one of platform-admin, cluster-admin, operator, viewer"))
    }
}

/// What a route needs. The string forms are what `/auth/me` reports to the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Permission {
    /// See clusters, their status and sync state.
    #[serde(rename = "cluster.read")]
    ClusterRead,
    /// Import, edit, re-sync and delete clusters.
    #[serde(rename = "cluster.write")]
    ClusterWrite,
    /// See nodes and their metrics.
    #[serde(rename = "node.read")]
    NodeRead,
    /// Cordon, drain, label, taint and delete nodes.
    #[serde(rename = "node.write")]
    NodeWrite,
    /// See pods.
    #[serde(rename = "pod.read")]
    PodRead,
    /// Delete pods.
    #[serde(rename = "pod.write")]
    PodWrite,
    /// Read and follow container logs.
    #[serde(rename = "pod.logs")]
    PodLogs,
    /// Open a shell in a container (the web terminal); never granted to viewers.
    #[serde(rename = "pod.exec")]
    PodExec,
    /// Read Secret values.
    #[serde(rename = "secret.read")]
    SecretRead,
    /// See background tasks (drains, syncs).
    #[serde(rename = "task.read")]
    TaskRead,
    /// Manage users and role bindings.
    #[serde(rename = "user.admin")]
    UserAdmin,
    /// See objects of every kind (Secrets: keys and type only).
    #[serde(rename = "resource.read")]
    ResourceRead,
    /// Create and change application objects (workloads, services, config, claims, custom resources).
    #[serde(rename = "resource.write")]
    ResourceWrite,
    /// Delete application objects.
    #[serde(rename = "resource.delete")]
    ResourceDelete,
    /// Create, change and delete the platform's objects (namespaces, volumes, storage classes, quotas, access
    /// control, CRDs).
    #[serde(rename = "platform.write")]
    PlatformWrite,
    /// Read the audit log.
    #[serde(rename = "audit.read")]
    AuditRead,
    /// Download a stored kubeconfig in clear.
    #[serde(rename = "credential.read")]
    CredentialRead,
    /// See alerts, their rules, silences and deliveries.
    #[serde(rename = "alert.read")]
    AlertRead,
    /// Acknowledge and resolve alerts, create and expire silences.
    #[serde(rename = "alert.write")]
    AlertWrite,
    /// Change a cluster's alert rules and the tokens that let an Alertmanager send alerts in.
    #[serde(rename = "alert.admin")]
    AlertAdmin,
    /// Manage notification channels (webhook, email, DingTalk, WeCom, Feishu, Slack) and their secrets.
    #[serde(rename = "channel.admin")]
    ChannelAdmin,
    /// Set a cluster's etcd endpoints, take, schedule, download and delete its etcd snapshots (a snapshot holds
    /// every Secret of the cluster).
    #[serde(rename = "etcd.admin")]
    EtcdAdmin,
    /// Back up a cluster's namespaces (their Secrets included), download, delete and restore the backups.
    #[serde(rename = "backup.admin")]
    BackupAdmin,
    /// Schedule, change and end a cluster's maintenance windows and its application windows and policy.
    #[serde(rename = "maintenance.admin")]
    MaintenanceAdmin,
    /// Change a cluster while it is in maintenance, and deploy outside its application windows.
    #[serde(rename = "maintenance.bypass")]
    MaintenanceBypass,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 25] = [
        Permission::ClusterRead,
        Permission::ClusterWrite,
        Permission::NodeRead,
        Permission::NodeWrite,
        Permission::PodRead,
        Permission::PodWrite,
        Permission::PodLogs,
        Permission::PodExec,
        Permission::SecretRead,
        Permission::TaskRead,
        Permission::ResourceRead,
        Permission::ResourceWrite,
        Permission::ResourceDelete,
        Permission::PlatformWrite,
        Permission::UserAdmin,
        Permission::AuditRead,
        Permission::CredentialRead,
        Permission::AlertRead,
        Permission::AlertWrite,
        Permission::AlertAdmin,
        Permission::ChannelAdmin,
        Permission::EtcdAdmin,
        Permission::BackupAdmin,
        Permission::MaintenanceAdmin,
        Permission::MaintenanceBypass,
    ];

    /// The API name (`cluster.read` ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ClusterRead => "cluster.read",
            Permission::ClusterWrite => "cluster.write",
            Permission::NodeRead => "node.read",
            Permission::NodeWrite => "node.write",
            Permission::PodRead => "pod.read",
            Permission::PodWrite => "pod.write",
            Permission::PodLogs => "pod.logs",
            Permission::PodExec => "pod.exec",
            Permission::SecretRead => "secret.read",
            Permission::TaskRead => "task.read",
            Permission::ResourceRead => "resource.read",
            Permission::ResourceWrite => "resource.write",
            Permission::ResourceDelete => "resource.delete",
            Permission::PlatformWrite => "platform.write",
            Permission::UserAdmin => "user.admin",
            Permission::AuditRead => "audit.read",
            Permission::CredentialRead => "credential.read",
            Permission::AlertRead => "alert.read",
            Permission::AlertWrite => "alert.write",
            Permission::AlertAdmin => "alert.admin",
            Permission::ChannelAdmin => "channel.admin",
            Permission::EtcdAdmin => "etcd.admin",
            Permission::BackupAdmin => "backup.admin",
            Permission::MaintenanceAdmin => "maintenance.admin",
            Permission::MaintenanceBypass => "maintenance.bypass",
        }
    }

    /// Whether a namespace-scoped binding can grant this permission (only for namespaced objects).
    fn namespaced(self) -> bool {
        matches!(
            self,
            Permission::PodRead
                | Permission::PodWrite
                | Permission::PodLogs
                | Permission::PodExec
                | Permission::SecretRead
                | Permission::ResourceRead
                | Permission::ResourceWrite
                | Permission::ResourceDelete
                | Permission::PlatformWrite
        )
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a request acts: nowhere in particular (global), in a cluster, or in a namespace of a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scope<'a> {
    /// The cluster, when the route has `{id}`.
    pub cluster_id: Option<i64>,
    /// The namespace, when the route has `{ns}`.
    pub namespace: Option<&'a str>,
}

impl<'a> Scope<'a> {
    /// A route that is not about any cluster (users, audit, importing).
    pub const GLOBAL: Scope<'static> = Scope {
        cluster_id: None,
        namespace: None,
    };

    /// A route about one cluster.
    pub fn cluster(id: i64) -> Self {
        Scope {
            cluster_id: Some(id),
            namespace: None,
        }
    }

    /// A route about one namespace of a cluster.
    pub fn namespace(id: i64, ns: &'a str) -> Self {
        Scope {
            cluster_id: Some(id),
            namespace: Some(ns),
        }
    }
}

/// A role granted to a user, globally (`cluster_id` = None), on a cluster, or on a namespace of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Binding {
    /// The role granted.
    pub role: Role,
    /// The cluster it applies to; none means every cluster.
    #[serde(default)]
    pub cluster_id: Option<i64>,
    /// The namespace it applies to within `cluster_id`; none means the whole cluster.
    #[serde(default)]
    pub namespace: Option<String>,
}

impl Binding {
    /// A global binding.
    pub fn global(role: Role) -> Self {
        Self {
            role,
            cluster_id: None,
            namespace: None,
        }
    }

    /// Why this binding is not valid as given: a stable rule name and the sentence in the user's words.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.namespace.is_some() && self.cluster_id.is_none() {
            return Some((
                "namespace_needs_cluster",
                "a namespace binding needs a cluster_id".into(),
            ));
        }
        if self.role == Role::PlatformAdmin && self.cluster_id.is_some() {
            return Some((
                "admin_is_global",
                "platform-admin can only be bound globally".into(),
            ));
        }
        if let Some(ns) = &self.namespace
            && (ns.is_empty() || ns.len() > 63)
        {
            return Some((
                "namespace_length",
                "namespace must be 1 to 63 characters".into(),
            ));
        }
        None
    }

    fn covers(&self, perm: Permission, scope: Scope<'_>) -> bool {
        if !self.role.permissions().contains(&perm) {
            return false;
        }
        match (self.cluster_id, &self.namespace) {
            (None, _) => true,
            (Some(c), None) => scope.cluster_id == Some(c),
            (Some(c), Some(ns)) => {
                perm.namespaced()
                    && scope.cluster_id == Some(c)
                    && scope.namespace == Some(ns.as_str())
            }
        }
    }
}

/// All bindings of one user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bindings(pub Vec<Binding>);

impl Bindings {
    /// Whether any binding grants `perm` in `scope`.
    pub fn allows(&self, perm: Permission, scope: Scope<'_>) -> bool {
        self.0.iter().any(|b| b.covers(perm, scope))
    }

    /// Where `perm` holds within cluster `cluster_id`: `None` for the whole cluster, otherwise the namespaces
    /// bound to it (empty: nowhere). Lists across namespaces show a namespace-bound user exactly these.
    pub fn namespaces_with(&self, perm: Permission, cluster_id: i64) -> Option<Vec<String>> {
        if self.allows(perm, Scope::cluster(cluster_id)) {
            return None;
        }
        let mut namespaces: Vec<String> = self
            .0
            .iter()
            .filter(|b| {
                b.cluster_id == Some(cluster_id)
                    && perm.namespaced()
                    && b.role.permissions().contains(&perm)
            })
            .filter_map(|b| b.namespace.clone())
            .collect();
        namespaces.sort();
        namespaces.dedup();
        Some(namespaces)
    }

    /// Whether `perm` is granted for some scope (global or on at least one cluster): used to show or hide UI.
    pub fn allows_somewhere(&self, perm: Permission) -> bool {
        self.0.iter().any(|b| {
            b.role.permissions().contains(&perm) && (b.namespace.is_none() || perm.namespaced())
        })
    }

    /// Whether `perm` is granted on every cluster (a global binding).
    pub fn allows_everywhere(&self, perm: Permission) -> bool {
        self.allows(perm, Scope::GLOBAL)
    }

    /// The clusters where `perm` is granted through a cluster or namespace binding (global ones aside).
    pub fn clusters_with(&self, perm: Permission) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .0
            .iter()
            .filter(|b| {
                b.role.permissions().contains(&perm) && (b.namespace.is_none() || perm.namespaced())
            })
            .filter_map(|b| b.cluster_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Permission names granted somewhere, for the console.
    pub fn permission_names(&self) -> Vec<&'static str> {
        Permission::ALL
            .into_iter()
            .filter(|p| self.allows_somewhere(*p))
            .map(Permission::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns_binding(role: Role, cluster: i64, ns: &str) -> Binding {
        Binding {
            role,
            cluster_id: Some(cluster),
            namespace: Some(ns.into()),
        }
    }

    #[test]
    fn platform_admin_can_do_everything_everywhere() {
        let b = Bindings(vec![Binding::global(Role::PlatformAdmin)]);
        for p in Permission::ALL {
            assert!(b.allows(p, Scope::GLOBAL), "{p}");
            assert!(b.allows(p, Scope::namespace(3, "x")), "{p}");
        }
    }

    #[test]
    fn viewer_reads_but_never_writes() {
        let b = Bindings(vec![Binding::global(Role::Viewer)]);
        assert!(b.allows(Permission::PodRead, Scope::cluster(1)));
        assert!(!b.allows(Permission::NodeWrite, Scope::cluster(1)));
        assert!(!b.allows(Permission::ClusterWrite, Scope::GLOBAL));
        assert!(!b.allows(Permission::UserAdmin, Scope::GLOBAL));
        assert!(!b.allows(Permission::SecretRead, Scope::cluster(1)));
        assert!(b.allows(Permission::ResourceRead, Scope::cluster(1)));
        for p in [Permission::ResourceWrite, Permission::ResourceDelete, Permission::PlatformWrite] {
            assert!(!b.allows(p, Scope::namespace(1, "x")), "{p}");
        }
    }

    #[test]
    fn operators_change_applications_and_only_cluster_admins_the_platform() {
        let op = Bindings(vec![Binding::global(Role::Operator)]);
        assert!(op.allows(Permission::ResourceWrite, Scope::namespace(1, "x")));
        assert!(op.allows(Permission::ResourceDelete, Scope::namespace(1, "x")));
        assert!(!op.allows(Permission::PlatformWrite, Scope::cluster(1)));
        let admin = Bindings(vec![Binding::global(Role::ClusterAdmin)]);
        assert!(admin.allows(Permission::PlatformWrite, Scope::cluster(1)));
        // a cluster admin bound to one namespace writes its Roles there, never cluster-scoped kinds
        let ns_admin = Bindings(vec![ns_binding(Role::ClusterAdmin, 1, "team")]);
        assert!(ns_admin.allows(Permission::PlatformWrite, Scope::namespace(1, "team")));
        assert!(!ns_admin.allows(Permission::PlatformWrite, Scope::cluster(1)));
    }

    #[test]
    fn cluster_binding_stays_on_its_cluster() {
        let b = Bindings(vec![Binding {
            role: Role::Operator,
            cluster_id: Some(2),
            namespace: None,
        }]);
        assert!(b.allows(Permission::NodeWrite, Scope::cluster(2)));
        assert!(b.allows(Permission::PodWrite, Scope::namespace(2, "any")));
        assert!(!b.allows(Permission::NodeWrite, Scope::cluster(3)));
        assert!(!b.allows(Permission::ClusterRead, Scope::GLOBAL));
        assert_eq!(b.clusters_with(Permission::ClusterRead), vec![2]);
    }

    #[test]
    fn namespace_binding_grants_only_namespaced_permissions_in_that_namespace() {
        let b = Bindings(vec![ns_binding(Role::Operator, 2, "team-a")]);
        assert!(b.allows(Permission::PodLogs, Scope::namespace(2, "team-a")));
        assert!(!b.allows(Permission::PodLogs, Scope::namespace(2, "team-b")));
        assert!(!b.allows(Permission::NodeWrite, Scope::cluster(2)));
        assert!(!b.allows(Permission::PodRead, Scope::cluster(2)));
    }

    #[test]
    fn exec_is_for_operators_and_above_never_viewers() {
        for role in [Role::PlatformAdmin, Role::ClusterAdmin, Role::Operator] {
            assert!(role.permissions().contains(&Permission::PodExec), "{role}");
        }
        assert!(!Role::Viewer.permissions().contains(&Permission::PodExec));
        let b = Bindings(vec![ns_binding(Role::Operator, 2, "team-a")]);
        assert!(b.allows(Permission::PodExec, Scope::namespace(2, "team-a")));
        assert!(!b.allows(Permission::PodExec, Scope::namespace(2, "team-b")));
        let v = Bindings(vec![ns_binding(Role::Viewer, 2, "team-a")]);
        assert!(!v.allows(Permission::PodExec, Scope::namespace(2, "team-a")));
    }

    #[test]
    fn invalid_bindings_are_explained() {
        assert!(
            Binding {
                role: Role::PlatformAdmin,
                cluster_id: Some(1),
                namespace: None
            }
            .problem()
            .is_some()
        );
        assert!(
            Binding {
                role: Role::Viewer,
                cluster_id: None,
                namespace: Some("a".into())
            }
            .problem()
            .is_some()
        );
        assert!(Binding::global(Role::Viewer).problem().is_none());
        assert!("superuser".parse::<Role>().is_err());
        assert_eq!("operator".parse::<Role>(), Ok(Role::Operator));
    }
}

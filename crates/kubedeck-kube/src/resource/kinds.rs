//! The kinds Kubedeck knows by name: what each is called, where it lives, which versions we understand (newest
//! first) and how an operator groups it. Which version a cluster serves is found by discovery ([`super::discovery`]),
//! so a v1.20 cluster gets `batch/v1beta1` CronJobs and a newer one `batch/v1`, with no code per version.

use serde::Serialize;
use utoipa::ToSchema;

/// How the console's navigation groups kinds (the way operators think of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Pods and their controllers.
    Workloads,
    /// Services, endpoints, ingresses, network policies.
    Network,
    /// ConfigMaps, Secrets, quotas, limits, HPAs, PDBs.
    Configuration,
    /// Volumes, claims, storage classes.
    Storage,
    /// Service accounts, roles and bindings.
    AccessControl,
    /// Namespaces, nodes, CRDs.
    Cluster,
    /// Kinds a CustomResourceDefinition adds.
    CustomResources,
}

/// Which permission writes a kind: application objects (an operator's daily work) or the platform's own
/// (namespaces, volumes, access control, CRDs), which only a cluster admin may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Written with `resource.write` / `resource.delete`.
    App,
    /// Written with `platform.write` (cluster admins).
    Platform,
}

impl Tier {
    /// A custom resource's tier: namespaced ones are applications', cluster-scoped ones the platform's (like the
    /// built-in kinds: what lives outside every namespace affects every tenant).
    pub fn of_custom(namespaced: bool) -> Tier {
        if namespaced { Tier::App } else { Tier::Platform }
    }
}

/// A kind Kubedeck knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSpec {
    /// The URL name (`deployments`).
    pub plural: &'static str,
    /// The kind (`Deployment`).
    pub kind: &'static str,
    /// The API group (`""` for the core group).
    pub group: &'static str,
    /// The versions we understand, preferred first.
    pub versions: &'static [&'static str],
    /// Lives in a namespace.
    pub namespaced: bool,
    /// Navigation group.
    pub category: Category,
    /// Which permission writes it.
    pub tier: Tier,
    /// Watched continuously once a cluster's handle starts (the spec's kinds); the others are watched on first
    /// use and released after a quiet period.
    pub always: bool,
}

macro_rules! kinds {
    ($($plural:literal $kind:literal $group:literal [$($v:literal),+] $ns:literal $cat:ident $tier:ident $always:literal;)*) => {
        /// Every kind Kubedeck knows by name, in the order the console lists them.
        pub const KINDS: &[KindSpec] = &[$(KindSpec {
            plural: $plural, kind: $kind, group: $group, versions: &[$($v),+], namespaced: $ns,
            category: Category::$cat, tier: Tier::$tier, always: $always,
        }),*];
    };
}

kinds! {
    "pods" "Pod" "" ["v1"] true Workloads App true;
    "deployments" "Deployment" "apps" ["v1"] true Workloads App true;
    "replicasets" "ReplicaSet" "apps" ["v1"] true Workloads App true;
    "statefulsets" "StatefulSet" "apps" ["v1"] true Workloads App true;
    "daemonsets" "DaemonSet" "apps" ["v1"] true Workloads App true;
    "jobs" "Job" "batch" ["v1"] true Workloads App true;
    "cronjobs" "CronJob" "batch" ["v1", "v1beta1"] true Workloads App true;
    "services" "Service" "" ["v1"] true Network App true;
    "endpoints" "Endpoints" "" ["v1"] true Network App false;
    "ingresses" "Ingress" "networking.k8s.io" ["v1", "v1beta1"] true Network App true;
    "ingressclasses" "IngressClass" "networking.k8s.io" ["v1", "v1beta1"] false Network Platform false;
    "networkpolicies" "NetworkPolicy" "networking.k8s.io" ["v1"] true Network App false;
    "configmaps" "ConfigMap" "" ["v1"] true Configuration App true;
    "secrets" "Secret" "" ["v1"] true Configuration App true;
    "horizontalpodautoscalers" "HorizontalPodAutoscaler" "autoscaling" ["v2", "v2beta2", "v2beta1", "v1"] true Configuration App true;
    "poddisruptionbudgets" "PodDisruptionBudget" "policy" ["v1", "v1beta1"] true Configuration App false;
    "resourcequotas" "ResourceQuota" "" ["v1"] true Configuration Platform false;
    "limitranges" "LimitRange" "" ["v1"] true Configuration Platform false;
    "persistentvolumeclaims" "PersistentVolumeClaim" "" ["v1"] true Storage App true;
    "persistentvolumes" "PersistentVolume" "" ["v1"] false Storage Platform true;
    "storageclasses" "StorageClass" "storage.k8s.io" ["v1", "v1beta1"] false Storage Platform true;
    "serviceaccounts" "ServiceAccount" "" ["v1"] true AccessControl Platform false;
    "roles" "Role" "rbac.authorization.k8s.io" ["v1"] true AccessControl Platform false;
    "rolebindings" "RoleBinding" "rbac.authorization.k8s.io" ["v1"] true AccessControl Platform false;
    "clusterroles" "ClusterRole" "rbac.authorization.k8s.io" ["v1"] false AccessControl Platform false;
    "clusterrolebindings" "ClusterRoleBinding" "rbac.authorization.k8s.io" ["v1"] false AccessControl Platform false;
    "namespaces" "Namespace" "" ["v1"] false Cluster Platform true;
    "nodes" "Node" "" ["v1"] false Cluster Platform true;
    "customresourcedefinitions" "CustomResourceDefinition" "apiextensions.k8s.io" ["v1", "v1beta1"] false Cluster Platform true;
}

/// The known kind a URL names: its plural (`deployments`), or plural and group (`deployments.apps`), as kubectl
/// accepts them.
pub fn known(name: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| {
        k.plural == name
            || name
                .strip_prefix(k.plural)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|g| g == k.group && !g.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_with_or_without_their_group() {
        let mut plurals: Vec<_> = KINDS.iter().map(|k| k.plural).collect();
        plurals.sort_unstable();
        plurals.dedup();
        assert_eq!(plurals.len(), KINDS.len());
        assert_eq!(known("deployments").unwrap().kind, "Deployment");
        assert_eq!(known("deployments.apps").unwrap().kind, "Deployment");
        assert!(known("deployments.batch").is_none());
        assert!(known("configmaps.").is_none());
        assert!(known("widgets").is_none());
    }
}

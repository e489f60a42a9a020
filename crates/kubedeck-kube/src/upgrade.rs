//! Upgrade readiness (issue 18, spec 7.2 集群升级): what stands between a cluster and a target Kubernetes version.
//!
//! - **API versions removed on the way.** Stored objects are converted by the API server, so what breaks after an
//!   upgrade is whoever still *writes* a removed version: manifests re-applied with `kubectl apply`, Helm charts,
//!   pipelines, operators. Each object says who wrote it how: its last-applied annotation carries the `apiVersion`
//!   of the manifest `kubectl apply` used, and each `metadata.managedFields` entry the version its manager wrote
//!   with. An object written through a removed version is a finding (the manifest or client must change before the
//!   upgrade); the API server's own `apiserver_requested_deprecated_apis` gauge adds the requests it saw since it
//!   started, from clients that leave no object behind (lists, watches).
//! - **Version skew.** Kubernetes upgrades one minor version at a time, control plane first; a kubelet may be at most
//!   two minor versions older than the API server (three from v1.28). Nodes older than that at some step of the way
//!   must be upgraded along the way.
//!
//! The removed versions are those of the Kubernetes deprecation guide
//! (<https://kubernetes.io/docs/reference/using-api/deprecation-guide/>), for the kinds an operator's manifests use.

use crate::error::{ClusterError, within};
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde::Serialize;
use std::collections::BTreeSet;
use std::time::Duration;

/// A Kubernetes minor version, `(1, 25)`.
pub type Minor = (u32, u32);

/// An API version of a kind that a Kubernetes release no longer serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemovedApi {
    /// `batch/v1beta1`.
    pub api_version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
    /// The first minor version that does not serve it.
    pub removed_in: Minor,
    /// What to write instead (`batch/v1`), or `None` when the kind itself is gone.
    pub replacement: Option<&'static str>,
}

const fn r(
    api_version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    removed_in: Minor,
    replacement: Option<&'static str>,
) -> RemovedApi {
    RemovedApi {
        api_version,
        kind,
        plural,
        namespaced,
        removed_in,
        replacement,
    }
}

/// The removed API versions, oldest removal first.
pub const REMOVED: &[RemovedApi] = &[
    r(
        "extensions/v1beta1",
        "Deployment",
        "deployments",
        true,
        (1, 16),
        Some("apps/v1"),
    ),
    r(
        "apps/v1beta1",
        "Deployment",
        "deployments",
        true,
        (1, 16),
        Some("apps/v1"),
    ),
    r(
        "apps/v1beta2",
        "Deployment",
        "deployments",
        true,
        (1, 16),
        Some("apps/v1"),
    ),
    r(
        "extensions/v1beta1",
        "DaemonSet",
        "daemonsets",
        true,
        (1, 16),
        Some("apps/v1"),
    ),
    r(
        "apps/v1beta2",
        "DaemonSet",
        "daemonsets",
        true,
        (1, 16),
        Some("apps/v1"),
    ),
    r(
        "extensions/v1beta1",
        "ReplicaSet",
        "replicasets",
        true,
        (1, 16),
        Some("apps/v1"),
    ),
    r(
        "apps/v1beta2",
        "ReplicaSet",
        "replicasets",
        true,
        (1, 16),
        Some("apps/v1"),
    ),
    r(
        "apps/v1beta1",
        "StatefulSet",
        "statefulsets",
        true,
        (1, 16),
        Some("apps/v1"),
    ),
    r(
        "apps/v1beta2",
        "StatefulSet",
        "statefulsets",
        true,
        (1, 16),
        Some("apps/v1"),
    ),
    r(
        "extensions/v1beta1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        (1, 16),
        Some("networking.k8s.io/v1"),
    ),
    r(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
        (1, 22),
        Some("admissionregistration.k8s.io/v1"),
    ),
    r(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
        (1, 22),
        Some("admissionregistration.k8s.io/v1"),
    ),
    r(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        (1, 22),
        Some("apiextensions.k8s.io/v1"),
    ),
    r(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        "apiservices",
        false,
        (1, 22),
        Some("apiregistration.k8s.io/v1"),
    ),
    r(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        "certificatesigningrequests",
        false,
        (1, 22),
        Some("certificates.k8s.io/v1"),
    ),
    r(
        "coordination.k8s.io/v1beta1",
        "Lease",
        "leases",
        true,
        (1, 22),
        Some("coordination.k8s.io/v1"),
    ),
    r(
        "extensions/v1beta1",
        "Ingress",
        "ingresses",
        true,
        (1, 22),
        Some("networking.k8s.io/v1"),
    ),
    r(
        "networking.k8s.io/v1beta1",
        "Ingress",
        "ingresses",
        true,
        (1, 22),
        Some("networking.k8s.io/v1"),
    ),
    r(
        "networking.k8s.io/v1beta1",
        "IngressClass",
        "ingressclasses",
        false,
        (1, 22),
        Some("networking.k8s.io/v1"),
    ),
    r(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        "clusterroles",
        false,
        (1, 22),
        Some("rbac.authorization.k8s.io/v1"),
    ),
    r(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        (1, 22),
        Some("rbac.authorization.k8s.io/v1"),
    ),
    r(
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        "roles",
        true,
        (1, 22),
        Some("rbac.authorization.k8s.io/v1"),
    ),
    r(
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        "rolebindings",
        true,
        (1, 22),
        Some("rbac.authorization.k8s.io/v1"),
    ),
    r(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        "priorityclasses",
        false,
        (1, 22),
        Some("scheduling.k8s.io/v1"),
    ),
    r(
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        "csidrivers",
        false,
        (1, 22),
        Some("storage.k8s.io/v1"),
    ),
    r(
        "storage.k8s.io/v1beta1",
        "CSINode",
        "csinodes",
        false,
        (1, 22),
        Some("storage.k8s.io/v1"),
    ),
    r(
        "storage.k8s.io/v1beta1",
        "StorageClass",
        "storageclasses",
        false,
        (1, 22),
        Some("storage.k8s.io/v1"),
    ),
    r(
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        "volumeattachments",
        false,
        (1, 22),
        Some("storage.k8s.io/v1"),
    ),
    r(
        "batch/v1beta1",
        "CronJob",
        "cronjobs",
        true,
        (1, 25),
        Some("batch/v1"),
    ),
    r(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        "endpointslices",
        true,
        (1, 25),
        Some("discovery.k8s.io/v1"),
    ),
    r(
        "events.k8s.io/v1beta1",
        "Event",
        "events",
        true,
        (1, 25),
        Some("events.k8s.io/v1"),
    ),
    r(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        (1, 25),
        Some("autoscaling/v2"),
    ),
    r(
        "policy/v1beta1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        (1, 25),
        Some("policy/v1"),
    ),
    r(
        "policy/v1beta1",
        "PodSecurityPolicy",
        "podsecuritypolicies",
        false,
        (1, 25),
        None,
    ),
    r(
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        "runtimeclasses",
        false,
        (1, 25),
        Some("node.k8s.io/v1"),
    ),
    r(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        (1, 26),
        Some("autoscaling/v2"),
    ),
    r(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        "flowschemas",
        false,
        (1, 26),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    r(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        "prioritylevelconfigurations",
        false,
        (1, 26),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    r(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        "csistoragecapacities",
        true,
        (1, 27),
        Some("storage.k8s.io/v1"),
    ),
    r(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        "flowschemas",
        false,
        (1, 29),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    r(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        "prioritylevelconfigurations",
        false,
        (1, 29),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    r(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        "flowschemas",
        false,
        (1, 32),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    r(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        "prioritylevelconfigurations",
        false,
        (1, 32),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
];

/// `1.25`, `v1.25`, `v1.25.3`, `v1.20.5+really1.20.2` ─▶ `(1, 25)`.
pub fn parse_minor(text: &str) -> Option<Minor> {
    let t = text.trim().trim_start_matches('v');
    let mut parts = t.split(['.', '+', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Shown as `1.25`.
pub fn show(m: Minor) -> String {
    format!("{}.{}", m.0, m.1)
}

/// The minor versions an upgrade from `current` to `target` passes through, one at a time (target included).
pub fn path(current: Minor, target: Minor) -> Vec<Minor> {
    if current.0 != target.0 {
        return vec![target];
    }
    (current.1 + 1..=target.1).map(|m| (target.0, m)).collect()
}

/// The API versions an upgrade from `current` to `target` removes.
pub fn removed_between(current: Minor, target: Minor) -> impl Iterator<Item = &'static RemovedApi> {
    REMOVED
        .iter()
        .filter(move |r| r.removed_in > current && r.removed_in <= target)
}

/// How many minor versions older than the API server a kubelet may be (the version skew policy).
pub fn kubelet_skew(control_plane: Minor) -> u32 {
    if control_plane >= (1, 28) { 3 } else { 2 }
}

/// The first step of `path` at which a kubelet of version `kubelet` is too old for the control plane, if any.
pub fn kubelet_too_old_at(path: &[Minor], kubelet: Minor) -> Option<Minor> {
    path.iter()
        .copied()
        .find(|cp| cp.0 == kubelet.0 && cp.1 > kubelet.1 + kubelet_skew(*cp))
}

/// An object written through a removed API version, and how that shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Writer {
    pub namespace: Option<String>,
    pub name: String,
    /// `last-applied` (its `kubectl apply` manifest) or the field manager that wrote with it.
    pub by: String,
}

/// One removed API version the cluster serves today.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RemovedApiFinding {
    pub api_version: String,
    pub kind: String,
    /// The version that no longer serves it (`1.25`).
    pub removed_in: String,
    /// What to write instead; none when the kind itself goes away.
    pub replacement: Option<String>,
    /// How many objects of the kind the cluster has.
    pub objects: usize,
    /// Objects whose manifest or a manager still writes the removed version (at most 100 named).
    pub written_with_it: Vec<Writer>,
    /// How many there are in all.
    pub written_with_it_total: usize,
    /// The API server saw requests for it since it started (`apiserver_requested_deprecated_apis`).
    pub requested_since_start: bool,
    /// `blocker`: something still writes it, so its manifests or clients must change before the upgrade;
    /// `ok`: nothing does (stored objects are converted by the API server).
    pub verdict: String,
}

/// The most writers named per finding.
const NAMED: usize = 100;
/// Each list's deadline.
const CALL: Duration = Duration::from_secs(30);

/// The API version `object` was written with by each writer: its last-applied manifest, and every field manager
/// that is not the control plane itself (its controllers are upgraded with it).
fn writers(object: &kube::core::PartialObjectMeta<DynamicObject>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(text) = object
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("kubectl.kubernetes.io/last-applied-configuration"))
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(text)
        && let Some(av) = v["apiVersion"].as_str()
    {
        out.push(("last-applied".to_owned(), av.to_owned()));
    }
    for m in object.metadata.managed_fields.iter().flatten() {
        let manager = m.manager.clone().unwrap_or_default();
        if manager.starts_with("kube-") {
            continue;
        }
        if let Some(av) = &m.api_version {
            out.push((manager, av.clone()));
        }
    }
    out
}

/// The `(group/version, resource)` pairs the API server counted in `apiserver_requested_deprecated_apis` (its
/// `/metrics`), or `None` when it cannot be read (no permission for `/metrics`, an older server).
pub async fn requested_deprecated(client: &kube::Client) -> Option<BTreeSet<(String, String)>> {
    let req = http::Request::get("/metrics").body(Vec::new()).ok()?;
    let text = within(CALL, client.request_text(req)).await.ok()?;
    let mut seen = BTreeSet::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("apiserver_requested_deprecated_apis{"))
    {
        let label = |name: &str| {
            let start = line.find(&format!("{name}=\""))? + name.len() + 2;
            let end = line[start..].find('"')?;
            Some(line[start..start + end].to_owned())
        };
        let (group, version, resource) = (
            label("group").unwrap_or_default(),
            label("version")?,
            label("resource")?,
        );
        let gv = if group.is_empty() {
            version
        } else {
            format!("{group}/{version}")
        };
        seen.insert((gv, resource));
    }
    Some(seen)
}

/// The findings for the API versions removed between `current` and `target` that the cluster serves today;
/// `requested` is what [`requested_deprecated`] read (read once by the caller, which also reports whether it could).
pub async fn removed_apis(
    client: &kube::Client,
    current: Minor,
    target: Minor,
    requested: &BTreeSet<(String, String)>,
) -> Result<Vec<RemovedApiFinding>, ClusterError> {
    let mut out = Vec::new();
    for r in removed_between(current, target) {
        // listed through the version that replaces the removed one where the cluster serves it (the objects are the
        // same; their managed fields and manifests still say how they were written), so that this check does not
        // itself show up as a request for a deprecated version; through the removed one only when it is all there is
        let mut list = None;
        for api_version in r.replacement.into_iter().chain([r.api_version]) {
            let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
            let ar = ApiResource {
                group: group.to_owned(),
                version: version.to_owned(),
                api_version: api_version.to_owned(),
                kind: r.kind.to_owned(),
                plural: r.plural.to_owned(),
            };
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
            match within(CALL, api.list_metadata(&ListParams::default())).await {
                Ok(l) => {
                    list = Some(l);
                    break;
                }
                // not served here: the next version, or nothing to say about the kind
                Err(ClusterError::Api { code: 404, .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        let Some(list) = list else { continue };
        let mut written = Vec::new();
        for o in &list.items {
            for (by, av) in writers(o) {
                if av == r.api_version {
                    written.push(Writer {
                        namespace: o.metadata.namespace.clone(),
                        name: o.metadata.name.clone().unwrap_or_default(),
                        by,
                    });
                }
            }
        }
        let total = written.len();
        written.truncate(NAMED);
        out.push(RemovedApiFinding {
            api_version: r.api_version.to_owned(),
            kind: r.kind.to_owned(),
            removed_in: show(r.removed_in),
            replacement: r.replacement.map(str::to_owned),
            objects: list.items.len(),
            verdict: if total > 0 { "blocker" } else { "ok" }.to_owned(),
            written_with_it: written,
            written_with_it_total: total,
            requested_since_start: requested
                .contains(&(r.api_version.to_owned(), r.plural.to_owned())),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_as_operators_write_them() {
        assert_eq!(parse_minor("1.25"), Some((1, 25)));
        assert_eq!(parse_minor("v1.20.2"), Some((1, 20)));
        assert_eq!(parse_minor("v1.20.5+really1.20.2"), Some((1, 20)));
        assert_eq!(parse_minor("v1.27.3-eks-1"), Some((1, 27)));
        assert_eq!(parse_minor("latest"), None);
        assert_eq!(parse_minor("1"), None);
    }

    #[test]
    fn an_upgrade_goes_one_minor_version_at_a_time() {
        assert_eq!(path((1, 20), (1, 23)), vec![(1, 21), (1, 22), (1, 23)]);
        assert_eq!(path((1, 20), (1, 21)), vec![(1, 21)]);
        assert!(path((1, 25), (1, 25)).is_empty());
    }

    #[test]
    fn the_removals_on_the_way_are_those_after_the_current_version_up_to_the_target() {
        let kinds = |c, t| {
            removed_between(c, t)
                .map(|r| format!("{} {}", r.api_version, r.kind))
                .collect::<Vec<_>>()
        };
        let to_122 = kinds((1, 20), (1, 22));
        assert!(to_122.contains(&"extensions/v1beta1 Ingress".to_owned()));
        assert!(!to_122.iter().any(|k| k.contains("CronJob")), "{to_122:?}");
        assert!(
            !to_122
                .iter()
                .any(|k| k.contains("extensions/v1beta1 Deployment")),
            "removed before 1.20: {to_122:?}"
        );
        let to_125 = kinds((1, 20), (1, 25));
        assert!(to_125.contains(&"batch/v1beta1 CronJob".to_owned()));
        assert!(to_125.contains(&"policy/v1beta1 PodDisruptionBudget".to_owned()));
        assert!(!to_125.contains(&"autoscaling/v2beta2 HorizontalPodAutoscaler".to_owned()));
        assert!(
            kinds((1, 20), (1, 26))
                .contains(&"autoscaling/v2beta2 HorizontalPodAutoscaler".to_owned())
        );
        assert!(kinds((1, 25), (1, 25)).is_empty());
    }

    #[test]
    fn kubelets_may_lag_two_minor_versions_then_three_from_1_28() {
        let way = path((1, 20), (1, 24));
        assert_eq!(kubelet_too_old_at(&way, (1, 20)), Some((1, 23)));
        assert_eq!(kubelet_too_old_at(&way, (1, 21)), Some((1, 24)));
        assert_eq!(kubelet_too_old_at(&way, (1, 22)), None);
        assert_eq!(
            kubelet_too_old_at(&path((1, 27), (1, 29)), (1, 26)),
            None,
            "1.29 allows three"
        );
        assert_eq!(
            kubelet_too_old_at(&path((1, 27), (1, 30)), (1, 26)),
            Some((1, 30))
        );
    }
}

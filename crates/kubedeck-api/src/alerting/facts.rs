//! Reading what the rules check (the I/O side of evaluation): the cluster's row and credential, the hub's watched
//! stores (nodes, the resource engine's rows of Deployments, StatefulSets, DaemonSets, Jobs, HPAs and
//! ResourceQuotas) and the newest node and volume samples. Pods are read by the caller, inside the pod store's
//! read lock, because they are many.

use super::rules::{
    CertFacts, ClusterFacts, HpaFacts, Named, NodeFacts, NodeUsage, QuotaFacts, ReplicaFacts, VolumeFacts,
};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use kubedeck_kube::hub::ClusterHandle;
use kubedeck_kube::resource::row::Row;
use kubedeck_kube::resource::store::KindStore;
use kubedeck_store::clusters::Cluster;
use std::sync::Arc;

/// The cluster's reachability from its last check, and its client certificate's end (`cert` caches the
/// reading per sealed credential, so the kubeconfig is opened once per credential, not every pass).
pub fn cluster(
    state: &AppState,
    c: &Cluster,
    cert: &mut Option<(String, Option<DateTime<Utc>>)>,
) -> ClusterFacts {
    let fresh = !matches!(cert, Some((sealed, _)) if *sealed == c.credential);
    if fresh {
        let not_after = state
            .open_credential(c)
            .ok()
            .and_then(|text| kubedeck_kube::kubeconfig::parse(&text, Some(&c.context_name)).ok())
            .and_then(|k| k.client_certificate_pem.clone())
            .and_then(|pem| {
                kubedeck_kube::x509::parse_pem_bundle(&pem)
                    .into_iter()
                    .map(|i| i.not_after)
                    .min()
            });
        *cert = Some((c.credential.clone(), not_after));
    }
    ClusterFacts {
        unreachable: c.status_reason == "unreachable",
        credential_rejected: c.status_reason.starts_with("credential rejected"),
        client_cert_not_after: cert.as_ref().and_then(|(_, t)| *t),
    }
}

/// The certificate dashboard's latest reading of the cluster (read again in the background once it is ten minutes
/// old); the client certificate is left to `KubeClientCertificateExpiration`.
pub fn certificates(state: &AppState, c: &Cluster) -> Option<Vec<CertFacts>> {
    let reading = crate::certificates::cached_or_refresh(state, c)?;
    Some(
        reading
            .certificates
            .iter()
            .filter(|v| v.source != crate::certificates::CertSource::Client)
            .map(|v| CertFacts {
                source: v.source.as_str(),
                namespace: v.namespace.clone(),
                secret: v.secret.clone(),
                subject: v.subject.clone(),
                not_after: v.not_after,
            })
            .collect(),
    )
}

/// The nodes' Ready condition and unreachable taint (None before the first list).
pub fn nodes(h: &ClusterHandle) -> Option<Vec<NodeFacts>> {
    if !h.nodes_synced() {
        return None;
    }
    Some(
        h.nodes
            .state()
            .iter()
            .map(|n| {
                let ready = n
                    .status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
                    .map(|c| c.status.clone());
                let unreachable = n
                    .spec
                    .as_ref()
                    .and_then(|s| s.taints.as_ref())
                    .is_some_and(|ts| ts.iter().any(|t| t.key == "node.kubernetes.io/unreachable"));
                NodeFacts {
                    name: n.metadata.name.clone().unwrap_or_default(),
                    ready,
                    unreachable,
                }
            })
            .collect(),
    )
}

/// A kind's synced store, started if the cluster serves the kind and nobody watches it yet (quotas are watched
/// on first use only).
fn store(h: &ClusterHandle, name: &str) -> Option<Arc<KindStore>> {
    if let Some(s) = h
        .resources
        .stores()
        .into_iter()
        .find(|s| s.served.name == name)
    {
        return s.rows.synced().then_some(s);
    }
    let served = h.resources.cached_catalog()?.find(name).ok()?;
    let s = h.resources.store(&served);
    s.rows.synced().then_some(s)
}

/// Reads every row of a kind with its cells by column key.
fn rows<T>(
    s: &Arc<KindStore>,
    mut f: impl FnMut(&Row, &dyn Fn(&str) -> Option<String>) -> Option<T>,
) -> Vec<T> {
    let keys: Vec<String> = s
        .served
        .columns()
        .iter()
        .map(|c| c.key.to_string())
        .collect();
    s.rows.read(|m| {
        m.values()
            .filter_map(|r| {
                let cell = |k: &str| {
                    keys.iter()
                        .position(|c| c == k)
                        .and_then(|i| r.cells.get(i).cloned().flatten())
                        .map(|s| s.to_string())
                };
                f(r, &cell)
            })
            .collect()
    })
}

fn num(s: Option<String>) -> i64 {
    s.and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

/// `ready/want` as kubectl's READY column writes it.
fn fraction(s: Option<String>) -> (i64, i64) {
    let s = s.unwrap_or_default();
    let (a, b) = s.split_once('/').unwrap_or(("0", "0"));
    (a.trim().parse().unwrap_or(0), b.trim().parse().unwrap_or(0))
}

/// Deployments, StatefulSets and DaemonSets (None when one of their stores is not synced).
pub fn replicas(h: &ClusterHandle) -> Option<Vec<ReplicaFacts>> {
    let mut out = Vec::new();
    let at = |r: &Row| (r.namespace.to_string(), r.name.to_string());
    out.extend(rows(&store(h, "deployments")?, |r, cell| {
        let (_, desired) = fraction(cell("ready"));
        let (namespace, name) = at(r);
        Some(ReplicaFacts {
            kind: "Deployment",
            namespace,
            name,
            desired,
            available: num(cell("available")),
            updated: num(cell("up_to_date")),
        })
    }));
    out.extend(rows(&store(h, "statefulsets")?, |r, cell| {
        let (ready, desired) = fraction(cell("ready"));
        let (namespace, name) = at(r);
        Some(ReplicaFacts {
            kind: "StatefulSet",
            namespace,
            name,
            desired,
            available: ready,
            updated: desired,
        })
    }));
    out.extend(rows(&store(h, "daemonsets")?, |r, cell| {
        let (namespace, name) = at(r);
        Some(ReplicaFacts {
            kind: "DaemonSet",
            namespace,
            name,
            desired: num(cell("desired")),
            available: num(cell("available")),
            updated: num(cell("up_to_date")),
        })
    }));
    Some(out)
}

/// Jobs whose status is Failed.
pub fn failed_jobs(h: &ClusterHandle) -> Option<Vec<Named>> {
    Some(rows(&store(h, "jobs")?, |r, _| {
        (r.status.as_deref() == Some("Failed")).then(|| Named {
            namespace: r.namespace.to_string(),
            name: r.name.to_string(),
        })
    }))
}

/// HPAs' current and maximum replicas.
pub fn hpas(h: &ClusterHandle) -> Option<Vec<HpaFacts>> {
    Some(rows(&store(h, "horizontalpodautoscalers")?, |r, cell| {
        Some(HpaFacts {
            namespace: r.namespace.to_string(),
            name: r.name.to_string(),
            current: num(cell("replicas")),
            max: num(cell("maxpods")),
        })
    }))
}

/// Every resource of every ResourceQuota (`name: used/hard` entries of its REQUEST and LIMIT columns).
pub fn quotas(h: &ClusterHandle) -> Option<Vec<QuotaFacts>> {
    let per_quota = rows(&store(h, "resourcequotas")?, |r, cell| {
        let mut out = Vec::new();
        for col in ["request", "limit"] {
            for entry in cell(col).unwrap_or_default().split(", ") {
                let Some((resource, uh)) = entry.split_once(": ") else {
                    continue;
                };
                let Some((used, hard)) = uh.rsplit_once('/') else {
                    continue;
                };
                let (Some(used), Some(hard)) = (
                    kubedeck_kube::quantity::value(used),
                    kubedeck_kube::quantity::value(hard),
                ) else {
                    continue;
                };
                out.push(QuotaFacts {
                    namespace: r.namespace.to_string(),
                    name: r.name.to_string(),
                    resource: resource.to_owned(),
                    used,
                    hard,
                });
            }
        }
        Some(out)
    });
    Some(per_quota.into_iter().flatten().collect())
}

/// The newest node samples of the last few collection intervals.
pub async fn node_usage(
    state: &AppState,
    cluster_id: i64,
    now: DateTime<Utc>,
) -> Option<Vec<NodeUsage>> {
    let window = chrono::Duration::from_std(state.settings.node_metrics.interval * 3).ok()?;
    let samples = state
        .store
        .newest_node_samples_since(cluster_id, now - window)
        .await
        .ok()?;
    Some(
        samples
            .into_iter()
            .map(|s| NodeUsage {
                node: s.node_name,
                cpu: s.cpu_usage,
                memory: s.memory_usage,
                disk: s.disk_usage,
            })
            .collect(),
    )
}

/// The newest volume sample of each claim within the last few collection intervals.
pub async fn volumes(
    state: &AppState,
    cluster_id: i64,
    now: DateTime<Utc>,
) -> Option<Vec<VolumeFacts>> {
    let window = chrono::Duration::from_std(state.settings.node_metrics.interval * 3).ok()?;
    let samples = state
        .store
        .newest_volume_samples_since(cluster_id, now - window)
        .await
        .ok()?;
    Some(
        samples
            .into_iter()
            .map(|s| VolumeFacts {
                namespace: s.namespace,
                claim: s.claim,
                used_bytes: s.used_bytes,
                capacity_bytes: s.capacity_bytes,
            })
            .collect(),
    )
}

//! Pods as the pod and node views need them: a compact projection kept per cluster by a watcher.
//!
//! At 150,000 pods this is what memory is spent on, so it holds no per-pod `String` for values pods share
//! (namespaces, nodes, phases, owners, labels: pooled [`Sym`]s), no map per pod for labels ([`Labels`]), and
//! times and addresses as plain values.

use crate::intern::{Labels, Sym};
use crate::quantity;
use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{Container, Pod};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// What Kubedeck keeps in memory per pod.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PodLite {
    /// Namespace.
    pub namespace: Sym,
    /// Name.
    pub name: Sym,
    /// Node it is bound to.
    pub node_name: Option<Sym>,
    /// Pending, Running, Succeeded, Failed, Unknown.
    pub phase: Sym,
    /// Effective CPU request in millicores (max of the containers' sum and the largest init container).
    pub cpu_request_m: i64,
    /// Effective memory request in bytes.
    pub memory_request: i64,
    /// CPU limit in millicores (sum over containers).
    pub cpu_limit_m: i64,
    /// Memory limit in bytes.
    pub memory_limit: i64,
    /// Kind of the controlling owner (ReplicaSet, DaemonSet ...).
    pub owner_kind: Option<Sym>,
    /// Name of the controlling owner.
    pub owner_name: Option<Sym>,
    /// Total container restarts.
    pub restarts: i32,
    /// Ready containers / all containers.
    pub ready: (i32, i32),
    /// Pod IP.
    pub pod_ip: Option<IpAddr>,
    /// Creation time.
    pub created_at: Option<DateTime<Utc>>,
    /// Labels.
    pub labels: Labels,
    /// The STATUS column of `kubectl get pods` (Running, CrashLoopBackOff, Completed, Init:0/1, Terminating ...).
    pub status: Sym,
    /// Host IP of its node.
    pub host_ip: Option<Sym>,
}

impl PodLite {
    /// True for pods that no longer hold resources (Succeeded or Failed).
    pub fn is_finished(&self) -> bool {
        self.phase == "Succeeded" || self.phase == "Failed"
    }

    /// `namespace/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// `(namespace, name)`: the key of the synced store (shares the strings, allocates nothing).
    pub fn store_key(&self) -> (Sym, Sym) {
        (self.namespace.clone(), self.name.clone())
    }

    /// The node an active pod counts on and what it commits there (finished and unbound pods count nowhere):
    /// the pod store keeps these summed per node, for the node list.
    pub fn node_load(&self) -> Option<(Sym, crate::nodes::NodeLoad)> {
        let node = self.node_name.as_ref().filter(|_| !self.is_finished())?;
        Some((node.clone(), crate::nodes::NodeLoad::of([self])))
    }

    /// What the synced store indexes: the namespace, the node and the labels.
    pub fn index_terms(&self) -> crate::label_index::IndexTerms<'_> {
        crate::label_index::IndexTerms {
            namespace: Some(&self.namespace),
            node: self.node_name.as_ref(),
            labels: &self.labels,
        }
    }
}

/// A pod for tests: `cpu_request_m` millicores and 1 MiB requested, no limits, every container ready.
#[cfg(test)]
pub(crate) fn test_pod(namespace: &str, name: &str, node: Option<&str>, phase: &str, cpu_request_m: i64) -> PodLite {
    PodLite {
        namespace: namespace.into(),
        name: name.into(),
        node_name: node.map(Into::into),
        phase: phase.into(),
        cpu_request_m,
        memory_request: 1 << 20,
        cpu_limit_m: 0,
        memory_limit: 0,
        owner_kind: None,
        owner_name: None,
        restarts: 0,
        ready: (1, 1),
        pod_ip: None,
        created_at: None,
        labels: Default::default(),
        status: phase.into(),
        host_ip: None,
    }
}

fn resources(
    c: &Container,
    which: fn(
        &k8s_openapi::api::core::v1::ResourceRequirements,
    )
        -> Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
) -> (i64, i64) {
    let Some(map) = c.resources.as_ref().and_then(which) else {
        return (0, 0);
    };
    let cpu = map
        .get("cpu")
        .and_then(|q| quantity::cpu_millis(&q.0))
        .unwrap_or(0);
    let mem = map
        .get("memory")
        .and_then(|q| quantity::bytes(&q.0))
        .unwrap_or(0);
    (cpu, mem)
}

/// The projection of a pod.
pub fn project(pod: &Pod) -> PodLite {
    let spec = pod.spec.as_ref();
    let containers = spec.map(|s| s.containers.as_slice()).unwrap_or_default();
    let inits = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or_default();
    let sum =
        |f: fn(&k8s_openapi::api::core::v1::ResourceRequirements) -> Option<&BTreeMap<_, _>>| {
            containers
                .iter()
                .map(|c| resources(c, f))
                .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
        };
    let (mut cpu_req, mut mem_req) = sum(|r| r.requests.as_ref());
    for c in inits {
        let (c_cpu, c_mem) = resources(c, |r| r.requests.as_ref());
        cpu_req = cpu_req.max(c_cpu);
        mem_req = mem_req.max(c_mem);
    }
    let (cpu_lim, mem_lim) = sum(|r| r.limits.as_ref());
    let owner = pod
        .metadata
        .owner_references
        .as_ref()
        .and_then(|o| o.iter().find(|r| r.controller == Some(true)));
    let status = pod.status.as_ref();
    let statuses = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or_default();
    let pooled = |s: &Option<String>| s.as_deref().map(Sym::intern);
    PodLite {
        namespace: Sym::intern(pod.metadata.namespace.as_deref().unwrap_or_default()),
        name: Sym::unique(pod.metadata.name.as_deref().unwrap_or_default()),
        node_name: spec.and_then(|s| pooled(&s.node_name)),
        phase: Sym::intern(status.and_then(|s| s.phase.as_deref()).unwrap_or("Pending")),
        cpu_request_m: cpu_req,
        memory_request: mem_req,
        cpu_limit_m: cpu_lim,
        memory_limit: mem_lim,
        owner_kind: owner.map(|o| Sym::intern(&o.kind)),
        owner_name: owner.map(|o| Sym::intern(&o.name)),
        restarts: statuses.iter().map(|s| s.restart_count).sum(),
        ready: (
            statuses.iter().filter(|s| s.ready).count() as i32,
            containers.len() as i32,
        ),
        pod_ip: status
            .and_then(|s| s.pod_ip.as_deref())
            .and_then(|ip| ip.parse().ok()),
        created_at: pod
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| crate::nodes::utc(&t.0)),
        labels: pod
            .metadata
            .labels
            .as_ref()
            .map(Labels::from_map)
            .unwrap_or_default(),
        status: Sym::intern(&display_status(pod)),
        host_ip: status.and_then(|s| pooled(&s.host_ip)),
    }
}

/// The STATUS column of `kubectl get pods`, computed the way kubectl's printer does.
pub fn display_status(pod: &Pod) -> String {
    let status = pod.status.as_ref();
    let mut reason = status
        .and_then(|s| s.reason.clone())
        .or_else(|| status.and_then(|s| s.phase.clone()))
        .unwrap_or_else(|| "Pending".into());
    let inits = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default();
    let init_total = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .map(|v| v.len())
        .unwrap_or(0);
    let mut initializing = false;
    for (i, c) in inits.iter().enumerate() {
        let state = c.state.as_ref();
        if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
            if t.exit_code == 0 {
                continue;
            }
            reason = match &t.reason {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => format!("Init:ExitCode:{}", t.exit_code),
            };
        } else if let Some(w) = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.clone())
            .filter(|r| !r.is_empty() && r != "PodInitializing")
        {
            reason = format!("Init:{w}");
        } else {
            reason = format!("Init:{i}/{init_total}");
        }
        initializing = true;
        break;
    }
    if !initializing {
        let mut has_running = false;
        for c in status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or_default()
            .iter()
            .rev()
        {
            let state = c.state.as_ref();
            if let Some(w) = state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.clone())
                .filter(|r| !r.is_empty())
            {
                reason = w;
            } else if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
                reason = match &t.reason {
                    Some(r) if !r.is_empty() => r.clone(),
                    _ if t.signal.is_some_and(|s| s != 0) => {
                        format!("Signal:{}", t.signal.unwrap_or_default())
                    }
                    _ => format!("ExitCode:{}", t.exit_code),
                };
            } else if c.ready && state.is_some_and(|s| s.running.is_some()) {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            reason = "Running".into();
        }
    }
    if pod.metadata.deletion_timestamp.is_some() {
        reason = if status.and_then(|s| s.reason.as_deref()) == Some("NodeLost") {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn effective_requests_follow_the_scheduler() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "n", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u", "controller": true}]},
            "spec": {
                "nodeName": "w1",
                "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "2", "memory": "10Mi"}}}],
                "containers": [
                    {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}}},
                    {"name": "b", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}}
                ]
            },
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 2, "image": "x", "imageID": "", "started": true},
                {"name": "b", "ready": false, "restartCount": 1, "image": "x", "imageID": ""}
            ]}
        }))
        .unwrap();
        let p = project(&pod);
        assert_eq!(
            p.cpu_request_m, 2000,
            "the init container's request dominates"
        );
        assert_eq!(p.memory_request, 128 * 1048576);
        assert_eq!(p.cpu_limit_m, 1000);
        assert_eq!(p.owner_kind.as_deref(), Some("ReplicaSet"));
        assert_eq!(p.restarts, 3);
        assert_eq!(p.ready, (1, 2));
        assert_eq!(p.node_name.as_deref(), Some("w1"));
    }
}

#[cfg(test)]
mod status_tests {
    use super::*;
    use serde_json::json;

    fn status_of(status: serde_json::Value, extra_meta: serde_json::Value) -> String {
        let mut meta = json!({"name": "p"});
        if let (Some(m), Some(e)) = (meta.as_object_mut(), extra_meta.as_object()) {
            m.extend(e.clone());
        }
        let pod: Pod = serde_json::from_value(json!({"metadata": meta, "spec": {"containers": [{"name": "c"}], "initContainers": []}, "status": status})).unwrap();
        display_status(&pod)
    }

    #[test]
    fn status_column_matches_kubectl() {
        let cs = |state: serde_json::Value, ready: bool| json!({"phase": "Running", "containerStatuses": [{"name": "c", "ready": ready, "restartCount": 3, "image": "i", "imageID": "", "state": state}]});
        assert_eq!(
            status_of(cs(json!({"running": {}}), true), json!({})),
            "Running"
        );
        assert_eq!(
            status_of(
                cs(json!({"waiting": {"reason": "CrashLoopBackOff"}}), false),
                json!({})
            ),
            "CrashLoopBackOff"
        );
        assert_eq!(
            status_of(
                cs(
                    json!({"terminated": {"exitCode": 0, "reason": "Completed"}}),
                    false
                ),
                json!({})
            ),
            "Completed"
        );
        assert_eq!(
            status_of(
                cs(json!({"terminated": {"exitCode": 137}}), false),
                json!({})
            ),
            "ExitCode:137"
        );
        assert_eq!(
            status_of(
                cs(json!({"running": {}}), true),
                json!({"deletionTimestamp": "2026-11-25T00:00:00Z"})
            ),
            "Terminating"
        );
        assert_eq!(
            status_of(json!({"phase": "Failed", "reason": "Evicted"}), json!({})),
            "Evicted"
        );
        assert_eq!(status_of(json!({"phase": "Pending"}), json!({})), "Pending");
    }
}

#[cfg(test)]
mod compact_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_projection_stays_small() {
        // The store's memory per pod is this struct behind an Arc, plus the pod's own name and label slice
        // (BENCHMARKS.md measures the whole at 150,000 pods); a String per field would triple it.
        assert!(
            std::mem::size_of::<PodLite>() <= 256,
            "PodLite is {} bytes",
            std::mem::size_of::<PodLite>()
        );
    }

    #[test]
    fn snapshot_rows_written_before_the_compact_projection_still_read() {
        // `kube_pod.summary` rows hold the projection as JSON; this is the earlier String-based shape.
        let old = json!({"namespace": "shop", "name": "web-1", "node_name": "w1", "phase": "Running", "cpu_request_m": 100,
            "memory_request": 1, "cpu_limit_m": 0, "memory_limit": 0, "owner_kind": "ReplicaSet", "owner_name": "web-6f",
            "restarts": 2, "ready": [1, 1], "pod_ip": "10.244.1.7", "created_at": "2026-11-25T10:00:00Z",
            "labels": {"app": "web"}, "status": "Running", "host_ip": "10.0.0.5"});
        let p: PodLite = serde_json::from_value(old.clone()).unwrap();
        assert_eq!(p.labels.get("app"), Some("web"));
        assert_eq!(p.pod_ip, Some("10.244.1.7".parse().unwrap()));
        assert_eq!(p.created_at.map(|t| t.timestamp()), Some(1_795_600_800));
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            old,
            "and the same shape is written"
        );
    }
}

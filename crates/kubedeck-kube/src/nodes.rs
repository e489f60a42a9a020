//! Reading nodes the way operators do: role from the role labels, Ready from the Ready condition.

use k8s_openapi::api::core::v1::Node;
use kubedeck_core::cluster::NodeCounts;

/// Labels that mark a control-plane node (old and new spelling).
pub const MASTER_ROLE_LABELS: [&str; 2] = [
    "node-role.kubernetes.io/master",
    "node-role.kubernetes.io/control-plane",
];

/// True when the node carries a master or control-plane role label.
pub fn is_master(node: &Node) -> bool {
    node.metadata
        .labels
        .as_ref()
        .is_some_and(|l| MASTER_ROLE_LABELS.iter().any(|k| l.contains_key(*k)))
}

/// True when the node's Ready condition is True.
pub fn is_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Counts for the spec's `node_count`, `ready_nodes`, `master_nodes`, `worker_nodes`. The spec splits a cluster
/// into Master and Worker nodes, so `master_nodes + worker_nodes == node_count`: a master is a node with a
/// `node-role.kubernetes.io/master` or `control-plane` label, a worker every other node (Kubernetes calls every
/// node that is not control plane a worker node, and kubeadm never labels them), whether or not it carries a
/// `node-role.kubernetes.io/worker` label. What a node's roles are is [`NodeSummary::roles`].
pub fn count<'a>(nodes: impl IntoIterator<Item = &'a Node>) -> NodeCounts {
    let mut c = NodeCounts::default();
    for n in nodes {
        c.node_count += 1;
        if is_ready(n) {
            c.ready_nodes += 1;
        }
        if is_master(n) {
            c.master_nodes += 1;
        } else {
            c.worker_nodes += 1;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(labels: serde_json::Value, ready: &str) -> Node {
        serde_json::from_value(json!({
            "metadata": {"name": "n", "labels": labels},
            "status": {"conditions": [{"type": "Ready", "status": ready}]}
        }))
        .unwrap()
    }

    #[test]
    fn counts_roles_and_readiness() {
        let nodes = [
            node(json!({"node-role.kubernetes.io/master": ""}), "True"),
            node(
                json!({"node-role.kubernetes.io/control-plane": ""}),
                "Unknown",
            ),
            node(json!({"node-role.kubernetes.io/worker": ""}), "True"),
            node(json!({}), "False"),
        ];
        assert_eq!(
            count(&nodes),
            NodeCounts {
                node_count: 4,
                ready_nodes: 2,
                master_nodes: 2,
                worker_nodes: 2
            }
        );
    }
}

// ---- The node view operators read -------------------------------------------------------------

use crate::pods::PodLite;
use crate::quantity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use crate::intern::Sym;
use crate::hub::Tally as _;

/// CPU, memory and pods of a node, as quantities and as numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Resources {
    /// CPU as Kubernetes writes it (`4`, `3500m`).
    pub cpu: String,
    /// CPU in millicores.
    pub cpu_millis: i64,
    /// Memory as Kubernetes writes it (`16Gi`).
    pub memory: String,
    /// Memory in bytes.
    pub memory_bytes: i64,
    /// Pods the node accepts.
    pub pods: i64,
    /// Ephemeral storage in bytes.
    pub ephemeral_storage_bytes: i64,
}

/// A taint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaintView {
    /// Key.
    pub key: String,
    /// Value (may be empty).
    #[serde(default)]
    pub value: String,
    /// NoSchedule, PreferNoSchedule or NoExecute.
    pub effect: String,
}

/// A node condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConditionView {
    /// Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable ...
    #[serde(rename = "type")]
    pub type_: String,
    /// True, False or Unknown.
    pub status: String,
    /// Machine-readable reason.
    pub reason: String,
    /// Human message.
    pub message: String,
    /// Last transition.
    pub last_transition_time: Option<DateTime<Utc>>,
    /// Last heartbeat.
    pub last_heartbeat_time: Option<DateTime<Utc>>,
}

/// Requests and limits committed by the node's non-terminated pods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Committed {
    /// CPU requests, millicores.
    pub cpu_requests_millis: i64,
    /// CPU limits, millicores.
    pub cpu_limits_millis: i64,
    /// Memory requests, bytes.
    pub memory_requests_bytes: i64,
    /// Memory limits, bytes.
    pub memory_limits_bytes: i64,
}

/// Everything the node list and detail show about one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NodeSummary {
    /// Name.
    pub name: String,
    /// The spec's role column, the class the cluster's counts use: `master` (a `node-role.kubernetes.io/master`
    /// or `control-plane` label) or `worker` (every other node, labelled or not). Not what the cluster says:
    /// that is `roles`.
    pub role: String,
    /// What the cluster says, as kubectl's ROLES column: every `<role>` of a `node-role.kubernetes.io/<role>`
    /// label, sorted; empty when there is none (kubectl shows `<none>`).
    pub roles: Vec<String>,
    /// Ready, NotReady or Unknown.
    pub status: String,
    /// Reason of the Ready condition.
    pub status_reason: String,
    /// Message of the Ready condition.
    pub status_message: String,
    /// False when cordoned.
    pub schedulable: bool,
    /// InternalIP address.
    pub internal_ip: String,
    /// ExternalIP address.
    pub external_ip: String,
    /// Kubelet version.
    pub kubelet_version: String,
    /// OS image.
    pub os_image: String,
    /// Kernel version.
    pub kernel_version: String,
    /// Container runtime.
    pub container_runtime: String,
    /// CPU architecture.
    pub architecture: String,
    /// Capacity.
    pub capacity: Resources,
    /// Allocatable.
    pub allocatable: Resources,
    /// Committed by pods.
    pub committed: Committed,
    /// Non-terminated pods on the node.
    pub pod_count: i64,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Taints.
    pub taints: Vec<TaintView>,
    /// Conditions (Ready, MemoryPressure, DiskPressure, PIDPressure ...).
    pub conditions: Vec<ConditionView>,
    /// Created at.
    pub created_at: Option<DateTime<Utc>>,
    /// Seconds since creation, at the time of the answer.
    pub age_seconds: i64,
    /// resourceVersion, for conflict-safe edits.
    pub resource_version: String,
}

/// k8s-openapi's timestamps (jiff) as chrono, which the API and database use.
pub fn utc(t: &k8s_openapi::jiff::Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(t.as_second(), t.subsec_nanosecond().max(0) as u32).unwrap_or_default()
}

fn resources_of(
    map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
) -> Resources {
    let get = |k: &str| {
        map.and_then(|m| m.get(k))
            .map(|q| q.0.clone())
            .unwrap_or_default()
    };
    let (cpu, memory) = (get("cpu"), get("memory"));
    Resources {
        cpu_millis: quantity::cpu_millis(&cpu).unwrap_or(0),
        memory_bytes: quantity::bytes(&memory).unwrap_or(0),
        pods: quantity::bytes(&get("pods")).unwrap_or(0),
        ephemeral_storage_bytes: quantity::bytes(&get("ephemeral-storage")).unwrap_or(0),
        cpu,
        memory,
    }
}

/// Ready, NotReady or Unknown, from the Ready condition.
pub fn ready_status(node: &Node) -> &'static str {
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"));
    match ready.map(|c| c.status.as_str()) {
        Some("True") => "Ready",
        Some("False") => "NotReady",
        _ => "Unknown",
    }
}

/// What a node's active (not finished) pods commit: how many there are and the sum of their requests and limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeLoad {
    /// Active pods.
    pub pods: i64,
    /// Their requests and limits.
    pub committed: Committed,
}

impl NodeLoad {
    /// The load of `pods` (all taken as bound to one node; finished ones are left out).
    pub fn of<'a>(pods: impl IntoIterator<Item = &'a PodLite>) -> Self {
        let mut load = NodeLoad::default();
        for p in pods.into_iter().filter(|p| !p.is_finished()) {
            load.pods += 1;
            load.committed.cpu_requests_millis += p.cpu_request_m;
            load.committed.cpu_limits_millis += p.cpu_limit_m;
            load.committed.memory_requests_bytes += p.memory_request;
            load.committed.memory_limits_bytes += p.memory_limit;
        }
        load
    }

    /// The load of every node of `pods`, by node name.
    pub fn by_node<'a>(pods: impl IntoIterator<Item = &'a PodLite>) -> HashMap<Sym, NodeLoad> {
        let mut loads: HashMap<Sym, NodeLoad> = HashMap::new();
        for (node, part) in pods.into_iter().filter_map(PodLite::node_load) {
            loads.entry(node).or_default().add(&part);
        }
        loads
    }
}

impl crate::hub::Tally for NodeLoad {
    fn add(&mut self, part: &Self) {
        self.pods += part.pods;
        self.committed.cpu_requests_millis += part.committed.cpu_requests_millis;
        self.committed.cpu_limits_millis += part.committed.cpu_limits_millis;
        self.committed.memory_requests_bytes += part.committed.memory_requests_bytes;
        self.committed.memory_limits_bytes += part.committed.memory_limits_bytes;
    }
    fn sub(&mut self, part: &Self) {
        self.pods -= part.pods;
        self.committed.cpu_requests_millis -= part.committed.cpu_requests_millis;
        self.committed.cpu_limits_millis -= part.committed.cpu_limits_millis;
        self.committed.memory_requests_bytes -= part.committed.memory_requests_bytes;
        self.committed.memory_limits_bytes -= part.committed.memory_limits_bytes;
    }
    fn is_empty(&self) -> bool {
        self.pods == 0
    }
}

/// Summaries of `nodes` at `now`, each with its load (`loads`, by node name: the pod store's totals, or
/// [`NodeLoad::by_node`] of a pod list); shared by the node routes and the sync loop's snapshot writer.
pub fn summarize<'a>(
    nodes: impl IntoIterator<Item = &'a Node>,
    loads: &HashMap<Sym, NodeLoad>,
    now: DateTime<Utc>,
) -> Vec<NodeSummary> {
    nodes
        .into_iter()
        .map(|n| {
            let name = n.metadata.name.as_deref().unwrap_or_default();
            NodeSummary::from_node_load(n, loads.get(name).copied().unwrap_or_default(), now)
        })
        .collect()
}

impl NodeSummary {
    /// The summary of `node` with the pods bound to it, at time `now`.
    pub fn from_node_at<'a>(
        node: &Node,
        pods: impl IntoIterator<Item = &'a PodLite>,
        now: DateTime<Utc>,
    ) -> Self {
        Self::from_node_load(node, NodeLoad::of(pods), now)
    }

    /// The summary of `node` with what its active pods commit (`load`), at time `now`.
    pub fn from_node_load(node: &Node, load: NodeLoad, now: DateTime<Utc>) -> Self {
        let labels = node.metadata.labels.clone().unwrap_or_default();
        let mut roles: Vec<String> = labels
            .keys()
            .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
            .map(str::to_owned)
            .collect();
        roles.sort();
        let status = node.status.as_ref();
        let info = status.and_then(|s| s.node_info.as_ref());
        let addr = |t: &str| {
            status
                .and_then(|s| s.addresses.as_ref())
                .and_then(|a| a.iter().find(|a| a.type_ == t))
                .map(|a| a.address.clone())
                .unwrap_or_default()
        };
        let conditions: Vec<ConditionView> = status
            .and_then(|s| s.conditions.as_ref())
            .map(|cs| {
                cs.iter()
                    .map(|c| ConditionView {
                        type_: c.type_.clone(),
                        status: c.status.clone(),
                        reason: c.reason.clone().unwrap_or_default(),
                        message: c.message.clone().unwrap_or_default(),
                        last_transition_time: c.last_transition_time.as_ref().map(|t| utc(&t.0)),
                        last_heartbeat_time: c.last_heartbeat_time.as_ref().map(|t| utc(&t.0)),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let ready = conditions.iter().find(|c| c.type_ == "Ready");
        let NodeLoad { pods: pod_count, committed } = load;
        let created_at = node.metadata.creation_timestamp.as_ref().map(|t| utc(&t.0));
        NodeSummary {
            name: node.metadata.name.clone().unwrap_or_default(),
            role: if is_master(node) {
                "master".into()
            } else {
                "worker".into()
            },
            roles,
            status: ready_status(node).into(),
            status_reason: ready.map(|c| c.reason.clone()).unwrap_or_default(),
            status_message: ready.map(|c| c.message.clone()).unwrap_or_default(),
            schedulable: !node
                .spec
                .as_ref()
                .and_then(|s| s.unschedulable)
                .unwrap_or(false),
            internal_ip: addr("InternalIP"),
            external_ip: addr("ExternalIP"),
            kubelet_version: info.map(|i| i.kubelet_version.clone()).unwrap_or_default(),
            os_image: info.map(|i| i.os_image.clone()).unwrap_or_default(),
            kernel_version: info.map(|i| i.kernel_version.clone()).unwrap_or_default(),
            container_runtime: info
                .map(|i| i.container_runtime_version.clone())
                .unwrap_or_default(),
            architecture: info.map(|i| i.architecture.clone()).unwrap_or_default(),
            capacity: resources_of(status.and_then(|s| s.capacity.as_ref())),
            allocatable: resources_of(status.and_then(|s| s.allocatable.as_ref())),
            committed,
            pod_count,
            taints: node
                .spec
                .as_ref()
                .and_then(|s| s.taints.as_ref())
                .map(|ts| {
                    ts.iter()
                        .map(|t| TaintView {
                            key: t.key.clone(),
                            value: t.value.clone().unwrap_or_default(),
                            effect: t.effect.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            labels,
            conditions,
            age_seconds: created_at
                .map(|c| (now - c).num_seconds().max(0))
                .unwrap_or(0),
            created_at,
            resource_version: node.metadata.resource_version.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod summary_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summary_reads_status_addresses_capacity_and_committed_requests() {
        let node: Node = serde_json::from_value(json!({
            "metadata": {"name": "w1", "creationTimestamp": "2026-11-25T10:00:00Z", "resourceVersion": "42",
                "labels": {"node-role.kubernetes.io/worker": "", "kubernetes.io/hostname": "w1"}},
            "spec": {"unschedulable": true, "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]},
            "status": {
                "conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "PLEG"}],
                "addresses": [{"type": "InternalIP", "address": "10.0.0.5"}],
                "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                "allocatable": {"cpu": "3800m", "memory": "15Gi", "pods": "110"},
                "nodeInfo": {"kubeletVersion": "v1.20.2", "osImage": "Debian", "kernelVersion": "6.1", "containerRuntimeVersion": "containerd://1.6",
                    "architecture": "amd64", "bootID": "", "machineID": "", "operatingSystem": "linux", "systemUUID": "", "kubeProxyVersion": ""}
            }
        }))
        .unwrap();
        let pod = |phase: &str, cpu: i64| crate::pods::test_pod("n", &format!("p{cpu}"), Some("w1"), phase, cpu);
        let pods = [
            pod("Running", 500),
            pod("Succeeded", 9000),
            pod("Pending", 250),
        ];
        let now = "2026-11-25T11:00:00Z".parse().unwrap();
        let s = NodeSummary::from_node_at(&node, &pods, now);
        assert_eq!(s.status, "NotReady");
        assert_eq!(s.status_reason, "KubeletNotReady");
        assert!(!s.schedulable);
        assert_eq!(s.role, "worker");
        assert_eq!(s.roles, vec!["worker"]);
        // Without a role label the cluster names no role (kubectl: <none>); it still counts as a worker.
        let mut bare = node.clone();
        bare.metadata.labels =
            Some([("kubernetes.io/hostname".to_owned(), "w1".to_owned())].into());
        let s = NodeSummary::from_node_at(&bare, &pods, now);
        assert!(s.roles.is_empty(), "{:?}", s.roles);
        assert_eq!(s.role, "worker");
        assert_eq!(count([&bare]).worker_nodes, 1);
        assert_eq!(s.internal_ip, "10.0.0.5");
        assert_eq!(s.allocatable.cpu_millis, 3800);
        assert_eq!(s.capacity.memory_bytes, 16 << 30);
        assert_eq!(
            s.committed.cpu_requests_millis, 750,
            "finished pods hold nothing"
        );
        assert_eq!(s.pod_count, 2);
        assert_eq!(s.age_seconds, 3600);
        assert_eq!(s.taints[0].effect, "NoSchedule");
        assert_eq!(s.resource_version, "42");
    }
}

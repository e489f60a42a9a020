//! Reading nodes the way operators do: role from the role labels, Ready from the Ready condition.

use k8s_openapi::api::core::v1::Node;
use kubedeck_core::cluster::NodeCounts;

/// Labels that mark a control-plane node (old and new spelling).
pub const MASTER_ROLE_LABELS: [&str; 2] = ["node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane"];

/// True when the node carries a master or control-plane role label.
pub fn is_master(node: &Node) -> bool {
    node.metadata.labels.as_ref().is_some_and(|l| MASTER_ROLE_LABELS.iter().any(|k| l.contains_key(*k)))
}

/// True when the node's Ready condition is True.
pub fn is_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Counts for the spec's `node_count`, `ready_nodes`, `master_nodes`, `worker_nodes`.
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
            node(json!({"node-role.kubernetes.io/control-plane": ""}), "Unknown"),
            node(json!({"node-role.kubernetes.io/worker": ""}), "True"),
            node(json!({}), "False"),
        ];
        assert_eq!(count(&nodes), NodeCounts { node_count: 4, ready_nodes: 2, master_nodes: 2, worker_nodes: 2 });
    }
}

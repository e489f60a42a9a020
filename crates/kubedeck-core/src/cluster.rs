//! Cluster facts shared by the store, the cluster connection and the API.

use serde::{Deserialize, Serialize};

/// Node counts by the spec's `k8s_cluster` columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NodeCounts {
    /// All nodes.
    pub node_count: i32,
    /// Nodes whose Ready condition is True.
    pub ready_nodes: i32,
    /// Nodes labelled `node-role.kubernetes.io/master` or `node-role.kubernetes.io/control-plane`.
    pub master_nodes: i32,
    /// The other nodes.
    pub worker_nodes: i32,
}

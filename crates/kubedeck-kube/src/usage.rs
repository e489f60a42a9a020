//! What a cluster's nodes, pods and containers use now, as the metrics collector last read it from the kubelets'
//! summaries: the figures behind "top nodes" / "top pods". Kept in the cluster's handle (only the lease holder
//! collects), replaced whole after each collection pass, so a reader never sees half of one pass.

use chrono::{DateTime, Utc};
use std::sync::{Arc, RwLock};

/// One container's usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerUsage {
    /// Container name.
    pub name: String,
    /// CPU, nanocores.
    pub cpu_nanocores: u64,
    /// Memory working set, bytes.
    pub memory_bytes: u64,
}

/// One pod's usage: the sum of its running containers' (as metrics-server and `kubectl top pod` count it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodUsage {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// The node the summary came from.
    pub node: String,
    /// CPU, nanocores.
    pub cpu_nanocores: u64,
    /// Memory working set, bytes.
    pub memory_bytes: u64,
    /// Its running containers.
    pub containers: Vec<ContainerUsage>,
}

/// One node's usage.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeUsage {
    /// Node name.
    pub name: String,
    /// CPU, nanocores.
    pub cpu_nanocores: u64,
    /// Memory working set, bytes.
    pub memory_bytes: u64,
    /// Allocatable CPU, cores.
    pub cpu_allocatable_cores: f64,
    /// Allocatable memory, bytes.
    pub memory_allocatable_bytes: f64,
}

/// The figures of one collection pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageSnapshot {
    /// When the pass read them.
    pub collected_at: Option<DateTime<Utc>>,
    /// Nodes whose summary was read.
    pub nodes: Vec<NodeUsage>,
    /// Pods with at least one running container.
    pub pods: Vec<PodUsage>,
}

/// The latest snapshot of a cluster.
#[derive(Debug, Default)]
pub struct LatestUsage(RwLock<Option<Arc<UsageSnapshot>>>);

impl LatestUsage {
    /// The latest snapshot, if a pass has completed.
    pub fn get(&self) -> Option<Arc<UsageSnapshot>> {
        self.0.read().expect("usage lock").clone()
    }

    /// Replaces the snapshot.
    pub fn set(&self, snapshot: UsageSnapshot) {
        *self.0.write().expect("usage lock") = Some(Arc::new(snapshot));
    }
}

/// Millicores as `kubectl top` prints them: the quantity's `MilliValue()`, which rounds up.
pub fn millicores(nanocores: u64) -> u64 {
    nanocores.div_ceil(1_000_000)
}

/// Mebibytes as `kubectl top` prints them: bytes / 2^20, rounded down.
pub fn mebibytes(bytes: u64) -> u64 {
    bytes / (1024 * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_like_kubectl_top() {
        assert_eq!(millicores(0), 0);
        assert_eq!(millicores(1), 1, "MilliValue rounds up");
        assert_eq!(millicores(150_000_000), 150);
        assert_eq!(millicores(150_000_001), 151);
        assert_eq!(mebibytes(1024 * 1024 - 1), 0);
        assert_eq!(mebibytes(5 * 1024 * 1024 + 7), 5);
    }
}

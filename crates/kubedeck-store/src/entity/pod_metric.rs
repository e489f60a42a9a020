//! `pod_metrics`: pods' and containers' usage over time, raw samples and downsampled averages.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pod_metrics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    pub namespace: String,
    pub pod_name: String,
    /// Empty for the pod's own row, else the container's name.
    pub container: String,
    /// `Kind/name` of the workload that owns the pod (`Deployment/web`), empty when none.
    pub workload: String,
    /// CPU in use, cores.
    pub cpu_cores: f64,
    /// Memory working set, bytes.
    pub memory_bytes: i64,
    /// Receive rate, bytes per second (`-1`: unknown).
    pub network_in: i64,
    /// Transmit rate, bytes per second (`-1`: unknown).
    pub network_out: i64,
    /// Container restarts of the pod, as its status counts them (the pod's row; 0 on a container row).
    pub restarts: i32,
    /// `raw` samples, or the bucket length of an average (e.g. `1h`).
    pub resolution: String,
    pub timestamp: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `node_metrics` (the spec's NodeMetrics): node usage over time, raw samples and downsampled averages.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "node_metrics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    pub node_name: String,
    /// CPU usage, percent of allocatable.
    pub cpu_usage: f64,
    /// Memory working set, percent of allocatable.
    pub memory_usage: f64,
    /// Node filesystem used, percent of capacity.
    pub disk_usage: f64,
    /// Network receive rate, bytes per second.
    pub network_in: i64,
    /// Network transmit rate, bytes per second.
    pub network_out: i64,
    pub pod_count: i32,
    /// `raw` samples, or the bucket length of an average (e.g. `5m`).
    pub resolution: String,
    pub timestamp: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

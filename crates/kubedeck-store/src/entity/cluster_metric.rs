//! `cluster_metrics` (the spec's ClusterMetrics): a cluster's usage and object counts over time, raw samples and
//! downsampled averages.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cluster_metrics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    /// CPU in use, percent of the reporting nodes' allocatable CPU.
    pub cpu_usage: f64,
    /// Memory working set, percent of the reporting nodes' allocatable memory.
    pub memory_usage: f64,
    /// Node filesystems' used bytes, percent of their capacity.
    pub storage_usage: f64,
    /// CPU in use, cores.
    pub cpu_used_cores: f64,
    /// Allocatable CPU of the reporting nodes, cores.
    pub cpu_allocatable_cores: f64,
    /// Memory working set, bytes.
    pub memory_used_bytes: i64,
    /// Allocatable memory of the reporting nodes, bytes.
    pub memory_allocatable_bytes: i64,
    /// Node filesystems' used bytes.
    pub storage_used_bytes: i64,
    /// Node filesystems' capacity, bytes.
    pub storage_capacity_bytes: i64,
    /// Nodes in the cluster.
    pub node_count: i32,
    /// Nodes whose summary was read for this sample.
    pub reporting_nodes: i32,
    pub pod_count: i32,
    pub service_count: i32,
    pub deployment_count: i32,
    /// `raw` samples, or the bucket length of an average (e.g. `5m`).
    pub resolution: String,
    pub timestamp: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

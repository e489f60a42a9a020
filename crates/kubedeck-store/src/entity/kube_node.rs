//! `kube_node` (the spec's KubeNode): the last known state of each node, for when a cluster cannot be reached.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kube_node")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    pub name: String,
    /// master or worker.
    pub role: String,
    /// Ready, NotReady or Unknown.
    pub status: String,
    pub internal_ip: String,
    pub external_ip: String,
    pub kubelet_version: String,
    pub os_image: String,
    pub cpu_capacity: String,
    pub memory_capacity: String,
    pub cpu_allocatable: String,
    pub memory_allocatable: String,
    /// JSON object.
    #[sea_orm(column_type = "Text")]
    pub labels: String,
    /// JSON array.
    #[sea_orm(column_type = "Text")]
    pub taints: String,
    /// JSON: the full node summary the API serves.
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub last_sync_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

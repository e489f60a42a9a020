//! `kube_pod` (the spec's KubePod): the last known state of each pod, for replicas that do not sync the
//! cluster themselves and for when it cannot be reached.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kube_pod")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    pub namespace: String,
    pub name: String,
    pub node_name: String,
    /// Pending, Running, Succeeded, Failed, Unknown.
    pub phase: String,
    /// `1/1`, `2/3` ...
    pub ready: String,
    pub restarts: i32,
    /// The pod's creation time (the spec's Age).
    pub age: Option<DateTimeUtc>,
    pub ip: String,
    /// JSON object.
    #[sea_orm(column_type = "Text")]
    pub labels: String,
    /// Deployment's pods show ReplicaSet, as `kubectl get pods -o wide` does.
    pub owner_type: String,
    pub owner_name: String,
    /// kubectl's STATUS column.
    pub status: String,
    /// JSON: the projection the list API serves.
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub last_sync_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

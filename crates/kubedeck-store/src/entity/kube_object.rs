//! `kube_object`: the last known row of each object of every kind other than pods and nodes (the spec's
//! KubeDeployment, KubeService ... are this table filtered by `kind`), for replicas that do not sync the cluster.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kube_object")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    /// The kind's URL name (`deployments`, `widgets.example.com`).
    pub kind: String,
    /// Empty for cluster-scoped kinds.
    pub namespace: String,
    pub name: String,
    /// JSON: the engine's row (`kubedeck_kube::resource::row::Row`).
    #[sea_orm(column_type = "Text")]
    pub row: String,
    /// A hash of `row` (see `crate::snapshot::digest`).
    pub digest: i64,
    /// When the row was last written.
    pub last_sync_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

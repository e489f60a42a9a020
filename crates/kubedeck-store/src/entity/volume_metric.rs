//! `volume_metrics` (the spec's 存储使用监控): a claim's volume usage over time, from the kubelets' volume stats.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "volume_metrics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    pub namespace: String,
    /// The PersistentVolumeClaim.
    pub claim: String,
    pub used_bytes: i64,
    pub capacity_bytes: i64,
    pub inodes_used: i64,
    pub inodes: i64,
    pub timestamp: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

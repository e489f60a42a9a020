//! `etcd_snapshot`: one etcd snapshot taken, its file and what its status check found.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "etcd_snapshot")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    /// running, succeeded, failed.
    pub status: String,
    /// manual or schedule.
    pub trigger: String,
    pub requested_by: String,
    pub endpoint: Option<String>,
    pub file_name: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub etcd_hash: Option<i64>,
    pub revision: Option<i64>,
    pub total_keys: Option<i64>,
    pub total_size: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `cluster_maintenance`: a cluster's maintenance window (scheduled, active, ended or cancelled).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cluster_maintenance")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub state: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub ended_by: Option<String>,
    pub silence_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

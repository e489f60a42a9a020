//! `app_maintenance_window`: a namespace's or a workload's maintenance window, one-off or recurring (cron).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_maintenance_window")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    pub namespace: String,
    /// The workload's kind as the URL names it (`deployments`); none: the whole namespace.
    pub kind: Option<String>,
    pub name: Option<String>,
    /// Cron (5 fields, UTC); none: one-off at `starts_at`.
    pub schedule: Option<String>,
    pub starts_at: Option<DateTimeUtc>,
    pub duration_secs: i64,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// The occurrence a silence was last made for.
    pub current_start: Option<DateTimeUtc>,
    pub silence_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

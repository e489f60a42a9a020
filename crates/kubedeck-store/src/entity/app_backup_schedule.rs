//! `app_backup_schedule`: a cron schedule of application backups of chosen namespaces, with retention.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_backup_schedule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    pub name: String,
    /// JSON array of namespaces.
    #[sea_orm(column_type = "Text")]
    pub namespaces: String,
    pub label_selector: Option<String>,
    /// Five cron fields (UTC) or an alias.
    pub schedule: String,
    pub keep_count: Option<i32>,
    pub keep_days: Option<i32>,
    pub enabled: bool,
    pub last_scheduled_at: Option<DateTimeUtc>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `tasks` (the spec's 任务记录): long-running work such as drains and syncs, with progress.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub cluster_id: Option<i64>,
    pub target: String,
    /// pending, running, succeeded, failed, cancelled, interrupted.
    pub status: String,
    /// JSON progress document, shaped by the task kind.
    #[sea_orm(column_type = "Text")]
    pub progress: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub created_by: String,
    /// The replica running it; a task whose replica died is marked interrupted.
    pub owner: Option<String>,
    pub cancel_requested: bool,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `app_backup`: one application backup of a cluster's namespaces (cleaned manifests, Secrets sealed).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_backup")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    pub name: String,
    /// JSON array of namespaces.
    #[sea_orm(column_type = "Text")]
    pub namespaces: String,
    pub label_selector: Option<String>,
    /// running, succeeded, failed, interrupted.
    pub status: String,
    pub requested_by: String,
    pub object_count: Option<i32>,
    pub secret_count: Option<i32>,
    /// JSON array of cleaned manifests (no Secrets).
    #[sea_orm(column_type = "Text", nullable)]
    pub manifests: Option<String>,
    /// The Secrets' manifests, sealed with the credential keys, bound to `app_backup:<id>`.
    #[sea_orm(column_type = "Text", nullable)]
    pub secrets: Option<String>,
    pub secrets_key_id: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    /// JSON report.
    #[sea_orm(column_type = "Text", nullable)]
    pub report: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// The schedule it was taken for (None: on demand).
    pub schedule_id: Option<i64>,
    /// The replica that took it (a `running` backup whose replica stopped is interrupted).
    pub replica: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `audit_log`: who did what, when, from where, to which cluster object, and how it ended.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub user_id: Option<i64>,
    pub username: String,
    pub source_ip: String,
    pub action: String,
    pub method: String,
    pub path: String,
    pub cluster_id: Option<i64>,
    pub namespace: Option<String>,
    pub resource: Option<String>,
    pub outcome: String,
    pub status_code: i32,
    /// Redacted summary of the request: never a secret, kubeconfig, token or password.
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    pub request_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

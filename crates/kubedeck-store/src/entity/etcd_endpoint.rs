//! `etcd_endpoint`: how to reach a cluster's etcd, and its snapshot schedule and retention.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "etcd_endpoint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub cluster_id: i64,
    /// JSON array of client URLs.
    #[sea_orm(column_type = "Text")]
    pub endpoints: String,
    /// The CA of etcd's serving certificate (PEM).
    #[sea_orm(column_type = "Text", nullable)]
    pub ca_pem: Option<String>,
    /// The client certificate and key (JSON), sealed with the key ring, bound to `etcd_endpoint:<cluster id>`.
    #[sea_orm(column_type = "Text", nullable)]
    pub client_identity: Option<String>,
    pub client_identity_key_id: Option<String>,
    /// Cron expression (UTC); `None`: no scheduled snapshots.
    pub schedule: Option<String>,
    pub last_scheduled_at: Option<DateTimeUtc>,
    pub keep_count: Option<i32>,
    pub keep_days: Option<i32>,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

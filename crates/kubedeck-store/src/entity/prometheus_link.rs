//! `prometheus_link`: the Prometheus a cluster's application metrics are read from.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "prometheus_link")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub cluster_id: i64,
    /// Base URL (http or https), without credentials.
    pub url: String,
    /// none, basic or bearer.
    pub auth: String,
    /// The basic-auth user.
    pub username: Option<String>,
    /// The password or bearer token sealed with the key ring, bound to `prometheus_link:<cluster id>`; empty
    /// when `auth` is none. Never plaintext.
    #[sea_orm(column_type = "Text")]
    pub secret: String,
    pub secret_key_id: String,
    pub insecure_skip_tls_verify: bool,
    /// PEM of the certificate authorities trusted for this link (besides none other: the machine's store is
    /// used only when this is NULL).
    #[sea_orm(column_type = "Text", nullable)]
    pub ca_pem: Option<String>,
    pub timeout_secs: i32,
    /// What `/api/v1/status/buildinfo` reported at the last check.
    pub version: Option<String>,
    pub checked_at: Option<DateTimeUtc>,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

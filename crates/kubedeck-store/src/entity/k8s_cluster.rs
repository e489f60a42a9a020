//! `k8s_cluster`: the spec's cluster table, plus the encrypted credential and health columns.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "k8s_cluster")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub version: String,
    /// 1 creating, 2 running, 3 stopped, 4 error.
    pub status: i32,
    /// The kubeconfig, sealed with AES-256-GCM (`v1:<key id>:<base64>`); never plaintext.
    #[sea_orm(column_type = "Text")]
    pub credential: String,
    /// Id of the key that sealed `credential`.
    pub credential_key_id: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// 1 self-built, 2 imported.
    pub cluster_type: i32,
    pub node_count: i32,
    pub ready_nodes: i32,
    pub master_nodes: i32,
    pub worker_nodes: i32,
    pub last_sync_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub server_url: String,
    pub context_name: String,
    /// SHA-256 of server URL + user identity, to detect the same credential imported twice.
    pub identity_hash: String,
    pub platform: String,
    pub status_reason: String,
    #[sea_orm(column_type = "Text")]
    pub last_error: String,
    pub last_healthy_at: Option<DateTimeUtc>,
    pub api_latency_ms: Option<i32>,
    pub consecutive_failures: i32,
    /// JSON: the permission-to-feature report from the last preflight.
    #[sea_orm(column_type = "Text")]
    pub capabilities: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

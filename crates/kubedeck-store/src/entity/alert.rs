//! `alert` (the spec's Alert): one row per episode of a rule's condition on one object (by fingerprint), from
//! pending through firing to resolved; Kubedeck's own rules and alerts an Alertmanager sent in.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    /// The rule's name (`alertname`).
    pub rule: String,
    /// critical, warning or info.
    pub severity: String,
    /// sha256 of the sorted labels.
    pub fingerprint: String,
    /// The notification group (`{cluster}:{alertname}`).
    pub group_key: String,
    /// The `namespace` label, '' for cluster-scoped alerts.
    pub namespace: String,
    /// Labels as a JSON object.
    #[sea_orm(column_type = "Text")]
    pub labels: String,
    /// Annotations as a JSON object.
    #[sea_orm(column_type = "Text")]
    pub annotations: String,
    /// pending, firing or resolved.
    pub state: String,
    /// kubedeck or prometheus.
    pub source: String,
    /// The value the condition compared, when it has one.
    pub value: Option<f64>,
    pub active_at: DateTimeUtc,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    pub last_evaluated_at: DateTimeUtc,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub resolved_by: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub resolved_why: Option<String>,
    /// Resolved by hand while the condition held: no new alert for the fingerprint until it clears.
    pub held_until_clear: bool,
    /// The silence that mutes it now.
    pub silenced_by: Option<i64>,
    /// none, firing or resolved: what was last sent for it.
    pub notified_state: String,
    pub last_notified_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

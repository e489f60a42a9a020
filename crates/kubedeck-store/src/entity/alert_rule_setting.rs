//! `alert_rule_setting`: a cluster's change to a built-in alert rule (enabled, threshold, for, severity, scope,
//! notification timing), or a threshold rule of its own on a collected metric (`custom`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_rule_setting")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    pub name: String,
    pub custom: bool,
    pub enabled: bool,
    pub threshold: Option<f64>,
    pub for_secs: Option<i64>,
    pub severity: Option<String>,
    /// JSON array of namespaces (empty: all).
    #[sea_orm(column_type = "Text")]
    pub namespaces: String,
    /// JSON object of labels an alert must carry.
    #[sea_orm(column_type = "Text")]
    pub matchers: String,
    pub metric: Option<String>,
    pub operator: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    pub group_wait_secs: Option<i64>,
    pub group_interval_secs: Option<i64>,
    pub repeat_interval_secs: Option<i64>,
    /// JSON array of label names that split the rule's alerts into notification groups (NULL: one group).
    #[sea_orm(column_type = "Text", nullable)]
    pub group_by: Option<String>,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

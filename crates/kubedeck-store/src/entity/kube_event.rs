//! `kube_event` (the spec's KubeEvent): the event archive, one row per event object (cluster, uid), kept beyond
//! the apiserver's `--event-ttl` for the archive's retention.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kube_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    /// The Event object's metadata.uid.
    pub uid: String,
    /// The Event object's namespace.
    pub namespace: String,
    /// The Event object's name.
    pub name: String,
    /// What it is about: kind (`Pod`), name and namespace (empty for cluster-scoped objects).
    pub involved_kind: String,
    pub involved_name: String,
    pub involved_namespace: String,
    pub reason: String,
    /// Normal or Warning.
    pub event_type: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    /// source.component and source.host (core/v1).
    pub source_component: String,
    pub source_host: String,
    /// reportingComponent (events.k8s.io's reportingController).
    pub reporting_component: String,
    /// How many times it happened (series.count, else count, at least 1).
    pub count: i32,
    /// series.count when the event is a series (events.k8s.io).
    pub series_count: Option<i32>,
    pub first_timestamp: DateTimeUtc,
    pub last_timestamp: DateTimeUtc,
    /// When Kubedeck last wrote the row.
    pub archived_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

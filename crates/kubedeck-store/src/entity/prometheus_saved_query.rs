//! `prometheus_saved_query`: PromQL an operator saved for a cluster or one workload's page.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "prometheus_saved_query")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cluster_id: i64,
    /// With `workload`: the workload's namespace; NULL for a cluster-wide query.
    pub namespace: Option<String>,
    /// `deployments/web`: the workload whose page charts it; NULL for a cluster-wide query.
    pub workload: Option<String>,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub query: String,
    /// How the console labels the axis: an empty string, `s`, `bytes`, `%`, `req/s`...
    pub unit: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

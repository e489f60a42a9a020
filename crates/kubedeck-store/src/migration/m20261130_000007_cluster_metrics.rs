//! Cluster metrics (the spec's ClusterMetrics): a cluster's CPU, memory and storage usage and its node, pod,
//! service and deployment counts over time, raw samples and bucket averages like `node_metrics`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(t("cluster_metrics"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(double(t("cpu_usage")))
                .col(double(t("memory_usage")))
                .col(double(t("storage_usage")))
                .col(double(t("cpu_used_cores")))
                .col(double(t("cpu_allocatable_cores")))
                .col(big_integer(t("memory_used_bytes")))
                .col(big_integer(t("memory_allocatable_bytes")))
                .col(big_integer(t("storage_used_bytes")))
                .col(big_integer(t("storage_capacity_bytes")))
                .col(integer(t("node_count")))
                .col(integer(t("reporting_nodes")))
                .col(integer(t("pod_count")))
                .col(integer(t("service_count")))
                .col(integer(t("deployment_count")))
                .col(string_len(t("resolution"), 16))
                .col(timestamp_with_time_zone(t("timestamp")))
                // A cluster's history goes with it.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_cluster_metrics_cluster")
                        .from(t("cluster_metrics"), t("cluster_id"))
                        .to(t("k8s_cluster"), t("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_cluster_metrics_cluster_time")
                .table(t("cluster_metrics"))
                .col(t("cluster_id"))
                .col(t("timestamp"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_cluster_metrics_resolution_time")
                .table(t("cluster_metrics"))
                .col(t("resolution"))
                .col(t("timestamp"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(t("cluster_metrics"))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}

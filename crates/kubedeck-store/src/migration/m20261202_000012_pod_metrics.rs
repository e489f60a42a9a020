//! Pod metrics (issue 16): a pod's CPU, memory working set, network rates and restarts over time, and its
//! containers' CPU and memory, raw samples and bucket averages like `node_metrics`. A row with an empty
//! `container` is the pod's; the `workload` column (`Deployment/web`) lets a workload's history be read with
//! one indexed query, including pods it has replaced since.

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
                .table(t("pod_metrics"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(string_len(t("namespace"), 63))
                .col(string_len(t("pod_name"), 253))
                .col(string_len(t("container"), 63))
                .col(string_len(t("workload"), 160))
                .col(double(t("cpu_cores")))
                .col(big_integer(t("memory_bytes")))
                .col(big_integer(t("network_in")))
                .col(big_integer(t("network_out")))
                .col(integer(t("restarts")))
                .col(string_len(t("resolution"), 16))
                .col(timestamp_with_time_zone(t("timestamp")))
                // A cluster's history goes with it.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_pod_metrics_cluster")
                        .from(t("pod_metrics"), t("cluster_id"))
                        .to(t("k8s_cluster"), t("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_pod_metrics_pod_time")
                .table(t("pod_metrics"))
                .col(t("cluster_id"))
                .col(t("namespace"))
                .col(t("pod_name"))
                .col(t("timestamp"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_pod_metrics_workload_time")
                .table(t("pod_metrics"))
                .col(t("cluster_id"))
                .col(t("namespace"))
                .col(t("workload"))
                .col(t("timestamp"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_pod_metrics_resolution_time")
                .table(t("pod_metrics"))
                .col(t("resolution"))
                .col(t("timestamp"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(t("pod_metrics")).if_exists().to_owned())
            .await
    }
}

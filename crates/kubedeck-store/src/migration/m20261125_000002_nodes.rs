//! Nodes: the KubeNode snapshot table and node metrics history.

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
                .table(t("kube_node"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(string_len(t("name"), 253))
                .col(string_len(t("role"), 20))
                .col(string_len(t("status"), 20))
                .col(string_len(t("internal_ip"), 64))
                .col(string_len(t("external_ip"), 64))
                .col(string_len(t("kubelet_version"), 64))
                .col(string_len(t("os_image"), 255))
                .col(string_len(t("cpu_capacity"), 32))
                .col(string_len(t("memory_capacity"), 32))
                .col(string_len(t("cpu_allocatable"), 32))
                .col(string_len(t("memory_allocatable"), 32))
                .col(text(t("labels")))
                .col(text(t("taints")))
                .col(text(t("summary")))
                .col(timestamp_with_time_zone_null(t("last_sync_at")))
                .col(timestamp_with_time_zone(t("created_at")))
                .col(timestamp_with_time_zone(t("updated_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_kube_node_cluster_name")
                .table(t("kube_node"))
                .col(t("cluster_id"))
                .col(t("name"))
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(t("node_metrics"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(string_len(t("node_name"), 253))
                .col(double(t("cpu_usage")))
                .col(double(t("memory_usage")))
                .col(double(t("disk_usage")))
                .col(big_integer(t("network_in")))
                .col(big_integer(t("network_out")))
                .col(integer(t("pod_count")))
                .col(string_len(t("resolution"), 8))
                .col(timestamp_with_time_zone(t("timestamp")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_node_metrics_node_time")
                .table(t("node_metrics"))
                .col(t("cluster_id"))
                .col(t("node_name"))
                .col(t("timestamp"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_node_metrics_time")
                .table(t("node_metrics"))
                .col(t("timestamp"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(t("node_metrics"))
                .if_exists()
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(t("kube_node")).if_exists().to_owned())
            .await
    }
}

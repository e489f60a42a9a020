//! Pods: the KubePod snapshot table.

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
                .table(t("kube_pod"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(string_len(t("namespace"), 63))
                .col(string_len(t("name"), 253))
                .col(string_len(t("node_name"), 253))
                .col(string_len(t("phase"), 20))
                .col(string_len(t("ready"), 20))
                .col(integer(t("restarts")))
                .col(timestamp_with_time_zone_null(t("age")))
                .col(string_len(t("ip"), 64))
                .col(text(t("labels")))
                .col(string_len(t("owner_type"), 64))
                .col(string_len(t("owner_name"), 253))
                .col(string_len(t("status"), 64))
                .col(text(t("summary")))
                .col(timestamp_with_time_zone_null(t("last_sync_at")))
                .col(timestamp_with_time_zone(t("created_at")))
                .col(timestamp_with_time_zone(t("updated_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_kube_pod_cluster_ns_name")
                .table(t("kube_pod"))
                .col(t("cluster_id"))
                .col(t("namespace"))
                .col(t("name"))
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(t("kube_pod")).if_exists().to_owned())
            .await
    }
}

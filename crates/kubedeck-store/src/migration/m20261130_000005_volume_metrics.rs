//! Volume metrics: a claim's used / capacity bytes and inodes over time (the kubelets' volume stats).

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
                .table(t("volume_metrics"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(string_len(t("namespace"), 63))
                .col(string_len(t("claim"), 253))
                .col(big_integer(t("used_bytes")))
                .col(big_integer(t("capacity_bytes")))
                .col(big_integer(t("inodes_used")))
                .col(big_integer(t("inodes")))
                .col(timestamp_with_time_zone(t("timestamp")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_volume_metrics_claim_time")
                .table(t("volume_metrics"))
                .col(t("cluster_id"))
                .col(t("namespace"))
                .col(t("claim"))
                .col(t("timestamp"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_volume_metrics_time")
                .table(t("volume_metrics"))
                .col(t("timestamp"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(t("volume_metrics"))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}

//! Application backup schedules (issue 18, spec 7.1 应用数据备份: 定时备份): `app_backup_schedule`, a cron schedule of
//! a backup of chosen namespaces with its retention; and on `app_backup`, the schedule a backup was taken for
//! (retention counts a schedule's own backups only) and the replica taking it (a backup left `running` by a replica
//! that stopped is marked `interrupted`).

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
                .table(t("app_backup_schedule"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(string_len(t("name"), 128))
                // JSON array of the namespaces each run backs up
                .col(text(t("namespaces")))
                .col(string_len_null(t("label_selector"), 1024))
                // five cron fields (UTC) or an alias
                .col(string_len(t("schedule"), 128))
                .col(integer_null(t("keep_count")))
                .col(integer_null(t("keep_days")))
                .col(boolean(t("enabled")))
                // the run last started (claimed by one replica)
                .col(timestamp_with_time_zone_null(t("last_scheduled_at")))
                .col(string_len(t("created_by"), 128))
                .col(timestamp_with_time_zone(t("created_at")))
                .col(timestamp_with_time_zone(t("updated_at")))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_app_backup_schedule_cluster")
                        .from(t("app_backup_schedule"), t("cluster_id"))
                        .to(t("k8s_cluster"), t("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_app_backup_schedule_cluster_name")
                .table(t("app_backup_schedule"))
                .col(t("cluster_id"))
                .col(t("name"))
                .unique()
                .to_owned(),
        )
        .await?;
        // one column per statement: SQLite adds one column per ALTER TABLE
        m.alter_table(
            Table::alter()
                .table(t("app_backup"))
                .add_column(big_integer_null(t("schedule_id")))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(t("app_backup"))
                .add_column(string_len_null(t("replica"), 128))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in ["replica", "schedule_id"] {
            m.alter_table(Table::alter().table(t("app_backup")).drop_column(t(col)).to_owned())
                .await?;
        }
        m.drop_table(Table::drop().table(t("app_backup_schedule")).if_exists().to_owned())
            .await
    }
}

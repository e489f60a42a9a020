//! Maintenance (issue 18, spec 7.2 维护模式): `cluster_maintenance` (a cluster's maintenance windows: scheduled,
//! active, ended or cancelled, with the silence made for it), `app_maintenance_window` (a namespace's or a
//! workload's windows, one-off or recurring by cron) and `maintenance_policy` (per cluster: whether changes to
//! those namespaces and workloads are taken only inside their windows). Every row goes with its cluster.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

fn of_cluster(table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_cluster"))
        .from(t(table), t("cluster_id"))
        .to(t("k8s_cluster"), t("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index(m: &SchemaManager<'_>, table: &str, name: &str, cols: &[&str]) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(t(table));
    for c in cols {
        idx.col(t(c));
    }
    m.create_index(idx.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(t("cluster_maintenance"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(text(t("reason")))
                .col(timestamp_with_time_zone(t("starts_at")))
                .col(timestamp_with_time_zone(t("ends_at")))
                // scheduled, active, ended, cancelled; a guarded UPDATE moves it, so one replica announces
                .col(string_len(t("state"), 16))
                .col(string_len(t("created_by"), 128))
                .col(timestamp_with_time_zone(t("created_at")))
                .col(timestamp_with_time_zone_null(t("started_at")))
                .col(timestamp_with_time_zone_null(t("ended_at")))
                .col(string_len_null(t("ended_by"), 128))
                // the alert silence made for the window (not a foreign key: silences are kept as history)
                .col(big_integer_null(t("silence_id")))
                .foreign_key(&mut of_cluster("cluster_maintenance"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "cluster_maintenance",
            "idx_cluster_maintenance_cluster",
            &["cluster_id", "state"],
        )
        .await?;
        index(
            m,
            "cluster_maintenance",
            "idx_cluster_maintenance_due",
            &["state", "starts_at"],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("app_maintenance_window"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(string_len(t("namespace"), 253))
                // a workload (kind as the URL names it, e.g. deployments) or none: the whole namespace
                .col(string_len_null(t("kind"), 64))
                .col(string_len_null(t("name"), 253))
                // cron (5 fields, UTC) for a recurring window; NULL: one-off at starts_at
                .col(string_len_null(t("schedule"), 128))
                .col(timestamp_with_time_zone_null(t("starts_at")))
                .col(big_integer(t("duration_secs")))
                .col(text(t("reason")))
                .col(string_len(t("created_by"), 128))
                .col(timestamp_with_time_zone(t("created_at")))
                // the occurrence a silence was last made for (guarded UPDATE: one replica makes it)
                .col(timestamp_with_time_zone_null(t("current_start")))
                .col(big_integer_null(t("silence_id")))
                .foreign_key(&mut of_cluster("app_maintenance_window"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "app_maintenance_window",
            "idx_app_maintenance_window_cluster",
            &["cluster_id"],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("maintenance_policy"))
                .col(big_integer(t("cluster_id")).primary_key())
                .col(boolean(t("deploy_only_in_windows")))
                .col(string_len(t("updated_by"), 128))
                .col(timestamp_with_time_zone(t("updated_at")))
                .foreign_key(&mut of_cluster("maintenance_policy"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "maintenance_policy",
            "app_maintenance_window",
            "cluster_maintenance",
        ] {
            m.drop_table(Table::drop().table(t(table)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

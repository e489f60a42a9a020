//! A cluster's Prometheus (issue 16, application metrics): `prometheus_link` (one per cluster: where its
//! Prometheus answers and how Kubedeck signs in, the password or token sealed like a kubeconfig) and
//! `prometheus_saved_query` (PromQL an operator saved with a name and unit, for the cluster or one workload).
//! Both go with their cluster.

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(t("prometheus_link"))
                .col(big_integer(t("cluster_id")).primary_key())
                .col(string_len(t("url"), 2048))
                // none, basic or bearer.
                .col(string_len(t("auth"), 16))
                .col(string_len_null(t("username"), 256))
                // The password or token, sealed (`v1:<key id>:<base64>`); empty when `auth` is none.
                .col(text(t("secret")))
                .col(string_len(t("secret_key_id"), 64))
                .col(boolean(t("insecure_skip_tls_verify")))
                .col(integer(t("timeout_secs")))
                // The version Prometheus reported at the last check.
                .col(string_len_null(t("version"), 64))
                .col(timestamp_with_time_zone_null(t("checked_at")))
                .col(string_len(t("updated_by"), 128))
                .col(timestamp_with_time_zone(t("updated_at")))
                .foreign_key(&mut of_cluster("prometheus_link"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("prometheus_saved_query"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                // Both set: the query belongs to one workload's page; both NULL: the cluster's.
                .col(string_len_null(t("namespace"), 253))
                .col(string_len_null(t("workload"), 320))
                .col(string_len(t("name"), 128))
                .col(text(t("query")))
                .col(string_len(t("unit"), 32))
                .col(string_len(t("created_by"), 128))
                .col(timestamp_with_time_zone(t("created_at")))
                .col(timestamp_with_time_zone(t("updated_at")))
                .foreign_key(&mut of_cluster("prometheus_saved_query"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_prometheus_saved_query_cluster")
                .table(t("prometheus_saved_query"))
                .col(t("cluster_id"))
                .col(t("id"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["prometheus_saved_query", "prometheus_link"] {
            m.drop_table(Table::drop().table(t(table)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

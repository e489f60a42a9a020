//! Application backups (issue 18, spec 7.1 应用数据备份): `app_backup`, one row per backup of chosen namespaces of a
//! cluster (or of the objects a label selector picks in them): the cleaned manifests as JSON, the Secrets among
//! them sealed together with the credential keys (bound to the row), counts, a SHA-256 of the archive and the
//! report (what was left out and why, volume data included or not). Kept in the database, so every replica serves
//! downloads and restores.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // manifests of whole namespaces outgrow MySQL's TEXT (64 KiB): LONGTEXT there, TEXT elsewhere
        let big = |name: &str| {
            if m.get_database_backend() == DbBackend::MySql {
                ColumnDef::new(t(name)).custom(t("longtext")).null().to_owned()
            } else {
                text_null(t(name))
            }
        };
        m.create_table(
            Table::create()
                .table(t("app_backup"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(string_len(t("name"), 128))
                // JSON array of the namespaces backed up
                .col(text(t("namespaces")))
                .col(string_len_null(t("label_selector"), 1024))
                // running, succeeded, failed
                .col(string_len(t("status"), 16))
                .col(string_len(t("requested_by"), 128))
                .col(integer_null(t("object_count")))
                .col(integer_null(t("secret_count")))
                // JSON array of cleaned manifests, Secrets left out
                .col(big("manifests"))
                // the Secrets' manifests as a JSON array, sealed: `v1:<key id>:<base64>`
                .col(big("secrets"))
                .col(string_len_null(t("secrets_key_id"), 64))
                .col(big_integer_null(t("size_bytes")))
                .col(string_len_null(t("sha256"), 64))
                // JSON: objects per kind, what was left out and why, whether volume data is included
                .col(text_null(t("report")))
                .col(text_null(t("error")))
                .col(timestamp_with_time_zone(t("started_at")))
                .col(timestamp_with_time_zone_null(t("finished_at")))
                // a cluster's backups go with it
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_app_backup_cluster")
                        .from(t("app_backup"), t("cluster_id"))
                        .to(t("k8s_cluster"), t("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_app_backup_cluster")
                .table(t("app_backup"))
                .col(t("cluster_id"))
                .col(t("id"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(t("app_backup")).if_exists().to_owned())
            .await
    }
}

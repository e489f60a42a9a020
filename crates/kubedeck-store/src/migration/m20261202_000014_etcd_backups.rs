//! etcd backups (issue 18, spec 7.1 ETCD 备份): `etcd_endpoint` (how to reach a cluster's etcd: endpoints, CA, the
//! client certificate and key sealed like a kubeconfig, the snapshot schedule and retention) and `etcd_snapshot`
//! (one row per snapshot taken: where its file is, its size and hashes, and what `etcdctl snapshot status` says).

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
                .table(t("etcd_endpoint"))
                // one etcd per cluster
                .col(big_integer(t("cluster_id")).primary_key())
                // JSON array of client URLs (http:// or https://).
                .col(text(t("endpoints")))
                // The CA that signed etcd's serving certificate (PEM; public, not sealed).
                .col(text_null(t("ca_pem")))
                // The client certificate and key as JSON, sealed: `v1:<key id>:<base64>`; NULL: no client identity.
                .col(text_null(t("client_identity")))
                .col(string_len_null(t("client_identity_key_id"), 64))
                // A cron expression (five fields, UTC); NULL: no scheduled snapshots.
                .col(string_len_null(t("schedule"), 128))
                .col(timestamp_with_time_zone_null(t("last_scheduled_at")))
                // Retention: keep at most this many successful snapshots, none older than this many days.
                .col(integer_null(t("keep_count")))
                .col(integer_null(t("keep_days")))
                .col(string_len(t("updated_by"), 128))
                .col(timestamp_with_time_zone(t("updated_at")))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_etcd_endpoint_cluster")
                        .from(t("etcd_endpoint"), t("cluster_id"))
                        .to(t("k8s_cluster"), t("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("etcd_snapshot"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                // running, succeeded, failed.
                .col(string_len(t("status"), 16))
                // manual or schedule.
                .col(string_len(t("trigger"), 16))
                .col(string_len(t("requested_by"), 128))
                .col(string_len_null(t("endpoint"), 512))
                // The file's name under the snapshot directory.
                .col(string_len_null(t("file_name"), 255))
                .col(big_integer_null(t("size_bytes")))
                .col(string_len_null(t("sha256"), 64))
                // From `etcdctl snapshot status`: the content hash, revision, total keys and database size.
                .col(big_integer_null(t("etcd_hash")))
                .col(big_integer_null(t("revision")))
                .col(big_integer_null(t("total_keys")))
                .col(big_integer_null(t("total_size")))
                .col(text_null(t("error")))
                .col(timestamp_with_time_zone(t("started_at")))
                .col(timestamp_with_time_zone_null(t("finished_at")))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_etcd_snapshot_cluster")
                        .from(t("etcd_snapshot"), t("cluster_id"))
                        .to(t("k8s_cluster"), t("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_etcd_snapshot_cluster")
                .table(t("etcd_snapshot"))
                .col(t("cluster_id"))
                .col(t("started_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["etcd_snapshot", "etcd_endpoint"] {
            m.drop_table(Table::drop().table(t(table)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

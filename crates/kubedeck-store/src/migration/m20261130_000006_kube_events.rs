//! Events: the `kube_event` archive (the spec's KubeEvent), kept beyond the apiserver's `--event-ttl`.
//!
//! One row per event object, keyed by (cluster, uid): a repeat of an event updates its row (count, last seen,
//! series), a relist or a restart writes the same rows again. The involved object and the source are columns of
//! their own (the spec keeps them as JSON) so that searches by them use an index.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

const TABLE: &str = "kube_event";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mysql = m.get_database_backend() == DbBackend::MySql;
        let mut table = Table::create();
        table
            .table(t(TABLE))
            .col(big_pk_auto(t("id")))
            .col(big_integer(t("cluster_id")))
            // metadata.uid (a UUID); a deleted and recreated event is another row
            .col(string_len(t("uid"), 64))
            // the Event object's own namespace and name
            .col(string_len(t("namespace"), 63))
            .col(string_len(t("name"), 253))
            // what it is about (involvedObject / regarding)
            .col(string_len(t("involved_kind"), 100))
            .col(string_len(t("involved_name"), 253))
            .col(string_len(t("involved_namespace"), 63))
            .col(string_len(t("reason"), 128))
            // Normal or Warning
            .col(string_len(t("event_type"), 32))
            .col(text(t("message")))
            .col(string_len(t("source_component"), 253))
            .col(string_len(t("source_host"), 253))
            .col(string_len(t("reporting_component"), 253))
            .col(integer(t("count")))
            .col(integer_null(t("series_count")))
            .col(timestamp_with_time_zone(t("first_timestamp")))
            .col(timestamp_with_time_zone(t("last_timestamp")))
            // when Kubedeck last wrote the row
            .col(timestamp_with_time_zone(t("archived_at")))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_kube_event_cluster")
                    .from(t(TABLE), t("cluster_id"))
                    .to(t("k8s_cluster"), t("id"))
                    .on_delete(ForeignKeyAction::Cascade),
            );
        if mysql {
            // Names and reasons compare as bytes, as on PostgreSQL and in Kubernetes. Every index below is at most
            // 8 + 4 × (100 + 253) + 8 bytes in utf8mb4, under InnoDB's 3,072.
            table.character_set("utf8mb4").collate("utf8mb4_bin");
        }
        m.create_table(table.to_owned()).await?;
        // (name, columns, unique): the upsert key, then one index per search (each ends in the time it sorts by)
        let indexes: [(&str, &[&str], bool); 7] = [
            ("uq_kube_event_cluster_uid", &["cluster_id", "uid"], true),
            (
                "idx_kube_event_cluster_last",
                &["cluster_id", "last_timestamp"],
                false,
            ),
            (
                "idx_kube_event_cluster_ns_last",
                &["cluster_id", "namespace", "last_timestamp"],
                false,
            ),
            (
                "idx_kube_event_cluster_object",
                &[
                    "cluster_id",
                    "involved_kind",
                    "involved_name",
                    "last_timestamp",
                ],
                false,
            ),
            (
                "idx_kube_event_cluster_reason",
                &["cluster_id", "reason", "last_timestamp"],
                false,
            ),
            (
                "idx_kube_event_cluster_type",
                &["cluster_id", "event_type", "last_timestamp"],
                false,
            ),
            // retention deletes by age across clusters
            ("idx_kube_event_last", &["last_timestamp"], false),
        ];
        for (name, cols, unique) in indexes {
            let mut idx = Index::create();
            idx.name(name).table(t(TABLE));
            for c in cols {
                idx.col(t(c));
            }
            if unique {
                idx.unique();
            }
            m.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(t(TABLE)).if_exists().to_owned())
            .await
    }
}

//! Objects: the `kube_object` snapshot table, one for every kind other than pods and nodes.
//!
//! Kinds come from the cluster's discovery at run time (custom resources included), so they share one table
//! keyed by (cluster, kind, namespace, name), each row the engine's compact row as JSON.

use sea_orm::DbBackend;
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
        let mysql = m.get_database_backend() == DbBackend::MySql;
        // the engine's row as JSON (a Secret's keys and type, never its values); MySQL's TEXT holds only 64 KiB
        let row = if mysql {
            ColumnDef::new(t("row"))
                .custom(t("mediumtext"))
                .not_null()
                .to_owned()
        } else {
            text(t("row"))
        };
        let mut table = Table::create();
        table
            .table(t("kube_object"))
            .col(big_pk_auto(t("id")))
            .col(big_integer(t("cluster_id")))
            // the kind's URL name: a plural, or `plural.group` (a CRD's name, at most 253 characters)
            .col(string_len(t("kind"), 253))
            // empty for cluster-scoped kinds
            .col(string_len(t("namespace"), 63))
            .col(string_len(t("name"), 253))
            .col(row)
            // a hash of `row`: a full compare reads this instead of every row's text
            .col(big_integer(t("digest")))
            .col(timestamp_with_time_zone(t("last_sync_at")))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_kube_object_cluster")
                    .from(t("kube_object"), t("cluster_id"))
                    .to(t("k8s_cluster"), t("id"))
                    .on_delete(ForeignKeyAction::Cascade),
            );
        if mysql {
            // Names compare as bytes, as Kubernetes compares them: under the server's usual case- and
            // accent-insensitive collation `Admin` and `admin` (two Roles may be so named) would be one key.
            // The unique key is 8 + 4 × (253 + 63 + 253) = 2,284 bytes in utf8mb4, under InnoDB's 3,072.
            table.character_set("utf8mb4").collate("utf8mb4_bin");
        }
        m.create_table(table.to_owned()).await?;
        // Its leading (cluster_id, kind) also serves the per-kind reads and deletes and the foreign key.
        m.create_index(
            Index::create()
                .name("uq_kube_object_cluster_kind_ns_name")
                .table(t("kube_object"))
                .col(t("cluster_id"))
                .col(t("kind"))
                .col(t("namespace"))
                .col(t("name"))
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(t("kube_object")).if_exists().to_owned())
            .await
    }
}

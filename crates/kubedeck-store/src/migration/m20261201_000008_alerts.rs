//! Alerts (issue 16, the spec's Alert table): `alert` (one row per firing episode of a rule on one object),
//! `alert_rule_setting` (a cluster's changes to the built-in rules and its own threshold rules),
//! `alert_silence` (matchers and a time window) and `alert_ingest_token` (hashed tokens an Alertmanager sends
//! alerts in with). Every row goes with its cluster.

use sea_orm::DbBackend;
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

async fn create(m: &SchemaManager<'_>, mut table: TableCreateStatement) -> Result<(), DbErr> {
    if m.get_database_backend() == DbBackend::MySql {
        // label values and names compare as bytes, as in Kubernetes
        table.character_set("utf8mb4").collate("utf8mb4_bin");
    }
    m.create_table(table).await
}

async fn index(
    m: &SchemaManager<'_>,
    table: &str,
    name: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(t(table));
    for c in cols {
        idx.col(t(c));
    }
    if unique {
        idx.unique();
    }
    m.create_index(idx.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create(
            m,
            Table::create()
                .table(t("alert"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                // the rule's name (`alertname`)
                .col(string_len(t("rule"), 128))
                .col(string_len(t("severity"), 16))
                // sha256 of the sorted labels, hex
                .col(string_len(t("fingerprint"), 64))
                // which notification group it belongs to (`{cluster}:{alertname}`)
                .col(string_len(t("group_key"), 255))
                // the namespace label ('' for cluster-scoped alerts), a column of its own for the filter
                .col(string_len(t("namespace"), 63))
                .col(text(t("labels")))
                .col(text(t("annotations")))
                // pending, firing, resolved
                .col(string_len(t("state"), 16))
                // kubedeck or prometheus
                .col(string_len(t("source"), 16))
                .col(double_null(t("value")))
                // condition first seen true
                .col(timestamp_with_time_zone(t("active_at")))
                // firing since
                .col(timestamp_with_time_zone_null(t("starts_at")))
                .col(timestamp_with_time_zone_null(t("ends_at")))
                .col(timestamp_with_time_zone(t("last_evaluated_at")))
                .col(string_len_null(t("acknowledged_by"), 64))
                .col(timestamp_with_time_zone_null(t("acknowledged_at")))
                .col(string_len_null(t("resolved_by"), 64))
                .col(text_null(t("resolved_why")))
                // resolved by hand while its condition held: no new alert until the condition clears
                .col(boolean(t("held_until_clear")))
                .col(big_integer_null(t("silenced_by")))
                // what was last sent for it: none, firing, resolved
                .col(string_len(t("notified_state"), 16))
                .col(timestamp_with_time_zone_null(t("last_notified_at")))
                .foreign_key(&mut of_cluster("alert"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "alert",
            "uq_alert_episode",
            &["cluster_id", "fingerprint", "active_at"],
            true,
        )
        .await?;
        index(
            m,
            "alert",
            "idx_alert_cluster_state",
            &["cluster_id", "state", "active_at"],
            false,
        )
        .await?;
        index(
            m,
            "alert",
            "idx_alert_state_active",
            &["state", "active_at"],
            false,
        )
        .await?;

        create(
            m,
            Table::create()
                .table(t("alert_rule_setting"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(string_len(t("name"), 128))
                // a rule of the cluster's own (on a collected metric) rather than a change to a built-in one
                .col(boolean(t("custom")))
                .col(boolean(t("enabled")))
                .col(double_null(t("threshold")))
                .col(big_integer_null(t("for_secs")))
                .col(string_len_null(t("severity"), 16))
                // JSON array of namespaces ([] = all)
                .col(text(t("namespaces")))
                // JSON object label -> value the alert's labels must carry
                .col(text(t("matchers")))
                .col(string_len_null(t("metric"), 64))
                .col(string_len_null(t("operator"), 4))
                .col(text_null(t("summary")))
                .col(big_integer_null(t("group_wait_secs")))
                .col(big_integer_null(t("group_interval_secs")))
                .col(big_integer_null(t("repeat_interval_secs")))
                .col(string_len(t("updated_by"), 64))
                .col(timestamp_with_time_zone(t("updated_at")))
                .foreign_key(&mut of_cluster("alert_rule_setting"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "alert_rule_setting",
            "uq_alert_rule_setting",
            &["cluster_id", "name"],
            true,
        )
        .await?;

        create(
            m,
            Table::create()
                .table(t("alert_silence"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                // JSON array of {name, value, is_equal}
                .col(text(t("matchers")))
                .col(timestamp_with_time_zone(t("starts_at")))
                .col(timestamp_with_time_zone(t("ends_at")))
                .col(string_len(t("created_by"), 64))
                .col(text(t("comment")))
                .col(timestamp_with_time_zone(t("created_at")))
                .foreign_key(&mut of_cluster("alert_silence"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "alert_silence",
            "idx_alert_silence_cluster_end",
            &["cluster_id", "ends_at"],
            false,
        )
        .await?;

        create(
            m,
            Table::create()
                .table(t("alert_ingest_token"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("cluster_id")))
                .col(string_len(t("name"), 128))
                // sha256 of the token, hex: the token itself is shown once and never stored
                .col(string_len(t("token_hash"), 64))
                .col(string_len(t("created_by"), 64))
                .col(timestamp_with_time_zone(t("created_at")))
                .col(timestamp_with_time_zone_null(t("last_used_at")))
                .foreign_key(&mut of_cluster("alert_ingest_token"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "alert_ingest_token",
            "uq_alert_ingest_token_hash",
            &["token_hash"],
            true,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "alert_ingest_token",
            "alert_silence",
            "alert_rule_setting",
            "alert",
        ] {
            m.drop_table(Table::drop().table(t(table)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

//! Notification channels (issue 16): `notify_channel` (where alerts are sent, its configuration sealed like a
//! kubeconfig), `notify_delivery` (the outbox and the delivery log in one: each row is one message to one
//! channel) and `notify_delivery_alert` (which alerts a delivery carried, for an alert's delivery log).

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
                .table(t("notify_channel"))
                .col(big_pk_auto(t("id")))
                .col(string_len_uniq(t("name"), 128))
                .col(string_len(t("kind"), 16))
                .col(string_len(t("language"), 8))
                .col(boolean(t("enabled")))
                // JSON array of cluster ids; empty: every cluster.
                .col(text(t("cluster_ids")))
                .col(string_len(t("min_severity"), 16))
                // Messages a minute the receiver accepts; NULL: no limit.
                .col(integer_null(t("rate_per_minute")))
                // The sealed configuration (URL with its token, secrets, SMTP account): `v1:<key id>:<base64>`.
                .col(text(t("config")))
                .col(string_len(t("config_key_id"), 64))
                // JSON: what may be shown of the configuration (URL host, which secrets are set, SMTP host, To).
                .col(text(t("summary")))
                .col(string_len(t("created_by"), 128))
                .col(timestamp_with_time_zone(t("created_at")))
                .col(timestamp_with_time_zone(t("updated_at")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("notify_delivery"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("channel_id")))
                // alert, digest or test.
                .col(string_len(t("purpose"), 16))
                .col(text(t("group_key")))
                .col(big_integer_null(t("cluster_id")))
                // The notice (JSON); a digest holds the notices it merged (JSON array).
                .col(text(t("notice")))
                // queued, sending, sent, failed, digested.
                .col(string_len(t("status"), 16))
                .col(integer(t("attempts")))
                .col(timestamp_with_time_zone(t("next_attempt_at")))
                .col(timestamp_with_time_zone_null(t("last_attempt_at")))
                // Held back because the channel's rate limit was reached: sent in the next digest.
                .col(boolean(t("throttled")))
                // The replica sending it and until when its claim holds (a replica that dies mid-send is retried).
                .col(string_len_null(t("claimed_by"), 128))
                .col(timestamp_with_time_zone_null(t("claimed_until")))
                .col(text_null(t("last_error")))
                .col(integer_null(t("http_status")))
                .col(timestamp_with_time_zone_null(t("sent_at")))
                // For a digested row: the digest delivery that carried it.
                .col(big_integer_null(t("digest_id")))
                .col(timestamp_with_time_zone(t("created_at")))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_notify_delivery_channel")
                        .from(t("notify_delivery"), t("channel_id"))
                        .to(t("notify_channel"), t("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notify_delivery_due")
                .table(t("notify_delivery"))
                .col(t("status"))
                .col(t("next_attempt_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notify_delivery_channel")
                .table(t("notify_delivery"))
                .col(t("channel_id"))
                .col(t("id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notify_delivery_channel_attempt")
                .table(t("notify_delivery"))
                .col(t("channel_id"))
                .col(t("last_attempt_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("notify_delivery_alert"))
                .col(big_integer(t("delivery_id")))
                .col(big_integer(t("alert_id")))
                .primary_key(Index::create().col(t("delivery_id")).col(t("alert_id")))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_notify_delivery_alert_delivery")
                        .from(t("notify_delivery_alert"), t("delivery_id"))
                        .to(t("notify_delivery"), t("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notify_delivery_alert_alert")
                .table(t("notify_delivery_alert"))
                .col(t("alert_id"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["notify_delivery_alert", "notify_delivery", "notify_channel"] {
            m.drop_table(Table::drop().table(t(table)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

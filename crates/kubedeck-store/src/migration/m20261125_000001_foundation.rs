//! The foundation: accounts, role bindings, sessions, audit, tasks, clusters, leases, login limits.

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
                .table(t("users"))
                .col(big_pk_auto(t("id")))
                .col(string_len_uniq(t("username"), 64))
                .col(string_len(t("display_name"), 128))
                .col(string_len(t("password_hash"), 255))
                .col(boolean(t("disabled")))
                .col(boolean(t("must_change_password")))
                .col(integer(t("session_generation")).default(0))
                .col(timestamp_with_time_zone(t("created_at")))
                .col(timestamp_with_time_zone(t("updated_at")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(t("role_bindings"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("user_id")))
                .col(string_len(t("role"), 32))
                .col(big_integer_null(t("cluster_id")))
                .col(string_len_null(t("namespace"), 63))
                .col(timestamp_with_time_zone(t("created_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_role_bindings_user")
                .table(t("role_bindings"))
                .col(t("user_id"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(t("refresh_tokens"))
                .col(big_pk_auto(t("id")))
                .col(big_integer(t("user_id")))
                .col(string_len_uniq(t("token_hash"), 64))
                .col(timestamp_with_time_zone(t("created_at")))
                .col(timestamp_with_time_zone(t("expires_at")))
                .col(timestamp_with_time_zone_null(t("revoked_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_user")
                .table(t("refresh_tokens"))
                .col(t("user_id"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(t("audit_log"))
                .col(big_pk_auto(t("id")))
                .col(timestamp_with_time_zone(t("at")))
                .col(big_integer_null(t("user_id")))
                .col(string_len(t("username"), 64))
                .col(string_len(t("source_ip"), 64))
                .col(string_len(t("action"), 64))
                .col(string_len(t("method"), 10))
                .col(string_len(t("path"), 512))
                .col(big_integer_null(t("cluster_id")))
                .col(string_len_null(t("namespace"), 63))
                .col(string_len_null(t("resource"), 255))
                .col(string_len(t("outcome"), 16))
                .col(integer(t("status_code")))
                .col(text(t("detail")))
                .col(string_len(t("request_id"), 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_log_at")
                .table(t("audit_log"))
                .col(t("at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_log_username")
                .table(t("audit_log"))
                .col(t("username"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(t("tasks"))
                .col(big_pk_auto(t("id")))
                .col(string_len(t("kind"), 32))
                .col(big_integer_null(t("cluster_id")))
                .col(string_len(t("target"), 255))
                .col(string_len(t("status"), 16))
                .col(text(t("progress")))
                .col(text_null(t("error")))
                .col(string_len(t("created_by"), 64))
                .col(string_len_null(t("owner"), 128))
                .col(boolean(t("cancel_requested")))
                .col(timestamp_with_time_zone(t("created_at")))
                .col(timestamp_with_time_zone_null(t("started_at")))
                .col(timestamp_with_time_zone_null(t("finished_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_tasks_status")
                .table(t("tasks"))
                .col(t("status"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(t("k8s_cluster"))
                .col(big_pk_auto(t("id")))
                .col(string_len_uniq(t("name"), 100))
                .col(string_len(t("version"), 50))
                .col(integer(t("status")).default(1))
                .col(text(t("credential")))
                .col(string_len(t("credential_key_id"), 16))
                .col(text(t("description")))
                .col(integer(t("cluster_type")).default(1))
                .col(integer(t("node_count")).default(0))
                .col(integer(t("ready_nodes")).default(0))
                .col(integer(t("master_nodes")).default(0))
                .col(integer(t("worker_nodes")).default(0))
                .col(timestamp_with_time_zone_null(t("last_sync_at")))
                .col(timestamp_with_time_zone(t("created_at")))
                .col(timestamp_with_time_zone(t("updated_at")))
                .col(string_len(t("server_url"), 512))
                .col(string_len(t("context_name"), 255))
                .col(string_len(t("identity_hash"), 64))
                .col(string_len(t("platform"), 64))
                .col(string_len(t("status_reason"), 255))
                .col(text(t("last_error")))
                .col(timestamp_with_time_zone_null(t("last_healthy_at")))
                .col(integer_null(t("api_latency_ms")))
                .col(integer(t("consecutive_failures")).default(0))
                .col(text(t("capabilities")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_k8s_cluster_identity")
                .table(t("k8s_cluster"))
                .col(t("identity_hash"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(t("leases"))
                .col(string_len(t("name"), 191).primary_key())
                .col(string_len(t("holder"), 128))
                .col(big_integer(t("fencing_token")))
                .col(timestamp_with_time_zone(t("expires_at")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(t("login_failures"))
                .col(string_len(t("key"), 191).primary_key())
                .col(integer(t("failures")))
                .col(timestamp_with_time_zone(t("window_start")))
                .col(timestamp_with_time_zone_null(t("locked_until")))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "login_failures",
            "leases",
            "k8s_cluster",
            "tasks",
            "audit_log",
            "refresh_tokens",
            "role_bindings",
            "users",
        ] {
            m.drop_table(Table::drop().table(t(table)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

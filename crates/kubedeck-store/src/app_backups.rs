//! Application backups (issue 18): a backup row is written `running`, then finished with its manifests, its
//! Secrets sealed (bound to the row, so a sealed blob copied to another row does not open) and its report, or
//! failed with the reason. Lists leave the archive columns out.

use crate::Store;
use crate::entity::app_backup;
use chrono::Utc;
use kubedeck_core::credential::{CredentialError, KeyRing};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::Expr,
};

pub use crate::entity::app_backup::Model as AppBackup;

/// Backup states.
pub mod status {
    /// Being read from the cluster now.
    pub const RUNNING: &str = "running";
    /// Stored.
    pub const SUCCEEDED: &str = "succeeded";
    /// Not stored (the error says why).
    pub const FAILED: &str = "failed";
    /// The replica taking it stopped before it was stored.
    pub const INTERRUPTED: &str = "interrupted";
}

fn binding(id: i64) -> String {
    format!("app_backup:{id}")
}

/// A backup as lists show it: everything but the archive.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct AppBackupSummary {
    pub id: i64,
    pub cluster_id: i64,
    pub name: String,
    pub namespaces: String,
    pub label_selector: Option<String>,
    pub status: String,
    pub requested_by: String,
    pub object_count: Option<i32>,
    pub secret_count: Option<i32>,
    pub secrets_key_id: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub report: Option<String>,
    pub error: Option<String>,
    pub started_at: chrono::DateTime<Utc>,
    pub finished_at: Option<chrono::DateTime<Utc>>,
    pub schedule_id: Option<i64>,
}

impl From<AppBackup> for AppBackupSummary {
    fn from(b: AppBackup) -> Self {
        AppBackupSummary {
            id: b.id,
            cluster_id: b.cluster_id,
            name: b.name,
            namespaces: b.namespaces,
            label_selector: b.label_selector,
            status: b.status,
            requested_by: b.requested_by,
            object_count: b.object_count,
            secret_count: b.secret_count,
            secrets_key_id: b.secrets_key_id,
            size_bytes: b.size_bytes,
            sha256: b.sha256,
            report: b.report,
            error: b.error,
            started_at: b.started_at,
            finished_at: b.finished_at,
            schedule_id: b.schedule_id,
        }
    }
}

/// What a finished backup holds.
#[derive(Debug, Clone, Default)]
pub struct BackupContents {
    /// JSON array of cleaned manifests (no Secrets).
    pub manifests: String,
    /// JSON array of the Secrets' cleaned manifests, in clear (sealed here).
    pub secrets: Vec<u8>,
    pub object_count: i32,
    pub secret_count: i32,
    /// Bytes of the manifests and Secrets in clear.
    pub size_bytes: i64,
    /// SHA-256 of the manifests and Secrets in clear, hex.
    pub sha256: String,
    /// JSON report.
    pub report: String,
}

impl Store {
    /// Records a backup being taken by `replica` (for `schedule_id`, or on demand).
    #[allow(clippy::too_many_arguments)]
    pub async fn start_app_backup(
        &self,
        cluster_id: i64,
        name: &str,
        namespaces: &[String],
        label_selector: Option<&str>,
        who: &str,
        schedule_id: Option<i64>,
        replica: &str,
    ) -> Result<AppBackup, sea_orm::DbErr> {
        app_backup::ActiveModel {
            schedule_id: Set(schedule_id),
            replica: Set(Some(replica.to_owned())),
            cluster_id: Set(cluster_id),
            name: Set(name.to_owned()),
            namespaces: Set(serde_json::to_string(namespaces).unwrap_or_else(|_| "[]".into())),
            label_selector: Set(label_selector.map(str::to_owned)),
            status: Set(status::RUNNING.to_owned()),
            requested_by: Set(who.to_owned()),
            started_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await
    }

    /// Stores what a backup read; the Secrets are sealed bound to the row.
    pub async fn finish_app_backup(
        &self,
        id: i64,
        c: &BackupContents,
        ring: &KeyRing,
    ) -> Result<AppBackup, sea_orm::DbErr> {
        app_backup::ActiveModel {
            id: Set(id),
            status: Set(status::SUCCEEDED.to_owned()),
            manifests: Set(Some(c.manifests.clone())),
            secrets: Set(Some(ring.seal(&c.secrets, &binding(id)))),
            secrets_key_id: Set(Some(ring.active_key_id().to_owned())),
            object_count: Set(Some(c.object_count)),
            secret_count: Set(Some(c.secret_count)),
            size_bytes: Set(Some(c.size_bytes)),
            sha256: Set(Some(c.sha256.clone())),
            report: Set(Some(c.report.clone())),
            finished_at: Set(Some(Utc::now())),
            ..Default::default()
        }
        .update(self.conn())
        .await
    }

    /// Marks a backup failed.
    pub async fn fail_app_backup(&self, id: i64, error: &str) -> Result<AppBackup, sea_orm::DbErr> {
        app_backup::ActiveModel {
            id: Set(id),
            status: Set(status::FAILED.to_owned()),
            error: Set(Some(error.to_owned())),
            finished_at: Set(Some(Utc::now())),
            ..Default::default()
        }
        .update(self.conn())
        .await
    }

    /// A cluster's backups, newest first, without their archives.
    pub async fn list_app_backups(&self, cluster_id: i64) -> Result<Vec<AppBackupSummary>, sea_orm::DbErr> {
        use app_backup::Column as C;
        app_backup::Entity::find()
            .select_only()
            .columns([
                C::Id,
                C::ClusterId,
                C::Name,
                C::Namespaces,
                C::LabelSelector,
                C::Status,
                C::RequestedBy,
                C::ObjectCount,
                C::SecretCount,
                C::SecretsKeyId,
                C::SizeBytes,
                C::Sha256,
                C::Report,
                C::Error,
                C::StartedAt,
                C::FinishedAt,
                C::ScheduleId,
            ])
            .filter(C::ClusterId.eq(cluster_id))
            .order_by_desc(C::Id)
            .into_model::<AppBackupSummary>()
            .all(self.conn())
            .await
    }

    /// Marks `interrupted` the backups left `running` by replicas that stopped: not `alive_replica`, and holding
    /// no replica lease (what tasks do, [`Store::interrupt_orphaned_tasks`]). How many.
    pub async fn interrupt_orphaned_app_backups(&self, alive_replica: &str) -> Result<u64, sea_orm::DbErr> {
        let running: Vec<(i64, Option<String>)> = app_backup::Entity::find()
            .select_only()
            .columns([app_backup::Column::Id, app_backup::Column::Replica])
            .filter(app_backup::Column::Status.eq(status::RUNNING))
            .into_tuple()
            .all(self.conn())
            .await?;
        let mut n = 0;
        for (id, replica) in running {
            let replica = replica.unwrap_or_default();
            if replica == alive_replica
                || self.lease_holder(&format!("replica:{replica}")).await?.is_some()
            {
                continue;
            }
            let res = app_backup::Entity::update_many()
                .col_expr(app_backup::Column::Status, Expr::value(status::INTERRUPTED))
                .col_expr(app_backup::Column::FinishedAt, Expr::value(Utc::now()))
                .col_expr(
                    app_backup::Column::Error,
                    Expr::value(Some(
                        "the Kubedeck replica taking this backup stopped before it was stored; take it again".to_owned(),
                    )),
                )
                .filter(app_backup::Column::Id.eq(id))
                .filter(app_backup::Column::Status.eq(status::RUNNING))
                .exec(self.conn())
                .await?;
            n += res.rows_affected;
        }
        Ok(n)
    }

    /// A schedule's backups that retention removes: beyond the newest `keep_count` stored ones, or stored
    /// longer ago than `keep_days`. Failed and interrupted ones hold nothing and are kept as the record.
    pub async fn app_backups_beyond_retention(
        &self,
        schedule_id: i64,
        keep_count: Option<i32>,
        keep_days: Option<i32>,
        now: chrono::DateTime<Utc>,
    ) -> Result<Vec<i64>, sea_orm::DbErr> {
        let stored: Vec<(i64, chrono::DateTime<Utc>)> = app_backup::Entity::find()
            .select_only()
            .columns([app_backup::Column::Id, app_backup::Column::StartedAt])
            .filter(app_backup::Column::ScheduleId.eq(schedule_id))
            .filter(app_backup::Column::Status.eq(status::SUCCEEDED))
            .order_by_desc(app_backup::Column::StartedAt)
            .order_by_desc(app_backup::Column::Id)
            .into_tuple()
            .all(self.conn())
            .await?;
        Ok(crate::etcd_backups::beyond(&stored, keep_count, keep_days, now))
    }

    /// One backup with its archive.
    pub async fn find_app_backup(&self, cluster_id: i64, id: i64) -> Result<Option<AppBackup>, sea_orm::DbErr> {
        app_backup::Entity::find_by_id(id)
            .filter(app_backup::Column::ClusterId.eq(cluster_id))
            .one(self.conn())
            .await
    }

    /// Deletes a backup; whether there was one.
    pub async fn delete_app_backup(&self, cluster_id: i64, id: i64) -> Result<bool, sea_orm::DbErr> {
        let r = app_backup::Entity::delete_many()
            .filter(app_backup::Column::Id.eq(id))
            .filter(app_backup::Column::ClusterId.eq(cluster_id))
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected > 0)
    }

    /// The Secrets of a downloaded archive of backup `backup_id` (sealed bound to that row), in clear: only a
    /// Kubedeck holding the key that sealed them opens them.
    pub fn open_archived_app_backup_secrets(
        &self,
        sealed: &str,
        backup_id: i64,
        ring: &KeyRing,
    ) -> Result<Vec<u8>, CredentialError> {
        ring.open(sealed, &binding(backup_id))
    }

    /// The Secrets of a backup, in clear (a JSON array).
    pub fn open_app_backup_secrets(&self, b: &AppBackup, ring: &KeyRing) -> Result<Vec<u8>, CredentialError> {
        match &b.secrets {
            Some(sealed) => ring.open(sealed, &binding(b.id)),
            None => Ok(b"[]".to_vec()),
        }
    }

    /// Re-seals every backup's Secrets with the active key (`rotate-key`): how many were re-sealed, or the first
    /// backup whose Secrets do not open.
    pub async fn reseal_app_backups(
        &self,
        ring: &KeyRing,
    ) -> Result<Result<u64, (i64, CredentialError)>, sea_orm::DbErr> {
        let mut count = 0;
        let ids: Vec<(i64, Option<String>)> = app_backup::Entity::find()
            .select_only()
            .columns([app_backup::Column::Id, app_backup::Column::SecretsKeyId])
            .filter(app_backup::Column::Secrets.is_not_null())
            .into_tuple()
            .all(self.conn())
            .await?;
        for (id, key_id) in ids {
            if key_id.as_deref() == Some(ring.active_key_id()) {
                continue;
            }
            let Some(row) = app_backup::Entity::find_by_id(id).one(self.conn()).await? else {
                continue;
            };
            let Some(sealed) = &row.secrets else { continue };
            let plain = match ring.open(sealed, &binding(id)) {
                Ok(p) => p,
                Err(e) => return Ok(Err((id, e))),
            };
            let res = app_backup::Entity::update_many()
                .col_expr(app_backup::Column::Secrets, Expr::value(ring.seal(&plain, &binding(id))))
                .col_expr(app_backup::Column::SecretsKeyId, Expr::value(ring.active_key_id().to_owned()))
                .filter(app_backup::Column::Id.eq(id))
                .filter(app_backup::Column::Secrets.eq(sealed.clone()))
                .exec(self.conn())
                .await?;
            count += res.rows_affected;
        }
        Ok(Ok(count))
    }

    /// Key ids still sealing backups' Secrets (a key rotation must not prune them).
    pub async fn app_backup_key_ids_in_use(&self) -> Result<Vec<String>, sea_orm::DbErr> {
        let mut ids: Vec<String> = app_backup::Entity::find()
            .select_only()
            .column(app_backup::Column::SecretsKeyId)
            .filter(app_backup::Column::SecretsKeyId.is_not_null())
            .into_tuple::<Option<String>>()
            .all(self.conn())
            .await?
            .into_iter()
            .flatten()
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }
}

//! etcd backups (issue 18): where a cluster's etcd is and how to authenticate to it (the client key sealed like a
//! kubeconfig), its snapshot schedule and retention, and the snapshots taken.

use crate::Store;
use crate::entity::{etcd_endpoint, etcd_snapshot};
use chrono::{DateTime, Utc};
use kubedeck_core::credential::{CredentialError, KeyRing};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};

pub use crate::entity::etcd_endpoint::Model as EtcdEndpoint;
pub use crate::entity::etcd_snapshot::Model as EtcdSnapshot;

/// Snapshot states.
pub mod status {
    /// Being streamed from etcd now.
    pub const RUNNING: &str = "running";
    /// Stored and checked.
    pub const SUCCEEDED: &str = "succeeded";
    /// Not stored (the error says why).
    pub const FAILED: &str = "failed";
}

fn row_binding(cluster_id: i64) -> String {
    format!("etcd_endpoint:{cluster_id}")
}

/// A cluster's etcd connection settings as written (the client identity in plaintext JSON; sealed before it
/// touches the database).
#[derive(Debug, Clone)]
pub struct EtcdEndpointFields {
    /// Client URLs.
    pub endpoints: Vec<String>,
    /// CA of etcd's serving certificate (PEM).
    pub ca_pem: Option<String>,
    /// What happens to the client identity.
    pub client_identity: IdentityChange,
    /// Cron expression (UTC) or none.
    pub schedule: Option<String>,
    /// Keep at most this many successful snapshots.
    pub keep_count: Option<i32>,
    /// Delete successful snapshots older than this many days.
    pub keep_days: Option<i32>,
}

/// What a write does to the stored client certificate and key.
#[derive(Debug, Clone)]
pub enum IdentityChange {
    /// Keep the stored one (if any).
    Keep,
    /// Replace it with this JSON (certificate and key).
    Replace(String),
    /// Remove it.
    Clear,
}

/// What a finished snapshot is.
#[derive(Debug, Clone, Default)]
pub struct SnapshotFacts {
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub etcd_hash: Option<i64>,
    pub revision: Option<i64>,
    pub total_keys: Option<i64>,
    pub total_size: Option<i64>,
}

impl Store {
    /// Creates or replaces a cluster's etcd settings. The client identity is kept when not given.
    pub async fn put_etcd_endpoint(
        &self,
        cluster_id: i64,
        f: &EtcdEndpointFields,
        who: &str,
        ring: &KeyRing,
    ) -> Result<EtcdEndpoint, sea_orm::DbErr> {
        let existing = etcd_endpoint::Entity::find_by_id(cluster_id)
            .one(self.conn())
            .await?;
        let (identity, key_id) = match (&f.client_identity, &existing) {
            (IdentityChange::Replace(json), _) => (
                Some(ring.seal(json.as_bytes(), &row_binding(cluster_id))),
                Some(ring.active_key_id().to_owned()),
            ),
            (IdentityChange::Keep, Some(row)) => (
                row.client_identity.clone(),
                row.client_identity_key_id.clone(),
            ),
            (IdentityChange::Keep, None) | (IdentityChange::Clear, _) => (None, None),
        };
        let mut am = etcd_endpoint::ActiveModel {
            cluster_id: Set(cluster_id),
            endpoints: Set(serde_json::to_string(&f.endpoints).expect("endpoints")),
            ca_pem: Set(f.ca_pem.clone()),
            client_identity: Set(identity),
            client_identity_key_id: Set(key_id),
            schedule: Set(f.schedule.clone()),
            last_scheduled_at: Set(None),
            keep_count: Set(f.keep_count),
            keep_days: Set(f.keep_days),
            updated_by: Set(who.to_owned()),
            updated_at: Set(Utc::now()),
        };
        match existing {
            Some(row) => {
                // a changed schedule starts counting from now, an unchanged one keeps its last run
                am.last_scheduled_at = Set(if row.schedule == f.schedule {
                    row.last_scheduled_at
                } else {
                    Some(Utc::now())
                });
                am.update(self.conn()).await
            }
            None => {
                am.last_scheduled_at = Set(Some(Utc::now()));
                am.insert(self.conn()).await
            }
        }
    }

    /// A cluster's etcd settings, if set.
    pub async fn find_etcd_endpoint(
        &self,
        cluster_id: i64,
    ) -> Result<Option<EtcdEndpoint>, sea_orm::DbErr> {
        etcd_endpoint::Entity::find_by_id(cluster_id)
            .one(self.conn())
            .await
    }

    /// Removes a cluster's etcd settings (its snapshots stay). Returns whether they existed.
    pub async fn delete_etcd_endpoint(&self, cluster_id: i64) -> Result<bool, sea_orm::DbErr> {
        let r = etcd_endpoint::Entity::delete_by_id(cluster_id)
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected > 0)
    }

    /// Opens the client identity (JSON) of a cluster's etcd settings.
    pub fn open_etcd_identity(
        &self,
        row: &EtcdEndpoint,
        ring: &KeyRing,
    ) -> Result<Option<String>, CredentialError> {
        let Some(sealed) = &row.client_identity else {
            return Ok(None);
        };
        let bytes = ring.open(sealed, &row_binding(row.cluster_id))?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| CredentialError::Malformed)
    }

    /// Re-seals every etcd client identity with the ring's active key (key rotation). Returns how many rows.
    pub async fn reseal_etcd_identities(
        &self,
        ring: &KeyRing,
    ) -> Result<Result<u64, (i64, CredentialError)>, sea_orm::DbErr> {
        let mut count = 0;
        for row in etcd_endpoint::Entity::find().all(self.conn()).await? {
            let Some(sealed) = &row.client_identity else {
                continue;
            };
            if row.client_identity_key_id.as_deref() == Some(ring.active_key_id()) {
                continue;
            }
            let plain = match ring.open(sealed, &row_binding(row.cluster_id)) {
                Ok(p) => p,
                Err(e) => return Ok(Err((row.cluster_id, e))),
            };
            let res = etcd_endpoint::Entity::update_many()
                .col_expr(
                    etcd_endpoint::Column::ClientIdentity,
                    Expr::value(ring.seal(&plain, &row_binding(row.cluster_id))),
                )
                .col_expr(
                    etcd_endpoint::Column::ClientIdentityKeyId,
                    Expr::value(ring.active_key_id().to_owned()),
                )
                .filter(etcd_endpoint::Column::ClusterId.eq(row.cluster_id))
                .filter(etcd_endpoint::Column::ClientIdentity.eq(sealed.clone()))
                .exec(self.conn())
                .await?;
            count += res.rows_affected;
        }
        Ok(Ok(count))
    }

    /// Key ids still in use by etcd client identities (a key rotation must not prune them).
    pub async fn etcd_identity_key_ids_in_use(&self) -> Result<Vec<String>, sea_orm::DbErr> {
        let mut ids: Vec<String> = etcd_endpoint::Entity::find()
            .all(self.conn())
            .await?
            .into_iter()
            .filter_map(|r| r.client_identity_key_id)
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Every cluster's etcd settings that have a schedule.
    pub async fn scheduled_etcd_endpoints(&self) -> Result<Vec<EtcdEndpoint>, sea_orm::DbErr> {
        etcd_endpoint::Entity::find()
            .filter(etcd_endpoint::Column::Schedule.is_not_null())
            .all(self.conn())
            .await
    }

    /// Records that the scheduled run due at `at` was started, unless someone recorded it first (then false).
    pub async fn claim_scheduled_etcd_run(
        &self,
        cluster_id: i64,
        previous: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<bool, sea_orm::DbErr> {
        let mut q = etcd_endpoint::Entity::update_many()
            .col_expr(etcd_endpoint::Column::LastScheduledAt, Expr::value(at))
            .filter(etcd_endpoint::Column::ClusterId.eq(cluster_id));
        q = match previous {
            Some(p) => q.filter(etcd_endpoint::Column::LastScheduledAt.eq(p)),
            None => q.filter(etcd_endpoint::Column::LastScheduledAt.is_null()),
        };
        Ok(q.exec(self.conn()).await?.rows_affected == 1)
    }

    /// Starts a snapshot row (status running).
    pub async fn start_etcd_snapshot(
        &self,
        cluster_id: i64,
        trigger: &str,
        requested_by: &str,
        endpoint: &str,
    ) -> Result<EtcdSnapshot, sea_orm::DbErr> {
        etcd_snapshot::ActiveModel {
            cluster_id: Set(cluster_id),
            status: Set(status::RUNNING.to_owned()),
            trigger: Set(trigger.to_owned()),
            requested_by: Set(requested_by.to_owned()),
            endpoint: Set(Some(endpoint.to_owned())),
            started_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await
    }

    /// A snapshot of the cluster still `running` that started after `since` (one taken now, on any replica).
    pub async fn running_etcd_snapshot(
        &self,
        cluster_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Option<EtcdSnapshot>, sea_orm::DbErr> {
        etcd_snapshot::Entity::find()
            .filter(etcd_snapshot::Column::ClusterId.eq(cluster_id))
            .filter(etcd_snapshot::Column::Status.eq(status::RUNNING))
            .filter(etcd_snapshot::Column::StartedAt.gt(since))
            .order_by_desc(etcd_snapshot::Column::Id)
            .one(self.conn())
            .await
    }

    /// Marks a snapshot stored and checked.
    pub async fn finish_etcd_snapshot(
        &self,
        id: i64,
        facts: &SnapshotFacts,
    ) -> Result<EtcdSnapshot, sea_orm::DbErr> {
        let row = etcd_snapshot::ActiveModel {
            id: Set(id),
            status: Set(status::SUCCEEDED.to_owned()),
            file_name: Set(Some(facts.file_name.clone())),
            size_bytes: Set(Some(facts.size_bytes)),
            sha256: Set(Some(facts.sha256.clone())),
            etcd_hash: Set(facts.etcd_hash),
            revision: Set(facts.revision),
            total_keys: Set(facts.total_keys),
            total_size: Set(facts.total_size),
            finished_at: Set(Some(Utc::now())),
            ..Default::default()
        };
        row.update(self.conn()).await
    }

    /// Marks a snapshot failed with the reason.
    pub async fn fail_etcd_snapshot(
        &self,
        id: i64,
        error: &str,
    ) -> Result<EtcdSnapshot, sea_orm::DbErr> {
        etcd_snapshot::ActiveModel {
            id: Set(id),
            status: Set(status::FAILED.to_owned()),
            error: Set(Some(error.to_owned())),
            finished_at: Set(Some(Utc::now())),
            ..Default::default()
        }
        .update(self.conn())
        .await
    }

    /// Marks snapshots left running by a replica that stopped mid-stream as failed (at startup of the loop).
    pub async fn fail_stale_etcd_snapshots(
        &self,
        started_before: DateTime<Utc>,
    ) -> Result<u64, sea_orm::DbErr> {
        let r = etcd_snapshot::Entity::update_many()
            .col_expr(etcd_snapshot::Column::Status, Expr::value(status::FAILED))
            .col_expr(
                etcd_snapshot::Column::Error,
                Expr::value("interrupted: the replica taking it stopped"),
            )
            .col_expr(etcd_snapshot::Column::FinishedAt, Expr::value(Utc::now()))
            .filter(etcd_snapshot::Column::Status.eq(status::RUNNING))
            .filter(etcd_snapshot::Column::StartedAt.lt(started_before))
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected)
    }

    /// A cluster's snapshots, newest first.
    pub async fn list_etcd_snapshots(
        &self,
        cluster_id: i64,
    ) -> Result<Vec<EtcdSnapshot>, sea_orm::DbErr> {
        etcd_snapshot::Entity::find()
            .filter(etcd_snapshot::Column::ClusterId.eq(cluster_id))
            .order_by_desc(etcd_snapshot::Column::StartedAt)
            .order_by_desc(etcd_snapshot::Column::Id)
            .all(self.conn())
            .await
    }

    /// One snapshot of a cluster.
    pub async fn find_etcd_snapshot(
        &self,
        cluster_id: i64,
        id: i64,
    ) -> Result<Option<EtcdSnapshot>, sea_orm::DbErr> {
        etcd_snapshot::Entity::find_by_id(id)
            .filter(etcd_snapshot::Column::ClusterId.eq(cluster_id))
            .one(self.conn())
            .await
    }

    /// Deletes a snapshot's row. Returns whether it existed.
    pub async fn delete_etcd_snapshot(&self, id: i64) -> Result<bool, sea_orm::DbErr> {
        let r = etcd_snapshot::Entity::delete_by_id(id)
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected > 0)
    }
}

/// The successful snapshots retention removes: beyond the newest `keep_count`, or older than `keep_days`.
/// `snapshots` is newest first; running and failed rows are never chosen (a failed one has no file).
pub fn beyond_retention(
    snapshots: &[EtcdSnapshot],
    keep_count: Option<i32>,
    keep_days: Option<i32>,
    now: DateTime<Utc>,
) -> Vec<i64> {
    let stored: Vec<(i64, DateTime<Utc>)> = snapshots
        .iter()
        .filter(|s| s.status == status::SUCCEEDED)
        .map(|s| (s.id, s.started_at))
        .collect();
    beyond(&stored, keep_count, keep_days, now)
}

/// Retention by count and age over stored items `(id, taken at)`, newest first: the ids beyond the newest
/// `keep_count` or taken before `now - keep_days` (etcd snapshots and application backups alike).
pub fn beyond(
    stored: &[(i64, DateTime<Utc>)],
    keep_count: Option<i32>,
    keep_days: Option<i32>,
    now: DateTime<Utc>,
) -> Vec<i64> {
    let oldest = keep_days.map(|d| now - chrono::Duration::days(d.into()));
    stored
        .iter()
        .enumerate()
        .filter(|(i, (_, at))| {
            keep_count.is_some_and(|c| *i >= c.max(0) as usize) || oldest.is_some_and(|o| *at < o)
        })
        .map(|(_, (id, _))| *id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(id: i64, status: &str, days_ago: i64, now: DateTime<Utc>) -> EtcdSnapshot {
        EtcdSnapshot {
            id,
            cluster_id: 1,
            status: status.to_owned(),
            trigger: "manual".into(),
            requested_by: "admin".into(),
            endpoint: None,
            file_name: None,
            size_bytes: None,
            sha256: None,
            etcd_hash: None,
            revision: None,
            total_keys: None,
            total_size: None,
            error: None,
            started_at: now - chrono::Duration::days(days_ago),
            finished_at: None,
        }
    }

    #[test]
    fn retention_keeps_the_newest_successful_snapshots_within_the_age() {
        let now = Utc::now();
        let list = vec![
            snap(5, status::SUCCEEDED, 0, now),
            snap(4, status::FAILED, 1, now),
            snap(3, status::SUCCEEDED, 2, now),
            snap(2, status::SUCCEEDED, 3, now),
            snap(1, status::SUCCEEDED, 10, now),
        ];
        assert_eq!(beyond_retention(&list, Some(2), None, now), vec![2, 1]);
        assert_eq!(beyond_retention(&list, None, Some(5), now), vec![1]);
        assert_eq!(beyond_retention(&list, Some(3), Some(2), now), vec![2, 1]);
        assert!(beyond_retention(&list, None, None, now).is_empty());
    }
}

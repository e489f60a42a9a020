//! The one retention mechanism of the metric history tables (`node_metrics`, `cluster_metrics`, `pod_metrics`): raw samples
//! (`resolution = "raw"`) are kept for the raw retention, then folded into bucket averages (`resolution = "5m"`
//! for 5-minute buckets) kept for the downsampled retention, then deleted. Raw rows and averages never cover the
//! same time (a bucket's raw rows are deleted in the transaction that writes its average), so a history read
//! may take every row in its range whatever the resolution.
//!
//! A table takes part by implementing [`Downsampled`] for its sample type: which columns hold the resolution
//! and the time, how a sample becomes a row, and how samples are averaged per bucket. Nodes and clusters are folded
//! in Rust (plain selects, inserts and deletes, so SQLite, PostgreSQL and MySQL/MariaDB behave the same); pods,
//! whose raw rows an hour can number millions, are folded by the database with one `INSERT ... SELECT ... GROUP BY`
//! a bucket in SQL the three share ([`Downsampled::fold_in_database`]), tested against the Rust averages.

use crate::Store;
use chrono::{DateTime, Duration, DurationRound, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// The resolution of raw samples.
pub const RAW: &str = "raw";
/// Rows inserted per statement (keeps every backend under its bind-parameter limit).
pub(crate) const INSERT_CHUNK: usize = 500;

/// Drops sub-second precision (MySQL's TIMESTAMP would round it, moving samples between buckets).
pub fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    Utc.timestamp_opt(t.timestamp(), 0).single().unwrap_or(t)
}

/// The resolution label of a bucket length: `30s`, `5m`, `1h`, `1d`.
pub fn resolution_label(bucket: Duration) -> String {
    let s = bucket.num_seconds().max(1);
    if s % 86_400 == 0 {
        format!("{}d", s / 86_400)
    } else if s % 3600 == 0 {
        format!("{}h", s / 3600)
    } else if s % 60 == 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// The start of the `step`-long bucket (aligned to the Unix epoch) that holds `t`.
pub fn bucket_start(t: DateTime<Utc>, step: Duration) -> DateTime<Utc> {
    t.duration_trunc(step).unwrap_or(t)
}

/// How long samples live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Raw samples older than this are folded into bucket averages.
    pub raw_retention: Duration,
    /// Length of a downsampled bucket.
    pub bucket: Duration,
    /// Averages older than this are deleted.
    pub downsampled_retention: Duration,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            raw_retention: Duration::hours(24),
            bucket: Duration::minutes(5),
            downsampled_retention: Duration::days(30),
        }
    }
}

impl RetentionPolicy {
    /// Most rows one series (a node, a cluster) can hold under this policy when sampled every `interval` and
    /// retention runs at least once per bucket: the raw window plus two buckets not yet folded, and the averages.
    pub fn rows_per_node(&self, interval: Duration) -> u64 {
        let iv = interval.num_seconds().max(1) as u64;
        let raw = (self.raw_retention.num_seconds() as u64 + 2 * self.bucket.num_seconds() as u64)
            .div_ceil(iv)
            + 1;
        let avg = (self.downsampled_retention.num_seconds() as u64)
            .div_ceil(self.bucket.num_seconds().max(1) as u64)
            + 1;
        raw + avg
    }
}

/// What one retention pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Raw rows folded into averages (and deleted).
    pub raw_folded: u64,
    /// Averages written.
    pub averages_written: u64,
    /// Expired rows deleted.
    pub expired_deleted: u64,
}

/// A sample of a history table that is downsampled by [`Store::apply_retention`].
pub trait Downsampled: Sized + Send + Sync + From<<Self::Entity as EntityTrait>::Model> {
    /// The table.
    type Entity: EntityTrait;
    /// The column holding `raw` or a bucket label.
    const RESOLUTION: <Self::Entity as EntityTrait>::Column;
    /// The column holding the sample's time (or its bucket's start).
    const TIMESTAMP: <Self::Entity as EntityTrait>::Column;
    /// When the sample was taken (or its bucket's start).
    fn timestamp(&self) -> DateTime<Utc>;
    /// The row to insert.
    fn active(&self) -> <Self::Entity as EntityTrait>::ActiveModel;
    /// Averages per series and `step`-long bucket, each labelled `resolution` and timed at its bucket's start.
    fn average_by_bucket(samples: &[Self], step: Duration, resolution: &str) -> Vec<Self>;

    /// For a table too large to fold in memory (pods: 150,000 of them sampled every minute are 9 million raw rows
    /// an hour), the same averages as one `INSERT ... SELECT ... GROUP BY` of the raw rows in `[start, end)`, one
    /// bucket, labelled `resolution` and timed at `start`: the database aggregates, memory stays flat. `None`:
    /// fold in Rust with [`Downsampled::average_by_bucket`], twelve buckets a transaction.
    fn fold_in_database(
        _start: DateTime<Utc>,
        _end: DateTime<Utc>,
        _resolution: &str,
    ) -> Option<sea_orm::sea_query::InsertStatement> {
        None
    }
}

impl Store {
    /// Saves samples (raw or averages) of a history table.
    pub async fn insert_samples<S: Downsampled>(&self, samples: &[S]) -> Result<(), sea_orm::DbErr>
    where
        <S::Entity as EntityTrait>::ActiveModel: ActiveModelTrait<Entity = S::Entity> + Send,
    {
        for chunk in samples.chunks(INSERT_CHUNK) {
            S::Entity::insert_many(chunk.iter().map(S::active))
                .exec(self.conn())
                .await?;
        }
        Ok(())
    }

    /// One retention pass of a history table as of `now`: folds raw samples older than the raw retention into
    /// bucket averages (whole buckets only, one transaction per slice of buckets: averages written and raw rows
    /// deleted together), then deletes averages older than the downsampled retention. Run it under a lease.
    pub async fn apply_retention<S: Downsampled>(
        &self,
        policy: RetentionPolicy,
        now: DateTime<Utc>,
    ) -> Result<RetentionReport, sea_orm::DbErr>
    where
        <S::Entity as EntityTrait>::ActiveModel: ActiveModelTrait<Entity = S::Entity> + Send,
        <S::Entity as EntityTrait>::Model: Send + Sync,
    {
        let mut report = RetentionReport::default();
        let bucket = if policy.bucket < Duration::seconds(1) {
            Duration::seconds(1)
        } else {
            policy.bucket
        };
        let label = resolution_label(bucket);
        // Only buckets that ended before the raw cutoff are folded, so a bucket is averaged once, complete.
        let before = |d: Duration| {
            now.checked_sub_signed(d)
                .filter(|t| t.timestamp() > 0)
                .unwrap_or(DateTime::UNIX_EPOCH)
        };
        let fold_before = bucket_start(before(policy.raw_retention), bucket);
        // A slice of buckets per transaction bounds memory and lock time.
        let slice = bucket * 12;
        loop {
            let oldest: Option<S> = S::Entity::find()
                .filter(S::RESOLUTION.eq(RAW))
                .filter(S::TIMESTAMP.lt(fold_before))
                .order_by_asc(S::TIMESTAMP)
                .one(self.conn())
                .await?
                .map(Into::into);
            let Some(oldest) = oldest else { break };
            let start = bucket_start(oldest.timestamp(), bucket);
            if let Some(insert) = S::fold_in_database(start, start + bucket, &label) {
                // one bucket a transaction, aggregated by the database (fold_before is a bucket boundary)
                let end = start + bucket;
                let txn = self.begin_write().await?;
                let stmt = txn.get_database_backend().build(&insert);
                let written = txn.execute_raw(stmt).await?.rows_affected();
                let deleted = S::Entity::delete_many()
                    .filter(S::RESOLUTION.eq(RAW))
                    .filter(S::TIMESTAMP.gte(start))
                    .filter(S::TIMESTAMP.lt(end))
                    .exec(&txn)
                    .await?;
                txn.commit().await?;
                report.raw_folded += deleted.rows_affected;
                report.averages_written += written;
                continue;
            }
            let end = (start + slice).min(fold_before);
            let txn = self.begin_write().await?;
            let rows: Vec<S> = S::Entity::find()
                .filter(S::RESOLUTION.eq(RAW))
                .filter(S::TIMESTAMP.gte(start))
                .filter(S::TIMESTAMP.lt(end))
                .all(&txn)
                .await?
                .into_iter()
                .map(Into::into)
                .collect();
            let averages = S::average_by_bucket(&rows, bucket, &label);
            for chunk in averages.chunks(INSERT_CHUNK) {
                S::Entity::insert_many(chunk.iter().map(S::active))
                    .exec(&txn)
                    .await?;
            }
            let deleted = S::Entity::delete_many()
                .filter(S::RESOLUTION.eq(RAW))
                .filter(S::TIMESTAMP.gte(start))
                .filter(S::TIMESTAMP.lt(end))
                .exec(&txn)
                .await?;
            txn.commit().await?;
            report.raw_folded += deleted.rows_affected;
            report.averages_written += averages.len() as u64;
        }
        let expired = S::Entity::delete_many()
            .filter(S::TIMESTAMP.lt(before(policy.downsampled_retention)))
            .exec(self.conn())
            .await?;
        report.expired_deleted = expired.rows_affected;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_bucket() {
        assert_eq!(resolution_label(Duration::minutes(5)), "5m");
        assert_eq!(resolution_label(Duration::hours(1)), "1h");
        assert_eq!(resolution_label(Duration::seconds(90)), "90s");
        assert_eq!(resolution_label(Duration::days(1)), "1d");
    }

    #[test]
    fn the_row_budget_covers_raw_window_and_averages() {
        let p = RetentionPolicy {
            raw_retention: Duration::hours(1),
            bucket: Duration::minutes(5),
            downsampled_retention: Duration::hours(6),
        };
        // 1 h + 10 min of 30 s samples, plus 72 averages.
        assert_eq!(p.rows_per_node(Duration::seconds(30)), 140 + 1 + 72 + 1);
    }
}

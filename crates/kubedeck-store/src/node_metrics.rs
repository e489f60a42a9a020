//! Node metrics history (the spec's NodeMetrics): raw samples, downsampled averages, retention.
//!
//! Raw samples (`resolution = "raw"`) are kept for the raw retention, then folded into bucket averages
//! (`resolution = "5m"` for 5-minute buckets) kept for the downsampled retention, then deleted. Raw rows and
//! averages never cover the same time (a bucket's raw rows are deleted in the transaction that writes its
//! average), so a history read may take every row in its range whatever the resolution.
//!
//! Everything is plain selects, inserts and deletes with the aggregation done here, so SQLite, PostgreSQL and
//! MySQL/MariaDB behave the same. Network rates are unknown for a node's first sample and after a counter
//! reset; the column is not nullable, so an unknown rate is stored as `-1` and read back as `None`.

use crate::Store;
use crate::entity::node_metric;
use chrono::{DateTime, Duration, DurationRound, TimeZone, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::BTreeMap;

/// The resolution of raw samples.
pub const RAW: &str = "raw";
/// Stored in the network columns when the rate is unknown.
const NO_RATE: i64 = -1;
/// Rows inserted per statement (keeps every backend under its bind-parameter limit).
const INSERT_CHUNK: usize = 500;

/// One sample as the collector produces it (or one average).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSample {
    /// Cluster id.
    pub cluster_id: i64,
    /// Node name.
    pub node_name: String,
    /// CPU usage, percent of allocatable.
    pub cpu_usage: f64,
    /// Memory working set, percent of allocatable.
    pub memory_usage: f64,
    /// Node filesystem used, percent of capacity.
    pub disk_usage: f64,
    /// Receive rate in bytes per second; `None` when unknown (first sample, counter reset).
    pub network_in: Option<i64>,
    /// Transmit rate in bytes per second; `None` when unknown.
    pub network_out: Option<i64>,
    /// Pods on the node.
    pub pod_count: i32,
    /// `raw`, or the bucket length of an average (`5m`).
    pub resolution: String,
    /// When the sample was taken (whole seconds), or the start of the bucket.
    pub timestamp: DateTime<Utc>,
}

impl From<node_metric::Model> for NodeSample {
    fn from(m: node_metric::Model) -> Self {
        Self {
            cluster_id: m.cluster_id,
            node_name: m.node_name,
            cpu_usage: m.cpu_usage,
            memory_usage: m.memory_usage,
            disk_usage: m.disk_usage,
            network_in: (m.network_in >= 0).then_some(m.network_in),
            network_out: (m.network_out >= 0).then_some(m.network_out),
            pod_count: m.pod_count,
            resolution: m.resolution,
            timestamp: m.timestamp,
        }
    }
}

impl NodeSample {
    fn active(&self) -> node_metric::ActiveModel {
        node_metric::ActiveModel {
            cluster_id: Set(self.cluster_id),
            node_name: Set(self.node_name.clone()),
            cpu_usage: Set(finite(self.cpu_usage)),
            memory_usage: Set(finite(self.memory_usage)),
            disk_usage: Set(finite(self.disk_usage)),
            network_in: Set(self.network_in.filter(|v| *v >= 0).unwrap_or(NO_RATE)),
            network_out: Set(self.network_out.filter(|v| *v >= 0).unwrap_or(NO_RATE)),
            pod_count: Set(self.pod_count),
            resolution: Set(self.resolution.clone()),
            timestamp: Set(whole_seconds(self.timestamp)),
            ..Default::default()
        }
    }
}

fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

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

/// Averages samples per node and per `step`-long bucket. Each average carries `resolution` and its bucket's start.
/// Network averages take only the known rates; a bucket with none stays unknown. Output is ordered by
/// cluster, node, time.
pub fn average_by_bucket(
    samples: &[NodeSample],
    step: Duration,
    resolution: &str,
) -> Vec<NodeSample> {
    #[derive(Default)]
    struct Acc {
        n: u32,
        cpu: f64,
        mem: f64,
        disk: f64,
        pods: i64,
        rx: (i128, u32),
        tx: (i128, u32),
    }
    let mut groups: BTreeMap<(i64, &str, DateTime<Utc>), Acc> = BTreeMap::new();
    for s in samples {
        let a = groups
            .entry((
                s.cluster_id,
                s.node_name.as_str(),
                bucket_start(s.timestamp, step),
            ))
            .or_default();
        a.n += 1;
        a.cpu += s.cpu_usage;
        a.mem += s.memory_usage;
        a.disk += s.disk_usage;
        a.pods += i64::from(s.pod_count);
        if let Some(v) = s.network_in {
            a.rx = (a.rx.0 + i128::from(v), a.rx.1 + 1);
        }
        if let Some(v) = s.network_out {
            a.tx = (a.tx.0 + i128::from(v), a.tx.1 + 1);
        }
    }
    let avg_rate =
        |(sum, n): (i128, u32)| (n > 0).then(|| (sum as f64 / f64::from(n)).round() as i64);
    groups
        .into_iter()
        .map(|((cluster_id, node, ts), a)| {
            let n = f64::from(a.n);
            NodeSample {
                cluster_id,
                node_name: node.to_owned(),
                cpu_usage: a.cpu / n,
                memory_usage: a.mem / n,
                disk_usage: a.disk / n,
                network_in: avg_rate(a.rx),
                network_out: avg_rate(a.tx),
                pod_count: (a.pods as f64 / n).round() as i32,
                resolution: resolution.to_owned(),
                timestamp: ts,
            }
        })
        .collect()
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
    /// Most rows one node can hold under this policy when sampled every `interval` and retention runs at
    /// least once per bucket: the raw window plus two buckets not yet folded, and the averages.
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

impl Store {
    /// Saves samples (raw or averages).
    pub async fn insert_node_samples(&self, samples: &[NodeSample]) -> Result<(), sea_orm::DbErr> {
        for chunk in samples.chunks(INSERT_CHUNK) {
            node_metric::Entity::insert_many(chunk.iter().map(NodeSample::active))
                .exec(self.conn())
                .await?;
        }
        Ok(())
    }

    /// The newest sample of a node, whatever its resolution.
    pub async fn latest_node_sample(
        &self,
        cluster_id: i64,
        node: &str,
    ) -> Result<Option<NodeSample>, sea_orm::DbErr> {
        Ok(node_metric::Entity::find()
            .filter(node_metric::Column::ClusterId.eq(cluster_id))
            .filter(node_metric::Column::NodeName.eq(node))
            .order_by_desc(node_metric::Column::Timestamp)
            .order_by_desc(node_metric::Column::Id)
            .one(self.conn())
            .await?
            .map(Into::into))
    }

    /// A node's samples with `from <= timestamp <= to`, oldest first, at most `limit` (raw and averages alike:
    /// they never overlap).
    pub async fn node_samples(
        &self,
        cluster_id: i64,
        node: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<NodeSample>, sea_orm::DbErr> {
        Ok(node_metric::Entity::find()
            .filter(node_metric::Column::ClusterId.eq(cluster_id))
            .filter(node_metric::Column::NodeName.eq(node))
            .filter(node_metric::Column::Timestamp.gte(from))
            .filter(node_metric::Column::Timestamp.lte(to))
            .order_by_asc(node_metric::Column::Timestamp)
            .order_by_asc(node_metric::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The newest sample of each node of a cluster taken at or after `since` (one query for a node list).
    pub async fn newest_node_samples_since(
        &self,
        cluster_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<NodeSample>, sea_orm::DbErr> {
        let rows = node_metric::Entity::find()
            .filter(node_metric::Column::ClusterId.eq(cluster_id))
            .filter(node_metric::Column::Timestamp.gte(since))
            .order_by_asc(node_metric::Column::Timestamp)
            .order_by_asc(node_metric::Column::Id)
            .all(self.conn())
            .await?;
        let mut newest: BTreeMap<String, NodeSample> = BTreeMap::new();
        for r in rows {
            newest.insert(r.node_name.clone(), r.into());
        }
        Ok(newest.into_values().collect())
    }

    /// How many samples a node has with `from <= timestamp <= to`.
    pub async fn count_node_samples(
        &self,
        cluster_id: i64,
        node: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u64, sea_orm::DbErr> {
        node_metric::Entity::find()
            .filter(node_metric::Column::ClusterId.eq(cluster_id))
            .filter(node_metric::Column::NodeName.eq(node))
            .filter(node_metric::Column::Timestamp.gte(from))
            .filter(node_metric::Column::Timestamp.lte(to))
            .count(self.conn())
            .await
    }

    /// Rows in the table (`resolution`: only those of that resolution).
    pub async fn count_node_metric_rows(
        &self,
        resolution: Option<&str>,
    ) -> Result<u64, sea_orm::DbErr> {
        let mut q = node_metric::Entity::find();
        if let Some(r) = resolution {
            q = q.filter(node_metric::Column::Resolution.eq(r));
        }
        q.count(self.conn()).await
    }

    /// The clusters that have history.
    pub async fn node_metrics_cluster_ids(&self) -> Result<Vec<i64>, sea_orm::DbErr> {
        node_metric::Entity::find()
            .select_only()
            .column(node_metric::Column::ClusterId)
            .distinct()
            .into_tuple::<i64>()
            .all(self.conn())
            .await
    }

    /// Deletes a cluster's history (the cluster was deleted).
    pub async fn delete_cluster_node_metrics(
        &self,
        cluster_id: i64,
    ) -> Result<u64, sea_orm::DbErr> {
        Ok(node_metric::Entity::delete_many()
            .filter(node_metric::Column::ClusterId.eq(cluster_id))
            .exec(self.conn())
            .await?
            .rows_affected)
    }

    /// One retention pass as of `now`: folds raw samples older than the raw retention into bucket averages
    /// (whole buckets only, one transaction per slice of buckets: averages written and raw rows deleted
    /// together), then deletes averages older than the downsampled retention. Run it under a lease.
    pub async fn apply_node_metrics_retention(
        &self,
        policy: RetentionPolicy,
        now: DateTime<Utc>,
    ) -> Result<RetentionReport, sea_orm::DbErr> {
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
            let oldest = node_metric::Entity::find()
                .filter(node_metric::Column::Resolution.eq(RAW))
                .filter(node_metric::Column::Timestamp.lt(fold_before))
                .order_by_asc(node_metric::Column::Timestamp)
                .one(self.conn())
                .await?;
            let Some(oldest) = oldest else { break };
            let start = bucket_start(oldest.timestamp, bucket);
            let end = (start + slice).min(fold_before);
            let txn = self.begin_write().await?;
            let rows: Vec<NodeSample> = node_metric::Entity::find()
                .filter(node_metric::Column::Resolution.eq(RAW))
                .filter(node_metric::Column::Timestamp.gte(start))
                .filter(node_metric::Column::Timestamp.lt(end))
                .all(&txn)
                .await?
                .into_iter()
                .map(Into::into)
                .collect();
            let averages = average_by_bucket(&rows, bucket, &label);
            for chunk in averages.chunks(INSERT_CHUNK) {
                node_metric::Entity::insert_many(chunk.iter().map(NodeSample::active))
                    .exec(&txn)
                    .await?;
            }
            let deleted = node_metric::Entity::delete_many()
                .filter(node_metric::Column::Resolution.eq(RAW))
                .filter(node_metric::Column::Timestamp.gte(start))
                .filter(node_metric::Column::Timestamp.lt(end))
                .exec(&txn)
                .await?;
            txn.commit().await?;
            report.raw_folded += deleted.rows_affected;
            report.averages_written += averages.len() as u64;
        }
        let expired = node_metric::Entity::delete_many()
            .filter(node_metric::Column::Timestamp.lt(before(policy.downsampled_retention)))
            .exec(self.conn())
            .await?;
        report.expired_deleted = expired.rows_affected;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(node: &str, secs: i64, cpu: f64, rx: Option<i64>) -> NodeSample {
        NodeSample {
            cluster_id: 1,
            node_name: node.into(),
            cpu_usage: cpu,
            memory_usage: cpu * 2.0,
            disk_usage: 10.0,
            network_in: rx,
            network_out: rx.map(|v| v / 2),
            pod_count: 3,
            resolution: RAW.into(),
            timestamp: Utc.timestamp_opt(secs, 0).unwrap(),
        }
    }

    #[test]
    fn labels_name_the_bucket() {
        assert_eq!(resolution_label(Duration::minutes(5)), "5m");
        assert_eq!(resolution_label(Duration::hours(1)), "1h");
        assert_eq!(resolution_label(Duration::seconds(90)), "90s");
        assert_eq!(resolution_label(Duration::days(1)), "1d");
    }

    #[test]
    fn averages_group_per_node_and_bucket_and_skip_unknown_rates() {
        let rows = vec![
            sample("a", 0, 10.0, Some(100)),
            sample("a", 100, 20.0, None),
            sample("a", 299, 30.0, Some(300)),
            sample("a", 300, 50.0, None),
            sample("b", 10, 1.0, Some(7)),
        ];
        let avg = average_by_bucket(&rows, Duration::minutes(5), "5m");
        assert_eq!(avg.len(), 3);
        assert_eq!(avg[0].node_name, "a");
        assert!((avg[0].cpu_usage - 20.0).abs() < 1e-9);
        assert!((avg[0].memory_usage - 40.0).abs() < 1e-9);
        assert_eq!(
            avg[0].network_in,
            Some(200),
            "unknown rates do not count as zero"
        );
        assert_eq!(avg[0].network_out, Some(100));
        assert_eq!(avg[0].timestamp.timestamp(), 0);
        assert_eq!(avg[1].timestamp.timestamp(), 300);
        assert_eq!(
            avg[1].network_in, None,
            "a bucket without any known rate stays unknown"
        );
        assert_eq!(avg[2].node_name, "b");
        assert!(avg.iter().all(|s| s.resolution == "5m"));
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

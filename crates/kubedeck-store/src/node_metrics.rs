//! Node metrics history (the spec's NodeMetrics): raw samples, downsampled averages, retention through the
//! history tables' one mechanism ([`crate::metric_history`]).
//!
//! Network rates are unknown for a node's first sample and after a counter
//! reset; the column is not nullable, so an unknown rate is stored as `-1` and read back as `None`.

use crate::Store;
use crate::entity::node_metric;
use crate::metric_history::Downsampled;
pub use crate::metric_history::{
    RAW, RetentionPolicy, RetentionReport, bucket_start, resolution_label, whole_seconds,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::BTreeMap;

/// Stored in the network columns when the rate is unknown.
const NO_RATE: i64 = -1;

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

fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
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

impl Store {
    /// Saves samples (raw or averages).
    pub async fn insert_node_samples(&self, samples: &[NodeSample]) -> Result<(), sea_orm::DbErr> {
        self.insert_samples(samples).await
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
        let q = node_metric::Entity::find()
            .filter(node_metric::Column::ClusterId.eq(cluster_id))
            .filter(node_metric::Column::NodeName.eq(node))
            .filter(node_metric::Column::Timestamp.gte(from))
            .filter(node_metric::Column::Timestamp.lte(to))
            .order_by_asc(node_metric::Column::Timestamp)
            .order_by_asc(node_metric::Column::Id)
            .limit(limit);
        Ok(crate::lagging_read!(self, |db| q.clone().all(db).await)?
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

    /// One retention pass of node metrics as of `now` ([`Store::apply_retention`]). Run it under a lease.
    pub async fn apply_node_metrics_retention(
        &self,
        policy: RetentionPolicy,
        now: DateTime<Utc>,
    ) -> Result<RetentionReport, sea_orm::DbErr> {
        self.apply_retention::<NodeSample>(policy, now).await
    }
}

impl Downsampled for NodeSample {
    type Entity = node_metric::Entity;
    const RESOLUTION: node_metric::Column = node_metric::Column::Resolution;
    const TIMESTAMP: node_metric::Column = node_metric::Column::Timestamp;

    fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }

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

    fn average_by_bucket(samples: &[Self], step: Duration, resolution: &str) -> Vec<Self> {
        average_by_bucket(samples, step, resolution)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

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
}

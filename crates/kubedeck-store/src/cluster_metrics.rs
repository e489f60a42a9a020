//! Cluster metrics history (the spec's ClusterMetrics): one sample per cluster and collection pass (the sums of
//! its nodes' kubelet summaries and its object counts), downsampled like node metrics through
//! [`crate::metric_history`]. Rows go with their cluster (foreign key, on delete cascade).

use crate::Store;
use crate::entity::cluster_metric;
use crate::metric_history::{
    Downsampled, RetentionPolicy, RetentionReport, bucket_start, whole_seconds,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::BTreeMap;

/// One sample as the collector produces it (or one average).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSample {
    /// Cluster id.
    pub cluster_id: i64,
    /// CPU in use, cores (sum of the reporting nodes').
    pub cpu_used_cores: f64,
    /// Allocatable CPU of the reporting nodes, cores.
    pub cpu_allocatable_cores: f64,
    /// Memory working set, bytes (sum of the reporting nodes').
    pub memory_used_bytes: i64,
    /// Allocatable memory of the reporting nodes, bytes.
    pub memory_allocatable_bytes: i64,
    /// Node filesystems' used bytes.
    pub storage_used_bytes: i64,
    /// Node filesystems' capacity, bytes.
    pub storage_capacity_bytes: i64,
    /// Nodes in the cluster (all of them, Ready or not).
    pub node_count: i32,
    /// Nodes whose summary was read for this sample.
    pub reporting_nodes: i32,
    /// Pods in the cluster.
    pub pod_count: i32,
    /// Services in the cluster.
    pub service_count: i32,
    /// Deployments in the cluster.
    pub deployment_count: i32,
    /// `raw`, or the bucket length of an average (`5m`).
    pub resolution: String,
    /// When the sample was taken (whole seconds), or the start of the bucket.
    pub timestamp: DateTime<Utc>,
}

fn pct(used: f64, total: f64) -> f64 {
    if total > 0.0 && used.is_finite() {
        used / total * 100.0
    } else {
        0.0
    }
}

impl ClusterSample {
    /// CPU in use, percent of allocatable.
    pub fn cpu_usage(&self) -> f64 {
        pct(self.cpu_used_cores, self.cpu_allocatable_cores)
    }

    /// Memory working set, percent of allocatable.
    pub fn memory_usage(&self) -> f64 {
        pct(
            self.memory_used_bytes as f64,
            self.memory_allocatable_bytes as f64,
        )
    }

    /// Node filesystems used, percent of capacity.
    pub fn storage_usage(&self) -> f64 {
        pct(
            self.storage_used_bytes as f64,
            self.storage_capacity_bytes as f64,
        )
    }
}

impl From<cluster_metric::Model> for ClusterSample {
    fn from(m: cluster_metric::Model) -> Self {
        Self {
            cluster_id: m.cluster_id,
            cpu_used_cores: m.cpu_used_cores,
            cpu_allocatable_cores: m.cpu_allocatable_cores,
            memory_used_bytes: m.memory_used_bytes,
            memory_allocatable_bytes: m.memory_allocatable_bytes,
            storage_used_bytes: m.storage_used_bytes,
            storage_capacity_bytes: m.storage_capacity_bytes,
            node_count: m.node_count,
            reporting_nodes: m.reporting_nodes,
            pod_count: m.pod_count,
            service_count: m.service_count,
            deployment_count: m.deployment_count,
            resolution: m.resolution,
            timestamp: m.timestamp,
        }
    }
}

fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// Averages samples per cluster and per `step`-long bucket (counts rounded to whole objects), each labelled
/// `resolution` and timed at its bucket's start. Ordered by cluster, time.
pub fn average_by_bucket(
    samples: &[ClusterSample],
    step: Duration,
    resolution: &str,
) -> Vec<ClusterSample> {
    #[derive(Default)]
    struct Acc {
        n: u32,
        sums: [f64; 11],
    }
    let mut groups: BTreeMap<(i64, DateTime<Utc>), Acc> = BTreeMap::new();
    for s in samples {
        let a = groups
            .entry((s.cluster_id, bucket_start(s.timestamp, step)))
            .or_default();
        a.n += 1;
        let v = [
            s.cpu_used_cores,
            s.cpu_allocatable_cores,
            s.memory_used_bytes as f64,
            s.memory_allocatable_bytes as f64,
            s.storage_used_bytes as f64,
            s.storage_capacity_bytes as f64,
            f64::from(s.node_count),
            f64::from(s.reporting_nodes),
            f64::from(s.pod_count),
            f64::from(s.service_count),
            f64::from(s.deployment_count),
        ];
        for (sum, x) in a.sums.iter_mut().zip(v) {
            *sum += x;
        }
    }
    groups
        .into_iter()
        .map(|((cluster_id, ts), a)| {
            let n = f64::from(a.n);
            let m = |i: usize| a.sums[i] / n;
            let int = |i: usize| m(i).round() as i64;
            let count = |i: usize| m(i).round() as i32;
            ClusterSample {
                cluster_id,
                cpu_used_cores: m(0),
                cpu_allocatable_cores: m(1),
                memory_used_bytes: int(2),
                memory_allocatable_bytes: int(3),
                storage_used_bytes: int(4),
                storage_capacity_bytes: int(5),
                node_count: count(6),
                reporting_nodes: count(7),
                pod_count: count(8),
                service_count: count(9),
                deployment_count: count(10),
                resolution: resolution.to_owned(),
                timestamp: ts,
            }
        })
        .collect()
}

impl Downsampled for ClusterSample {
    type Entity = cluster_metric::Entity;
    const RESOLUTION: cluster_metric::Column = cluster_metric::Column::Resolution;
    const TIMESTAMP: cluster_metric::Column = cluster_metric::Column::Timestamp;

    fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }

    fn active(&self) -> cluster_metric::ActiveModel {
        cluster_metric::ActiveModel {
            cluster_id: Set(self.cluster_id),
            cpu_usage: Set(finite(self.cpu_usage())),
            memory_usage: Set(finite(self.memory_usage())),
            storage_usage: Set(finite(self.storage_usage())),
            cpu_used_cores: Set(finite(self.cpu_used_cores)),
            cpu_allocatable_cores: Set(finite(self.cpu_allocatable_cores)),
            memory_used_bytes: Set(self.memory_used_bytes),
            memory_allocatable_bytes: Set(self.memory_allocatable_bytes),
            storage_used_bytes: Set(self.storage_used_bytes),
            storage_capacity_bytes: Set(self.storage_capacity_bytes),
            node_count: Set(self.node_count),
            reporting_nodes: Set(self.reporting_nodes),
            pod_count: Set(self.pod_count),
            service_count: Set(self.service_count),
            deployment_count: Set(self.deployment_count),
            resolution: Set(self.resolution.clone()),
            timestamp: Set(whole_seconds(self.timestamp)),
            ..Default::default()
        }
    }

    fn average_by_bucket(samples: &[Self], step: Duration, resolution: &str) -> Vec<Self> {
        average_by_bucket(samples, step, resolution)
    }
}

impl Store {
    /// Saves cluster samples (raw or averages).
    pub async fn insert_cluster_samples(
        &self,
        samples: &[ClusterSample],
    ) -> Result<(), sea_orm::DbErr> {
        self.insert_samples(samples).await
    }

    /// The newest sample of a cluster, whatever its resolution.
    pub async fn latest_cluster_sample(
        &self,
        cluster_id: i64,
    ) -> Result<Option<ClusterSample>, sea_orm::DbErr> {
        Ok(cluster_metric::Entity::find()
            .filter(cluster_metric::Column::ClusterId.eq(cluster_id))
            .order_by_desc(cluster_metric::Column::Timestamp)
            .order_by_desc(cluster_metric::Column::Id)
            .one(self.conn())
            .await?
            .map(Into::into))
    }

    /// A cluster's samples with `from <= timestamp <= to`, oldest first, at most `limit` (raw and averages
    /// alike: they never overlap).
    pub async fn cluster_samples(
        &self,
        cluster_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<ClusterSample>, sea_orm::DbErr> {
        let q = cluster_metric::Entity::find()
            .filter(cluster_metric::Column::ClusterId.eq(cluster_id))
            .filter(cluster_metric::Column::Timestamp.gte(from))
            .filter(cluster_metric::Column::Timestamp.lte(to))
            .order_by_asc(cluster_metric::Column::Timestamp)
            .order_by_asc(cluster_metric::Column::Id)
            .limit(limit);
        Ok(crate::lagging_read!(self, |db| q.clone().all(db).await)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// How many samples a cluster has with `from <= timestamp <= to`.
    pub async fn count_cluster_samples(
        &self,
        cluster_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u64, sea_orm::DbErr> {
        cluster_metric::Entity::find()
            .filter(cluster_metric::Column::ClusterId.eq(cluster_id))
            .filter(cluster_metric::Column::Timestamp.gte(from))
            .filter(cluster_metric::Column::Timestamp.lte(to))
            .count(self.conn())
            .await
    }

    /// One retention pass of cluster metrics as of `now` ([`Store::apply_retention`]). Run it under a lease.
    pub async fn apply_cluster_metrics_retention(
        &self,
        policy: RetentionPolicy,
        now: DateTime<Utc>,
    ) -> Result<RetentionReport, sea_orm::DbErr> {
        self.apply_retention::<ClusterSample>(policy, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample(secs: i64, cpu: f64, pods: i32) -> ClusterSample {
        ClusterSample {
            cluster_id: 1,
            cpu_used_cores: cpu,
            cpu_allocatable_cores: 8.0,
            memory_used_bytes: 1_000,
            memory_allocatable_bytes: 4_000,
            storage_used_bytes: 10,
            storage_capacity_bytes: 100,
            node_count: 3,
            reporting_nodes: 3,
            pod_count: pods,
            service_count: 2,
            deployment_count: 1,
            resolution: crate::metric_history::RAW.into(),
            timestamp: Utc.timestamp_opt(secs, 0).unwrap(),
        }
    }

    #[test]
    fn usage_is_the_share_of_allocatable_and_capacity() {
        let s = sample(0, 2.0, 10);
        assert!((s.cpu_usage() - 25.0).abs() < 1e-9);
        assert!((s.memory_usage() - 25.0).abs() < 1e-9);
        assert!((s.storage_usage() - 10.0).abs() < 1e-9);
        let mut none = s.clone();
        none.cpu_allocatable_cores = 0.0;
        assert_eq!(
            none.cpu_usage(),
            0.0,
            "no reporting node is no usage, not NaN"
        );
    }

    #[test]
    fn averages_group_per_bucket_and_round_counts() {
        let rows = vec![
            sample(0, 1.0, 10),
            sample(100, 2.0, 11),
            sample(300, 4.0, 20),
        ];
        let avg = average_by_bucket(&rows, Duration::minutes(5), "5m");
        assert_eq!(avg.len(), 2);
        assert!((avg[0].cpu_used_cores - 1.5).abs() < 1e-9);
        assert_eq!(avg[0].pod_count, 11, "10.5 pods round to 11");
        assert_eq!(avg[0].timestamp.timestamp(), 0);
        assert_eq!(avg[1].timestamp.timestamp(), 300);
        assert_eq!(avg[1].pod_count, 20);
        assert!(avg.iter().all(|s| s.resolution == "5m"));
    }
}

//! Pod and container metrics history: one row per pod and sample (`container` empty) with its CPU, memory
//! working set, network rates and restarts, and one row per container (CPU and memory) for pods with more than
//! one container (a single container's figures are the pod's, so they are not stored twice). Raw samples are
//! folded into bucket averages and expired by the history tables' one mechanism ([`crate::metric_history`]),
//! under a policy of their own: there are far more pods than nodes, so pods are sampled less often and
//! averaged into longer buckets (see the row budget in `docs/architecture.md`).
//!
//! Network rates are unknown for a pod's first sample and after a counter reset; they are stored as `-1` and
//! read back as `None`, like node metrics.

use crate::Store;
use crate::entity::pod_metric;
use crate::metric_history::{Downsampled, bucket_start, whole_seconds};
pub use crate::metric_history::{RAW, RetentionPolicy, RetentionReport};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::BTreeMap;

/// Stored in the network columns when the rate is unknown.
const NO_RATE: i64 = -1;
/// Most rows one history read returns (a pod over 7 days holds a few hundred per series).
pub const MAX_READ_ROWS: u64 = 200_000;

/// One sample (or one average) of a pod (`container` empty) or of one of its containers.
#[derive(Debug, Clone, PartialEq)]
pub struct PodSample {
    /// Cluster id.
    pub cluster_id: i64,
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub pod_name: String,
    /// Empty for the pod's own figures, else the container's name.
    pub container: String,
    /// `Kind/name` of the workload owning the pod (`Deployment/web`), empty when none.
    pub workload: String,
    /// CPU in use, cores.
    pub cpu_cores: f64,
    /// Memory working set, bytes.
    pub memory_bytes: i64,
    /// Receive rate, bytes per second; `None` when unknown (first sample, counter reset, container rows).
    pub network_in: Option<i64>,
    /// Transmit rate, bytes per second; `None` when unknown.
    pub network_out: Option<i64>,
    /// Container restarts of the pod (0 on container rows).
    pub restarts: i32,
    /// `raw`, or the bucket length of an average (`1h`).
    pub resolution: String,
    /// When the sample was taken (whole seconds), or the start of the bucket.
    pub timestamp: DateTime<Utc>,
}

impl PodSample {
    /// True for the pod's own row (not a container's).
    pub fn is_pod(&self) -> bool {
        self.container.is_empty()
    }
}

impl From<pod_metric::Model> for PodSample {
    fn from(m: pod_metric::Model) -> Self {
        Self {
            cluster_id: m.cluster_id,
            namespace: m.namespace,
            pod_name: m.pod_name,
            container: m.container,
            workload: m.workload,
            cpu_cores: m.cpu_cores,
            memory_bytes: m.memory_bytes,
            network_in: (m.network_in >= 0).then_some(m.network_in),
            network_out: (m.network_out >= 0).then_some(m.network_out),
            restarts: m.restarts,
            resolution: m.resolution,
            timestamp: m.timestamp,
        }
    }
}

/// Averages samples per series (pod or container) and `step`-long bucket; each average carries `resolution`
/// and its bucket's start. Network averages take only the known rates (a bucket with none stays unknown);
/// restarts take the bucket's highest count (a cumulative counter: its average would hide the last restart).
/// Output is ordered by cluster, namespace, pod, container, time.
pub fn average_by_bucket(
    samples: &[PodSample],
    step: Duration,
    resolution: &str,
) -> Vec<PodSample> {
    #[derive(Default)]
    struct Acc<'a> {
        workload: &'a str,
        n: u32,
        cpu: f64,
        mem: i128,
        restarts: i32,
        rx: (i128, u32),
        tx: (i128, u32),
    }
    type Key<'a> = (i64, &'a str, &'a str, &'a str, DateTime<Utc>);
    let mut groups: BTreeMap<Key, Acc> = BTreeMap::new();
    for s in samples {
        let a = groups
            .entry((
                s.cluster_id,
                s.namespace.as_str(),
                s.pod_name.as_str(),
                s.container.as_str(),
                bucket_start(s.timestamp, step),
            ))
            .or_default();
        a.workload = &s.workload;
        a.n += 1;
        a.cpu += finite(s.cpu_cores);
        a.mem += i128::from(s.memory_bytes);
        a.restarts = a.restarts.max(s.restarts);
        if let Some(v) = s.network_in {
            a.rx = (a.rx.0 + i128::from(v), a.rx.1 + 1);
        }
        if let Some(v) = s.network_out {
            a.tx = (a.tx.0 + i128::from(v), a.tx.1 + 1);
        }
    }
    let avg = |(sum, n): (i128, u32)| (n > 0).then(|| (sum as f64 / f64::from(n)).round() as i64);
    groups
        .into_iter()
        .map(|((cluster_id, ns, pod, container, ts), a)| PodSample {
            cluster_id,
            namespace: ns.to_owned(),
            pod_name: pod.to_owned(),
            container: container.to_owned(),
            workload: a.workload.to_owned(),
            cpu_cores: a.cpu / f64::from(a.n),
            memory_bytes: avg((a.mem, a.n)).unwrap_or(0),
            network_in: avg(a.rx),
            network_out: avg(a.tx),
            restarts: a.restarts,
            resolution: resolution.to_owned(),
            timestamp: ts,
        })
        .collect()
}

fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

impl Store {
    /// Saves samples (raw or averages).
    pub async fn insert_pod_samples(&self, samples: &[PodSample]) -> Result<(), sea_orm::DbErr> {
        self.insert_samples(samples).await
    }

    /// A pod's rows (its own and its containers') with `from <= timestamp <= to`, oldest first.
    pub async fn pod_samples(
        &self,
        cluster_id: i64,
        namespace: &str,
        pod: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<PodSample>, sea_orm::DbErr> {
        let q = pod_metric::Entity::find()
            .filter(pod_metric::Column::ClusterId.eq(cluster_id))
            .filter(pod_metric::Column::Namespace.eq(namespace))
            .filter(pod_metric::Column::PodName.eq(pod))
            .filter(pod_metric::Column::Timestamp.gte(from))
            .filter(pod_metric::Column::Timestamp.lte(to))
            .order_by_asc(pod_metric::Column::Timestamp)
            .order_by_asc(pod_metric::Column::Id)
            .limit(MAX_READ_ROWS);
        Ok(crate::lagging_read!(self, |db| q.clone().all(db).await)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The pod rows (not containers') of every pod a workload (`Kind/name`) had with `from <= timestamp <= to`,
    /// oldest first: pods it has replaced since are part of its past.
    pub async fn workload_pod_samples(
        &self,
        cluster_id: i64,
        namespace: &str,
        workload: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<PodSample>, sea_orm::DbErr> {
        let q = pod_metric::Entity::find()
            .filter(pod_metric::Column::ClusterId.eq(cluster_id))
            .filter(pod_metric::Column::Namespace.eq(namespace))
            .filter(pod_metric::Column::Workload.eq(workload))
            .filter(pod_metric::Column::Container.eq(""))
            .filter(pod_metric::Column::Timestamp.gte(from))
            .filter(pod_metric::Column::Timestamp.lte(to))
            .order_by_asc(pod_metric::Column::Timestamp)
            .order_by_asc(pod_metric::Column::Id)
            .limit(MAX_READ_ROWS);
        Ok(crate::lagging_read!(self, |db| q.clone().all(db).await)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The newest pod row of a pod, whatever its resolution.
    pub async fn latest_pod_sample(
        &self,
        cluster_id: i64,
        namespace: &str,
        pod: &str,
    ) -> Result<Option<PodSample>, sea_orm::DbErr> {
        Ok(pod_metric::Entity::find()
            .filter(pod_metric::Column::ClusterId.eq(cluster_id))
            .filter(pod_metric::Column::Namespace.eq(namespace))
            .filter(pod_metric::Column::PodName.eq(pod))
            .filter(pod_metric::Column::Container.eq(""))
            .order_by_desc(pod_metric::Column::Timestamp)
            .order_by_desc(pod_metric::Column::Id)
            .one(self.conn())
            .await?
            .map(Into::into))
    }

    /// The newest pod row of a workload's pods, whatever its resolution.
    pub async fn latest_workload_sample(
        &self,
        cluster_id: i64,
        namespace: &str,
        workload: &str,
    ) -> Result<Option<PodSample>, sea_orm::DbErr> {
        Ok(pod_metric::Entity::find()
            .filter(pod_metric::Column::ClusterId.eq(cluster_id))
            .filter(pod_metric::Column::Namespace.eq(namespace))
            .filter(pod_metric::Column::Workload.eq(workload))
            .filter(pod_metric::Column::Container.eq(""))
            .order_by_desc(pod_metric::Column::Timestamp)
            .order_by_desc(pod_metric::Column::Id)
            .one(self.conn())
            .await?
            .map(Into::into))
    }

    /// Rows in the table (`resolution`: only those of that resolution).
    pub async fn count_pod_metric_rows(
        &self,
        resolution: Option<&str>,
    ) -> Result<u64, sea_orm::DbErr> {
        let mut q = pod_metric::Entity::find();
        if let Some(r) = resolution {
            q = q.filter(pod_metric::Column::Resolution.eq(r));
        }
        q.count(self.conn()).await
    }

    /// Rows of one pod (its own and its containers'), for the row budget.
    pub async fn count_pod_rows(
        &self,
        cluster_id: i64,
        namespace: &str,
        pod: &str,
    ) -> Result<u64, sea_orm::DbErr> {
        pod_metric::Entity::find()
            .filter(pod_metric::Column::ClusterId.eq(cluster_id))
            .filter(pod_metric::Column::Namespace.eq(namespace))
            .filter(pod_metric::Column::PodName.eq(pod))
            .count(self.conn())
            .await
    }

    /// One retention pass of pod metrics as of `now` ([`Store::apply_retention`]): a deleted pod's history goes
    /// when its last average expires. Run it under a lease.
    pub async fn apply_pod_metrics_retention(
        &self,
        policy: RetentionPolicy,
        now: DateTime<Utc>,
    ) -> Result<RetentionReport, sea_orm::DbErr> {
        self.apply_retention::<PodSample>(policy, now).await
    }
}

impl Downsampled for PodSample {
    type Entity = pod_metric::Entity;
    const RESOLUTION: pod_metric::Column = pod_metric::Column::Resolution;
    const TIMESTAMP: pod_metric::Column = pod_metric::Column::Timestamp;

    fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }

    fn active(&self) -> pod_metric::ActiveModel {
        pod_metric::ActiveModel {
            cluster_id: Set(self.cluster_id),
            namespace: Set(self.namespace.clone()),
            pod_name: Set(self.pod_name.clone()),
            container: Set(self.container.clone()),
            workload: Set(self.workload.clone()),
            cpu_cores: Set(finite(self.cpu_cores)),
            memory_bytes: Set(self.memory_bytes.max(0)),
            network_in: Set(self.network_in.filter(|v| *v >= 0).unwrap_or(NO_RATE)),
            network_out: Set(self.network_out.filter(|v| *v >= 0).unwrap_or(NO_RATE)),
            restarts: Set(self.restarts.max(0)),
            resolution: Set(self.resolution.clone()),
            timestamp: Set(whole_seconds(self.timestamp)),
            ..Default::default()
        }
    }

    fn average_by_bucket(samples: &[Self], step: Duration, resolution: &str) -> Vec<Self> {
        average_by_bucket(samples, step, resolution)
    }

    /// [`average_by_bucket`]'s averages computed by the database: CPU and memory averaged (memory rounded),
    /// network over the known rates only (`NO_RATE` when none), restarts the highest count. Plain SQL the three
    /// databases share (lower-case unquoted column names, `CASE`, `COALESCE`, `ROUND`, `AVG`, `MAX`).
    fn fold_in_database(
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        resolution: &str,
    ) -> Option<sea_orm::sea_query::InsertStatement> {
        use pod_metric::Column as C;
        use sea_orm::sea_query::{Expr, Query};
        let known = |col: &str| {
            Expr::cust(format!(
                "COALESCE(ROUND(AVG(CASE WHEN {col} >= 0 THEN {col} END)), {NO_RATE})"
            ))
        };
        let mut select = Query::select();
        select
            .columns([C::ClusterId, C::Namespace, C::PodName, C::Container])
            .expr(Expr::cust("MAX(workload)"))
            .expr(Expr::cust("AVG(cpu_cores)"))
            .expr(Expr::cust("ROUND(AVG(memory_bytes))"))
            .expr(known("network_in"))
            .expr(known("network_out"))
            .expr(Expr::cust("MAX(restarts)"))
            .expr(Expr::val(resolution.to_owned()))
            .expr(Expr::val(start))
            .from(pod_metric::Entity)
            .and_where(C::Resolution.eq(RAW))
            .and_where(C::Timestamp.gte(start))
            .and_where(C::Timestamp.lt(end))
            .group_by_columns([C::ClusterId, C::Namespace, C::PodName, C::Container]);
        let mut insert = Query::insert();
        insert
            .into_table(pod_metric::Entity)
            .columns([
                C::ClusterId,
                C::Namespace,
                C::PodName,
                C::Container,
                C::Workload,
                C::CpuCores,
                C::MemoryBytes,
                C::NetworkIn,
                C::NetworkOut,
                C::Restarts,
                C::Resolution,
                C::Timestamp,
            ])
            .select_from(select)
            .ok()?;
        Some(insert)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample(
        pod: &str,
        container: &str,
        secs: i64,
        cpu: f64,
        rx: Option<i64>,
        restarts: i32,
    ) -> PodSample {
        PodSample {
            cluster_id: 1,
            namespace: "shop".into(),
            pod_name: pod.into(),
            container: container.into(),
            workload: "Deployment/web".into(),
            cpu_cores: cpu,
            memory_bytes: (cpu * 1000.0) as i64,
            network_in: rx,
            network_out: rx.map(|v| v / 2),
            restarts,
            resolution: RAW.into(),
            timestamp: Utc.timestamp_opt(secs, 0).unwrap(),
        }
    }

    #[test]
    fn averages_group_per_pod_container_and_bucket() {
        let rows = vec![
            sample("a", "", 0, 1.0, Some(100), 0),
            sample("a", "", 60, 3.0, None, 2),
            sample("a", "app", 0, 0.5, None, 0),
            sample("a", "", 3600, 5.0, None, 2),
            sample("b", "", 30, 7.0, Some(8), 0),
        ];
        let avg = average_by_bucket(&rows, Duration::hours(1), "1h");
        assert_eq!(avg.len(), 4);
        let a0 = &avg[0];
        assert_eq!((a0.pod_name.as_str(), a0.container.as_str()), ("a", ""));
        assert!((a0.cpu_cores - 2.0).abs() < 1e-9);
        assert_eq!(a0.memory_bytes, 2000);
        assert_eq!(
            a0.network_in,
            Some(100),
            "unknown rates do not count as zero"
        );
        assert_eq!(a0.restarts, 2, "restarts keep the bucket's highest count");
        assert_eq!(a0.workload, "Deployment/web");
        assert_eq!(avg[1].timestamp.timestamp(), 3600);
        assert_eq!(avg[1].network_in, None);
        assert_eq!(avg[2].container, "app");
        assert_eq!(avg[3].pod_name, "b");
        assert!(avg.iter().all(|s| s.resolution == "1h"));
    }
}

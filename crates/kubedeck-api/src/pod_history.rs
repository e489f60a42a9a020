//! Pod and container metrics history: what the metrics collector stores of the pods in the kubelet summaries
//! it reads anyway, every [`PodHistorySettings::interval`] (coarser than nodes: a cluster has far more pods).
//!
//! - CPU and memory working set are the summary's, summed over the pod's containers as `kubectl top pod` does;
//!   container rows are stored only for pods with more than one container (a lone container's figures are the
//!   pod's).
//! - Network rates come from the pod's cumulative `network` counters between two pod samples, timed by the
//!   kubelet's readings; a counter that went down (the pod was recreated under the same name) gives no rate.
//! - Restarts and the owning workload come from the watched pod store: a ReplicaSet carrying the pod's
//!   `pod-template-hash` stands for its Deployment, so a Deployment's history spans its rollouts.
//! - Only pods the summaries list (running containers) get samples; a deleted pod's history stays readable
//!   until retention expires its last average.

use crate::metrics_collector::{Counters, counter_rate};
use chrono::{DateTime, Utc};
use kubedeck_kube::pods::PodLite;
use kubedeck_kube::usage::PodUsage;
use kubedeck_store::metric_history::RetentionPolicy;
use kubedeck_store::pod_metrics::{PodSample, RAW};
use std::collections::HashMap;
use std::time::Duration;

/// How often pods are sampled and how long their history lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodHistorySettings {
    /// Time between two pod samples (rounded up to the collector's interval).
    pub interval: Duration,
    /// How long raw samples are kept before they are folded into averages.
    pub raw_retention: Duration,
    /// Length of a downsampled bucket.
    pub bucket: Duration,
    /// How long averages are kept (and so a deleted pod's history).
    pub retention: Duration,
}

impl Default for PodHistorySettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(60),
            raw_retention: Duration::from_secs(3600),
            bucket: Duration::from_secs(3600),
            retention: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl PodHistorySettings {
    /// The store's retention policy.
    pub fn policy(&self) -> RetentionPolicy {
        let d = |v: Duration| {
            chrono::Duration::from_std(v.min(Duration::from_secs(100 * 365 * 24 * 3600)))
                .unwrap_or(chrono::Duration::days(36_500))
        };
        RetentionPolicy {
            raw_retention: d(self.raw_retention),
            bucket: d(self.bucket.max(Duration::from_secs(1))),
            downsampled_retention: d(self.retention),
        }
    }

    /// Most rows one series (a pod, or one container of a multi-container pod) holds.
    pub fn rows_per_series(&self) -> u64 {
        self.policy().rows_per_node(
            chrono::Duration::from_std(self.interval.max(Duration::from_secs(1)))
                .unwrap_or(chrono::Duration::seconds(60)),
        )
    }

    /// A pod whose newest sample is older than this stopped reporting (three missed samples).
    pub fn stale_after(&self) -> Duration {
        self.interval * 3
    }
}

/// A pod's cumulative network counters as one summary reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodNetwork {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// The counters and the kubelet's reading time.
    pub counters: Counters,
}

/// `Kind/name` of the workload that owns a pod, empty when none (a bare pod, or an owner Kubedeck does not
/// chart).
pub fn workload_of(pod: &PodLite) -> String {
    let (Some(kind), Some(name)) = (pod.owner_kind.as_deref(), pod.owner_name.as_deref()) else {
        return String::new();
    };
    match kind {
        "ReplicaSet" => match pod.labels.get("pod-template-hash") {
            // A Deployment names its ReplicaSets `<deployment>-<pod-template-hash>`.
            Some(hash) => match name.strip_suffix(hash).and_then(|n| n.strip_suffix('-')) {
                Some(deployment) => format!("Deployment/{deployment}"),
                None => format!("ReplicaSet/{name}"),
            },
            None => format!("ReplicaSet/{name}"),
        },
        "StatefulSet" | "DaemonSet" | "Job" => format!("{kind}/{name}"),
        _ => String::new(),
    }
}

/// Network counters kept between pod samples, per (cluster, namespace, pod).
pub type PodCounters = HashMap<(i64, String, String), Counters>;

/// The samples of one cluster's pass: one row per pod, plus one per container for pods with several. `pods`
/// looks a pod up in the watched store (restarts, owner); `prev` holds the last counters and is updated.
pub fn samples(
    cluster_id: i64,
    usage: &[PodUsage],
    network: &[PodNetwork],
    pods: impl Fn(&str, &str) -> Option<(i32, String)>,
    prev: &mut PodCounters,
    at: DateTime<Utc>,
) -> Vec<PodSample> {
    let net: HashMap<(&str, &str), &Counters> = network
        .iter()
        .map(|n| ((n.namespace.as_str(), n.name.as_str()), &n.counters))
        .collect();
    let mut out = Vec::with_capacity(usage.len());
    for p in usage {
        let (restarts, workload) = pods(&p.namespace, &p.name).unwrap_or_default();
        let key = (cluster_id, p.namespace.clone(), p.name.clone());
        let (mut rx, mut tx) = (None, None);
        if let Some(c) = net.get(&(p.namespace.as_str(), p.name.as_str())) {
            if let Some(before) = prev.get(&key) {
                let secs = (c.at - before.at).num_milliseconds() as f64 / 1000.0;
                rx = counter_rate(before.rx, c.rx, secs);
                tx = counter_rate(before.tx, c.tx, secs);
            }
            // Counters not refreshed since the last sample keep the older reading as the base.
            if !prev
                .get(&key)
                .is_some_and(|b| c.at <= b.at && c.rx >= b.rx && c.tx >= b.tx)
            {
                prev.insert(key, **c);
            }
        }
        let row = |container: &str, cpu: u64, mem: u64| PodSample {
            cluster_id,
            namespace: p.namespace.clone(),
            pod_name: p.name.clone(),
            container: container.to_owned(),
            workload: workload.clone(),
            cpu_cores: cpu as f64 / 1e9,
            memory_bytes: i64::try_from(mem).unwrap_or(i64::MAX),
            network_in: None,
            network_out: None,
            restarts: 0,
            resolution: RAW.into(),
            timestamp: at,
        };
        out.push(PodSample {
            network_in: rx,
            network_out: tx,
            restarts,
            ..row("", p.cpu_nanocores, p.memory_bytes)
        });
        if p.containers.len() > 1 {
            out.extend(
                p.containers
                    .iter()
                    .map(|c| row(&c.name, c.cpu_nanocores, c.memory_bytes)),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubedeck_kube::usage::ContainerUsage;

    fn pod(name: &str, containers: &[(&str, u64)]) -> PodUsage {
        PodUsage {
            namespace: "shop".into(),
            name: name.into(),
            node: "w1".into(),
            cpu_nanocores: containers.iter().map(|c| c.1).sum(),
            memory_bytes: 1 << 20,
            containers: containers
                .iter()
                .map(|(n, cpu)| ContainerUsage {
                    name: (*n).into(),
                    cpu_nanocores: *cpu,
                    memory_bytes: 1 << 19,
                })
                .collect(),
        }
    }

    fn net(name: &str, rx: u64, secs: i64) -> PodNetwork {
        PodNetwork {
            namespace: "shop".into(),
            name: name.into(),
            counters: Counters {
                rx,
                tx: rx / 2,
                at: DateTime::from_timestamp(secs, 0).unwrap(),
            },
        }
    }

    #[test]
    fn rates_come_from_counters_between_pod_samples_and_containers_only_when_several() {
        let usage = vec![
            pod("web-1", &[("app", 250_000_000)]),
            pod("db-0", &[("db", 1), ("sidecar", 2)]),
        ];
        let lookup = |_: &str, name: &str| {
            Some((
                if name == "web-1" { 3 } else { 0 },
                "Deployment/web".to_string(),
            ))
        };
        let mut prev = PodCounters::new();
        let now = Utc::now();
        let first = samples(1, &usage, &[net("web-1", 1000, 0)], lookup, &mut prev, now);
        assert_eq!(first.len(), 1 + 3, "a lone container is not stored twice");
        assert_eq!(
            first[0].network_in, None,
            "no rate without a previous reading"
        );
        assert_eq!(first[0].restarts, 3);
        assert!((first[0].cpu_cores - 0.25).abs() < 1e-12);
        assert_eq!(first[2].container, "db");
        let second = samples(1, &usage, &[net("web-1", 7000, 60)], lookup, &mut prev, now);
        assert_eq!(
            (second[0].network_in, second[0].network_out),
            (Some(100), Some(50))
        );
        // Recreated under the same name: counters start again, no rate.
        let third = samples(1, &usage, &[net("web-1", 10, 120)], lookup, &mut prev, now);
        assert_eq!(third[0].network_in, None);
    }
}

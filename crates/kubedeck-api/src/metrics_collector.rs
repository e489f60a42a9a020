//! Node metrics collection (the spec's NodeMetrics): every `interval`, for each cluster this replica syncs,
//! read each Ready node's kubelet summary through the API server proxy
//! (`/api/v1/nodes/{name}/proxy/stats/summary`, no metrics-server needed) and store one sample per node.
//!
//! - CPU is `usageNanoCores` as a percentage of the node's allocatable CPU; memory is the working set as a
//!   percentage of allocatable memory; disk is the node filesystem's used bytes over its capacity; pods are the
//!   pods the summary lists.
//! - Network rates come from the default interface's cumulative counters (`node.network.rxBytes/txBytes`,
//!   else the sum of `interfaces`), divided by the time between the two readings' `time` stamps. The previous
//!   reading per node is kept in memory; a counter that went down (kubelet or interface restart) gives no rate
//!   for that sample, never a negative or huge one; the first sample after start has no rate either.
//! - Only clusters in `hub.running()` are scraped: the sync loop runs a handle only for clusters whose lease
//!   (`sync:cluster:{id}`) this replica holds, and each scrape first checks that the lease is still ours, so one
//!   replica scrapes a cluster at a time.
//! - A node that is not Ready (or whose summary cannot be read) gets no sample, so its latest sample ages and
//!   the API shows it as stale instead of presenting an old figure as current.
//! - The same summaries carry the kubelet's volume stats of mounted claims (`pods[].volume[]` with `pvcRef`):
//!   one [`VolumeSample`] per claim and scrape (used / capacity bytes, inodes) for the claim's usage history.
//! - The same pass gives the cluster's sample (the spec's ClusterMetrics): the sums of the reporting nodes' CPU,
//!   memory working set and node filesystems over their allocatable CPU and memory and their capacity, with the
//!   node, pod, service and deployment counts of this replica's watched stores. Every sample of a pass (nodes'
//!   and cluster's) carries the pass's time. A cluster whose stores have not synced yet gets no sample.
//! - The summaries' pods and containers (CPU, working set) become the handle's [`UsageSnapshot`]: "top pods"
//!   and "top nodes" read it, in `kubectl top`'s units.
//! - Every `pods.interval` the same pods become pod and container history ([`crate::pod_history`]), with
//!   network rates from the pods' own counters and restarts from the watched pod store.
//! - Retention (raw → bucket averages → deleted) runs under the lease `metrics:retention`, at least once per
//!   bucket, for node, cluster and pod metrics alike (one mechanism, `kubedeck_store::metric_history`); the same pass
//!   removes the node history of clusters that were deleted (cluster metrics go with their cluster's row).

use crate::state::AppState;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Node;
use kubedeck_kube::error::{ClusterError, within};
use kubedeck_kube::hub::ClusterHandle;
use kubedeck_kube::usage::{ContainerUsage, NodeUsage, PodUsage, UsageSnapshot};
use kubedeck_store::cluster_metrics::ClusterSample;
use kubedeck_store::node_metrics::{NodeSample, RAW, RetentionPolicy, whole_seconds};
use kubedeck_store::volume_metrics::VolumeSample;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Collection and retention settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsSettings {
    /// Time between scrapes of a node.
    pub interval: Duration,
    /// How long raw samples are kept before they are folded into averages.
    pub raw_retention: Duration,
    /// Length of a downsampled bucket.
    pub bucket: Duration,
    /// How long averages are kept.
    pub downsampled_retention: Duration,
    /// Nodes scraped at the same time, per cluster.
    pub concurrency: usize,
    /// Pod and container history: its own interval and retention.
    pub pods: crate::pod_history::PodHistorySettings,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(30),
            raw_retention: Duration::from_secs(24 * 3600),
            bucket: Duration::from_secs(300),
            downsampled_retention: Duration::from_secs(30 * 24 * 3600),
            concurrency: 16,
            pods: Default::default(),
        }
    }
}

impl MetricsSettings {
    /// The store's retention policy.
    pub fn policy(&self) -> RetentionPolicy {
        // Capped at 100 years so date arithmetic cannot overflow whatever is configured.
        let d = |v: Duration| {
            chrono::Duration::from_std(v.min(CENTURY)).unwrap_or(chrono::Duration::days(36_500))
        };
        RetentionPolicy {
            raw_retention: d(self.raw_retention),
            bucket: d(self.bucket.max(Duration::from_secs(1))),
            downsampled_retention: d(self.downsampled_retention),
        }
    }

    /// A sample older than this is not current (three missed scrapes).
    pub fn stale_after(&self) -> Duration {
        self.interval * 3
    }

    /// Deadline of one node's summary call.
    fn scrape_timeout(&self) -> Duration {
        self.interval
            .clamp(Duration::from_secs(1), Duration::from_secs(10))
    }

    /// Time between retention passes (at least once per bucket, so the table stays within its budget).
    fn retention_every(&self) -> Duration {
        self.bucket
            .clamp(Duration::from_secs(1), Duration::from_secs(300))
    }
}

/// What a node may give its pods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allocatable {
    /// CPU cores.
    pub cpu_cores: f64,
    /// Memory, bytes.
    pub memory_bytes: f64,
}

impl Allocatable {
    /// From the node's `status.allocatable`, when both figures are there and positive.
    pub fn of(node: &Node) -> Option<Allocatable> {
        let a = node.status.as_ref()?.allocatable.as_ref()?;
        let cpu_cores = kubedeck_kube::quantity::value(&a.get("cpu")?.0)?;
        let memory_bytes = kubedeck_kube::quantity::value(&a.get("memory")?.0)?;
        (cpu_cores > 0.0 && memory_bytes > 0.0).then_some(Allocatable {
            cpu_cores,
            memory_bytes,
        })
    }
}

/// Whether the node's Ready condition is True.
pub fn node_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// A node's cumulative network counters and when they were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// Received bytes.
    pub rx: u64,
    /// Transmitted bytes.
    pub tx: u64,
    /// When the kubelet read them.
    pub at: DateTime<Utc>,
}

/// One node's usage, computed from one summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    /// CPU, percent of allocatable.
    pub cpu_pct: f64,
    /// Memory working set, percent of allocatable.
    pub memory_pct: f64,
    /// Node filesystem used, percent of capacity.
    pub disk_pct: f64,
    /// Receive rate, bytes per second (None: first reading or counter reset).
    pub rx_rate: Option<i64>,
    /// Transmit rate, bytes per second.
    pub tx_rate: Option<i64>,
    /// Pods in the summary.
    pub pods: i32,
    /// CPU in use, nanocores.
    pub cpu_nanocores: f64,
    /// Memory working set, bytes.
    pub memory_bytes: f64,
    /// Node filesystem used, bytes.
    pub fs_used_bytes: f64,
    /// Node filesystem capacity, bytes.
    pub fs_capacity_bytes: f64,
}

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_f64()
}

fn time_at(v: &Value, path: &[&str]) -> Option<DateTime<Utc>> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    DateTime::parse_from_rfc3339(cur.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Bytes per second between two readings of a counter; none when it went down (a reset) or time did not pass.
pub fn counter_rate(prev: u64, cur: u64, seconds: f64) -> Option<i64> {
    if cur < prev || seconds <= 0.0 || !seconds.is_finite() {
        return None;
    }
    let r = ((cur - prev) as f64 / seconds).round();
    (r <= i64::MAX as f64).then_some(r as i64)
}

/// What the collector reads of a kubelet summary: the node section, the number of pods, the stats of the
/// claims they mount and the pods' and containers' CPU and working set. Everything else of the pods is skipped
/// while parsing, not kept: a node's summary lists every pod with its containers and volumes, and holding 50
/// parsed summaries of 400 pods each grew the server by ≈ 190 MB at 20,000 pods.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct KubeletSummary {
    /// `node`: CPU, memory, fs and network figures of the node.
    #[serde(default)]
    pub node: Option<Value>,
    /// How many pods `pods` lists, and their claims' volume stats.
    #[serde(default, deserialize_with = "pods_seen")]
    pub pods: PodsSeen,
}

/// What the collector keeps of a summary's `pods`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PodsSeen {
    /// How many pods the summary lists.
    pub count: usize,
    /// `pods[].volume[]` entries with a `pvcRef` (a mounted PersistentVolumeClaim).
    pub claims: Vec<ClaimStats>,
    /// Pods with at least one container with figures (`node` left empty: the summary's node fills it).
    pub usage: Vec<PodUsage>,
    /// The pods' cumulative network counters (`pods[].network`).
    pub network: Vec<crate::pod_history::PodNetwork>,
}

/// One mounted claim's volume stats (`pods[].volume[]` of the kubelet's summary).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimStats {
    /// The claim (`pvcRef`).
    pub pvc_ref: PvcRef,
    /// Bytes used.
    #[serde(default)]
    pub used_bytes: Option<u64>,
    /// The filesystem's capacity.
    #[serde(default)]
    pub capacity_bytes: Option<u64>,
    /// Inodes used.
    #[serde(default)]
    pub inodes_used: Option<u64>,
    /// Inodes in all.
    #[serde(default)]
    pub inodes: Option<u64>,
}

/// `pvcRef`: the claim a volume stat is about.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct PvcRef {
    /// Claim name.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
}

/// Of a pod, only its name, its containers' CPU and memory and its volumes are read (everything else is
/// skipped by serde).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodVolumes {
    #[serde(default)]
    pod_ref: Option<PodRef>,
    #[serde(default)]
    containers: Option<Vec<ContainerEntry>>,
    #[serde(default)]
    volume: Option<Vec<VolumeEntry>>,
    #[serde(default)]
    network: Option<NetworkEntry>,
}

/// A pod's default interface counters (`pods[].network`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct NetworkEntry {
    #[serde(default)]
    time: Option<DateTime<Utc>>,
    #[serde(default)]
    rx_bytes: Option<u64>,
    #[serde(default)]
    tx_bytes: Option<u64>,
}

/// `podRef`: which pod a summary entry is about.
#[derive(serde::Deserialize)]
struct PodRef {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

#[derive(serde::Deserialize)]
struct ContainerEntry {
    name: String,
    #[serde(default)]
    cpu: Option<CpuEntry>,
    #[serde(default)]
    memory: Option<MemoryEntry>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CpuEntry {
    #[serde(default)]
    usage_nano_cores: Option<u64>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MemoryEntry {
    #[serde(default)]
    working_set_bytes: Option<u64>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct VolumeEntry {
    #[serde(default)]
    pvc_ref: Option<PvcRef>,
    #[serde(default)]
    used_bytes: Option<u64>,
    #[serde(default)]
    capacity_bytes: Option<u64>,
    #[serde(default)]
    inodes_used: Option<u64>,
    #[serde(default)]
    inodes: Option<u64>,
}

fn pods_seen<'de, D: serde::Deserializer<'de>>(d: D) -> Result<PodsSeen, D::Error> {
    struct Seen;
    impl<'de> serde::de::Visitor<'de> for Seen {
        type Value = PodsSeen;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<PodsSeen, A::Error> {
            let mut seen = PodsSeen::default();
            while let Some(p) = seq.next_element::<PodVolumes>()? {
                seen.count += 1;
                // As metrics-server: a container counts when the kubelet reports both figures.
                let containers: Vec<ContainerUsage> = p
                    .containers
                    .into_iter()
                    .flatten()
                    .filter_map(|c| {
                        Some(ContainerUsage {
                            cpu_nanocores: c.cpu?.usage_nano_cores?,
                            memory_bytes: c.memory?.working_set_bytes?,
                            name: c.name,
                        })
                    })
                    .collect();
                if let (Some(r), Some(n)) = (&p.pod_ref, &p.network)
                    && let (Some(rx), Some(tx), Some(at)) = (n.rx_bytes, n.tx_bytes, n.time)
                {
                    seen.network.push(crate::pod_history::PodNetwork {
                        namespace: r.namespace.clone(),
                        name: r.name.clone(),
                        counters: Counters { rx, tx, at },
                    });
                }
                if let Some(r) = p.pod_ref
                    && !containers.is_empty()
                {
                    seen.usage.push(PodUsage {
                        namespace: r.namespace,
                        name: r.name,
                        node: String::new(),
                        cpu_nanocores: containers.iter().map(|c| c.cpu_nanocores).sum(),
                        memory_bytes: containers.iter().map(|c| c.memory_bytes).sum(),
                        containers,
                    });
                }
                for v in p.volume.into_iter().flatten() {
                    if let Some(pvc_ref) = v.pvc_ref {
                        seen.claims.push(ClaimStats {
                            pvc_ref,
                            used_bytes: v.used_bytes,
                            capacity_bytes: v.capacity_bytes,
                            inodes_used: v.inodes_used,
                            inodes: v.inodes,
                        });
                    }
                }
            }
            Ok(seen)
        }
        fn visit_unit<E>(self) -> Result<PodsSeen, E> {
            Ok(PodsSeen::default())
        }
    }
    d.deserialize_any(Seen)
}

/// The volume samples of a summary's mounted claims (those with used and capacity figures), once per claim
/// (several pods may mount one claim).
pub fn volume_samples(
    cluster_id: i64,
    summary: &KubeletSummary,
    at: DateTime<Utc>,
) -> Vec<VolumeSample> {
    let mut out: Vec<VolumeSample> = Vec::new();
    for c in &summary.pods.claims {
        let (Some(used), Some(capacity)) = (c.used_bytes, c.capacity_bytes) else {
            continue;
        };
        if out
            .iter()
            .any(|s| s.namespace == c.pvc_ref.namespace && s.claim == c.pvc_ref.name)
        {
            continue;
        }
        let n = |v: Option<u64>| v.map_or(0, |v| i64::try_from(v).unwrap_or(i64::MAX));
        out.push(VolumeSample {
            cluster_id,
            namespace: c.pvc_ref.namespace.clone(),
            claim: c.pvc_ref.name.clone(),
            used_bytes: n(Some(used)),
            capacity_bytes: n(Some(capacity)),
            inodes_used: n(c.inodes_used),
            inodes: n(c.inodes),
            timestamp: at,
        });
    }
    out
}

/// The node's network counters: the default interface's figures, or the sum of the listed interfaces.
fn network_counters(node: &Value, fallback_time: DateTime<Utc>) -> Option<Counters> {
    let net = node.get("network")?;
    let at = time_at(net, &["time"]).unwrap_or(fallback_time);
    let as_u64 = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64);
    if let (Some(rx), Some(tx)) = (as_u64(net, "rxBytes"), as_u64(net, "txBytes")) {
        return Some(Counters { rx, tx, at });
    }
    let ifaces = net.get("interfaces")?.as_array()?;
    if ifaces.is_empty() {
        return None;
    }
    let (mut rx, mut tx) = (0u64, 0u64);
    for i in ifaces {
        rx = rx.saturating_add(as_u64(i, "rxBytes")?);
        tx = tx.saturating_add(as_u64(i, "txBytes")?);
    }
    Some(Counters { rx, tx, at })
}

/// Usage from a kubelet summary, the node's allocatable resources and the node's previous counters.
/// Returns the usage and the counters to keep for the next sample.
pub fn compute_usage(
    summary: &KubeletSummary,
    alloc: &Allocatable,
    prev: Option<&Counters>,
    now: DateTime<Utc>,
) -> Result<(Usage, Option<Counters>), String> {
    let node = summary
        .node
        .as_ref()
        .ok_or("the summary has no node section")?;
    let cpu = num(node, &["cpu", "usageNanoCores"])
        .ok_or("the summary has no node cpu.usageNanoCores")?;
    let ws = num(node, &["memory", "workingSetBytes"])
        .ok_or("the summary has no node memory.workingSetBytes")?;
    let used = num(node, &["fs", "usedBytes"]).ok_or("the summary has no node fs.usedBytes")?;
    let capacity = num(node, &["fs", "capacityBytes"])
        .filter(|c| *c > 0.0)
        .ok_or("the summary has no node fs.capacityBytes")?;
    let pods = summary.pods.count;
    let counters = network_counters(node, now);
    let (rx_rate, tx_rate) = match (prev, counters) {
        (Some(p), Some(c)) => {
            let secs = (c.at - p.at).num_milliseconds() as f64 / 1000.0;
            (
                counter_rate(p.rx, c.rx, secs),
                counter_rate(p.tx, c.tx, secs),
            )
        }
        _ => (None, None),
    };
    // Counters read at the same instant as the previous ones were not refreshed: keep the older reading.
    let keep = match (prev, counters) {
        (Some(p), Some(c)) if c.at <= p.at && c.rx >= p.rx && c.tx >= p.tx => Some(*p),
        _ => counters,
    };
    let usage = Usage {
        cpu_pct: cpu / (alloc.cpu_cores * 1e9) * 100.0,
        memory_pct: ws / alloc.memory_bytes * 100.0,
        disk_pct: used / capacity * 100.0,
        rx_rate,
        tx_rate,
        pods: i32::try_from(pods).unwrap_or(i32::MAX),
        cpu_nanocores: cpu,
        memory_bytes: ws,
        fs_used_bytes: used,
        fs_capacity_bytes: capacity,
    };
    Ok((usage, keep))
}

/// Reads a node's kubelet summary through the API server proxy.
pub async fn fetch_summary(
    client: &kube::Client,
    node: &str,
    limit: Duration,
) -> Result<KubeletSummary, ClusterError> {
    let path = format!("/api/v1/nodes/{node}/proxy/stats/summary");
    let req = axum::http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| ClusterError::Other(e.to_string()))?;
    within(limit, client.request::<KubeletSummary>(req)).await
}

/// One node's scrape result, before the usage is computed.
struct Scraped {
    cluster_id: i64,
    node: String,
    alloc: Allocatable,
    at: DateTime<Utc>,
    summary: Result<KubeletSummary, ClusterError>,
}

/// One cluster's pass: its handle and its nodes' results.
struct ClusterScrape {
    handle: Arc<ClusterHandle>,
    nodes: Vec<Scraped>,
}

/// The node, pod, service and deployment counts of this replica's watched stores, once all four have synced.
pub fn object_counts(handle: &ClusterHandle) -> Option<[i32; 4]> {
    let n = |v: usize| i32::try_from(v).unwrap_or(i32::MAX);
    let nodes = handle.node_counts()?.node_count;
    let pods = handle
        .pods
        .synced()
        .then(|| handle.pods.read(|m| m.len()))?;
    let stores = handle.resources.stores();
    let kind = |name: &str| {
        stores
            .iter()
            .find(|s| s.served.name == name && s.rows.synced())
            .map(|s| s.rows.read(|m| m.len()))
    };
    Some([
        nodes,
        n(pods),
        n(kind("services")?),
        n(kind("deployments")?),
    ])
}

async fn scrape_cluster(
    state: &AppState,
    cluster_id: i64,
    settings: &MetricsSettings,
    at: DateTime<Utc>,
) -> Option<ClusterScrape> {
    let handle = state.hub.get(cluster_id)?;
    if !handle.nodes_synced() {
        return None;
    }
    // The handle outlives a lost lease until the sync loop's next attempt: ask the database who holds it now.
    match state
        .store
        .lease_holder(&format!("sync:cluster:{cluster_id}"))
        .await
    {
        Ok(Some(holder)) if holder == state.replica_id => {}
        Ok(_) => return None,
        Err(e) => {
            tracing::warn!(
                cluster_id,
                "node metrics: cannot read the cluster's lease: {e}"
            );
            return None;
        }
    }
    let targets: Vec<(String, Allocatable)> = handle
        .nodes
        .state()
        .iter()
        .filter(|n| node_ready(n))
        .filter_map(|n| Some((n.metadata.name.clone()?, Allocatable::of(n)?)))
        .collect();
    let limit = settings.scrape_timeout();
    let client = handle.client.clone();
    let nodes = futures::stream::iter(targets)
        .map(|(node, alloc)| {
            let client = client.clone();
            async move {
                let summary = fetch_summary(&client, &node, limit).await;
                Scraped {
                    cluster_id,
                    node,
                    alloc,
                    at,
                    summary,
                }
            }
        })
        .buffer_unordered(settings.concurrency.max(1))
        .collect()
        .await;
    Some(ClusterScrape { handle, nodes })
}

/// What one cluster's pass adds up to: the sums behind its sample and the figures behind "top".
#[derive(Default)]
struct ClusterPass {
    cpu_nanocores: f64,
    cpu_allocatable_cores: f64,
    memory_bytes: f64,
    memory_allocatable_bytes: f64,
    fs_used_bytes: f64,
    fs_capacity_bytes: f64,
    usage: UsageSnapshot,
    network: Vec<crate::pod_history::PodNetwork>,
}

impl ClusterPass {
    fn add(&mut self, node: &str, u: &Usage, alloc: &Allocatable, pods: Vec<PodUsage>) {
        self.cpu_nanocores += u.cpu_nanocores;
        self.cpu_allocatable_cores += alloc.cpu_cores;
        self.memory_bytes += u.memory_bytes;
        self.memory_allocatable_bytes += alloc.memory_bytes;
        self.fs_used_bytes += u.fs_used_bytes;
        self.fs_capacity_bytes += u.fs_capacity_bytes;
        self.usage.nodes.push(NodeUsage {
            name: node.to_owned(),
            cpu_nanocores: u.cpu_nanocores.max(0.0) as u64,
            memory_bytes: u.memory_bytes.max(0.0) as u64,
            cpu_allocatable_cores: alloc.cpu_cores,
            memory_allocatable_bytes: alloc.memory_bytes,
        });
        self.usage.pods.extend(pods.into_iter().map(|p| PodUsage {
            node: node.to_owned(),
            ..p
        }));
    }

    /// The cluster's sample, with the counts of its stores.
    fn sample(&self, cluster_id: i64, counts: [i32; 4], at: DateTime<Utc>) -> ClusterSample {
        let int = |v: f64| v.max(0.0).min(i64::MAX as f64) as i64;
        ClusterSample {
            cluster_id,
            cpu_used_cores: self.cpu_nanocores / 1e9,
            cpu_allocatable_cores: self.cpu_allocatable_cores,
            memory_used_bytes: int(self.memory_bytes),
            memory_allocatable_bytes: int(self.memory_allocatable_bytes),
            storage_used_bytes: int(self.fs_used_bytes),
            storage_capacity_bytes: int(self.fs_capacity_bytes),
            node_count: counts[0],
            reporting_nodes: i32::try_from(self.usage.nodes.len()).unwrap_or(i32::MAX),
            pod_count: counts[1],
            service_count: counts[2],
            deployment_count: counts[3],
            resolution: RAW.into(),
            timestamp: at,
        }
    }
}

/// The pod history samples of one cluster's pass, with restarts and owners from the watched pod store.
fn pod_history_samples(
    handle: &ClusterHandle,
    pass: &ClusterPass,
    prev: &mut crate::pod_history::PodCounters,
    at: DateTime<Utc>,
) -> Vec<kubedeck_store::pod_metrics::PodSample> {
    use kubedeck_kube::intern::Sym;
    handle.pods.read(|pods| {
        crate::pod_history::samples(
            handle.cluster_id,
            &pass.usage.pods,
            &pass.network,
            |ns, name| {
                pods.get(&(Sym::intern(ns), Sym::intern(name)))
                    .map(|p| (p.restarts, crate::pod_history::workload_of(p)))
            },
            prev,
            at,
        )
    })
}

/// Deletes the history of clusters that no longer exist.
async fn forget_deleted_clusters(state: &AppState) {
    let (with_history, clusters) = match (
        state.store.node_metrics_cluster_ids().await,
        state.store.all_clusters().await,
    ) {
        (Ok(h), Ok(c)) => (h, c),
        (Err(e), _) | (_, Err(e)) => return tracing::warn!("node metrics clean-up: {e}"),
    };
    for id in with_history
        .into_iter()
        .filter(|id| !clusters.iter().any(|c| c.id == *id))
    {
        match state.store.delete_cluster_node_metrics(id).await {
            Ok(n) => tracing::info!(
                cluster_id = id,
                rows = n,
                "node metrics of a deleted cluster removed"
            ),
            Err(e) => tracing::warn!(cluster_id = id, "node metrics clean-up: {e}"),
        }
    }
}

/// Deletes volume samples older than the downsampled retention (volume history is kept raw) and those of
/// deleted clusters.
async fn expire_volume_metrics(state: &AppState, settings: &MetricsSettings) {
    let clusters = match state.store.all_clusters().await {
        Ok(c) => c.into_iter().map(|c| c.id).collect::<Vec<_>>(),
        Err(e) => return tracing::warn!("volume metrics clean-up: {e}"),
    };
    let before = Utc::now() - settings.policy().downsampled_retention;
    if let Err(e) = state.store.expire_volume_metrics(before, &clusters).await {
        tracing::warn!("volume metrics retention failed: {e}");
    }
}

/// Runs until `cancel`: scrapes every `interval`, and applies retention under its lease.
pub async fn run(state: AppState, settings: MetricsSettings, cancel: CancellationToken) {
    let interval = settings.interval.max(Duration::from_secs(1));
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut prev: HashMap<(i64, String), Counters> = HashMap::new();
    let mut prev_pods = crate::pod_history::PodCounters::new();
    let mut next_pod_sample = tokio::time::Instant::now();
    let mut next_retention = tokio::time::Instant::now();
    let retention_lease_ttl = chrono::Duration::from_std(settings.retention_every() * 3)
        .unwrap_or(chrono::Duration::minutes(15));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        let clusters = state.hub.running();
        let at = whole_seconds(Utc::now());
        let scraped = tokio::select! {
            _ = cancel.cancelled() => break,
            s = futures::future::join_all(clusters.iter().map(|id| scrape_cluster(&state, *id, &settings, at))) => s,
        };
        let mut samples = Vec::new();
        let mut volumes = Vec::new();
        let mut cluster_samples = Vec::new();
        let mut pod_samples = Vec::new();
        let pods_due = tokio::time::Instant::now() >= next_pod_sample;
        if pods_due {
            next_pod_sample = tokio::time::Instant::now() + settings.pods.interval;
        }
        for cluster in scraped.into_iter().flatten() {
            let mut pass = ClusterPass::default();
            for s in cluster.nodes {
                let key = (s.cluster_id, s.node.clone());
                let summary = match s.summary {
                    Ok(v) => v,
                    Err(e) => {
                        metrics::counter!("kubedeck_node_metrics_scrapes_total", "outcome" => "failed")
                        .increment(1);
                        tracing::debug!(cluster_id = s.cluster_id, node = %s.node, "node summary unavailable: {e}");
                        continue;
                    }
                };
                metrics::counter!("kubedeck_node_metrics_scrapes_total", "outcome" => "ok")
                    .increment(1);
                volumes.extend(volume_samples(s.cluster_id, &summary, s.at));
                match compute_usage(&summary, &s.alloc, prev.get(&key), s.at) {
                    Ok((u, counters)) => {
                        match counters {
                            Some(c) => prev.insert(key, c),
                            None => prev.remove(&key),
                        };
                        pass.network.extend(summary.pods.network);
                        pass.add(&s.node, &u, &s.alloc, summary.pods.usage);
                        samples.push(NodeSample {
                            cluster_id: s.cluster_id,
                            node_name: s.node,
                            cpu_usage: u.cpu_pct,
                            memory_usage: u.memory_pct,
                            disk_usage: u.disk_pct,
                            network_in: u.rx_rate,
                            network_out: u.tx_rate,
                            pod_count: u.pods,
                            resolution: RAW.into(),
                            timestamp: s.at,
                        });
                    }
                    Err(e) => {
                        tracing::debug!(cluster_id = s.cluster_id, node = %s.node, "node summary unusable: {e}")
                    }
                }
            }
            let id = cluster.handle.cluster_id;
            match object_counts(&cluster.handle) {
                Some(counts) => cluster_samples.push(pass.sample(id, counts, at)),
                None => tracing::debug!(
                    cluster_id = id,
                    "cluster metrics: the watched stores have not synced yet"
                ),
            }
            if pods_due {
                pod_samples.extend(pod_history_samples(
                    &cluster.handle,
                    &pass,
                    &mut prev_pods,
                    at,
                ));
            }
            pass.usage.collected_at = Some(at);
            cluster.handle.usage.set(pass.usage);
        }
        // Forget counters of nodes not read for a while (removed, or another replica took the cluster).
        let horizon = Utc::now()
            - chrono::Duration::from_std(interval * 10).unwrap_or(chrono::Duration::minutes(5));
        prev.retain(|(c, _), v| v.at > horizon && clusters.contains(c));
        let pod_horizon = Utc::now()
            - chrono::Duration::from_std(settings.pods.interval.max(interval) * 10)
                .unwrap_or(chrono::Duration::minutes(10));
        prev_pods.retain(|(c, _, _), v| v.at > pod_horizon && clusters.contains(c));
        if !pod_samples.is_empty()
            && let Err(e) = state.store.insert_pod_samples(&pod_samples).await
        {
            tracing::warn!("could not save pod metrics: {e}");
        }
        if !samples.is_empty()
            && let Err(e) = state.store.insert_node_samples(&samples).await
        {
            tracing::warn!("could not save node metrics: {e}");
        }
        if !volumes.is_empty()
            && let Err(e) = state.store.insert_volume_samples(&volumes).await
        {
            tracing::warn!("could not save volume metrics: {e}");
        }
        if !cluster_samples.is_empty()
            && let Err(e) = state.store.insert_cluster_samples(&cluster_samples).await
        {
            tracing::warn!("could not save cluster metrics: {e}");
        }
        if tokio::time::Instant::now() >= next_retention {
            next_retention = tokio::time::Instant::now() + settings.retention_every();
            match state
                .store
                .try_acquire_lease("metrics:retention", &state.replica_id, retention_lease_ttl)
                .await
            {
                Ok(Some(_)) => {
                    match state
                        .store
                        .apply_node_metrics_retention(settings.policy(), Utc::now())
                        .await
                    {
                        Ok(r) if r != Default::default() => tracing::info!(
                            raw_folded = r.raw_folded,
                            averages_written = r.averages_written,
                            expired_deleted = r.expired_deleted,
                            "node metrics retention"
                        ),
                        Ok(_) => {}
                        Err(e) => tracing::warn!("node metrics retention failed: {e}"),
                    }
                    match state
                        .store
                        .apply_cluster_metrics_retention(settings.policy(), Utc::now())
                        .await
                    {
                        Ok(r) if r != Default::default() => tracing::info!(
                            raw_folded = r.raw_folded,
                            averages_written = r.averages_written,
                            expired_deleted = r.expired_deleted,
                            "cluster metrics retention"
                        ),
                        Ok(_) => {}
                        Err(e) => tracing::warn!("cluster metrics retention failed: {e}"),
                    }
                    match state
                        .store
                        .apply_pod_metrics_retention(settings.pods.policy(), Utc::now())
                        .await
                    {
                        Ok(r) if r != Default::default() => tracing::info!(
                            raw_folded = r.raw_folded,
                            averages_written = r.averages_written,
                            expired_deleted = r.expired_deleted,
                            "pod metrics retention"
                        ),
                        Ok(_) => {}
                        Err(e) => tracing::warn!("pod metrics retention failed: {e}"),
                    }
                    forget_deleted_clusters(&state).await;
                    expire_volume_metrics(&state, &settings).await;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!("node metrics retention lease: {e}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = include_str!("../tests/fixtures/summary-worker-1-a.json");
    const B: &str = include_str!("../tests/fixtures/summary-worker-1-b.json");
    /// worker-1's allocatable in the testbed: cpu 7900m, memory 32256Mi.
    const ALLOC: Allocatable = Allocatable {
        cpu_cores: 7.9,
        memory_bytes: 32256.0 * 1024.0 * 1024.0,
    };

    fn slim(v: &Value) -> KubeletSummary {
        serde_json::from_value(v.clone()).unwrap()
    }

    fn json(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn usage_is_computed_from_a_simulator_summary() {
        let now = Utc::now();
        let (u, c) = compute_usage(&slim(&json(A)), &ALLOC, None, now).unwrap();
        // node.cpu.usageNanoCores 708520408 over 7.9 cores.
        assert!(
            (u.cpu_pct - 708_520_408.0 / 7.9e9 * 100.0).abs() < 1e-9,
            "{u:?}"
        );
        // workingSetBytes 1378777044 over 32256Mi.
        assert!((u.memory_pct - 1_378_777_044.0 / (32256.0 * 1048576.0) * 100.0).abs() < 1e-9);
        // fs usedBytes 12993781837 over capacityBytes 214748364800.
        assert!((u.disk_pct - 12_993_781_837.0 / 214_748_364_800.0 * 100.0).abs() < 1e-9);
        assert_eq!(u.pods, 3);
        assert_eq!(
            (u.rx_rate, u.tx_rate),
            (None, None),
            "no rate without a previous reading"
        );
        let c = c.unwrap();
        assert_eq!((c.rx, c.tx), (88_218_126, 52_930_875));
        assert_eq!(
            c.at.to_rfc3339(),
            "2026-11-25T21:59:33+00:00",
            "counters are timed by the kubelet's reading"
        );
    }

    #[test]
    fn network_rates_come_from_counters_between_readings() {
        let now = Utc::now();
        let (_, first) = compute_usage(&slim(&json(A)), &ALLOC, None, now).unwrap();
        let (u, second) = compute_usage(&slim(&json(B)), &ALLOC, first.as_ref(), now).unwrap();
        // 5 seconds apart: rx 88218126 -> 90193283, tx 52930875 -> 54115970.
        assert_eq!(
            u.rx_rate,
            Some(((90_193_283.0 - 88_218_126.0) / 5.0f64).round() as i64)
        );
        assert_eq!(
            u.tx_rate,
            Some(((54_115_970.0 - 52_930_875.0) / 5.0f64).round() as i64)
        );
        assert_ne!(
            compute_usage(&slim(&json(A)), &ALLOC, None, now)
                .unwrap()
                .0
                .cpu_pct,
            u.cpu_pct,
            "figures move between samples"
        );
        assert_eq!(second.unwrap().rx, 90_193_283);
    }

    #[test]
    fn a_counter_that_went_down_is_a_reset_and_gives_no_rate() {
        let now = Utc::now();
        let (_, first) = compute_usage(&slim(&json(B)), &ALLOC, None, now).unwrap();
        // The kubelet restarted: counters start again from small numbers, 5 s later.
        let mut reset = json(B);
        reset["node"]["network"]["rxBytes"] = 1_000.into();
        reset["node"]["network"]["txBytes"] = 400.into();
        reset["node"]["network"]["time"] = "2026-11-25T21:59:43Z".into();
        let (u, kept) = compute_usage(&slim(&reset), &ALLOC, first.as_ref(), now).unwrap();
        assert_eq!(
            (u.rx_rate, u.tx_rate),
            (None, None),
            "no negative or wrapped rate"
        );
        assert_eq!(
            kept.unwrap().rx,
            1_000,
            "the new counters are the base for the next rate"
        );
        // The next reading after the reset has a rate again.
        let mut after = reset.clone();
        after["node"]["network"]["rxBytes"] = 11_000.into();
        after["node"]["network"]["txBytes"] = 2_400.into();
        after["node"]["network"]["time"] = "2026-11-25T21:59:48Z".into();
        let (u, _) = compute_usage(&slim(&after), &ALLOC, kept.as_ref(), now).unwrap();
        assert_eq!((u.rx_rate, u.tx_rate), (Some(2_000), Some(400)));
        // Only one counter reset: the other still has a rate.
        let mut half = json(B);
        half["node"]["network"]["txBytes"] = 5.into();
        half["node"]["network"]["time"] = "2026-11-25T21:59:43Z".into();
        let (u, _) = compute_usage(&slim(&half), &ALLOC, first.as_ref(), now).unwrap();
        assert_eq!(u.rx_rate, Some(0));
        assert_eq!(u.tx_rate, None);
    }

    #[test]
    fn counters_not_refreshed_since_the_last_reading_give_no_rate() {
        let now = Utc::now();
        let (_, first) = compute_usage(&slim(&json(A)), &ALLOC, None, now).unwrap();
        let (u, kept) = compute_usage(&slim(&json(A)), &ALLOC, first.as_ref(), now).unwrap();
        assert_eq!(
            (u.rx_rate, u.tx_rate),
            (None, None),
            "zero elapsed time is not a rate of zero or infinity"
        );
        assert_eq!(kept, first);
    }

    #[test]
    fn interfaces_are_summed_when_the_default_one_is_missing() {
        let mut v = json(A);
        let net = v["node"]["network"].as_object_mut().unwrap();
        net.remove("rxBytes");
        net.remove("txBytes");
        net.insert("interfaces".into(), serde_json::json!([{"name": "eth0", "rxBytes": 10, "txBytes": 20}, {"name": "eth1", "rxBytes": 5, "txBytes": 1}]));
        let (_, c) = compute_usage(&slim(&v), &ALLOC, None, Utc::now()).unwrap();
        assert_eq!(c.map(|c| (c.rx, c.tx)), Some((15, 21)));
    }

    #[test]
    fn pods_and_containers_usage_is_read_from_a_simulator_summary() {
        let full = json(A);
        let s = slim(&full);
        let pods = full["pods"].as_array().unwrap();
        assert_eq!(s.pods.usage.len(), pods.len());
        for (u, p) in s.pods.usage.iter().zip(pods) {
            assert_eq!(u.name, p["podRef"]["name"].as_str().unwrap());
            assert_eq!(u.namespace, p["podRef"]["namespace"].as_str().unwrap());
            let containers = p["containers"].as_array().unwrap();
            assert_eq!(u.containers.len(), containers.len());
            assert_eq!(
                u.containers[0].cpu_nanocores,
                containers[0]["cpu"]["usageNanoCores"].as_u64().unwrap()
            );
            assert_eq!(
                u.containers[0].memory_bytes,
                containers[0]["memory"]["workingSetBytes"].as_u64().unwrap()
            );
            // The pod's figures are its containers' sums (each container's rounded down by the kubelet).
            let pod_cpu = p["cpu"]["usageNanoCores"].as_u64().unwrap();
            assert!(
                pod_cpu.abs_diff(u.cpu_nanocores) <= containers.len() as u64,
                "{u:?}"
            );
        }
    }

    #[test]
    fn mounted_claims_volume_stats_are_kept_once_per_claim() {
        let s: KubeletSummary = serde_json::from_value(serde_json::json!({"node": {}, "pods": [
            {"podRef": {"name": "db-0"}, "containers": [{"name": "db"}], "volume": [
                {"name": "pgdata", "usedBytes": 10, "capacityBytes": 100, "inodesUsed": 1, "inodes": 50, "pvcRef": {"name": "data", "namespace": "shop"}},
                {"name": "tmp", "usedBytes": 1, "capacityBytes": 2}]},
            {"podRef": {"name": "db-1"}, "volume": [{"name": "pgdata", "usedBytes": 11, "capacityBytes": 100, "pvcRef": {"name": "data", "namespace": "shop"}}]},
            {"podRef": {"name": "web"}, "volume": []}
        ]}))
        .unwrap();
        assert_eq!(s.pods.count, 3);
        let at = Utc::now();
        let v = volume_samples(7, &s, at);
        assert_eq!(
            v,
            vec![VolumeSample {
                cluster_id: 7,
                namespace: "shop".into(),
                claim: "data".into(),
                used_bytes: 10,
                capacity_bytes: 100,
                inodes_used: 1,
                inodes: 50,
                timestamp: at
            }]
        );
    }

    #[test]
    fn a_summary_without_node_figures_is_refused() {
        assert!(
            compute_usage(
                &slim(&serde_json::json!({"pods": []})),
                &ALLOC,
                None,
                Utc::now()
            )
            .is_err()
        );
        let mut v = json(A);
        v["node"]["fs"]["capacityBytes"] = 0.into();
        assert!(compute_usage(&slim(&v), &ALLOC, None, Utc::now()).is_err());
    }
}

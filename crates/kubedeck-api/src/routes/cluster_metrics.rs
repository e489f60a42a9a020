//! A cluster's metrics (the spec's ClusterMetrics): `GET /api/v1/k8s/cluster/{id}/metrics` (latest sample) and
//! `.../metrics/history`, from the `cluster_metrics` table the collector fills (any replica answers from it); and
//! "top": `.../top/nodes` and `.../top/pods`, what the nodes and pods use now in `kubectl top`'s units.
//!
//! Top comes from the kubelet summaries the lease holder's collector last read (the handle's usage snapshot). A
//! replica that does not collect the cluster asks the cluster's resource metrics API (`metrics.k8s.io`, what
//! `kubectl top` reads) instead; `source` says which.

use crate::auth::{Authorized, InCluster, perm};
use crate::connection;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::routes::node_metrics::HistoryQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, Duration, Utc};
use kubedeck_kube::usage::{
    ContainerUsage, NodeUsage, PodUsage, UsageSnapshot, mebibytes, millicores,
};
use kubedeck_store::cluster_metrics::{ClusterSample, average_by_bucket};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// One sample, or the average of the samples in a step.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq)]
pub struct ClusterMetricsPoint {
    /// When the sample was taken, or the start of the step / bucket it averages.
    pub timestamp: DateTime<Utc>,
    /// CPU in use, percent of the reporting nodes' allocatable CPU.
    pub cpu_usage: f64,
    /// Memory working set, percent of the reporting nodes' allocatable memory.
    pub memory_usage: f64,
    /// Node filesystems used, percent of their capacity.
    pub storage_usage: f64,
    /// CPU in use, cores (the sum of the nodes').
    pub cpu_used_cores: f64,
    /// Allocatable CPU of the reporting nodes, cores.
    pub cpu_allocatable_cores: f64,
    /// Memory working set, bytes (the sum of the nodes').
    pub memory_used_bytes: i64,
    /// Allocatable memory of the reporting nodes, bytes.
    pub memory_allocatable_bytes: i64,
    /// Node filesystems' used bytes.
    pub storage_used_bytes: i64,
    /// Node filesystems' capacity, bytes.
    pub storage_capacity_bytes: i64,
    /// Nodes in the cluster.
    pub node_count: i32,
    /// Nodes whose kubelet summary was read for this sample (Ready nodes that answered).
    pub reporting_nodes: i32,
    /// Pods in the cluster.
    pub pod_count: i32,
    /// Services in the cluster.
    pub service_count: i32,
    /// Deployments in the cluster.
    pub deployment_count: i32,
    /// `raw` for a sample, the bucket length (`5m`) for a stored average, `step` for an average computed for
    /// this answer.
    pub resolution: String,
}

impl From<ClusterSample> for ClusterMetricsPoint {
    fn from(s: ClusterSample) -> Self {
        Self {
            timestamp: s.timestamp,
            cpu_usage: s.cpu_usage(),
            memory_usage: s.memory_usage(),
            storage_usage: s.storage_usage(),
            cpu_used_cores: s.cpu_used_cores,
            cpu_allocatable_cores: s.cpu_allocatable_cores,
            memory_used_bytes: s.memory_used_bytes,
            memory_allocatable_bytes: s.memory_allocatable_bytes,
            storage_used_bytes: s.storage_used_bytes,
            storage_capacity_bytes: s.storage_capacity_bytes,
            node_count: s.node_count,
            reporting_nodes: s.reporting_nodes,
            pod_count: s.pod_count,
            service_count: s.service_count,
            deployment_count: s.deployment_count,
            resolution: s.resolution,
        }
    }
}

/// The latest sample of a cluster. When the newest sample is older than three collection intervals nobody
/// collects the cluster any more (unreachable, or no replica holds it): `stale` is true, `data` is null, and
/// `collected_at` says when it was last collected.
#[derive(Serialize, ToSchema)]
pub struct ClusterMetricsLatest {
    /// Cluster id.
    pub cluster_id: i64,
    /// True when there is no current sample (none yet, or the newest is too old).
    pub stale: bool,
    /// When the newest sample was taken, if there is one.
    pub collected_at: Option<DateTime<Utc>>,
    /// Seconds between samples.
    pub interval_seconds: u64,
    /// The current sample; null when stale.
    pub data: Option<ClusterMetricsPoint>,
}

/// A cluster's history.
#[derive(Serialize, ToSchema)]
pub struct ClusterMetricsHistory {
    /// Cluster id.
    pub cluster_id: i64,
    /// Start of the range (inclusive).
    pub from: DateTime<Utc>,
    /// End of the range (inclusive).
    pub to: DateTime<Utc>,
    /// Length of the averaging step in seconds; null when the points are the stored rows.
    pub step: Option<i64>,
    /// Points, oldest first.
    pub items: Vec<ClusterMetricsPoint>,
}

/// Latest metrics of a cluster: CPU, memory and storage usage, node, pod, service and deployment counts.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/metrics", tag = "clusters",
    params(("id" = i64, Path)),
    responses((status = 200, body = ClusterMetricsLatest), (status = 404, description = "unknown cluster")),
    extensions(("x-permission" = json!("cluster.read"))))]
pub async fn latest(
    _auth: Authorized<perm::ClusterRead>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ClusterMetricsLatest>> {
    connection::cluster(&state, id).await?;
    let newest = state.store.latest_cluster_sample(id).await?;
    let settings = state.settings.node_metrics;
    let stale_after = Duration::from_std(settings.stale_after()).unwrap_or(Duration::days(365));
    let collected_at = newest.as_ref().map(|s| s.timestamp);
    let current = newest.filter(|s| Utc::now() - s.timestamp <= stale_after);
    Ok(axum::Json(ClusterMetricsLatest {
        cluster_id: id,
        stale: current.is_none(),
        collected_at,
        interval_seconds: settings.interval.as_secs(),
        data: current.map(Into::into),
    }))
}

/// A cluster's metrics history between `from` and `to`, optionally averaged per `step` seconds.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/metrics/history", tag = "clusters",
    params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = ClusterMetricsHistory), (status = 400, description = "bad from, to or step"),
        (status = 404, description = "unknown cluster")),
    extensions(("x-permission" = json!("cluster.read"))))]
pub async fn history(
    _auth: Authorized<perm::ClusterRead>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<axum::Json<ClusterMetricsHistory>> {
    let range = q.range()?;
    connection::cluster(&state, id).await?;
    let (from, to) = (range.from, range.to);
    let count = state.store.count_cluster_samples(id, from, to).await?;
    let step = range.step_for(count);
    let rows = state
        .store
        .cluster_samples(id, from, to, count.max(1))
        .await?;
    let items = match step {
        Some(s) => average_by_bucket(&rows, Duration::seconds(s), "step")
            .into_iter()
            .map(Into::into)
            .collect(),
        None => rows.into_iter().map(Into::into).collect(),
    };
    Ok(axum::Json(ClusterMetricsHistory {
        cluster_id: id,
        from,
        to,
        step,
        items,
    }))
}

// ---- top ------------------------------------------------------------------------------------------------------

/// What "top" is sorted by.
#[derive(Deserialize, ToSchema, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum TopSort {
    /// CPU, highest first (the default).
    #[default]
    Cpu,
    /// Memory, highest first.
    Memory,
}

/// Sort and size of a top list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopNodesQuery {
    /// `cpu` (default) or `memory`, highest first.
    #[param(inline)]
    pub sort: Option<TopSort>,
}

/// Namespace, sort and size of the top pods.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopPodsQuery {
    /// Only the pods of this namespace (default: every namespace the caller may read).
    pub namespace: Option<String>,
    /// Only the pod of this name (with `namespace`: one pod's figures, for its page).
    pub name: Option<String>,
    /// `cpu` (default) or `memory`, highest first.
    #[param(inline)]
    pub sort: Option<TopSort>,
    /// Most pods in the answer (1 to 1000, default 100); `total` counts them all.
    pub limit: Option<u32>,
}

/// A node's usage as `kubectl top node` prints it.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct TopNode {
    /// Node name.
    pub name: String,
    /// CPU in millicores (`CPU(cores)`).
    pub cpu_millicores: u64,
    /// CPU, percent of allocatable (`CPU%`).
    pub cpu_percent: f64,
    /// Memory working set in bytes.
    pub memory_bytes: u64,
    /// Memory in MiB (`MEMORY(bytes)`).
    pub memory_mib: u64,
    /// Memory, percent of allocatable (`MEMORY%`).
    pub memory_percent: f64,
}

/// A container's usage.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct TopContainer {
    /// Container name.
    pub name: String,
    /// CPU in millicores.
    pub cpu_millicores: u64,
    /// Memory working set in bytes.
    pub memory_bytes: u64,
    /// Memory in MiB.
    pub memory_mib: u64,
}

/// A pod's usage as `kubectl top pod` prints it (the sum of its containers').
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct TopPod {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// Its node (empty when the figures come from the metrics API).
    pub node: String,
    /// CPU in millicores (`CPU(cores)`).
    pub cpu_millicores: u64,
    /// Memory working set in bytes.
    pub memory_bytes: u64,
    /// Memory in MiB (`MEMORY(bytes)`).
    pub memory_mib: u64,
    /// Its containers.
    pub containers: Vec<TopContainer>,
}

/// Nodes by usage.
#[derive(Serialize, ToSchema)]
pub struct TopNodes {
    /// When the figures were read.
    pub collected_at: Option<DateTime<Utc>>,
    /// `collector` (this replica's last pass over the kubelet summaries) or `metrics_api` (the cluster's
    /// `metrics.k8s.io`, asked now).
    pub source: &'static str,
    /// Nodes, highest first.
    pub items: Vec<TopNode>,
}

/// Pods by usage.
#[derive(Serialize, ToSchema)]
pub struct TopPods {
    /// When the figures were read.
    pub collected_at: Option<DateTime<Utc>>,
    /// `collector` or `metrics_api`, as for nodes.
    pub source: &'static str,
    /// Pods matching the namespace filter.
    pub total: u64,
    /// The first `limit` of them, highest first.
    pub items: Vec<TopPod>,
}

fn percent(used: f64, total: f64) -> f64 {
    if total > 0.0 {
        used / total * 100.0
    } else {
        0.0
    }
}

impl From<&NodeUsage> for TopNode {
    fn from(n: &NodeUsage) -> Self {
        TopNode {
            name: n.name.clone(),
            cpu_millicores: millicores(n.cpu_nanocores),
            cpu_percent: percent(n.cpu_nanocores as f64 / 1e9, n.cpu_allocatable_cores),
            memory_bytes: n.memory_bytes,
            memory_mib: mebibytes(n.memory_bytes),
            memory_percent: percent(n.memory_bytes as f64, n.memory_allocatable_bytes),
        }
    }
}

impl From<&PodUsage> for TopPod {
    fn from(p: &PodUsage) -> Self {
        TopPod {
            namespace: p.namespace.clone(),
            name: p.name.clone(),
            node: p.node.clone(),
            cpu_millicores: millicores(p.cpu_nanocores),
            memory_bytes: p.memory_bytes,
            memory_mib: mebibytes(p.memory_bytes),
            containers: p
                .containers
                .iter()
                .map(|c| TopContainer {
                    name: c.name.clone(),
                    cpu_millicores: millicores(c.cpu_nanocores),
                    memory_bytes: c.memory_bytes,
                    memory_mib: mebibytes(c.memory_bytes),
                })
                .collect(),
        }
    }
}

/// Highest first by `sort` (CPU, memory: nanocores and bytes), then by the names so equal figures keep one order.
fn by_usage(
    sort: TopSort,
    a: (u64, u64, &str, &str),
    b: (u64, u64, &str, &str),
) -> std::cmp::Ordering {
    let (x, y) = match sort {
        TopSort::Cpu => ((b.0, b.1), (a.0, a.1)),
        TopSort::Memory => ((b.1, b.0), (a.1, a.0)),
    };
    x.cmp(&y).then((a.2, a.3).cmp(&(b.2, b.3)))
}

/// The usage snapshot this replica's collector keeps for the cluster while it is current (three intervals),
/// else one read from the metrics API now (another replica collects the cluster, or this one lost its lease).
async fn snapshot(state: &AppState, id: i64) -> ApiResult<(Arc<UsageSnapshot>, &'static str)> {
    let cluster = connection::cluster(state, id).await?;
    let stale_after = Duration::from_std(state.settings.node_metrics.stale_after())
        .unwrap_or(Duration::days(365));
    if let Some(s) = state.hub.get(id).and_then(|h| h.usage.get())
        && s.collected_at
            .is_some_and(|t| Utc::now() - t <= stale_after)
    {
        return Ok((s, "collector"));
    }
    let client = connection::client_for(state, &cluster).await?;
    Ok((
        Arc::new(from_metrics_api(state, id, &client).await?),
        "metrics_api",
    ))
}

async fn get_json(client: &kube::Client, path: &str) -> ApiResult<Value> {
    let req = axum::http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    kubedeck_kube::error::within(
        std::time::Duration::from_secs(10),
        client.request::<Value>(req),
    )
    .await
    .map_err(connection::from_cluster)
}

fn quantity(v: &Value) -> u64 {
    v.as_str()
        .and_then(kubedeck_kube::quantity::value)
        .map_or(0, |q| q.max(0.0) as u64)
}

/// Nodes' and pods' usage from `metrics.k8s.io/v1beta1` (as `kubectl top` reads it).
async fn from_metrics_api(
    state: &AppState,
    cluster_id: i64,
    client: &kube::Client,
) -> ApiResult<UsageSnapshot> {
    let base = "/apis/metrics.k8s.io/v1beta1";
    let nodes = get_json(client, &format!("{base}/nodes")).await?;
    let pods = get_json(client, &format!("{base}/pods")).await?;
    let items = |v: &Value| v["items"].as_array().cloned().unwrap_or_default();
    // Allocatable from the node snapshot (no list of the cluster's nodes on the request path).
    let allocatable: std::collections::HashMap<String, (f64, f64)> = state
        .store
        .node_snapshot(cluster_id)
        .await?
        .into_iter()
        .map(|n| {
            let v = |q: &str| kubedeck_kube::quantity::value(q).unwrap_or(0.0);
            (
                n.name.clone(),
                (v(&n.cpu_allocatable), v(&n.memory_allocatable)),
            )
        })
        .collect();
    let mut snap = UsageSnapshot {
        collected_at: Some(Utc::now()),
        ..Default::default()
    };
    for n in items(&nodes) {
        let name = n["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (cpu, mem) = allocatable.get(&name).copied().unwrap_or_default();
        snap.nodes.push(NodeUsage {
            cpu_nanocores: cpu_nanos(&n["usage"]["cpu"]),
            memory_bytes: quantity(&n["usage"]["memory"]),
            cpu_allocatable_cores: cpu,
            memory_allocatable_bytes: mem,
            name,
        });
    }
    for p in items(&pods) {
        let containers: Vec<ContainerUsage> = p["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| ContainerUsage {
                name: c["name"].as_str().unwrap_or_default().to_owned(),
                cpu_nanocores: cpu_nanos(&c["usage"]["cpu"]),
                memory_bytes: quantity(&c["usage"]["memory"]),
            })
            .collect();
        snap.pods.push(PodUsage {
            namespace: p["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            name: p["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            node: String::new(),
            cpu_nanocores: containers.iter().map(|c| c.cpu_nanocores).sum(),
            memory_bytes: containers.iter().map(|c| c.memory_bytes).sum(),
            containers,
        });
    }
    Ok(snap)
}

/// A CPU quantity (`150m`, `123456n`, `1`) in nanocores.
fn cpu_nanos(v: &Value) -> u64 {
    v.as_str()
        .and_then(kubedeck_kube::quantity::value)
        .map_or(0, |cores| (cores.max(0.0) * 1e9).round() as u64)
}

/// Nodes by CPU or memory, as `kubectl top node` shows them.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/top/nodes", tag = "clusters",
    params(("id" = i64, Path), TopNodesQuery),
    responses((status = 200, body = TopNodes), (status = 400, description = "bad sort"),
        (status = 404, description = "unknown cluster"), (status = 503, description = "the cluster cannot be reached")),
    extensions(("x-permission" = json!("node.read"))))]
pub async fn top_nodes(
    _auth: Authorized<perm::NodeRead>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<TopNodesQuery>,
) -> ApiResult<axum::Json<TopNodes>> {
    let (snap, source) = snapshot(&state, id).await?;
    let sort = q.sort.unwrap_or_default();
    let mut nodes: Vec<&NodeUsage> = snap.nodes.iter().collect();
    nodes.sort_by(|a, b| {
        by_usage(
            sort,
            (a.cpu_nanocores, a.memory_bytes, &a.name, ""),
            (b.cpu_nanocores, b.memory_bytes, &b.name, ""),
        )
    });
    let items = nodes.into_iter().map(TopNode::from).collect();
    Ok(axum::Json(TopNodes {
        collected_at: snap.collected_at,
        source,
        items,
    }))
}

/// Pods by CPU or memory, as `kubectl top pod` shows them (for a user bound to some namespaces only, of those).
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/top/pods", tag = "clusters",
    params(("id" = i64, Path), TopPodsQuery),
    responses((status = 200, body = TopPods), (status = 400, description = "bad sort or limit"),
        (status = 403, description = "no pod.read in this cluster, or the namespace is not the caller's"),
        (status = 404, description = "unknown cluster"), (status = 503, description = "the cluster cannot be reached")),
    extensions(("x-permission" = json!("pod.read"))))]
pub async fn top_pods(
    State(state): State<AppState>,
    auth: InCluster<perm::PodRead>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<TopPodsQuery>,
) -> ApiResult<axum::Json<TopPods>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::out_of_range("limit", Some(1), Some(1000)));
    }
    let asked: Vec<String> = q
        .namespace
        .iter()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    let namespaces = auth.narrow(&asked)?;
    let (snap, source) = snapshot(&state, id).await?;
    let sort = q.sort.unwrap_or_default();
    let matching: Vec<&PodUsage> = snap
        .pods
        .iter()
        .filter(|p| {
            namespaces
                .as_ref()
                .is_none_or(|ns| ns.contains(&p.namespace))
                && q.name.as_deref().is_none_or(|n| p.name == n)
        })
        .collect();
    // Only the first `limit` are sorted (a selection finds them first), as the pod lists do.
    let (page, total) = crate::routes::sorted_page(
        matching,
        kubedeck_store::PageRequest {
            page: 1,
            page_size: u64::from(limit),
        },
        |a, b| {
            by_usage(
                sort,
                (a.cpu_nanocores, a.memory_bytes, &a.namespace, &a.name),
                (b.cpu_nanocores, b.memory_bytes, &b.namespace, &b.name),
            )
        },
    );
    let items = page.into_iter().map(TopPod::from).collect();
    Ok(axum::Json(TopPods {
        collected_at: snap.collected_at,
        source,
        total,
        items,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_sorts_highest_first_and_breaks_ties_by_name() {
        let mut v = vec![(5u64, 1u64, "b"), (9, 0, "a"), (5, 1, "a"), (1, 7, "c")];
        v.sort_by(|a, b| by_usage(TopSort::Cpu, (a.0, a.1, a.2, ""), (b.0, b.1, b.2, "")));
        assert_eq!(v, [(9, 0, "a"), (5, 1, "a"), (5, 1, "b"), (1, 7, "c")]);
        v.sort_by(|a, b| by_usage(TopSort::Memory, (a.0, a.1, a.2, ""), (b.0, b.1, b.2, "")));
        assert_eq!(v[0].2, "c");
    }

    #[test]
    fn metrics_api_quantities_are_read_in_nanocores_and_bytes() {
        assert_eq!(cpu_nanos(&Value::from("150m")), 150_000_000);
        assert_eq!(cpu_nanos(&Value::from("123456789n")), 123_456_789);
        assert_eq!(quantity(&Value::from("2048Ki")), 2 * 1024 * 1024);
    }
}

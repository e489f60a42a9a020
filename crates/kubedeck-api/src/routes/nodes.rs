//! `/api/v1/k8s/cluster/{id}/nodes`: inventory from the synced store, and the node operations
//! (cordon, uncordon, drain, labels, taints, delete), each audited and checked against RBAC.

use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::connection::{client_for, cluster, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiQuery, Pagination};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use kubedeck_kube::error::within;
use kubedeck_kube::nodes::{NodeLoad, NodeSummary, TaintView};
use kubedeck_kube::pods::PodLite;
use kubedeck_kube::selector::{Selector, is_valid_label_key, is_valid_label_value};
use kubedeck_store::clusters::Cluster;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

const CALL: Duration = Duration::from_secs(10);
const NODE_STATUSES: [&str; 3] = ["Ready", "NotReady", "Unknown"];
const EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// A node in the list: its summary and its current usage.
#[derive(Serialize, ToSchema)]
pub struct NodeListItem {
    /// The node.
    #[serde(flatten)]
    pub node: NodeSummary,
    /// The newest metrics sample, when the node reports (none means no data: never a stale figure).
    pub metrics: Option<crate::routes::node_metrics::NodeMetricsPoint>,
}

/// A page of nodes, with where it came from.
#[derive(Serialize, ToSchema)]
pub struct NodeList {
    /// Nodes of this page.
    pub items: Vec<NodeListItem>,
    /// The page and its freshness.
    #[serde(flatten)]
    pub page: crate::routes::StorePage,
}

/// Filters and order for the node list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NodeQuery {
    /// Substring of the name.
    pub name: Option<String>,
    /// `master` (a master or control-plane role label) or `worker` (every other node, as `worker_nodes` counts).
    pub role: Option<String>,
    /// Ready, NotReady or Unknown.
    pub status: Option<String>,
    /// Label selector in Kubernetes syntax (`a=b,c in (d,e),!f`).
    pub label_selector: Option<String>,
    /// `true` for schedulable nodes only, `false` for cordoned ones.
    pub schedulable: Option<bool>,
    /// name, status, role, age, pods, cpu_requests, memory_requests; `-` prefix for descending.
    pub sort: Option<String>,
    /// 1-based page.
    pub page: Option<u64>,
    /// Page size (max 500).
    pub page_size: Option<u64>,
}

/// How many pods a node has, by phase (the pods themselves are paged by `GET .../pods?node=`).
#[derive(Serialize, ToSchema, Default, Debug, PartialEq, Eq)]
pub struct NodePodCounts {
    /// Pods bound to the node, finished ones included (what `kubectl get pods -A --field-selector
    /// spec.nodeName=` lists).
    pub total: u64,
    /// Pods that are not finished (`node.pod_count`, what the node's requests and limits are summed over).
    pub active: u64,
    /// Pending.
    pub pending: u64,
    /// Running.
    pub running: u64,
    /// Succeeded.
    pub succeeded: u64,
    /// Failed.
    pub failed: u64,
    /// Unknown.
    pub unknown: u64,
}

impl NodePodCounts {
    fn count(&mut self, phase: &str) {
        self.total += 1;
        match phase {
            "Pending" => self.pending += 1,
            "Running" => self.running += 1,
            "Succeeded" => self.succeeded += 1,
            "Failed" => self.failed += 1,
            _ => self.unknown += 1,
        }
        if phase != "Succeeded" && phase != "Failed" {
            self.active += 1;
        }
    }
}

/// An event about a node.
#[derive(Serialize, ToSchema)]
pub struct NodeEvent {
    /// Normal or Warning.
    #[serde(rename = "type")]
    pub type_: String,
    /// Reason.
    pub reason: String,
    /// Message.
    pub message: String,
    /// How many times it happened.
    pub count: i32,
    /// Last seen.
    pub last_seen: Option<DateTime<Utc>>,
    /// Reporting component (kubelet, node-controller ...).
    pub source: String,
    /// What the event is about, as `Kind/name` (the node itself, for node events).
    pub involved_object: String,
}

/// A node with its pod counts and recent events (its pods are paged by `GET .../pods?node=`).
#[derive(Serialize, ToSchema)]
pub struct NodeDetail {
    /// The node (with the requests and limits of its active pods in `committed`).
    pub node: NodeSummary,
    /// The newest metrics sample, when the node reports.
    pub metrics: Option<crate::routes::node_metrics::NodeMetricsPoint>,
    /// How many pods are bound to it, by phase.
    pub pod_counts: NodePodCounts,
    /// Its newest 50 events, from the event archive (also while the cluster cannot be reached).
    pub events: Vec<NodeEvent>,
    /// `live` or `snapshot`.
    pub source: &'static str,
    /// True when the data may be out of date.
    pub stale: bool,
    /// Last sync.
    pub last_sync_at: Option<DateTime<Utc>>,
}

/// Where node data comes from for one request.
enum NodeSource {
    Live(Vec<NodeSummary>),
    Snapshot(Vec<NodeSummary>, Option<DateTime<Utc>>),
}

/// Nodes of a cluster: from this replica's watch-synced store, else from the snapshot table.
fn live_nodes(state: &AppState, c: &Cluster) -> Option<NodeSource> {
    let h = state.hub.get(c.id)?;
    if !h.nodes_synced() || !h.pods.synced() {
        return None;
    }
    let nodes = h.nodes.state();
    let now = Utc::now();
    // The pod store keeps each node's load as pods come and go: a read per node, not a walk of every pod.
    let summaries = h
        .pods
        .totals(|loads| kubedeck_kube::nodes::summarize(nodes.iter().map(AsRef::as_ref), loads, now));
    Some(NodeSource::Live(summaries))
}

async fn nodes_of(state: &AppState, c: &Cluster) -> ApiResult<NodeSource> {
    if let Some(live) = live_nodes(state, c) {
        return Ok(live);
    }
    let rows = state.store.node_snapshot(c.id).await?;
    let last = rows.iter().filter_map(|r| r.last_sync_at).max();
    let nodes = rows
        .into_iter()
        .filter_map(|r| crate::snapshots::decode::<NodeSummary>(c.id, "nodes", "", &r.name, &r.summary))
        .collect();
    Ok(NodeSource::Snapshot(nodes, last))
}

/// Where an answer came from: the watch-synced stores, or the snapshot tables last written at the time given.
enum Origin {
    Live,
    Snapshot(Option<DateTime<Utc>>),
}

impl NodeSource {
    fn origin(&self) -> Origin {
        match self {
            NodeSource::Live(_) => Origin::Live,
            NodeSource::Snapshot(_, last) => Origin::Snapshot(*last),
        }
    }
}

fn stale(c: &Cluster, origin: Origin) -> (bool, &'static str, Option<DateTime<Utc>>) {
    match origin {
        Origin::Live => (
            c.status != kubedeck_store::clusters::status::RUNNING,
            "live",
            c.last_sync_at,
        ),
        Origin::Snapshot(last) => (true, "snapshot", last),
    }
}

const SORTS: &[&str] = &[
    "name",
    "status",
    "role",
    "age",
    "pods",
    "cpu_requests",
    "memory_requests",
];

/// List nodes (served from the synced store, never by listing the cluster per request).
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/nodes", tag = "nodes", params(("id" = i64, Path), NodeQuery),
    responses((status = 200, body = NodeList), (status = 404)), extensions(("x-permission" = json!("node.read"))))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<perm::NodeRead>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<NodeQuery>,
) -> ApiResult<axum::Json<NodeList>> {
    let page = Pagination {
        page: q.page,
        page_size: q.page_size,
    }
    .request()?;
    let selector = Selector::parse(q.label_selector.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::selector("label_selector", e))?;
    if let Some(r) = &q.role
        && r != "master"
        && r != "worker"
    {
        return Err(ApiError::not_one_of("role", &["master", "worker"], r));
    }
    if let Some(s) = &q.status
        && !NODE_STATUSES.contains(&s.as_str())
    {
        return Err(ApiError::not_one_of("status", &NODE_STATUSES, s));
    }
    let (desc, key) = crate::routes::parse_sort(q.sort.as_deref(), SORTS, "name")?;
    let c = cluster(&state, id).await?;
    let source = nodes_of(&state, &c).await?;
    let (stale, src, last_sync_at) = stale(&c, source.origin());
    let mut nodes = match source {
        NodeSource::Live(n) | NodeSource::Snapshot(n, _) => n,
    };
    nodes.retain(|n| {
        q.name.as_deref().is_none_or(|s| n.name.contains(s))
            && q.role.as_deref().is_none_or(|r| n.role == r)
            && q.status.as_deref().is_none_or(|s| n.status == s)
            && q.schedulable.is_none_or(|s| n.schedulable == s)
            && selector.matches(&n.labels)
    });
    // Names are unique, so the order is total (pages neither repeat nor skip nodes).
    let (rows, total) = crate::routes::sorted_page(nodes, page, |a, b| {
        let o = match key.as_str() {
            "status" => a.status.cmp(&b.status),
            "role" => a.role.cmp(&b.role),
            "age" => b.created_at.cmp(&a.created_at),
            "pods" => a.pod_count.cmp(&b.pod_count),
            "cpu_requests" => a
                .committed
                .cpu_requests_millis
                .cmp(&b.committed.cpu_requests_millis),
            "memory_requests" => a
                .committed
                .memory_requests_bytes
                .cmp(&b.committed.memory_requests_bytes),
            _ => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.name.cmp(&b.name));
        if desc { o.reverse() } else { o }
    });
    let mut usage = crate::routes::node_metrics::current_by_node(&state, id).await?;
    let items = rows
        .into_iter()
        .map(|node| NodeListItem {
            metrics: usage.remove(&node.name),
            node,
        })
        .collect();
    Ok(axum::Json(NodeList {
        items,
        page: crate::routes::StorePage {
            total,
            page: page.page,
            page_size: page.page_size,
            source: src,
            stale,
            last_sync_at,
        },
    }))
}

/// The summary of one node and its pod counts from the synced stores: the node's pods are an index look-up,
/// not a scan of every pod of the cluster. `None` when the stores are not synced here.
fn live_node(
    state: &AppState,
    c: &Cluster,
    name: &str,
) -> Option<Option<(NodeSummary, NodePodCounts)>> {
    let h = state.hub.get(c.id)?;
    if !h.nodes_synced() || !h.pods.synced() {
        return None;
    }
    let Some(node) = h.nodes.get(&kube::runtime::reflector::ObjectRef::new(name)) else {
        return Some(None);
    };
    let scope = kubedeck_kube::label_index::Scope {
        namespaces: None,
        node: Some(name),
    };
    Some(Some(h.pods.read_candidates(
        &Selector::default(),
        scope,
        |pods| {
            let mut counts = NodePodCounts::default();
            let on_node: Vec<&PodLite> = pods
                .filter(|p| p.node_name.as_deref() == Some(name))
                .inspect(|p| counts.count(&p.phase))
                .collect();
            let summary = NodeSummary::from_node_at(&node, on_node, Utc::now());
            (summary, counts)
        },
    )))
}

/// One node with its pod counts and recent events.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/nodes/{name}", tag = "nodes", params(("id" = i64, Path), ("name" = String, Path)),
    responses((status = 200, body = NodeDetail), (status = 404)), extensions(("x-permission" = json!("node.read"))))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<perm::NodeRead>,
    Path((id, name)): Path<(i64, String)>,
) -> ApiResult<axum::Json<NodeDetail>> {
    let c = cluster(&state, id).await?;
    let (node, pod_counts, origin) = match live_node(&state, &c, &name) {
        Some(found) => {
            let (node, counts) = found.ok_or_else(|| ApiError::node_not_found(id, &name))?;
            (node, counts, Origin::Live)
        }
        None => {
            // Not synced here: the node and pod snapshot tables (the pods' node and phase columns only).
            let (node, last) = snapshot_node(&state, c.id, &name).await?;
            let node = node.ok_or_else(|| ApiError::node_not_found(id, &name))?;
            let mut counts = NodePodCounts::default();
            for p in state.store.pod_snapshot(c.id, None).await? {
                if p.node_name == name {
                    counts.count(&p.phase);
                }
            }
            (node, counts, Origin::Snapshot(last))
        }
    };
    let (stale, src, last_sync_at) = stale(&c, origin);
    let events = node_events(&state, &c, &name).await?;
    let metrics = crate::routes::node_metrics::current_by_node(&state, id)
        .await?
        .remove(&name);
    Ok(axum::Json(NodeDetail {
        node,
        metrics,
        pod_counts,
        events,
        source: src,
        stale,
        last_sync_at,
    }))
}

/// A node's newest 50 events, from the event archive (so they outlive the cluster's `--event-ttl`, and show while
/// the cluster cannot be reached).
async fn node_events(state: &AppState, c: &Cluster, name: &str) -> ApiResult<Vec<NodeEvent>> {
    let filter = kubedeck_store::kube_events::EventFilter {
        involved_kind: Some("Node".into()),
        involved_name: Some(name.to_owned()),
        ..Default::default()
    };
    let page = kubedeck_store::PageRequest { page: 1, page_size: 50 };
    let found = state.store.search_events(c.id, &filter, page).await?;
    Ok(found
        .items
        .into_iter()
        .map(|e| NodeEvent {
            type_: e.event_type,
            reason: e.reason,
            message: e.message,
            count: e.count,
            last_seen: Some(e.last_timestamp),
            source: if e.source_component.is_empty() { e.reporting_component } else { e.source_component },
            involved_object: format!("{}/{}", e.involved_kind, e.involved_name),
        })
        .collect())
}

/// Refreshes the node snapshot from a fresh list.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/nodes/sync", tag = "nodes", params(("id" = i64, Path)),
    responses((status = 200, body = kubedeck_store::kube_nodes::SnapshotDiff), (status = 404), (status = 503, description = "cluster unreachable")),
    extensions(("x-permission" = json!("node.write"))))]
pub async fn sync(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::NodeWrite>,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<kubedeck_store::kube_nodes::SnapshotDiff>> {
    audit.action("node.sync");
    let c = cluster(&state, id).await?;
    let client = client_for(&state, &c).await?;
    let nodes = within(
        CALL,
        Api::<Node>::all(client.clone()).list(&ListParams::default()),
    )
    .await
    .map_err(from_cluster)?;
    let pods = within(
        Duration::from_secs(60),
        Api::<Pod>::all(client).list(&ListParams::default()),
    )
    .await
    .map_err(from_cluster)?;
    let lite: Vec<PodLite> = pods
        .items
        .iter()
        .map(kubedeck_kube::pods::project)
        .collect();
    let loads = kubedeck_kube::nodes::NodeLoad::by_node(&lite);
    let summaries = kubedeck_kube::nodes::summarize(&nodes.items, &loads, Utc::now());
    let diff = crate::sync::write_node_snapshot(&state, id, &summaries).await?;
    Ok(axum::Json(diff))
}

async fn node_api(state: &AppState, id: i64) -> ApiResult<(Cluster, Api<Node>)> {
    let c = cluster(state, id).await?;
    let client = client_for(state, &c).await?;
    Ok((c, Api::all(client)))
}

async fn get_node(api: &Api<Node>, name: &str, id: i64) -> ApiResult<Node> {
    match within(CALL, api.get_opt(name))
        .await
        .map_err(from_cluster)?
    {
        Some(n) => Ok(n),
        None => Err(ApiError::node_not_found(id, name)),
    }
}

/// The summary of a node just read or written, with its load: from the pod store when this replica syncs the
/// cluster, else from the node's snapshot row (a write's answer says how many pods the node has, not 0).
async fn summary_after_write(state: &AppState, id: i64, node: &Node) -> ApiResult<NodeSummary> {
    let name = node.metadata.name.as_deref().unwrap_or_default();
    let load = match state.hub.get(id).filter(|h| h.pods.synced()) {
        Some(h) => h.pods.totals(|loads| loads.get(name).copied()).unwrap_or_default(),
        None => snapshot_node(state, id, name)
            .await?
            .0
            .map(|s| NodeLoad { pods: s.pod_count, committed: s.committed })
            .unwrap_or_default(),
    };
    Ok(NodeSummary::from_node_load(node, load, Utc::now()))
}

/// One node's row of the node snapshot, decoded (`None`: no row, or one that does not decode, which is logged and
/// counted), and when the snapshot was last written.
async fn snapshot_node(
    state: &AppState,
    cluster_id: i64,
    name: &str,
) -> ApiResult<(Option<NodeSummary>, Option<DateTime<Utc>>)> {
    let rows = state.store.node_snapshot(cluster_id).await?;
    let last = rows.iter().filter_map(|r| r.last_sync_at).max();
    let node = rows
        .into_iter()
        .find(|r| r.name == name)
        .and_then(|r| crate::snapshots::decode::<NodeSummary>(cluster_id, "nodes", "", &r.name, &r.summary));
    Ok((node, last))
}

async fn set_unschedulable(
    state: &AppState,
    audit: &AuditSlot,
    id: i64,
    name: &str,
    unschedulable: bool,
) -> ApiResult<NodeSummary> {
    audit.action(if unschedulable {
        "node.cordon"
    } else {
        "node.uncordon"
    });
    audit.target(Some(id), None, Some(format!("nodes/{name}")));
    let (_, api) = node_api(state, id).await?;
    get_node(&api, name, id).await?;
    let patch = json!({"spec": {"unschedulable": if unschedulable { json!(true) } else { serde_json::Value::Null }}});
    let node = within(
        CALL,
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)),
    )
    .await
    .map_err(from_cluster)?;
    summary_after_write(state, id, &node).await
}

/// Mark a node unschedulable (`kubectl cordon`).
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/nodes/{name}/cordon", tag = "nodes", params(("id" = i64, Path), ("name" = String, Path)),
    responses((status = 200, body = NodeSummary), (status = 404)), extensions(("x-permission" = json!("node.write"))))]
pub async fn cordon(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::NodeWrite>,
    Path((id, name)): Path<(i64, String)>,
) -> ApiResult<axum::Json<NodeSummary>> {
    Ok(axum::Json(
        set_unschedulable(&state, &audit, id, &name, true).await?,
    ))
}

/// Mark a node schedulable again (`kubectl uncordon`).
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/nodes/{name}/uncordon", tag = "nodes", params(("id" = i64, Path), ("name" = String, Path)),
    responses((status = 200, body = NodeSummary), (status = 404)), extensions(("x-permission" = json!("node.write"))))]
pub async fn uncordon(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::NodeWrite>,
    Path((id, name)): Path<(i64, String)>,
) -> ApiResult<axum::Json<NodeSummary>> {
    Ok(axum::Json(
        set_unschedulable(&state, &audit, id, &name, false).await?,
    ))
}

// ---- Labels and taints ----------------------------------------------------------------------

/// Label keys only `force` may change: the kubelet and cloud controllers own them.
fn protected_label(key: &str) -> bool {
    matches!(
        key,
        "kubernetes.io/hostname" | "kubernetes.io/os" | "kubernetes.io/arch"
    ) || key.starts_with("beta.kubernetes.io/")
        || key.starts_with("node.kubernetes.io/")
        || key.starts_with("topology.kubernetes.io/")
}

/// Taint keys only `force` may change: the node lifecycle controller owns them.
fn protected_taint(key: &str) -> bool {
    key.starts_with("node.kubernetes.io/") || key.starts_with("node.cloudprovider.kubernetes.io/")
}

/// Label changes: a full replacement, or additions/changes plus removals.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelChange {
    /// `replace`: `labels` becomes the whole set; `patch` (default): set `labels`, delete `remove`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Labels to set.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Keys to delete (patch mode).
    #[serde(default)]
    pub remove: Vec<String>,
    /// The labels the change is based on (what the user saw). The server compares them with the node's current
    /// labels: in `replace` mode the whole set, in `patch` mode the keys the change sets or removes; a
    /// difference is a `409 labels_changed` with the node's `current` labels and the `changes`. Other changes
    /// to the node (kubelet status heartbeats) never make it fail.
    #[serde(default)]
    pub expected: Option<BTreeMap<String, String>>,
    /// Strict guard (prefer `expected`): the change fails with 409 when anything in the node changed since this
    /// resourceVersion, a kubelet status heartbeat (every few seconds) included.
    #[serde(default)]
    pub resource_version: Option<String>,
    /// Allow changing protected system labels (`kubernetes.io/hostname`, `node.kubernetes.io/*` ...).
    #[serde(default)]
    pub force: bool,
}

/// Taint changes: a full replacement, or additions plus removals.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaintChange {
    /// `replace`: `taints` becomes the whole list; `patch` (default): add or update `taints`, delete `remove`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Taints to set (same key and effect replaces).
    #[serde(default)]
    pub taints: Vec<TaintView>,
    /// Taints to delete, by key (and effect when given).
    #[serde(default)]
    pub remove: Vec<TaintKey>,
    /// The taints the change is based on (what the user saw). The server compares them with the node's current
    /// taints: in `replace` mode the whole list (order aside), in `patch` mode the taints with the keys the
    /// change sets or removes; a difference is a `409 taints_changed` with the node's `current` taints.
    /// Other changes to the node (kubelet status heartbeats) never make it fail.
    #[serde(default)]
    pub expected: Option<Vec<TaintView>>,
    /// Strict guard (prefer `expected`): the change fails with 409 when anything in the node changed since this
    /// resourceVersion, a kubelet status heartbeat (every few seconds) included.
    #[serde(default)]
    pub resource_version: Option<String>,
    /// Allow changing protected taints (`node.kubernetes.io/*`).
    #[serde(default)]
    pub force: bool,
}

/// Identifies taints to remove.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaintKey {
    /// Key.
    pub key: String,
    /// Effect; all effects when omitted.
    #[serde(default)]
    pub effect: Option<String>,
}

fn mode_is_replace(mode: &Option<String>) -> ApiResult<bool> {
    match mode.as_deref() {
        None | Some("patch") => Ok(false),
        Some("replace") => Ok(true),
        Some(other) => Err(ApiError::not_one_of("mode", &["patch", "replace"], other)),
    }
}

/// How often a label or taint write is tried again when the node changed between our read and our write
/// without its labels or taints changing (kubelet heartbeats change a node's resourceVersion every few seconds).
const EDIT_ATTEMPTS: usize = 8;

/// A resourceVersion the caller sent: the cluster answers 500 for one it never gave out (it parses them as
/// numbers), so refuse it here.
fn check_resource_version(rv: &Option<String>) -> ApiResult<()> {
    if let Some(rv) = rv
        && !rv.is_empty()
        && !rv.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(ApiError::invalid(
            "resource_version",
            ErrorCode::InvalidResourceVersion,
            format!(
                "resource_version '{rv}' is not one the cluster gave out (they are decimal numbers)"
            ),
        )
        .param("value", rv));
    }
    Ok(())
}

/// Writes `patch` guarded by `rv`: `None` when the node changed since `rv` (the cluster's 409).
async fn patch_at(
    api: &Api<Node>,
    name: &str,
    rv: &str,
    mut patch: serde_json::Value,
) -> ApiResult<Option<Node>> {
    patch["metadata"]["resourceVersion"] = json!(rv);
    match within(
        CALL,
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)),
    )
    .await
    {
        Ok(n) => Ok(Some(n)),
        Err(kubedeck_kube::error::ClusterError::Api { code: 409, .. }) => Ok(None),
        Err(e) => Err(from_cluster(e)),
    }
}

/// The 409 of the strict `resource_version` guard.
fn stale_resource_version(name: &str, rv: &str) -> ApiError {
    ApiError::conflict(
        ErrorCode::NodeChanged,
        format!(
            "node '{name}' changed since resourceVersion {rv}; reload it and apply your change again"
        ),
    )
    .param("node", name)
    .param("resource_version", rv)
    .with_field("resource_version")
}

/// Edits a node the way both label and taint saves do: reads it, lets `plan` make the change from what it read
/// (a refusal is its error; `None`: nothing to write, the node is answered as it is), and writes the patch guarded
/// by the resourceVersion read, or by the caller's `resource_version` (a node changed since is then a 409). A node
/// that changes between the read and the write (heartbeats change only its status) is read again and planned
/// again, up to [`EDIT_ATTEMPTS`] times. `what`: "labels" or "taints", for the messages.
async fn edit_node(
    state: &AppState,
    id: i64,
    name: &str,
    resource_version: &Option<String>,
    what: &str,
    mut plan: impl FnMut(&Node) -> ApiResult<Option<serde_json::Value>>,
) -> ApiResult<NodeSummary> {
    let (_, api) = node_api(state, id).await?;
    for attempt in 1..=EDIT_ATTEMPTS {
        let node = get_node(&api, name, id).await?;
        let Some(patch) = plan(&node)? else {
            return summary_after_write(state, id, &node).await;
        };
        let rv = resource_version
            .clone()
            .unwrap_or_else(|| node.metadata.resource_version.clone().unwrap_or_default());
        match patch_at(&api, name, &rv, patch).await? {
            Some(updated) => return summary_after_write(state, id, &updated).await,
            None if resource_version.is_some() => return Err(stale_resource_version(name, &rv)),
            None => tracing::debug!(node = %name, attempt, "node changed under a {what} write; reading it again"),
        }
    }
    Err(ApiError::conflict(
        ErrorCode::EditContended,
        format!("node '{name}' kept changing while its {what} were written ({EDIT_ATTEMPTS} attempts); try again"),
    )
    .param("node", name)
    .param("attempts", EDIT_ATTEMPTS))
}

/// The 409 when the labels a change was based on are no longer the node's: names each difference and
/// carries the node's current labels, so the user sees the other change.
fn labels_changed(
    name: &str,
    keys: &[&String],
    expected: &BTreeMap<String, String>,
    current: &BTreeMap<String, String>,
) -> ApiError {
    let show = |k: &str, v: Option<&String>| match v {
        Some(v) => format!("{k}={v}"),
        None => format!("no {k}"),
    };
    let changes: Vec<serde_json::Value> = keys
        .iter()
        .map(|k| json!({"key": k, "expected": expected.get(*k), "current": current.get(*k)}))
        .collect();
    let said: Vec<String> = keys
        .iter()
        .map(|k| {
            format!(
                "{} is now {}",
                show(k, expected.get(*k)),
                show(k, current.get(*k))
            )
        })
        .collect();
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        ErrorCode::LabelsChanged,
        format!(
            "the labels of node '{name}' changed since you read them ({}); nothing was saved: reload them and apply your change again",
            said.join("; ")
        ),
    )
    .param("node", name)
    .param("changes", said)
    .with_field("expected")
    .with_extra("current", json!(current))
    .with_extra("changes", json!(changes))
}

/// The 409 when the taints a change was based on are no longer the node's.
fn taints_changed(name: &str, expected: &[TaintView], current: &[TaintView]) -> ApiError {
    let show = |t: &TaintView| {
        if t.value.is_empty() {
            format!("{}:{}", t.key, t.effect)
        } else {
            format!("{}={}:{}", t.key, t.value, t.effect)
        }
    };
    let added: Vec<String> = current
        .iter()
        .filter(|t| !expected.contains(t))
        .map(show)
        .collect();
    let gone: Vec<String> = expected
        .iter()
        .filter(|t| !current.contains(t))
        .map(show)
        .collect();
    let mut said = Vec::new();
    if !added.is_empty() {
        said.push(format!("now there: {}", added.join(", ")));
    }
    if !gone.is_empty() {
        said.push(format!("gone: {}", gone.join(", ")));
    }
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        ErrorCode::TaintsChanged,
        format!(
            "the taints of node '{name}' changed since you read them ({}); nothing was saved: reload them and apply your change again",
            said.join("; ")
        ),
    )
    .param("node", name)
    .param("added", &added)
    .param("removed", &gone)
    .with_field("expected")
    .with_extra("current", json!(current))
    .with_extra("added", json!(added))
    .with_extra("removed", json!(gone))
}

/// Replace or patch a node's labels. Send the labels the change is based on as `expected`: the save fails
/// only when they changed, never because the kubelet's heartbeats changed the node's status.
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/nodes/{name}/labels", tag = "nodes", params(("id" = i64, Path), ("name" = String, Path)),
    request_body = LabelChange, responses((status = 200, body = NodeSummary), (status = 400), (status = 404),
        (status = 409, description = "`labels_changed`: the labels the change is based on (`expected`) are no longer the node's (the body has the node's `current` labels and the `changes`, key by key); `conflict`: the node changed since `resource_version`")),
    extensions(("x-permission" = json!("node.write"))))]
pub async fn labels(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::NodeWrite>,
    Path((id, name)): Path<(i64, String)>,
    ApiJson(body): ApiJson<LabelChange>,
) -> ApiResult<axum::Json<NodeSummary>> {
    audit.action("node.labels");
    audit.target(Some(id), None, Some(format!("nodes/{name}")));
    audit.detail(json!({"mode": body.mode, "labels": body.labels, "remove": body.remove, "force": body.force}));
    let replace = mode_is_replace(&body.mode)?;
    for (k, v) in &body.labels {
        if !is_valid_label_key(k) {
            return Err(ApiError::invalid(
                &format!("labels.{k}"),
                ErrorCode::InvalidLabel,
                format!(
                    "'{k}' is not a valid label key (optional DNS prefix, '/', then up to 63 of [A-Za-z0-9-_.] starting and ending alphanumeric)"
                ),
            )
            .param("key", k)
            .param("rule", "key"));
        }
        if !is_valid_label_value(v) {
            return Err(ApiError::invalid(
                &format!("labels.{k}"),
                ErrorCode::InvalidLabel,
                format!(
                    "'{v}' is not a valid label value (up to 63 of [A-Za-z0-9-_.], starting and ending alphanumeric, or empty)"
                ),
            )
            .param("key", k)
            .param("value", v)
            .param("rule", "value"));
        }
    }
    check_resource_version(&body.resource_version)?;
    let summary = edit_node(&state, id, &name, &body.resource_version, "labels", |node| {
        let current = node.metadata.labels.clone().unwrap_or_default();
        if let Some(expected) = &body.expected {
            // What the change is based on: the whole set for a replacement, the keys it touches for a patch.
            let mut keys: Vec<&String> = if replace {
                expected.keys().chain(current.keys()).collect()
            } else {
                body.labels.keys().chain(body.remove.iter()).collect()
            };
            keys.sort();
            keys.dedup();
            keys.retain(|k| expected.get(*k) != current.get(*k));
            if !keys.is_empty() {
                return Err(labels_changed(&name, &keys, expected, &current));
            }
        }
        let mut next = if replace {
            body.labels.clone()
        } else {
            current.clone()
        };
        if !replace {
            next.extend(body.labels.clone());
            for k in &body.remove {
                next.remove(k);
            }
        }
        let touched: Vec<&String> = current
            .keys()
            .chain(next.keys())
            .filter(|k| current.get(*k) != next.get(*k))
            .collect();
        if let Some(k) = touched.iter().find(|k| protected_label(k))
            && !body.force
        {
            return Err(ApiError::invalid(
                &format!("labels.{k}"),
                ErrorCode::ProtectedKey,
                format!(
                    "'{k}' is a system label the kubelet or cloud controller manages; set force to change it anyway"
                ),
            )
            .param("key", k));
        }
        if touched.is_empty() {
            // Nothing to change: a save without a change succeeds (and writes nothing).
            return Ok(None);
        }
        // A merge patch deletes with null.
        let mut patch_labels = serde_json::Map::new();
        for k in &touched {
            patch_labels.insert(
                (*k).clone(),
                next.get(*k)
                    .map(|v| json!(v))
                    .unwrap_or(serde_json::Value::Null),
            );
        }
        Ok(Some(json!({"metadata": {"labels": patch_labels}})))
    })
    .await?;
    Ok(axum::Json(summary))
}

/// Replace or patch a node's taints. Send the taints the change is based on as `expected`: the save fails
/// only when they changed, never because the kubelet's heartbeats changed the node's status.
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/nodes/{name}/taints", tag = "nodes", params(("id" = i64, Path), ("name" = String, Path)),
    request_body = TaintChange, responses((status = 200, body = NodeSummary), (status = 400), (status = 404),
        (status = 409, description = "`taints_changed`: the taints the change is based on (`expected`) are no longer the node's (the body has the node's `current` taints, and the taints `added` and `removed` since); `conflict`: the node changed since `resource_version`")),
    extensions(("x-permission" = json!("node.write"))))]
pub async fn taints(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::NodeWrite>,
    Path((id, name)): Path<(i64, String)>,
    ApiJson(body): ApiJson<TaintChange>,
) -> ApiResult<axum::Json<NodeSummary>> {
    audit.action("node.taints");
    audit.target(Some(id), None, Some(format!("nodes/{name}")));
    audit.detail(json!({"mode": body.mode, "taints": body.taints, "remove": body.remove.iter().map(|r| &r.key).collect::<Vec<_>>(), "force": body.force}));
    let replace = mode_is_replace(&body.mode)?;
    for (i, t) in body.taints.iter().enumerate() {
        if !is_valid_label_key(&t.key) {
            return Err(ApiError::invalid(
                &format!("taints[{i}].key"),
                ErrorCode::InvalidTaint,
                format!("'{}' is not a valid taint key", t.key),
            )
            .param("key", &t.key)
            .param("rule", "key"));
        }
        if !is_valid_label_value(&t.value) {
            return Err(ApiError::invalid(
                &format!("taints[{i}].value"),
                ErrorCode::InvalidTaint,
                format!("'{}' is not a valid taint value", t.value),
            )
            .param("key", &t.key)
            .param("value", &t.value)
            .param("rule", "value"));
        }
        if !EFFECTS.contains(&t.effect.as_str()) {
            return Err(ApiError::not_one_of(
                &format!("taints[{i}].effect"),
                &EFFECTS,
                &t.effect,
            ));
        }
    }
    for (i, r) in body.remove.iter().enumerate() {
        if let Some(e) = &r.effect
            && !EFFECTS.contains(&e.as_str())
        {
            return Err(ApiError::not_one_of(
                &format!("remove[{i}].effect"),
                &EFFECTS,
                e,
            ));
        }
    }
    check_resource_version(&body.resource_version)?;
    let summary = edit_node(&state, id, &name, &body.resource_version, "taints", |node| {
        let current: Vec<TaintView> =
            NodeSummary::from_node_at(&node, std::iter::empty(), Utc::now()).taints;
        if let Some(expected) = &body.expected {
            // What the change is based on: every taint for a replacement, the keys it touches for a patch.
            let relevant = |t: &TaintView| {
                replace
                    || body.taints.iter().any(|x| x.key == t.key)
                    || body.remove.iter().any(|r| r.key == t.key)
            };
            let exp: Vec<TaintView> = expected.iter().filter(|t| relevant(t)).cloned().collect();
            let cur: Vec<TaintView> = current.iter().filter(|t| relevant(t)).cloned().collect();
            if exp.iter().any(|t| !cur.contains(t)) || cur.iter().any(|t| !exp.contains(t)) {
                return Err(taints_changed(&name, &exp, &cur).with_extra("current", json!(current)));
            }
        }
        let mut next: Vec<TaintView> = if replace { Vec::new() } else { current.clone() };
        if !replace {
            next.retain(|t| {
                !body
                    .remove
                    .iter()
                    .any(|r| r.key == t.key && r.effect.as_deref().is_none_or(|e| e == t.effect))
            });
        }
        for t in &body.taints {
            next.retain(|x| !(x.key == t.key && x.effect == t.effect));
            next.push(t.clone());
        }
        let touched: Vec<TaintView> = current
            .iter()
            .filter(|t| !next.contains(t))
            .chain(next.iter().filter(|t| !current.contains(t)))
            .cloned()
            .collect();
        if let Some(t) = touched.iter().find(|t| protected_taint(&t.key))
            && !body.force
        {
            return Err(ApiError::invalid(
                "taints",
                ErrorCode::ProtectedKey,
                format!(
                    "'{}' is a taint the node lifecycle controller manages; set force to change it anyway",
                    t.key
                ),
            )
            .param("key", &t.key));
        }
        if touched.is_empty() && next.len() == current.len() {
            // Nothing to change: a save without a change succeeds (and writes nothing).
            return Ok(None);
        }
        let list: Vec<serde_json::Value> = next
            .iter()
            .map(|t| {
                let mut v = json!({"key": t.key, "effect": t.effect});
                if !t.value.is_empty() {
                    v["value"] = json!(t.value);
                }
                // Keep the time the controller stamped on NoExecute taints it added.
                if let Some(orig) = node
                    .spec
                    .as_ref()
                    .and_then(|s| s.taints.as_ref())
                    .and_then(|ts| ts.iter().find(|o| o.key == t.key && o.effect == t.effect))
                    && let Some(added) = &orig.time_added
                {
                    v["timeAdded"] = json!(added);
                }
                v
            })
            .collect();
        Ok(Some(json!({"spec": {"taints": list}})))
    })
    .await?;
    Ok(axum::Json(summary))
}

/// `?force=true` on node delete.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Delete even though non-DaemonSet pods still run on it.
    #[serde(default)]
    pub force: bool,
}

/// What a node delete did.
#[derive(Serialize, ToSchema)]
pub struct NodeDeleted {
    /// The node.
    pub name: String,
    /// Pods that were still on it (their controllers recreate them elsewhere; bare pods are lost).
    pub pods_left: Vec<String>,
    /// What happens to them.
    pub note: String,
}

/// Delete a node object. Refuses while non-DaemonSet pods run on it, unless `force`.
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/nodes/{name}", tag = "nodes", params(("id" = i64, Path), ("name" = String, Path), DeleteQuery),
    responses((status = 200, body = NodeDeleted), (status = 404), (status = 409, description = "pods still on the node")),
    extensions(("x-permission" = json!("node.write"))))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::NodeWrite>,
    Path((id, name)): Path<(i64, String)>,
    ApiQuery(q): ApiQuery<DeleteQuery>,
) -> ApiResult<axum::Json<NodeDeleted>> {
    audit.action("node.delete");
    audit.target(Some(id), None, Some(format!("nodes/{name}")));
    audit.detail(json!({"force": q.force}));
    let (c, api) = node_api(&state, id).await?;
    get_node(&api, &name, id).await?;
    let client = client_for(&state, &c).await?;
    let pods = within(
        CALL,
        Api::<Pod>::all(client)
            .list(&ListParams::default().fields(&format!("spec.nodeName={name}"))),
    )
    .await
    .map_err(from_cluster)?;
    let left: Vec<String> = pods
        .items
        .iter()
        .map(kubedeck_kube::pods::project)
        .filter(|p| !p.is_finished() && p.owner_kind.as_deref() != Some("DaemonSet"))
        .map(|p| p.key())
        .collect();
    if !left.is_empty() && !q.force {
        return Err(ApiError::conflict(
            ErrorCode::NodeNotEmpty,
            format!(
                "node '{name}' still runs {} pods ({}); drain it first, or delete with force=true",
                left.len(),
                left.iter().take(10).cloned().collect::<Vec<_>>().join(", ")
            ),
        )
        .param("node", &name)
        .param("pods", left.len())
        .with_extra("pods", json!(left)));
    }
    within(CALL, api.delete(&name, &DeleteParams::default()))
        .await
        .map_err(from_cluster)?;
    Ok(axum::Json(NodeDeleted {
        name,
        note: if left.is_empty() {
            "no workload pods were on the node".into()
        } else {
            "the pods are removed by the pod garbage collector; controllers recreate theirs on other nodes, bare pods are gone".into()
        },
        pods_left: left,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_labels_and_taints_are_protected() {
        assert!(protected_label("kubernetes.io/hostname"));
        assert!(protected_label("node.kubernetes.io/instance-type"));
        assert!(!protected_label("node-role.kubernetes.io/worker"));
        assert!(!protected_label("team"));
        assert!(protected_taint("node.kubernetes.io/unreachable"));
        assert!(!protected_taint("dedicated"));
    }
}

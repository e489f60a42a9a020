//! `/api/v1/k8s/cluster/{id}/nodes/{name}/metrics` (latest sample) and `.../metrics/history`, from the
//! `node_metrics` table the collector fills (see `metrics_collector`).

use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, Duration, Utc};
use kube::runtime::reflector::ObjectRef;
use kubedeck_store::node_metrics::{NodeSample, average_by_bucket};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Rows a history answer returns as stored; a longer range without `step` is averaged automatically.
const MAX_AS_STORED: u64 = 2_000;
/// Most points a history answer may have.
const MAX_POINTS: i64 = 11_000;
/// Longest step: a year.
const MAX_STEP: i64 = 366 * 24 * 3600;
/// Default history range.
const DEFAULT_RANGE: Duration = Duration::hours(1);

/// One sample, or the average of the samples in a step.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct NodeMetricsPoint {
    /// When the sample was taken, or the start of the step / bucket it averages.
    pub timestamp: DateTime<Utc>,
    /// CPU usage, percent of allocatable.
    pub cpu_usage: f64,
    /// Memory working set, percent of allocatable.
    pub memory_usage: f64,
    /// Node filesystem used, percent of capacity.
    pub disk_usage: f64,
    /// Receive rate, bytes per second; null when unknown (first sample, counter reset).
    pub network_in: Option<i64>,
    /// Transmit rate, bytes per second; null when unknown.
    pub network_out: Option<i64>,
    /// Pods on the node.
    pub pod_count: i32,
    /// `raw` for a sample, the bucket length (`5m`) for a stored average, `step` for an average computed for
    /// this answer.
    pub resolution: String,
}

impl From<NodeSample> for NodeMetricsPoint {
    fn from(s: NodeSample) -> Self {
        Self {
            timestamp: s.timestamp,
            cpu_usage: s.cpu_usage,
            memory_usage: s.memory_usage,
            disk_usage: s.disk_usage,
            network_in: s.network_in,
            network_out: s.network_out,
            pod_count: s.pod_count,
            resolution: s.resolution,
        }
    }
}

/// The latest sample of a node. When the newest sample is older than three collection intervals the node
/// has stopped reporting: `stale` is true, `data` is null, and `last_timestamp` says when it last reported.
#[derive(Serialize, ToSchema)]
pub struct NodeMetricsLatest {
    /// Cluster id.
    pub cluster_id: i64,
    /// Node name.
    pub node_name: String,
    /// True when there is no current sample (none yet, or the newest is too old).
    pub stale: bool,
    /// When the newest sample was taken, if there is one.
    pub last_timestamp: Option<DateTime<Utc>>,
    /// Seconds between samples.
    pub interval_seconds: u64,
    /// The current sample; null when stale.
    pub data: Option<NodeMetricsPoint>,
}

/// A node's history.
#[derive(Serialize, ToSchema)]
pub struct NodeMetricsHistory {
    /// Cluster id.
    pub cluster_id: i64,
    /// Node name.
    pub node_name: String,
    /// Start of the range (inclusive).
    pub from: DateTime<Utc>,
    /// End of the range (inclusive).
    pub to: DateTime<Utc>,
    /// Length of the averaging step in seconds; null when the points are the stored rows.
    pub step: Option<i64>,
    /// Points, oldest first.
    pub items: Vec<NodeMetricsPoint>,
}

/// History range and step.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Start, RFC 3339 (default: one hour before `to`).
    pub from: Option<String>,
    /// End, RFC 3339 (default: now).
    pub to: Option<String>,
    /// Average over steps of this many seconds, aligned to the Unix epoch. Without it the stored rows are
    /// returned (raw samples for the raw-retention window, bucket averages before it) when there are at most
    /// 2000 of them, else a step is chosen.
    pub step: Option<i64>,
}

/// A checked history query.
#[derive(Debug, Clone, Copy)]
pub struct HistoryRange {
    /// Start (inclusive).
    pub from: DateTime<Utc>,
    /// End (inclusive).
    pub to: DateTime<Utc>,
    /// The step asked for.
    pub step: Option<i64>,
}

impl HistoryRange {
    /// The step of the answer for `count` stored rows in the range: the one asked for, else none (rows as
    /// stored) up to 2000 rows, else one that gives about 1000 points.
    pub fn step_for(&self, count: u64) -> Option<i64> {
        let range = (self.to - self.from).num_seconds().max(1);
        match self.step {
            Some(s) => Some(s),
            None if count > MAX_AS_STORED => Some((range + 999) / 1000),
            None => None,
        }
    }
}

impl HistoryQuery {
    /// The range and step, checked: 400 naming `from`, `to` or `step` when one is wrong.
    pub fn range(&self) -> ApiResult<HistoryRange> {
        let q = self;
        let to = match &q.to {
            Some(v) => parse_time("to", v)?,
            None => Utc::now(),
        };
        let from = match &q.from {
            Some(v) => parse_time("from", v)?,
            None => to - DEFAULT_RANGE,
        };
        if from >= to {
            return Err(ApiError::invalid(
                "from",
                ErrorCode::InvalidTimeRange,
                "from must be before to",
            ));
        }
        let range = (to - from).num_seconds().max(1);
        if let Some(step) = q.step {
            if step <= 0 || step > MAX_STEP {
                return Err(ApiError::out_of_range("step", Some(1), Some(MAX_STEP)));
            }
            if range / step > MAX_POINTS {
                return Err(ApiError::invalid(
                    "step",
                    ErrorCode::OutOfRange,
                    format!(
                        "step {step}s gives more than {MAX_POINTS} points over this range; use a larger step"
                    ),
                )
                .param("min", (range + MAX_POINTS - 1) / MAX_POINTS)
                .param("max", MAX_STEP));
            }
        }
        Ok(HistoryRange {
            from,
            to,
            step: q.step,
        })
    }
}

fn parse_time(field: &str, v: &str) -> ApiResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ApiError::invalid(
                field,
                ErrorCode::InvalidTime,
                format!("{field} must be an RFC 3339 time such as 2026-01-02T15:04:05Z, not '{v}'"),
            )
            .param("value", v)
        })
}

async fn find_cluster(state: &AppState, id: i64) -> ApiResult<()> {
    match state.store.find_cluster(id).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::cluster_not_found(id)),
    }
}

/// A node is known when this replica's synced node store has it, or when it has samples (it may have been
/// removed since, or another replica syncs the cluster).
async fn ensure_node(state: &AppState, id: i64, name: &str) -> ApiResult<Option<NodeSample>> {
    let latest = state.store.latest_node_sample(id, name).await?;
    let in_store = state
        .hub
        .get(id)
        .filter(|h| h.nodes_synced())
        .is_some_and(|h| h.nodes.get(&ObjectRef::new(name)).is_some());
    if !in_store && latest.is_none() {
        return Err(ApiError::node_not_found(id, name));
    }
    Ok(latest)
}

/// The current sample of every node of a cluster that has one (for node lists and details): a node missing
/// from the map has no current figures (never reported, or stopped reporting more than three intervals ago).
pub async fn current_by_node(
    state: &AppState,
    cluster_id: i64,
) -> Result<std::collections::HashMap<String, NodeMetricsPoint>, sea_orm::DbErr> {
    let stale_after = Duration::from_std(state.settings.node_metrics.stale_after())
        .unwrap_or(Duration::days(365));
    let rows = state
        .store
        .newest_node_samples_since(cluster_id, Utc::now() - stale_after)
        .await?;
    Ok(rows
        .into_iter()
        .map(|s| (s.node_name.clone(), s.into()))
        .collect())
}

/// Latest metrics of a node; `stale` with the last timestamp when it stopped reporting.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/nodes/{name}/metrics", tag = "nodes",
    params(("id" = i64, Path), ("name" = String, Path)),
    responses((status = 200, body = NodeMetricsLatest), (status = 404, description = "unknown cluster or node")),
    extensions(("x-permission" = json!("node.read"))))]
pub async fn latest(
    _auth: Authorized<perm::NodeRead>,
    State(state): State<AppState>,
    Path((id, name)): Path<(i64, String)>,
) -> ApiResult<axum::Json<NodeMetricsLatest>> {
    find_cluster(&state, id).await?;
    let newest = ensure_node(&state, id, &name).await?;
    let settings = state.settings.node_metrics;
    let stale_after = Duration::from_std(settings.stale_after()).unwrap_or(Duration::days(365));
    let last_timestamp = newest.as_ref().map(|s| s.timestamp);
    let current = newest.filter(|s| Utc::now() - s.timestamp <= stale_after);
    Ok(axum::Json(NodeMetricsLatest {
        cluster_id: id,
        node_name: name,
        stale: current.is_none(),
        last_timestamp,
        interval_seconds: settings.interval.as_secs(),
        data: current.map(Into::into),
    }))
}

/// A node's metrics history between `from` and `to`, optionally averaged per `step` seconds.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/nodes/{name}/metrics/history", tag = "nodes",
    params(("id" = i64, Path), ("name" = String, Path), HistoryQuery),
    responses((status = 200, body = NodeMetricsHistory), (status = 400, description = "bad from, to or step"),
        (status = 404, description = "unknown cluster or node")),
    extensions(("x-permission" = json!("node.read"))))]
pub async fn history(
    _auth: Authorized<perm::NodeRead>,
    State(state): State<AppState>,
    Path((id, name)): Path<(i64, String)>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<axum::Json<NodeMetricsHistory>> {
    let range = q.range()?;
    find_cluster(&state, id).await?;
    ensure_node(&state, id, &name).await?;
    let HistoryRange { from, to, .. } = range;
    let count = state.store.count_node_samples(id, &name, from, to).await?;
    let step = range.step_for(count);
    let rows = state
        .store
        .node_samples(id, &name, from, to, count.max(1))
        .await?;
    let items = match step {
        Some(s) => average_by_bucket(&rows, Duration::seconds(s), "step")
            .into_iter()
            .map(Into::into)
            .collect(),
        None => rows.into_iter().map(Into::into).collect(),
    };
    Ok(axum::Json(NodeMetricsHistory {
        cluster_id: id,
        node_name: name,
        from,
        to,
        step,
        items,
    }))
}

//! Pod and workload metrics history, from the `pod_metrics` table the collector fills ([`crate::pod_history`]):
//!
//! | Route | Answer |
//! |---|---|
//! | `GET .../namespaces/{ns}/pods/{name}/metrics/history` | the pod's CPU, memory, network rates and restarts, and its containers' CPU and memory |
//! | `GET .../namespaces/{ns}/{kind}/{name}/metrics/history` | deployments, statefulsets, daemonsets, jobs: the sum of their pods' figures, with how many pods were counted |
//!
//! Same query (`from`, `to`, `step`) and errors as node metrics history. `stale` says the pod (or every pod of the
//! workload) stopped reporting: its newest sample is older than three pod sampling intervals, so the last point
//! is not what it uses now.

use crate::auth::{Authorized, perm};
use crate::connection::{client_for, cluster, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiPath, ApiQuery};
use crate::routes::node_metrics::{HistoryQuery, HistoryRange};
use crate::routes::resources::object::api_for;
use crate::routes::resources::{GenericPath, resolve};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Duration, Utc};
use kubedeck_kube::error::within;
use kubedeck_store::pod_metrics::{PodSample, average_by_bucket};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

/// The workload kinds that have an aggregate history, by plural.
const WORKLOAD_KINDS: [&str; 4] = ["deployments", "statefulsets", "daemonsets", "jobs"];

/// One sample of a pod, or the average of its samples in a step.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq)]
pub struct PodMetricsPoint {
    /// When the sample was taken, or the start of the step / bucket it averages.
    pub timestamp: DateTime<Utc>,
    /// CPU in use, cores (the sum of its containers').
    pub cpu_cores: f64,
    /// Memory working set, bytes.
    pub memory_bytes: i64,
    /// Receive rate, bytes per second; null when unknown (first sample, counter reset).
    pub network_in: Option<i64>,
    /// Transmit rate, bytes per second; null when unknown.
    pub network_out: Option<i64>,
    /// Container restarts of the pod (the highest count in a step).
    pub restarts: i32,
    /// `raw` for a sample, the bucket length (`1h`) for a stored average, `step` for an average computed for
    /// this answer.
    pub resolution: String,
}

impl From<PodSample> for PodMetricsPoint {
    fn from(s: PodSample) -> Self {
        Self {
            timestamp: s.timestamp,
            cpu_cores: s.cpu_cores,
            memory_bytes: s.memory_bytes,
            network_in: s.network_in,
            network_out: s.network_out,
            restarts: s.restarts,
            resolution: s.resolution,
        }
    }
}

/// One sample of a container, or an average.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq)]
pub struct ContainerMetricsPoint {
    /// When the sample was taken, or the start of the step / bucket it averages.
    pub timestamp: DateTime<Utc>,
    /// CPU in use, cores.
    pub cpu_cores: f64,
    /// Memory working set, bytes.
    pub memory_bytes: i64,
    /// As for the pod's points.
    pub resolution: String,
}

/// One container's history.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct ContainerMetricsSeries {
    /// Container name.
    pub name: String,
    /// Points, oldest first.
    pub items: Vec<ContainerMetricsPoint>,
}

/// Whether the history is current.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct Freshness {
    /// True when there is no current sample: none yet, or the newest is older than three sampling intervals
    /// (the pod stopped running or was deleted).
    pub stale: bool,
    /// When the newest sample was taken, if there is one.
    pub last_timestamp: Option<DateTime<Utc>>,
    /// Seconds between pod samples.
    pub interval_seconds: u64,
}

/// A pod's history.
#[derive(Serialize, ToSchema)]
pub struct PodMetricsHistory {
    /// Cluster id.
    pub cluster_id: i64,
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// Start of the range (inclusive).
    pub from: DateTime<Utc>,
    /// End of the range (inclusive).
    pub to: DateTime<Utc>,
    /// Length of the averaging step in seconds; null when the points are the stored rows.
    pub step: Option<i64>,
    /// Whether the pod still reports.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The pod's points, oldest first.
    pub items: Vec<PodMetricsPoint>,
    /// Its containers' histories when it has more than one container (a lone container's figures are the
    /// pod's `items`).
    pub containers: Vec<ContainerMetricsSeries>,
}

/// A workload's figures at one time: the sum of its pods'.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq)]
pub struct WorkloadMetricsPoint {
    /// When the samples were taken, or the start of the step / bucket.
    pub timestamp: DateTime<Utc>,
    /// CPU in use by its pods, cores.
    pub cpu_cores: f64,
    /// Memory working set of its pods, bytes.
    pub memory_bytes: i64,
    /// Receive rate of its pods (those with a known rate), bytes per second; null when none is known.
    pub network_in: Option<i64>,
    /// Transmit rate, bytes per second; null when none is known.
    pub network_out: Option<i64>,
    /// Container restarts of its pods.
    pub restarts: i64,
    /// Pods summed in this point.
    pub pods: u32,
    /// As for a pod's points.
    pub resolution: String,
}

/// A workload's history.
#[derive(Serialize, ToSchema)]
pub struct WorkloadMetricsHistory {
    /// Cluster id.
    pub cluster_id: i64,
    /// Namespace.
    pub namespace: String,
    /// Kind (`Deployment`).
    pub kind: String,
    /// Name.
    pub name: String,
    /// Start of the range (inclusive).
    pub from: DateTime<Utc>,
    /// End of the range (inclusive).
    pub to: DateTime<Utc>,
    /// Length of the averaging step in seconds; null when the points are sums of the stored rows.
    pub step: Option<i64>,
    /// Whether any of its pods still reports.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// Distinct pods counted over the range (pods it has replaced included).
    pub pods_counted: u32,
    /// Points, oldest first.
    pub items: Vec<WorkloadMetricsPoint>,
}

fn freshness(state: &AppState, newest: Option<&PodSample>) -> Freshness {
    let pods = state.settings.node_metrics.pods;
    let stale_after = Duration::from_std(
        pods.stale_after()
            .max(state.settings.node_metrics.stale_after()),
    )
    .unwrap_or(Duration::days(365));
    let last_timestamp = newest.map(|s| s.timestamp);
    Freshness {
        stale: !last_timestamp.is_some_and(|t| Utc::now() - t <= stale_after),
        last_timestamp,
        interval_seconds: pods
            .interval
            .max(state.settings.node_metrics.interval)
            .as_secs(),
    }
}

/// Averages per step when there is one, else the rows as stored.
fn stepped(rows: Vec<PodSample>, step: Option<i64>) -> Vec<PodSample> {
    match step {
        Some(s) => average_by_bucket(&rows, Duration::seconds(s), "step"),
        None => rows,
    }
}

/// The pod is known when the watched pod store (or, without one on this replica, the API server) has it, or
/// when it has history (it may have been deleted since).
async fn ensure_pod(
    state: &AppState,
    id: i64,
    ns: &str,
    name: &str,
) -> ApiResult<Option<PodSample>> {
    let c = cluster(state, id).await?;
    let latest = state.store.latest_pod_sample(id, ns, name).await?;
    if latest.is_some() {
        return Ok(latest);
    }
    use kubedeck_kube::intern::Sym;
    let known = match state.hub.get(id).filter(|h| h.pods.synced()) {
        Some(h) => h
            .pods
            .read(|m| m.contains_key(&(Sym::intern(ns), Sym::intern(name)))),
        None => {
            let client = client_for(state, &c).await?;
            let api: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, ns);
            within(std::time::Duration::from_secs(10), api.get_opt(name))
                .await
                .map_err(from_cluster)?
                .is_some()
        }
    };
    if !known {
        return Err(ApiError::pod_not_found(id, ns, name));
    }
    Ok(None)
}

/// A pod's metrics history between `from` and `to`, optionally averaged per `step` seconds, with its
/// containers'.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/metrics/history", tag = "pods",
    params(("id" = i64, Path), ("ns" = String, Path), ("name" = String, Path), HistoryQuery),
    responses((status = 200, body = PodMetricsHistory), (status = 400, description = "bad from, to or step"),
        (status = 404, description = "unknown cluster or pod")),
    extensions(("x-permission" = json!("pod.read"))))]
pub async fn pod_history(
    _auth: Authorized<perm::PodRead>,
    State(state): State<AppState>,
    ApiPath((id, ns, name)): ApiPath<(i64, String, String)>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<PodMetricsHistory>> {
    let range = q.range()?;
    let newest = ensure_pod(&state, id, &ns, &name).await?;
    let HistoryRange { from, to, .. } = range;
    let rows = state.store.pod_samples(id, &ns, &name, from, to).await?;
    let (pod_rows, container_rows): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(PodSample::is_pod);
    let step = range.step_for(pod_rows.len() as u64);
    let mut containers: BTreeMap<String, Vec<ContainerMetricsPoint>> = BTreeMap::new();
    for s in stepped(container_rows, step) {
        containers
            .entry(s.container.clone())
            .or_default()
            .push(ContainerMetricsPoint {
                timestamp: s.timestamp,
                cpu_cores: s.cpu_cores,
                memory_bytes: s.memory_bytes,
                resolution: s.resolution,
            });
    }
    Ok(Json(PodMetricsHistory {
        cluster_id: id,
        freshness: freshness(&state, newest.as_ref()),
        namespace: ns,
        name,
        from,
        to,
        step,
        items: stepped(pod_rows, step)
            .into_iter()
            .map(Into::into)
            .collect(),
        containers: containers
            .into_iter()
            .map(|(name, items)| ContainerMetricsSeries { name, items })
            .collect(),
    }))
}

/// Sums pods' points per time (raw samples of one collection pass share its time; averages share their bucket's
/// start) and counts the distinct pods.
pub fn sum_by_time(rows: &[PodSample]) -> (Vec<WorkloadMetricsPoint>, u32) {
    let mut points: BTreeMap<DateTime<Utc>, WorkloadMetricsPoint> = BTreeMap::new();
    let mut pods: BTreeSet<&str> = BTreeSet::new();
    for s in rows {
        pods.insert(&s.pod_name);
        let p = points
            .entry(s.timestamp)
            .or_insert_with(|| WorkloadMetricsPoint {
                timestamp: s.timestamp,
                cpu_cores: 0.0,
                memory_bytes: 0,
                network_in: None,
                network_out: None,
                restarts: 0,
                pods: 0,
                resolution: s.resolution.clone(),
            });
        p.cpu_cores += s.cpu_cores;
        p.memory_bytes = p.memory_bytes.saturating_add(s.memory_bytes);
        if let Some(v) = s.network_in {
            p.network_in = Some(p.network_in.unwrap_or(0).saturating_add(v));
        }
        if let Some(v) = s.network_out {
            p.network_out = Some(p.network_out.unwrap_or(0).saturating_add(v));
        }
        p.restarts += i64::from(s.restarts);
        p.pods += 1;
    }
    (
        points.into_values().collect(),
        u32::try_from(pods.len()).unwrap_or(u32::MAX),
    )
}

/// A workload's metrics history: the sum of its pods' figures between `from` and `to` (pods it has replaced
/// included), optionally averaged per `step` seconds, with how many pods each point and the range counted.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/metrics/history", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments, statefulsets, daemonsets or jobs"),
        ("name" = String, Path), HistoryQuery),
    responses((status = 200, body = WorkloadMetricsHistory), (status = 400, description = "bad from, to or step"),
        (status = 404, description = "unknown cluster or workload; `verb_not_supported` for other kinds")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn workload_history(
    State(state): State<AppState>,
    _auth: Authorized<perm::ResourceRead>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<WorkloadMetricsHistory>> {
    let range = q.range()?;
    let (c, served, _) = resolve(&state, &t).await?;
    if !served
        .known()
        .is_some_and(|k| WORKLOAD_KINDS.contains(&k.plural))
    {
        return Err(ApiError::not_found(
            ErrorCode::VerbNotSupported,
            format!(
                "'metrics/history' does not apply to {}; it applies to {}",
                served.name,
                WORKLOAD_KINDS.join(", ")
            ),
        )
        .param("kind", &served.name)
        .param("verb", "metrics/history")
        .param("kinds", WORKLOAD_KINDS.join(", ")));
    }
    let (ns, name) = (
        t.ns.clone().unwrap_or_default(),
        t.name.clone().unwrap_or_default(),
    );
    let kind = served.api.kind.clone();
    let workload = format!("{kind}/{name}");
    let newest = state
        .store
        .latest_workload_sample(t.id, &ns, &workload)
        .await?;
    if newest.is_none() {
        // No history: it must exist now.
        let api = api_for(client_for(&state, &c).await?, &served, Some(&ns));
        if within(std::time::Duration::from_secs(10), api.get_opt(&name))
            .await
            .map_err(from_cluster)?
            .is_none()
        {
            return Err(ApiError::not_found(
                ErrorCode::ObjectNotFound,
                format!("{kind} '{ns}/{name}' not found"),
            )
            .param("kind", &kind)
            .param("name", &name)
            .param("namespace", &ns));
        }
    }
    let HistoryRange { from, to, .. } = range;
    let rows = state
        .store
        .workload_pod_samples(t.id, &ns, &workload, from, to)
        .await?;
    let (_, pods_counted) = sum_by_time(&rows);
    let times = rows
        .iter()
        .map(|r| r.timestamp)
        .collect::<BTreeSet<_>>()
        .len();
    let step = range.step_for(times as u64);
    let (items, _) = sum_by_time(&stepped(rows, step));
    Ok(Json(WorkloadMetricsHistory {
        cluster_id: t.id,
        namespace: ns,
        kind,
        name,
        from,
        to,
        step,
        freshness: freshness(&state, newest.as_ref()),
        pods_counted,
        items,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn row(pod: &str, secs: i64, cpu: f64, rx: Option<i64>) -> PodSample {
        PodSample {
            cluster_id: 1,
            namespace: "shop".into(),
            pod_name: pod.into(),
            container: String::new(),
            workload: "Deployment/web".into(),
            cpu_cores: cpu,
            memory_bytes: 100,
            network_in: rx,
            network_out: None,
            restarts: 1,
            resolution: "raw".into(),
            timestamp: Utc.timestamp_opt(secs, 0).unwrap(),
        }
    }

    #[test]
    fn a_workload_point_sums_its_pods_at_that_time() {
        let rows = vec![
            row("a", 0, 0.25, Some(10)),
            row("b", 0, 0.5, None),
            row("a", 60, 0.25, None),
            row("c", 60, 1.0, Some(5)),
        ];
        let (items, pods) = sum_by_time(&rows);
        assert_eq!(pods, 3);
        assert_eq!(items.len(), 2);
        assert_eq!(
            (items[0].cpu_cores, items[0].memory_bytes, items[0].pods),
            (0.75, 200, 2)
        );
        assert_eq!(items[0].network_in, Some(10), "only known rates are summed");
        assert_eq!(items[0].network_out, None);
        assert_eq!(items[1].restarts, 2);
    }
}

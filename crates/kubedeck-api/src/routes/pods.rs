//! `/api/v1/k8s/cluster/{id}/pods` and `.../namespaces/{ns}/pods`: lists from the synced store (never a LIST
//! per request), the live object for detail, delete, and logs with `kubectl logs`' options.

use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::connection::{client_for, cluster, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiQuery, Pagination};
use crate::routes::{parse_sort, sorted_page};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, LogParams};
use kubedeck_kube::error::within;
use kubedeck_kube::pods::PodLite;
use kubedeck_kube::selector::Selector;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

const CALL: Duration = Duration::from_secs(15);
const SORTS: &[&str] = &["name", "namespace", "age", "restarts", "node", "status"];
const PHASES: [&str; 5] = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];

/// A pod in a list: the spec's KubePod fields and what `kubectl get pods -o wide` shows.
#[derive(Serialize, ToSchema)]
pub struct PodSummary {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Node.
    pub node_name: Option<String>,
    /// Pending, Running, Succeeded, Failed, Unknown.
    pub phase: String,
    /// kubectl's STATUS column (CrashLoopBackOff, Completed, Terminating ...).
    pub status: String,
    /// Ready containers as `x/y`.
    pub ready: String,
    /// Container restarts.
    pub restarts: i32,
    /// Pod IP.
    pub ip: Option<String>,
    /// Controller kind (Deployment's pods show ReplicaSet).
    pub owner_type: Option<String>,
    /// Controller name.
    pub owner_name: Option<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Created at (RFC 3339).
    pub created_at: Option<String>,
    /// CPU request, millicores.
    pub cpu_request_millis: i64,
    /// Memory request, bytes.
    pub memory_request_bytes: i64,
}

impl From<&PodLite> for PodSummary {
    fn from(p: &PodLite) -> Self {
        PodSummary {
            namespace: p.namespace.to_string(),
            name: p.name.to_string(),
            node_name: p.node_name.as_ref().map(ToString::to_string),
            phase: p.phase.to_string(),
            status: p.status.to_string(),
            ready: format!("{}/{}", p.ready.0, p.ready.1),
            restarts: p.restarts,
            ip: p.pod_ip.map(|ip| ip.to_string()),
            owner_type: p.owner_kind.as_ref().map(ToString::to_string),
            owner_name: p.owner_name.as_ref().map(ToString::to_string),
            labels: p.labels.to_map(),
            created_at: p
                .created_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            cpu_request_millis: p.cpu_request_m,
            memory_request_bytes: p.memory_request,
        }
    }
}

/// A page of pods.
#[derive(Serialize, ToSchema)]
pub struct PodList {
    /// Pods of this page.
    pub items: Vec<PodSummary>,
    /// The page and its freshness (`source: snapshot` is the KubePod table).
    #[serde(flatten)]
    pub page: crate::routes::StorePage,
}

/// Filters and order for pod lists.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PodQuery {
    /// Namespaces, comma-separated (all-namespaces list only).
    pub namespace: Option<String>,
    /// Label selector in Kubernetes syntax.
    pub label_selector: Option<String>,
    /// Node name.
    pub node: Option<String>,
    /// Phase: Pending, Running, Succeeded, Failed, Unknown.
    pub phase: Option<String>,
    /// kubectl's STATUS column value, e.g. CrashLoopBackOff, ImagePullBackOff, Completed.
    pub status: Option<String>,
    /// Controller: `Kind/name` or `name`.
    pub owner: Option<String>,
    /// Substring of the name.
    pub name: Option<String>,
    /// name, namespace, age, restarts, node, status; `-` prefix for descending.
    pub sort: Option<String>,
    /// 1-based page.
    pub page: Option<u64>,
    /// Page size (max 500).
    pub page_size: Option<u64>,
}

async fn list_pods(
    state: &AppState,
    id: i64,
    only_ns: Option<&str>,
    q: PodQuery,
) -> ApiResult<PodList> {
    let page = Pagination {
        page: q.page,
        page_size: q.page_size,
    }
    .request()?;
    let selector = Selector::parse(q.label_selector.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::selector("label_selector", e))?;
    let (desc, key) = parse_sort(q.sort.as_deref(), SORTS, "namespace")?;
    if let Some(p) = &q.phase
        && !PHASES.contains(&p.as_str())
    {
        return Err(ApiError::not_one_of("phase", &PHASES, p));
    }
    let namespaces: Option<Vec<String>> = match only_ns {
        Some(ns) => Some(vec![ns.to_owned()]),
        None => q
            .namespace
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| s.split(',').map(|n| n.trim().to_owned()).collect()),
    };
    let (owner_kind, owner_name) = match q.owner.as_deref() {
        Some(o) => match o.split_once('/') {
            Some((k, n)) => (Some(k.to_owned()), Some(n.to_owned())),
            None => (None, Some(o.to_owned())),
        },
        None => (None, None),
    };
    let c = cluster(state, id).await?;
    let keep = |p: &PodLite| {
        namespaces
            .as_ref()
            .is_none_or(|ns| ns.iter().any(|n| p.namespace == n.as_str()))
            && q.node
                .as_deref()
                .is_none_or(|n| p.node_name.as_deref() == Some(n))
            && q.phase.as_deref().is_none_or(|ph| p.phase == *ph)
            && q.status.as_deref().is_none_or(|s| p.status == *s)
            && owner_kind
                .as_deref()
                .is_none_or(|k| p.owner_kind.as_deref() == Some(k))
            && owner_name
                .as_deref()
                .is_none_or(|n| p.owner_name.as_deref() == Some(n))
            && q.name.as_deref().is_none_or(|n| p.name.contains(n))
            && selector.matches(&p.labels)
    };
    let order = |a: &&PodLite, b: &&PodLite| {
        let o = match key.as_str() {
            "name" => a.name.cmp(&b.name),
            "age" => b.created_at.cmp(&a.created_at),
            "restarts" => a.restarts.cmp(&b.restarts),
            "node" => a.node_name.cmp(&b.node_name),
            "status" => a.status.cmp(&b.status),
            _ => std::cmp::Ordering::Equal,
        }
        .then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        if desc { o.reverse() } else { o }
    };
    let live = state.hub.get(id).filter(|h| h.pods.synced());
    // Every pod, sorted by name or namespace: a page read off the store's ordered keys, no sort at all.
    let unfiltered = namespaces.is_none()
        && selector.0.is_empty()
        && q.node.is_none()
        && q.phase.is_none()
        && q.status.is_none()
        && q.owner.is_none()
        && q.name.is_none();
    let key_order = match key.as_str() {
        "name" => Some(kubedeck_kube::hub::KeyOrder::Name),
        "namespace" => Some(kubedeck_kube::hub::KeyOrder::Namespace),
        _ => None,
    };
    if let (Some(h), Some(order), true) = (&live, key_order, unfiltered) {
        let skip = ((page.page - 1) * page.page_size) as usize;
        let (items, total) = h.pods.page_in_order(order, desc, skip, page.page_size as usize, |p| PodSummary::from(p));
        return Ok(PodList {
            items,
            page: crate::routes::StorePage {
                total: total as u64,
                page: page.page,
                page_size: page.page_size,
                stale: c.status != kubedeck_store::clusters::status::RUNNING,
                last_sync_at: c.last_sync_at,
                source: "live",
            },
        });
    }
    let (rows, total, source, last_sync_at): (Vec<PodSummary>, u64, &'static str, _) = match &live {
        // Filtered, ordered and paged by reference under the read lock: only the page's rows are copied out. A
        // namespace or node filter or a `key=value` selector visits only the pods it names (the store's index).
        Some(h) => {
            let (rows, total) = h.pods.read_candidates(
                &selector,
                kubedeck_kube::label_index::Scope {
                    namespaces: namespaces.as_deref(),
                    node: q.node.as_deref(),
                },
                |pods| {
                    let matching: Vec<&PodLite> = pods.filter(|p| keep(p)).collect();
                    let (rows, total) = sorted_page(matching, page, order);
                    (rows.into_iter().map(PodSummary::from).collect(), total)
                },
            );
            (rows, total, "live", c.last_sync_at)
        }
        None => {
            // Another replica syncs this cluster, or it is not reachable: answer from the snapshot.
            let rows = state.store.pod_snapshot(id, namespaces.as_deref()).await?;
            let last = rows.iter().filter_map(|r| r.last_sync_at).max();
            let pods: Vec<PodLite> = rows
                .into_iter()
                .filter_map(|r| crate::snapshots::decode::<PodLite>(id, "pods", &r.namespace, &r.name, &r.summary))
                .filter(|p| keep(p))
                .collect();
            let (rows, total) = sorted_page(pods.iter().collect(), page, order);
            (
                rows.into_iter().map(PodSummary::from).collect(),
                total,
                "snapshot",
                last,
            )
        }
    };
    Ok(PodList {
        items: rows,
        page: crate::routes::StorePage {
            total,
            page: page.page,
            page_size: page.page_size,
            stale: c.status != kubedeck_store::clusters::status::RUNNING
                || (source == "snapshot" && last_sync_at.is_none()),
            last_sync_at,
            source,
        },
    })
}

/// Pods of every namespace (for a user bound to some namespaces only, of those namespaces).
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/pods", tag = "pods", params(("id" = i64, Path), PodQuery),
    responses((status = 200, body = PodList), (status = 400), (status = 403, description = "no pod.read in this cluster, or a `namespace` filter names a namespace the caller may not read"), (status = 404)),
    extensions(("x-permission" = json!("pod.read"))))]
pub async fn list_all(
    State(state): State<AppState>,
    auth: crate::auth::InCluster<perm::PodRead>,
    Path(id): Path<i64>,
    ApiQuery(mut q): ApiQuery<PodQuery>,
) -> ApiResult<axum::Json<PodList>> {
    let asked: Vec<String> = q
        .namespace
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    q.namespace = auth.narrow(&asked)?.map(|ns| ns.join(","));
    Ok(axum::Json(list_pods(&state, id, None, q).await?))
}

/// Pods of one namespace.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods", tag = "pods", params(("id" = i64, Path), ("ns" = String, Path), PodQuery),
    responses((status = 200, body = PodList), (status = 400), (status = 404)), extensions(("x-permission" = json!("pod.read"))))]
pub async fn list_in_namespace(
    State(state): State<AppState>,
    _auth: Authorized<perm::PodRead>,
    Path((id, ns)): Path<(i64, String)>,
    ApiQuery(q): ApiQuery<PodQuery>,
) -> ApiResult<axum::Json<PodList>> {
    Ok(axum::Json(list_pods(&state, id, Some(&ns), q).await?))
}

/// An object in the owner chain.
#[derive(Serialize, ToSchema)]
pub struct OwnerRef {
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
}

/// A pod read live from the cluster.
#[derive(Serialize, ToSchema)]
pub struct PodDetail {
    /// The list columns.
    pub summary: PodSummary,
    /// BestEffort, Burstable or Guaranteed.
    pub qos_class: Option<String>,
    /// Pod → ReplicaSet → Deployment (as far as the chain goes).
    pub owner_chain: Vec<OwnerRef>,
    /// Recent events about the pod, newest first.
    pub events: Vec<crate::routes::resources::object::EventRow>,
    /// The live object (managedFields removed), for the YAML view.
    pub object: Value,
}

async fn owner_chain(client: &kube::Client, pod: &Pod) -> Vec<OwnerRef> {
    let mut chain = Vec::new();
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let mut next = pod
        .metadata
        .owner_references
        .as_ref()
        .and_then(|o| o.iter().find(|r| r.controller == Some(true)).cloned());
    while let Some(owner) = next.take() {
        chain.push(OwnerRef {
            kind: owner.kind.clone(),
            name: owner.name.clone(),
        });
        if chain.len() > 4 {
            break;
        }
        // ReplicaSets and Jobs have owners of their own (Deployment, CronJob).
        let path = match owner.kind.as_str() {
            "ReplicaSet" => format!("/apis/apps/v1/namespaces/{ns}/replicasets/{}", owner.name),
            "Job" => format!("/apis/batch/v1/namespaces/{ns}/jobs/{}", owner.name),
            _ => break,
        };
        let req = http::Request::get(path).body(Vec::new()).expect("request");
        let Ok(Ok(obj)) = tokio::time::timeout(CALL, client.request::<Value>(req)).await else {
            break;
        };
        next = obj["metadata"]["ownerReferences"]
            .as_array()
            .and_then(|o| o.iter().find(|r| r["controller"] == true))
            .and_then(|r| serde_json::from_value(r.clone()).ok());
    }
    chain
}

async fn live_pod(
    state: &AppState,
    id: i64,
    ns: &str,
    name: &str,
) -> ApiResult<(kube::Client, Pod)> {
    let c = cluster(state, id).await?;
    let client = client_for(state, &c).await?;
    let api: Api<Pod> = Api::namespaced(client.clone(), ns);
    let pod = within(CALL, api.get_opt(name))
        .await
        .map_err(from_cluster)?
        .ok_or_else(|| ApiError::pod_not_found(id, &ns, &name))?;
    Ok((client, pod))
}

/// One pod, read live: containers, conditions, volumes, owner chain, events, and the object itself.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}", tag = "pods",
    params(("id" = i64, Path), ("ns" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = PodDetail), (status = 404)), extensions(("x-permission" = json!("pod.read"))))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<perm::PodRead>,
    Path((id, ns, name)): Path<(i64, String, String)>,
) -> ApiResult<axum::Json<PodDetail>> {
    let (client, mut pod) = live_pod(&state, id, &ns, &name).await?;
    pod.metadata.managed_fields = None;
    let chain = owner_chain(&client, &pod).await;
    let events = crate::routes::events::events_of(&state, id, "Pod", Some(&ns), &name).await?.items;
    Ok(axum::Json(PodDetail {
        summary: PodSummary::from(&kubedeck_kube::pods::project(&pod)),
        qos_class: pod.status.as_ref().and_then(|s| s.qos_class.clone()),
        owner_chain: chain,
        events,
        object: serde_json::to_value(&pod).unwrap_or(Value::Null),
    }))
}

/// `kubectl delete pod` options.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeletePodQuery {
    /// Seconds the pod gets to stop (default: its own).
    pub grace_period_seconds: Option<i64>,
    /// Delete at once (grace period 0), like `kubectl delete --force --grace-period=0`.
    #[serde(default)]
    pub force: bool,
}

/// Delete a pod.
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}", tag = "pods",
    params(("id" = i64, Path), ("ns" = String, Path), ("name" = String, Path), DeletePodQuery),
    responses((status = 202, description = "deletion accepted"), (status = 403), (status = 404)), extensions(("x-permission" = json!("pod.write"))))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::PodWrite>,
    Path((id, ns, name)): Path<(i64, String, String)>,
    ApiQuery(q): ApiQuery<DeletePodQuery>,
) -> ApiResult<StatusCode> {
    audit.action("pod.delete");
    audit.target(Some(id), Some(&ns), Some(format!("pods/{name}")));
    audit.detail(json!({"grace_period_seconds": q.grace_period_seconds, "force": q.force}));
    if q.grace_period_seconds.is_some_and(|g| g < 0) {
        return Err(ApiError::out_of_range(
            "grace_period_seconds",
            Some(0),
            None,
        ));
    }
    let c = cluster(&state, id).await?;
    let client = client_for(&state, &c).await?;
    let api: Api<Pod> = Api::namespaced(client, &ns);
    let dp = DeleteParams {
        grace_period_seconds: if q.force {
            Some(0)
        } else {
            q.grace_period_seconds.map(|g| g as u32)
        },
        ..Default::default()
    };
    match within(CALL, api.delete(&name, &dp)).await {
        Ok(_) => Ok(StatusCode::ACCEPTED),
        Err(kubedeck_kube::error::ClusterError::Api { code: 404, .. }) => {
            Err(ApiError::pod_not_found(id, &ns, &name))
        }
        Err(e) => Err(from_cluster(e)),
    }
}

/// The spec's LogRequest, plus `sinceSeconds`, `sinceTime`, `limitBytes` and `download`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct LogQuery {
    /// Container name (required when the pod has more than one).
    pub container: Option<String>,
    /// Last N lines.
    pub tail_lines: Option<i64>,
    /// The previous, terminated instance of the container.
    #[serde(default)]
    pub previous: bool,
    /// Prefix each line with its RFC 3339 timestamp.
    #[serde(default)]
    pub timestamps: bool,
    /// Only lines newer than this many seconds.
    pub since_seconds: Option<i64>,
    /// Only lines after this RFC 3339 time.
    pub since_time: Option<DateTime<Utc>>,
    /// At most this many bytes.
    pub limit_bytes: Option<i64>,
    /// Answer as a file download.
    #[serde(default)]
    pub download: bool,
}

/// Validates log options against the live pod like `kubectl logs` does, and returns the container to read.
pub fn check_log_request(pod: &Pod, q: &LogQuery) -> ApiResult<String> {
    if q.tail_lines.is_some_and(|t| t < 0) {
        return Err(ApiError::out_of_range("tailLines", Some(0), None));
    }
    if q.since_seconds.is_some_and(|s| s <= 0) {
        return Err(ApiError::out_of_range("sinceSeconds", Some(1), None));
    }
    if q.limit_bytes.is_some_and(|b| b <= 0) {
        return Err(ApiError::out_of_range("limitBytes", Some(1), None));
    }
    if q.since_seconds.is_some() && q.since_time.is_some() {
        return Err(ApiError::invalid(
            "sinceTime",
            ErrorCode::MutuallyExclusive,
            "give sinceSeconds or sinceTime, not both",
        )
        .param("other", "sinceSeconds"));
    }
    let spec = pod.spec.as_ref();
    let names: Vec<String> = spec
        .map(|s| {
            s.containers
                .iter()
                .chain(s.init_containers.iter().flatten())
                .map(|c| c.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let main: Vec<&String> = spec
        .map(|s| s.containers.iter().map(|c| &c.name).collect())
        .unwrap_or_default();
    let container = match &q.container {
        Some(c) if names.contains(c) => c.clone(),
        Some(c) => {
            return Err(ApiError::invalid(
                "container",
                ErrorCode::ContainerNotFound,
                format!(
                    "container '{c}' is not in the pod; it has: {}",
                    names.join(", ")
                ),
            )
            .param("container", c)
            .param("containers", &names)
            .with_extra("containers", json!(names)));
        }
        None if main.len() == 1 => main[0].clone(),
        None => {
            return Err(ApiError::invalid(
                "container",
                ErrorCode::ContainerRequired,
                format!(
                    "the pod has {} containers; name one of: {}",
                    main.len(),
                    main.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .param("containers", &main)
            .with_extra("containers", json!(names)));
        }
    };
    if q.previous {
        let status = pod.status.as_ref();
        let restarted = status
            .and_then(|s| s.container_statuses.as_ref())
            .into_iter()
            .chain(status.and_then(|s| s.init_container_statuses.as_ref()))
            .flatten()
            .find(|s| s.name == container)
            .is_some_and(|s| {
                s.restart_count > 0
                    || s.last_state
                        .as_ref()
                        .is_some_and(|l| l.terminated.is_some())
            });
        if !restarted {
            return Err(ApiError::invalid(
                "previous",
                ErrorCode::NoPreviousLog,
                format!("container '{container}' has not restarted, so it has no previous logs"),
            )
            .param("container", &container));
        }
    }
    Ok(container)
}

/// The Kubernetes log options for a checked request (no follow).
pub fn log_params(q: &LogQuery, container: &str) -> LogParams {
    LogParams {
        container: Some(container.to_owned()),
        follow: false,
        limit_bytes: q.limit_bytes,
        pretty: false,
        previous: q.previous,
        since_seconds: q.since_seconds,
        since_time: q
            .since_time
            .map(|t| k8s_openapi::jiff::Timestamp::from_second(t.timestamp()).unwrap_or_default()),
        tail_lines: q.tail_lines,
        timestamps: q.timestamps,
    }
}

async fn logs_of(
    state: &AppState,
    id: i64,
    ns: &str,
    name: &str,
    q: LogQuery,
) -> ApiResult<Response> {
    let (client, pod) = live_pod(state, id, ns, name).await?;
    let container = check_log_request(&pod, &q)?;
    let lp = log_params(&q, &container);
    let api: Api<Pod> = Api::namespaced(client, ns);
    let text = within(Duration::from_secs(60), api.logs(name, &lp))
        .await
        .map_err(from_cluster)?;
    let mut resp = ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response();
    if q.download {
        let file = format!(
            "{name}-{container}{}-{}.log",
            if q.previous { "-previous" } else { "" },
            Utc::now().format("%Y%m%dT%H%M%SZ")
        );
        resp.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            header::HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
                .expect("ascii file name"),
        );
    }
    Ok(resp)
}

/// A container's logs (`kubectl logs`).
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/logs", tag = "pods",
    params(("id" = i64, Path), ("ns" = String, Path), ("name" = String, Path), LogQuery),
    responses((status = 200, content_type = "text/plain"), (status = 400), (status = 404)), extensions(("x-permission" = json!("pod.logs"))))]
pub async fn logs(
    State(state): State<AppState>,
    _auth: Authorized<perm::PodLogs>,
    Path((id, ns, name)): Path<(i64, String, String)>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Response> {
    logs_of(&state, id, &ns, &name, q).await
}

/// A named container's logs (`kubectl logs POD -c CONTAINER`).
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/containers/{container}/logs", tag = "pods",
    params(("id" = i64, Path), ("ns" = String, Path), ("name" = String, Path), ("container" = String, Path), LogQuery),
    responses((status = 200, content_type = "text/plain"), (status = 400), (status = 404)), extensions(("x-permission" = json!("pod.logs"))))]
pub async fn container_logs(
    State(state): State<AppState>,
    _auth: Authorized<perm::PodLogs>,
    Path((id, ns, name, container)): Path<(i64, String, String, String)>,
    ApiQuery(mut q): ApiQuery<LogQuery>,
) -> ApiResult<Response> {
    q.container = Some(container);
    logs_of(&state, id, &ns, &name, q).await
}

// ---- Where is this pod? -----------------------------------------------------------------------

/// A pod found by the cross-cluster search.
#[derive(Serialize, ToSchema)]
pub struct FoundPod {
    /// Cluster id.
    pub cluster_id: i64,
    /// Cluster name.
    pub cluster_name: String,
    /// The pod.
    #[serde(flatten)]
    pub pod: PodSummary,
}

/// Search terms.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A name substring, or a label selector when it contains `=`, `!` or ` in ` (e.g. `app=web`).
    pub q: Option<String>,
    /// 1-based page.
    pub page: Option<u64>,
    /// Page size (max 500).
    pub page_size: Option<u64>,
}

/// Results of a search, with the clusters that could not be searched.
#[derive(Serialize, ToSchema)]
pub struct SearchResult {
    /// Matches, ordered by cluster, namespace and name.
    pub items: Vec<FoundPod>,
    /// Matches in all.
    pub total: u64,
    /// 1-based page.
    pub page: u64,
    /// Page size.
    pub page_size: u64,
    /// Clusters the caller may see whose pods are not synced on this server right now.
    pub not_searched: Vec<i64>,
}

/// Where is this pod? Searches every cluster the caller may read pods in.
#[utoipa::path(get, path = "/api/v1/k8s/pods", tag = "pods", params(SearchQuery),
    responses((status = 200, body = SearchResult), (status = 400)), extensions(("x-permission" = json!("pod.read"))))]
pub async fn search(
    State(state): State<AppState>,
    auth: crate::auth::AuthUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<axum::Json<SearchResult>> {
    use kubedeck_core::rbac::{Permission, Scope};
    if !auth.bindings.allows_somewhere(Permission::PodRead) {
        auth.require(Permission::PodRead, Scope::GLOBAL)?;
    }
    let page = Pagination {
        page: q.page,
        page_size: q.page_size,
    }
    .request()?;
    let term = q.q.as_deref().unwrap_or_default().trim();
    if term.is_empty() || term.len() > 256 {
        return Err(ApiError::invalid_length("q", 1, 256));
    }
    let selector = if term.contains('=')
        || term.starts_with('!')
        || term.contains(" in ")
        || term.contains(" notin ")
    {
        Some(Selector::parse(term).map_err(|e| ApiError::selector("q", e))?)
    } else {
        None
    };
    let mut found = Vec::new();
    let mut not_searched = Vec::new();
    for c in state.store.all_clusters().await? {
        // Namespace-bound users see only their namespaces' pods.
        let only = auth.bindings.namespaces_with(Permission::PodRead, c.id);
        if only.as_ref().is_some_and(Vec::is_empty) {
            continue;
        }
        let Some(h) = state.hub.get(c.id).filter(|h| h.pods.synced()) else {
            not_searched.push(c.id);
            continue;
        };
        h.pods.read(|m| {
            for p in m.values() {
                let visible = only
                    .as_ref()
                    .is_none_or(|ns| ns.iter().any(|n| p.namespace == n.as_str()));
                let hit = match &selector {
                    Some(s) => s.matches(&p.labels),
                    None => p.name.contains(term),
                };
                if visible && hit {
                    found.push((c.id, c.name.clone(), p.clone()));
                }
            }
        });
    }
    let (rows, total) = sorted_page(found, page, |a, b| {
        (a.0, &a.2.namespace, &a.2.name).cmp(&(b.0, &b.2.namespace, &b.2.name))
    });
    Ok(axum::Json(SearchResult {
        items: rows
            .into_iter()
            .map(|(cluster_id, cluster_name, p)| FoundPod {
                cluster_id,
                cluster_name,
                pod: PodSummary::from(p.as_ref()),
            })
            .collect(),
        total,
        page: page.page,
        page_size: page.page_size,
        not_searched,
    }))
}

// ---- Merged logs of a workload ----------------------------------------------------------------

/// Options of the merged log view.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct MergedLogQuery {
    /// Label selector of the workload's pods (e.g. `app=web`).
    pub label_selector: String,
    /// Lines per container (default 200, at most 5000).
    pub tail_lines: Option<i64>,
    /// Only lines newer than this many seconds.
    pub since_seconds: Option<i64>,
}

/// One line of the merged view.
#[derive(Serialize, ToSchema)]
pub struct MergedLine {
    /// When the container wrote it (RFC 3339).
    pub ts: String,
    /// Pod.
    pub pod: String,
    /// Container.
    pub container: String,
    /// The line, without its timestamp.
    pub line: String,
}

/// Merged logs of a workload.
#[derive(Serialize, ToSchema)]
pub struct MergedLogs {
    /// Lines of every container of every matching pod, in time order.
    pub lines: Vec<MergedLine>,
    /// Pods read.
    pub pods: Vec<String>,
    /// Containers whose logs could not be read, with why (English, `pod/container: why`).
    pub errors: Vec<String>,
    /// The same, each with the error's stable code and params, for the console to word.
    pub failures: Vec<LogFailure>,
}

/// A container whose log could not be read.
#[derive(Serialize, ToSchema)]
pub struct LogFailure {
    /// Pod.
    pub pod: String,
    /// Container.
    pub container: String,
    /// Why, as an API error code (`cluster_unreachable`, `object_not_found` ...).
    pub code: ErrorCode,
    /// What the code's sentence names.
    #[schema(value_type = Object)]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Why, in English.
    pub message: String,
}

/// Most pods one merged view reads.
pub const MERGED_MAX_PODS: usize = 50;

/// The logs of all pods matching a selector, each line tagged with pod and container, in time order.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/logs", tag = "pods",
    params(("id" = i64, Path), ("ns" = String, Path), MergedLogQuery),
    responses((status = 200, body = MergedLogs), (status = 400), (status = 404)), extensions(("x-permission" = json!("pod.logs"))))]
pub async fn merged_logs(
    State(state): State<AppState>,
    _auth: Authorized<perm::PodLogs>,
    Path((id, ns)): Path<(i64, String)>,
    ApiQuery(q): ApiQuery<MergedLogQuery>,
) -> ApiResult<axum::Json<MergedLogs>> {
    if q.label_selector.trim().is_empty() {
        return Err(ApiError::invalid(
            "labelSelector",
            ErrorCode::Required,
            "give the workload's label selector, e.g. app=web",
        ));
    }
    Selector::parse(&q.label_selector).map_err(|e| ApiError::selector("labelSelector", e))?;
    let tail = q.tail_lines.unwrap_or(200);
    if !(0..=5000).contains(&tail) {
        return Err(ApiError::out_of_range("tailLines", Some(0), Some(5000)));
    }
    if q.since_seconds.is_some_and(|s| s <= 0) {
        return Err(ApiError::out_of_range("sinceSeconds", Some(1), None));
    }
    let c = cluster(&state, id).await?;
    let client = client_for(&state, &c).await?;
    let api: Api<Pod> = Api::namespaced(client, &ns);
    let pods = within(
        CALL,
        api.list(&ListParams::default().labels(&q.label_selector)),
    )
    .await
    .map_err(from_cluster)?
    .items;
    if pods.len() > MERGED_MAX_PODS {
        return Err(ApiError::invalid(
            "labelSelector",
            ErrorCode::TooManyMatches,
            format!(
                "{} pods match; narrow the selector to at most {MERGED_MAX_PODS}",
                pods.len()
            ),
        )
        .param("max", MERGED_MAX_PODS)
        .param("value", pods.len()));
    }
    let mut jobs = Vec::new();
    for p in &pods {
        let name = p.metadata.name.clone().unwrap_or_default();
        for container in p
            .spec
            .iter()
            .flat_map(|s| s.containers.iter())
            .map(|c| c.name.clone())
        {
            let api = api.clone();
            let lp = LogParams {
                container: Some(container.clone()),
                timestamps: true,
                tail_lines: Some(tail),
                since_seconds: q.since_seconds,
                ..Default::default()
            };
            let name = name.clone();
            jobs.push(async move {
                (
                    name.clone(),
                    container,
                    within(CALL, api.logs(&name, &lp)).await,
                )
            });
        }
    }
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut failures = Vec::new();
    for (pod, container, res) in futures::future::join_all(jobs).await {
        match res {
            Ok(text) => {
                for l in text.lines() {
                    let (ts, line) = l.split_once(' ').unwrap_or((l, ""));
                    lines.push(MergedLine {
                        ts: ts.to_owned(),
                        pod: pod.clone(),
                        container: container.clone(),
                        line: line.to_owned(),
                    });
                }
            }
            Err(e) => {
                errors.push(format!("{pod}/{container}: {e}"));
                let err = from_cluster(e);
                failures.push(LogFailure {
                    pod,
                    container,
                    code: err.code,
                    params: err.params,
                    message: err.message,
                });
            }
        }
    }
    // RFC 3339 timestamps from the kubelet sort as text once parsed; fall back to text order.
    lines.sort_by(|a, b| {
        let pa = a.ts.parse::<DateTime<Utc>>().ok();
        let pb = b.ts.parse::<DateTime<Utc>>().ok();
        pa.cmp(&pb).then_with(|| a.ts.cmp(&b.ts))
    });
    Ok(axum::Json(MergedLogs {
        lines,
        pods: pods
            .iter()
            .filter_map(|p| p.metadata.name.clone())
            .collect(),
        errors,
        failures,
    }))
}

/// Refreshes the KubePod snapshot from a fresh list and reports what changed.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/pods/sync", tag = "pods", params(("id" = i64, Path)),
    responses((status = 200, body = kubedeck_store::kube_pods::PodSnapshotDiff), (status = 404), (status = 503, description = "cluster unreachable")),
    extensions(("x-permission" = json!("cluster.write"))))]
pub async fn sync(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ClusterWrite>,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<kubedeck_store::kube_pods::PodSnapshotDiff>> {
    audit.action("pod.sync");
    audit.target(Some(id), None, None);
    let c = cluster(&state, id).await?;
    let client = client_for(&state, &c).await?;
    // Listed in pages of 500 and projected page by page, so a 150,000-pod cluster is never held whole.
    let api = Api::<Pod>::all(client);
    let mut pods: Vec<std::sync::Arc<PodLite>> = Vec::new();
    let mut params = ListParams::default().limit(500);
    loop {
        let page = within(CALL, api.list(&params))
            .await
            .map_err(from_cluster)?;
        pods.extend(
            page.items
                .iter()
                .map(|p| std::sync::Arc::new(kubedeck_kube::pods::project(p))),
        );
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    Ok(axum::Json(
        crate::sync::write_pod_snapshot(&state, id, &pods).await?,
    ))
}

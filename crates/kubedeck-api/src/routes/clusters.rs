//! `/api/v1/k8s/cluster`: import (with preflight), list, detail, edit, delete, status, sync.

use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiQuery, Pagination};
use crate::routes::Page;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kubedeck_core::rbac::Permission;
use kubedeck_kube::kubeconfig::{self, KubeconfigProblem, SafeKubeconfig};
use kubedeck_kube::preflight::{self, FeaturePermission, PreflightReport};
use kubedeck_store::clusters::{Cluster, ClusterFacts, ClusterFilter, NodeCounts, SORTABLE};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// A cluster as the API shows it. The credential is never included.
#[derive(Serialize, ToSchema)]
pub struct ClusterView {
    /// Id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Kubernetes version (git version of the API server).
    pub version: String,
    /// 1 creating, 2 running, 3 stopped, 4 error.
    pub status: i32,
    /// `creating`, `running`, `stopped` or `error`.
    pub status_text: &'static str,
    /// Why the status is what it is.
    pub status_reason: String,
    /// `status_reason` as a stable code the console translates: `imported`, `in_sync`, `credential_replaced`,
    /// `credential_rejected`, `cluster_forbidden`, `cluster_unreachable`, `cluster_error` or `none`.
    pub status_reason_code: crate::sync::ClusterReasonCode,
    /// Description.
    pub description: String,
    /// 1 self-built, 2 imported.
    pub cluster_type: i32,
    /// All nodes.
    pub node_count: i32,
    /// Ready nodes.
    pub ready_nodes: i32,
    /// Control-plane nodes.
    pub master_nodes: i32,
    /// Worker nodes.
    pub worker_nodes: i32,
    /// Last successful sync.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Last time a health check passed.
    pub last_healthy_at: Option<DateTime<Utc>>,
    /// Latency of the last health check.
    pub api_latency_ms: Option<i32>,
    /// The last failure, empty when healthy.
    pub last_error: String,
    /// API server URL.
    pub server_url: String,
    /// Kubeconfig context in use.
    pub context: String,
    /// API server platform.
    pub platform: String,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Updated at.
    pub updated_at: DateTime<Utc>,
    /// What the credential allows (from the last preflight).
    pub capabilities: Vec<FeaturePermission>,
}

fn status_text(s: i32) -> &'static str {
    match s {
        1 => "creating",
        2 => "running",
        3 => "stopped",
        4 => "error",
        _ => "unknown",
    }
}

impl From<Cluster> for ClusterView {
    fn from(c: Cluster) -> Self {
        Self {
            id: c.id,
            name: c.name,
            version: c.version,
            status: c.status,
            status_text: status_text(c.status),
            status_reason_code: crate::sync::reason_code(&c.status_reason),
            status_reason: c.status_reason,
            description: c.description,
            cluster_type: c.cluster_type,
            node_count: c.node_count,
            ready_nodes: c.ready_nodes,
            master_nodes: c.master_nodes,
            worker_nodes: c.worker_nodes,
            last_sync_at: c.last_sync_at,
            last_healthy_at: c.last_healthy_at,
            api_latency_ms: c.api_latency_ms,
            last_error: c.last_error,
            server_url: c.server_url,
            context: c.context_name,
            platform: c.platform,
            created_at: c.created_at,
            updated_at: c.updated_at,
            capabilities: serde_json::from_str(&c.capabilities).unwrap_or_default(),
        }
    }
}

/// Import request (the spec's field names, plus `context`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportCluster {
    /// Unique name, 1-100 characters.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// The kubeconfig (YAML text). Exec plugins, auth providers and file paths are refused.
    pub credential: String,
    /// Context to use (default: the kubeconfig's current-context).
    #[serde(default)]
    pub context: Option<String>,
}

/// Changes to a cluster. A new credential goes through the same preflight as an import.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCluster {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// Replacement kubeconfig.
    pub credential: Option<String>,
    /// Context of the replacement kubeconfig.
    pub context: Option<String>,
}

/// `?dry_run=true` on import.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Only run the preflight; save nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// The preflight alone (dry run).
#[derive(Serialize, ToSchema)]
pub struct PreflightOnly {
    /// The report.
    pub preflight: PreflightReport,
}

/// An imported cluster and the preflight that admitted it.
#[derive(Serialize, ToSchema)]
pub struct Imported {
    /// The stored cluster.
    pub cluster: ClusterView,
    /// The report.
    pub preflight: PreflightReport,
}

/// Filters for the cluster list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClusterQuery {
    /// Substring of the name.
    pub name: Option<String>,
    /// Status code (1-4).
    pub status: Option<i32>,
    /// 1 self-built, 2 imported.
    pub cluster_type: Option<i32>,
    /// `name`, `created_at`, `status`, `node_count`, `last_sync_at`, `id`; prefix `-` for descending.
    pub sort: Option<String>,
    /// 1-based page.
    pub page: Option<u64>,
    /// Page size (max 500).
    pub page_size: Option<u64>,
}

/// The status endpoint's answer.
#[derive(Serialize, ToSchema)]
pub struct ClusterStatus {
    /// 1 creating, 2 running, 3 stopped, 4 error.
    pub status: i32,
    /// Status as text.
    pub status_text: &'static str,
    /// Why, in English.
    pub reason: String,
    /// Why, as a stable code: `in_sync`, `imported`, `credential_replaced`, `credential_rejected`,
    /// `cluster_forbidden`, `cluster_unreachable`, `cluster_error`.
    pub reason_code: crate::sync::ClusterReasonCode,
    /// The last failure, empty when healthy.
    pub last_error: String,
    /// Last passing health check.
    pub last_healthy_at: Option<DateTime<Utc>>,
    /// Latency of the last health check.
    pub api_latency_ms: Option<i32>,
    /// Last successful sync.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Failed checks in a row.
    pub consecutive_failures: i32,
}

fn check_name(name: &str) -> ApiResult<()> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 || n.chars().any(char::is_control) {
        let mut e = if n.chars().any(char::is_control) {
            ApiError::invalid(
                "name",
                ErrorCode::ControlCharacters,
                "name must not contain control characters",
            )
        } else {
            ApiError::invalid_length("name", 1, 100)
        };
        e.message = "name must be 1-100 characters without control characters".into();
        return Err(e);
    }
    Ok(())
}

fn name_taken(name: &str) -> ApiError {
    ApiError::conflict(
        ErrorCode::ClusterNameTaken,
        format!("a cluster named '{name}' already exists"),
    )
    .param("name", name)
    .with_field("name")
}

fn already_imported(dup: i64) -> ApiError {
    ApiError::conflict(
        ErrorCode::ClusterAlreadyImported,
        format!("this server and user are already imported (cluster id {dup})"),
    )
    .param("cluster", dup)
    .with_field("credential")
}

fn check_description(d: &str) -> ApiResult<()> {
    if d.chars().count() > 2000 {
        return Err(ApiError::invalid_length("description", 0, 2000));
    }
    Ok(())
}

fn refused(p: KubeconfigProblem) -> ApiError {
    let field = if p.field == "context" {
        "context"
    } else {
        "credential"
    };
    let status = if p.code == ErrorCode::KubeconfigTooLarge {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut e = ApiError::new(status, p.code, p.message.clone())
        .with_field(field)
        .param("path", &p.field)
        .with_extra("kubeconfig_path", json!(p.field));
    e.params.extend(p.params);
    match p.code {
        // Which rule refused it (`exec`, `auth-provider`, `tokenFile`, `as`, `certificate-authority`,
        // `proxy-url` ...: the path's last step) and whose entry it is, for the console's sentence.
        ErrorCode::KubeconfigUnsafe => {
            let rule = p.field.rsplit('.').next().unwrap_or(&p.field).to_owned();
            e = e.param("rule", rule);
            for (prefix, key) in [("users[", "user"), ("clusters[", "cluster")] {
                if let Some(name) = p.field.strip_prefix(prefix).and_then(|r| r.split_once(']')) {
                    e = e.param(key, name.0);
                }
            }
        }
        ErrorCode::KubeconfigInvalid if !e.params.contains_key("detail") => {
            e = e.param("detail", &p.message)
        }
        _ => {}
    }
    e
}

/// Parses and preflights a kubeconfig; a cluster that cannot be reached or refuses the credential is a 422
/// carrying the report.
async fn admit(
    state: &AppState,
    text: &str,
    context: Option<&str>,
    except: Option<i64>,
) -> ApiResult<(SafeKubeconfig, PreflightReport)> {
    let safe = kubeconfig::parse(text, context).map_err(refused)?;
    let mut report = preflight::run(&safe).await;
    if let Some(dup) = state
        .store
        .find_cluster_by_identity(&safe.identity_hash)
        .await?
        .filter(|c| Some(c.id) != except)
    {
        report.duplicate_of = Some(dup.id);
        report.warn(
            preflight::FindingCode::AlreadyImported,
            json!({"name": dup.name, "cluster": dup.id}),
            format!(
                "this server and user are already imported as cluster '{}' (id {})",
                dup.name, dup.id
            ),
        );
    }
    if let Some(code) = report.failure_code {
        let message = report
            .errors
            .first()
            .cloned()
            .unwrap_or_else(|| "the preflight failed".into());
        return Err(ApiError {
            params: report.failure_params.clone(),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        }
        .with_field("credential")
        .with_extra("preflight", json!(report)));
    }
    if !report.errors.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::PreflightFailed,
            report.errors.join("; "),
        )
        .param("errors", &report.errors)
        .with_field("credential")
        .with_extra("preflight", json!(report)));
    }
    Ok((safe, report))
}

fn facts(text: String, safe: &SafeKubeconfig, report: &PreflightReport) -> ClusterFacts {
    ClusterFacts {
        kubeconfig: text,
        context_name: safe.context.clone(),
        server_url: safe.server_url.clone(),
        identity_hash: safe.identity_hash.clone(),
        version: report
            .version
            .as_ref()
            .map(|v| v.git_version.clone())
            .unwrap_or_default(),
        platform: report
            .version
            .as_ref()
            .map(|v| v.platform.clone())
            .unwrap_or_default(),
        capabilities: serde_json::to_string(&report.permissions).unwrap_or_else(|_| "[]".into()),
        counts: report.nodes.unwrap_or(NodeCounts::default()),
        api_latency_ms: report
            .api_latency_ms
            .map(|ms| i32::try_from(ms).unwrap_or(i32::MAX)),
    }
}

async fn find(state: &AppState, id: i64) -> ApiResult<Cluster> {
    state
        .store
        .find_cluster(id)
        .await?
        .ok_or_else(|| ApiError::cluster_not_found(id))
}

/// Import a cluster from a kubeconfig (`?dry_run=true`: preflight only).
#[utoipa::path(post, path = "/api/v1/k8s/cluster", tag = "clusters", params(ImportQuery), request_body = ImportCluster,
    responses((status = 201, body = Imported), (status = 200, body = PreflightOnly, description = "dry run"),
        (status = 400, description = "kubeconfig refused (invalid or unsafe)"),
        (status = 409, description = "name taken or credential already imported"),
        (status = 422, description = "cluster unreachable, TLS failure or credential rejected; body has the preflight")),
    extensions(("x-permission" = json!("cluster.write"))))]
pub async fn import(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ClusterWrite>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    ApiJson(body): ApiJson<ImportCluster>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    audit.action(if q.dry_run {
        "cluster.preflight"
    } else {
        "cluster.import"
    });
    audit.detail(json!({"name": body.name, "context": body.context, "dry_run": q.dry_run, "credential": "[redacted]"}));
    check_name(&body.name)?;
    check_description(&body.description)?;
    let name = body.name.trim().to_owned();
    let (safe, report) = admit(&state, &body.credential, body.context.as_deref(), None).await?;
    if q.dry_run {
        return Ok(axum::Json(PreflightOnly { preflight: report }).into_response());
    }
    if let Some(dup) = report.duplicate_of {
        return Err(already_imported(dup).with_extra("preflight", json!(report)));
    }
    if state.store.find_cluster_by_name(&name).await?.is_some() {
        return Err(name_taken(&name));
    }
    let row = state
        .store
        .insert_cluster(
            &name,
            &body.description,
            &facts(body.credential, &safe, &report),
            &state.keyring(),
        )
        .await?;
    audit.target(Some(row.id), None, Some(format!("clusters/{name}")));
    // Start watching at once rather than at the next sync tick.
    let st = state.clone();
    let started = row.clone();
    tokio::spawn(async move {
        let _ = crate::sync::sync_now(&st, &started).await;
    });
    Ok((
        StatusCode::CREATED,
        axum::Json(Imported {
            cluster: row.into(),
            preflight: report,
        }),
    )
        .into_response())
}

/// List clusters the caller may see.
#[utoipa::path(get, path = "/api/v1/k8s/cluster", tag = "clusters", params(ClusterQuery), responses((status = 200, body = Page<ClusterView>)),
    extensions(("x-permission" = json!("cluster.read"))))]
pub async fn list(
    State(state): State<AppState>,
    auth: crate::auth::AuthUser,
    ApiQuery(q): ApiQuery<ClusterQuery>,
) -> ApiResult<axum::Json<Page<ClusterView>>> {
    let page = Pagination {
        page: q.page,
        page_size: q.page_size,
    }
    .request()?;
    if let Some(s) = &q.sort
        && !SORTABLE.contains(&s.trim_start_matches('-'))
    {
        let mut e = ApiError::not_one_of("sort", SORTABLE, s.trim_start_matches('-'));
        e.message = format!(
            "sort must be one of {} (prefix '-' for descending)",
            SORTABLE.join(", ")
        );
        return Err(e);
    }
    if let Some(s) = q.status
        && !(1..=4).contains(&s)
    {
        let mut e = ApiError::out_of_range("status", Some(1), Some(4));
        e.message = "status must be 1 (creating), 2 (running), 3 (stopped) or 4 (error)".into();
        return Err(e);
    }
    if let Some(t) = q.cluster_type
        && !(1..=2).contains(&t)
    {
        let mut e = ApiError::out_of_range("cluster_type", Some(1), Some(2));
        e.message = "cluster_type must be 1 (self-built) or 2 (imported)".into();
        return Err(e);
    }
    if !auth.bindings.allows_somewhere(Permission::ClusterRead) {
        auth.require(Permission::ClusterRead, kubedeck_core::rbac::Scope::GLOBAL)?;
    }
    let only_ids = auth.clusters_with(Permission::ClusterRead);
    let filter = ClusterFilter {
        name: q.name,
        status: q.status,
        cluster_type: q.cluster_type,
        only_ids,
        sort: q.sort,
    };
    let rows = state.store.list_clusters(&filter, page).await?;
    Ok(axum::Json(Page::new(
        rows.items.into_iter().map(Into::into).collect(),
        rows.total,
        page,
    )))
}

/// One cluster.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}", tag = "clusters", params(("id" = i64, Path)),
    responses((status = 200, body = ClusterView), (status = 404)), extensions(("x-permission" = json!("cluster.read"))))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<perm::ClusterRead>,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ClusterView>> {
    Ok(axum::Json(find(&state, id).await?.into()))
}

/// Rename, re-describe, or replace the kubeconfig (with the import preflight).
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}", tag = "clusters", params(("id" = i64, Path)), request_body = UpdateCluster,
    responses((status = 200, body = ClusterView), (status = 404), (status = 409), (status = 422)),
    extensions(("x-permission" = json!("cluster.write"))))]
pub async fn update(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ClusterWrite>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<UpdateCluster>,
) -> ApiResult<axum::Json<ClusterView>> {
    audit.action("cluster.update");
    audit.detail(json!({"name": body.name, "description_changed": body.description.is_some(), "credential_replaced": body.credential.is_some(), "context": body.context}));
    let existing = find(&state, id).await?;
    audit.target(Some(id), None, Some(format!("clusters/{}", existing.name)));
    if let Some(n) = &body.name {
        check_name(n)?;
        if let Some(other) = state
            .store
            .find_cluster_by_name(n.trim())
            .await?
            .filter(|c| c.id != id)
        {
            return Err(name_taken(&other.name));
        }
    }
    if let Some(d) = &body.description {
        check_description(d)?;
    }
    if body.context.is_some() && body.credential.is_none() {
        return Err(ApiError::invalid(
            "context",
            ErrorCode::ContextNeedsCredential,
            "context can only change together with a new credential",
        ));
    }
    // Validate everything before writing anything, so a refused credential leaves the row as it was.
    let replacement = match body.credential {
        Some(text) => {
            let (safe, report) = admit(&state, &text, body.context.as_deref(), Some(id)).await?;
            if let Some(dup) = report.duplicate_of {
                return Err(already_imported(dup));
            }
            Some(facts(text, &safe, &report))
        }
        None => None,
    };
    let mut row = state
        .store
        .update_cluster_info(
            id,
            body.name.as_deref().map(str::trim),
            body.description.as_deref(),
        )
        .await?
        .ok_or_else(|| ApiError::cluster_not_found(id))?;
    if let Some(f) = replacement {
        row = state
            .store
            .replace_cluster_credential(id, &f, &state.keyring())
            .await?
            .ok_or_else(|| ApiError::cluster_not_found(id))?;
        state.hub.stop(id);
        let st = state.clone();
        let r = row.clone();
        tokio::spawn(async move {
            let _ = crate::sync::sync_now(&st, &r).await;
        });
    }
    Ok(axum::Json(row.into()))
}

/// Forget a cluster: stops its watchers and removes it from Kubedeck. The cluster itself is not touched.
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}", tag = "clusters", params(("id" = i64, Path)),
    responses((status = 204), (status = 404)), extensions(("x-permission" = json!("cluster.write"))))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ClusterWrite>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    audit.action("cluster.delete");
    let existing = find(&state, id).await?;
    audit.target(Some(id), None, Some(format!("clusters/{}", existing.name)));
    state.hub.stop(id);
    state.store.delete_cluster(id).await?;
    state.store.delete_node_snapshot(id).await?;
    state.store.delete_pod_snapshot(id).await?;
    // its etcd snapshots' rows went with it; their files (every Secret of the cluster) go too
    crate::etcd_backup::remove_cluster_files(&state, id).await;
    state.certificates.forget(id);
    Ok(StatusCode::NO_CONTENT)
}

/// Health of a cluster.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/status", tag = "clusters", params(("id" = i64, Path)),
    responses((status = 200, body = ClusterStatus), (status = 404)), extensions(("x-permission" = json!("cluster.read"))))]
pub async fn status(
    State(state): State<AppState>,
    _auth: Authorized<perm::ClusterRead>,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ClusterStatus>> {
    let c = find(&state, id).await?;
    Ok(axum::Json(ClusterStatus {
        status: c.status,
        status_text: status_text(c.status),
        reason_code: crate::sync::reason_code(&c.status_reason),
        reason: c.status_reason,
        last_error: c.last_error,
        last_healthy_at: c.last_healthy_at,
        api_latency_ms: c.api_latency_ms,
        last_sync_at: c.last_sync_at,
        consecutive_failures: c.consecutive_failures,
    }))
}

/// Sync now: version and node counts, recorded. A failure is recorded as well and shows in `last_error`.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/sync", tag = "clusters", params(("id" = i64, Path)),
    responses((status = 200, body = ClusterView), (status = 404)), extensions(("x-permission" = json!("cluster.write"))))]
pub async fn sync(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ClusterWrite>,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ClusterView>> {
    audit.action("cluster.sync");
    let c = find(&state, id).await?;
    audit.target(Some(id), None, Some(format!("clusters/{}", c.name)));
    let _ = crate::sync::sync_now(&state, &c).await;
    Ok(axum::Json(find(&state, id).await?.into()))
}

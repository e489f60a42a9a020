//! Maintenance mode (issue 18, spec 7.2 维护模式): a cluster's maintenance windows (start now or scheduled,
//! change, end early, history), its application windows (per namespace or workload, one-off or cron) and its
//! policy "deploy only inside windows". What a window does while it is on lives in [`crate::maintenance`].

use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiPath};
use crate::maintenance as mm;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, SubsecRound, Utc};
use kubedeck_store::maintenance::{
    AppWindow, ClusterMaintenance, Ended, NewAppWindow, NewMaintenance, state as window_state,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Longest cluster maintenance window (30 days).
const MAX_WINDOW_SECS: i64 = 30 * 24 * 3600;
/// Longest application window (7 days).
const MAX_APP_WINDOW_SECS: i64 = 7 * 24 * 3600;

// ---- views ---------------------------------------------------------------------------------------------------

/// A cluster maintenance window.
#[derive(Serialize, ToSchema)]
pub struct MaintenanceView {
    pub id: i64,
    pub cluster_id: i64,
    pub reason: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// scheduled, active, ended or cancelled.
    pub state: String,
    /// In force now: changes are refused and alerts silenced.
    pub in_force: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Who ended or cancelled it early.
    pub ended_by: Option<String>,
    /// The alert silence made for it.
    pub silence_id: Option<i64>,
}

impl From<ClusterMaintenance> for MaintenanceView {
    fn from(w: ClusterMaintenance) -> Self {
        let now = Utc::now();
        let in_force = matches!(
            w.state.as_str(),
            window_state::SCHEDULED | window_state::ACTIVE
        ) && w.starts_at <= now
            && now < w.ends_at;
        MaintenanceView {
            id: w.id,
            cluster_id: w.cluster_id,
            reason: w.reason,
            starts_at: w.starts_at,
            ends_at: w.ends_at,
            state: w.state,
            in_force,
            created_by: w.created_by,
            created_at: w.created_at,
            started_at: w.started_at,
            ended_at: w.ended_at,
            ended_by: w.ended_by,
            silence_id: w.silence_id,
        }
    }
}

/// A cluster's maintenance: the window in force (for the console's banner) and every window, latest first.
#[derive(Serialize, ToSchema)]
pub struct MaintenanceList {
    pub current: Option<MaintenanceView>,
    pub windows: Vec<MaintenanceView>,
}

/// An application maintenance window.
#[derive(Serialize, ToSchema)]
pub struct AppWindowView {
    pub id: i64,
    pub cluster_id: i64,
    pub namespace: String,
    /// The workload's kind (`deployments`); none: the whole namespace.
    pub kind: Option<String>,
    pub name: Option<String>,
    /// Cron (five fields, UTC); none: one-off at `starts_at`.
    pub schedule: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub duration_secs: i64,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Open now: alerts of its objects are silenced and, under the policy, changes are taken.
    pub open: bool,
    /// When the open occurrence ends.
    pub open_until: Option<DateTime<Utc>>,
    /// The next five starts.
    pub next_starts: Vec<DateTime<Utc>>,
}

impl From<AppWindow> for AppWindowView {
    fn from(w: AppWindow) -> Self {
        let now = Utc::now();
        let open = mm::open_occurrence(&w, now);
        let next_starts = mm::next_starts(&w, now, 5);
        AppWindowView {
            id: w.id,
            cluster_id: w.cluster_id,
            namespace: w.namespace,
            kind: w.kind,
            name: w.name,
            schedule: w.schedule,
            starts_at: w.starts_at,
            duration_secs: w.duration_secs,
            reason: w.reason,
            created_by: w.created_by,
            created_at: w.created_at,
            open: open.is_some(),
            open_until: open.map(|(_, end)| end),
            next_starts,
        }
    }
}

/// A cluster's maintenance policy.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenancePolicyView {
    /// Changes to namespaces and workloads that have application windows are taken only inside a window
    /// (409 `outside_maintenance_window` otherwise; `maintenance.bypass` holders excepted).
    pub deploy_only_in_windows: bool,
}

// ---- cluster windows ---------------------------------------------------------------------------------------

async fn ensure_cluster(state: &AppState, id: i64) -> ApiResult<kubedeck_store::clusters::Cluster> {
    state
        .store
        .find_cluster(id)
        .await?
        .ok_or_else(|| ApiError::cluster_not_found(id))
}

fn not_found(cluster: i64, id: i64) -> ApiError {
    ApiError::not_found(
        ErrorCode::MaintenanceNotFound,
        format!("cluster {cluster} has no maintenance window {id}"),
    )
    .param("window", id)
}

/// A cluster's maintenance windows, the one in force first.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/maintenance", tag = "maintenance",
    params(("id" = i64, Path)), responses((status = 200, body = MaintenanceList), (status = 404)),
    extensions(("x-permission" = json!("cluster.read"))))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<perm::ClusterRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MaintenanceList>> {
    ensure_cluster(&state, id).await?;
    let windows: Vec<MaintenanceView> = state
        .store
        .maintenance_windows(id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let current = windows.iter().find(|w| w.in_force).map(|w| w.id);
    let (current, windows): (Vec<_>, Vec<_>) =
        windows.into_iter().partition(|w| Some(w.id) == current);
    Ok(Json(MaintenanceList {
        current: current.into_iter().next(),
        windows,
    }))
}

/// A new maintenance window, or a change to one: when and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceRequest {
    /// Why (shown in the banner, the refusals and the announcements; 1 to 500 characters).
    pub reason: String,
    /// When it starts; absent: now.
    pub starts_at: Option<DateTime<Utc>>,
    /// When it ends.
    pub ends_at: Option<DateTime<Utc>>,
    /// Instead of `ends_at`: how long from its start (at most 30 days).
    pub duration_secs: Option<i64>,
}

/// The reason, start and end of a request, checked.
fn window_of(
    body: &MaintenanceRequest,
    default_start: DateTime<Utc>,
) -> ApiResult<(String, DateTime<Utc>, DateTime<Utc>)> {
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::invalid_length("reason", 1, 500));
    }
    let starts_at = body.starts_at.unwrap_or(default_start);
    let ends_at = match (body.ends_at, body.duration_secs) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "duration_secs",
                ErrorCode::MutuallyExclusive,
                "give ends_at or duration_secs, not both",
            )
            .param("other", "ends_at"));
        }
        (Some(e), None) => e,
        (None, Some(d)) if (60..=MAX_WINDOW_SECS).contains(&d) => {
            starts_at + chrono::Duration::seconds(d)
        }
        (None, Some(_)) => {
            return Err(ApiError::out_of_range(
                "duration_secs",
                Some(60),
                Some(MAX_WINDOW_SECS),
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "ends_at",
                ErrorCode::Required,
                "a maintenance window needs ends_at or duration_secs",
            ));
        }
    };
    if ends_at <= starts_at || (ends_at - starts_at).num_seconds() > MAX_WINDOW_SECS {
        return Err(ApiError::invalid(
            "ends_at",
            ErrorCode::InvalidTimeRange,
            "ends_at must be after starts_at, within 30 days",
        ));
    }
    if ends_at <= Utc::now() {
        return Err(ApiError::invalid(
            "ends_at",
            ErrorCode::InvalidTimeRange,
            "ends_at is in the past",
        ));
    }
    Ok((reason, starts_at, ends_at))
}

async fn refuse_overlap(
    state: &AppState,
    id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<i64>,
) -> ApiResult<()> {
    if let Some(other) = state
        .store
        .overlapping_maintenance(id, starts_at, ends_at, except)
        .await?
    {
        return Err(ApiError::conflict(
            ErrorCode::MaintenanceOverlaps,
            format!(
                "the window overlaps maintenance window {} of cluster {id} ({} to {}); change or end that one",
                other.id,
                other.starts_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                other.ends_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        )
        .param("window", other.id));
    }
    Ok(())
}

/// Starts maintenance now (no `starts_at`, or one already past) or schedules it. While it is on, changes to the
/// cluster are refused (409 `cluster_in_maintenance`) except for `maintenance.bypass`, its alerts are silenced,
/// and its start and end are announced through the notification channels.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/maintenance", tag = "maintenance",
    params(("id" = i64, Path)), request_body = MaintenanceRequest,
    responses((status = 201, body = MaintenanceView), (status = 400), (status = 404),
        (status = 409, description = "maintenance_overlaps")),
    extensions(("x-permission" = json!("maintenance.admin"))))]
pub async fn create(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::MaintenanceAdmin>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MaintenanceRequest>,
) -> ApiResult<(StatusCode, Json<MaintenanceView>)> {
    audit.action("maintenance.create");
    audit.target(Some(id), None, None);
    // whole seconds: MySQL keeps timestamps to the second, and "now" must not be stored as a moment to come
    let now = Utc::now().trunc_subsecs(0);
    let (reason, starts_at, ends_at) = window_of(&body, now)?;
    audit.detail(json!({"reason": reason, "starts_at": starts_at, "ends_at": ends_at}));
    ensure_cluster(&state, id).await?;
    refuse_overlap(&state, id, starts_at, ends_at, None).await?;
    let w = state
        .store
        .create_maintenance(NewMaintenance {
            cluster_id: id,
            reason,
            starts_at,
            ends_at,
            created_by: auth.0.username.clone(),
        })
        .await?;
    audit.target(Some(id), None, Some(format!("maintenance/{}", w.id)));
    // "start now" is on when this answers (the loop would take up to a second); the guarded move announces once
    if w.starts_at <= now && state.store.claim_maintenance_start(w.id, now).await? {
        let started = state
            .store
            .find_maintenance(id, w.id)
            .await?
            .unwrap_or(w.clone());
        mm::announce_start(&state.store, &started).await;
    }
    let w = state.store.find_maintenance(id, w.id).await?.unwrap_or(w);
    Ok((StatusCode::CREATED, Json(w.into())))
}

fn over(w: &ClusterMaintenance) -> ApiError {
    ApiError::conflict(
        ErrorCode::MaintenanceOver,
        format!(
            "maintenance window {} is {}: only a scheduled or active window can be changed",
            w.id, w.state
        ),
    )
    .param("window", w.id)
    .param("state", &w.state)
}

/// Changes a window that is not over: its reason and end, and its start while it is scheduled.
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/maintenance/{mid}", tag = "maintenance",
    params(("id" = i64, Path), ("mid" = i64, Path)), request_body = MaintenanceRequest,
    responses((status = 200, body = MaintenanceView), (status = 400), (status = 404),
        (status = 409, description = "maintenance_over, maintenance_overlaps")),
    extensions(("x-permission" = json!("maintenance.admin"))))]
pub async fn update(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::MaintenanceAdmin>,
    ApiPath((id, mid)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<MaintenanceRequest>,
) -> ApiResult<Json<MaintenanceView>> {
    audit.action("maintenance.update");
    audit.target(Some(id), None, Some(format!("maintenance/{mid}")));
    ensure_cluster(&state, id).await?;
    let w = state
        .store
        .find_maintenance(id, mid)
        .await?
        .ok_or_else(|| not_found(id, mid))?;
    let active = w.state == window_state::ACTIVE;
    if active && body.starts_at.is_some_and(|s| s != w.starts_at) {
        return Err(ApiError::invalid(
            "starts_at",
            ErrorCode::MaintenanceOver,
            "the window has started: its start cannot change (end it, or change its end)",
        )
        .param("window", mid)
        .param("state", &w.state));
    }
    let (reason, starts_at, ends_at) = window_of(&body, w.starts_at)?;
    audit.detail(json!({"reason": reason, "starts_at": starts_at, "ends_at": ends_at}));
    refuse_overlap(&state, id, starts_at, ends_at, Some(mid)).await?;
    let updated = state
        .store
        .update_maintenance(id, mid, &reason, starts_at, ends_at)
        .await?
        .ok_or_else(|| over(&w))?;
    // the silence follows the end of an active window
    if updated.state == window_state::ACTIVE && updated.ends_at != w.ends_at {
        let cluster = ensure_cluster(&state, id).await?;
        mm::silence_cluster(&state.store, &updated, &cluster.name).await;
    }
    Ok(Json(updated.into()))
}

/// Ends a window now: an active one ends (announced, its silence lifted), a scheduled one is cancelled. A
/// window already over is returned as it is.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/maintenance/{mid}/end", tag = "maintenance",
    params(("id" = i64, Path), ("mid" = i64, Path)),
    responses((status = 200, body = MaintenanceView), (status = 404)),
    extensions(("x-permission" = json!("maintenance.admin"))))]
pub async fn end(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::MaintenanceAdmin>,
    ApiPath((id, mid)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<MaintenanceView>> {
    audit.action("maintenance.end");
    audit.target(Some(id), None, Some(format!("maintenance/{mid}")));
    ensure_cluster(&state, id).await?;
    let w = match state
        .store
        .end_maintenance(id, mid, &auth.0.username, Utc::now())
        .await?
        .ok_or_else(|| not_found(id, mid))?
    {
        Ended::Ended(w) => {
            mm::announce_end(&state.store, &w).await;
            w
        }
        Ended::Cancelled(w) | Ended::AlreadyOver(w) => w,
    };
    Ok(Json(w.into()))
}

// ---- application windows -------------------------------------------------------------------------------------

/// A cluster's application maintenance windows, with whether each is open and its next starts.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/maintenance/windows", tag = "maintenance",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<AppWindowView>), (status = 404)),
    extensions(("x-permission" = json!("cluster.read"))))]
pub async fn list_app_windows(
    State(state): State<AppState>,
    _auth: Authorized<perm::ClusterRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<AppWindowView>>> {
    ensure_cluster(&state, id).await?;
    Ok(Json(
        state
            .store
            .app_windows(id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// A new application window: a namespace, or one workload in it, one-off (`starts_at`) or recurring
/// (`schedule`, cron, UTC), open for `duration_secs`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppWindowRequest {
    pub namespace: String,
    /// A workload's kind as the URL names it (`deployments`, `statefulsets`, `daemonsets`, ...), with `name`.
    pub kind: Option<String>,
    pub name: Option<String>,
    /// Five cron fields (minute hour day-of-month month day-of-week, UTC) or `@daily` and the like.
    pub schedule: Option<String>,
    /// A one-off window's start.
    pub starts_at: Option<DateTime<Utc>>,
    /// How long each occurrence stays open (60 s to 7 days).
    pub duration_secs: i64,
    #[serde(default)]
    pub reason: String,
}

fn dns_name(field: &str, v: &str, max: usize) -> ApiResult<()> {
    let ok = !v.is_empty()
        && v.len() <= max
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && v.starts_with(|c: char| c.is_ascii_alphanumeric())
        && v.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            ErrorCode::InvalidName,
            format!("'{v}' is not a Kubernetes name (lowercase letters, digits, '-' and '.')"),
        )
        .param("value", v))
    }
}

/// Creates an application window.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/maintenance/windows", tag = "maintenance",
    params(("id" = i64, Path)), request_body = AppWindowRequest,
    responses((status = 201, body = AppWindowView), (status = 400), (status = 404)),
    extensions(("x-permission" = json!("maintenance.admin"))))]
pub async fn create_app_window(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::MaintenanceAdmin>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AppWindowRequest>,
) -> ApiResult<(StatusCode, Json<AppWindowView>)> {
    audit.action("maintenance.window.create");
    audit.target(Some(id), Some(&body.namespace), None);
    dns_name("namespace", &body.namespace, 63)?;
    match (&body.kind, &body.name) {
        (Some(k), Some(n)) => {
            dns_name("kind", k, 63)?;
            dns_name("name", n, 253)?;
        }
        (None, None) => {}
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "name",
                ErrorCode::Required,
                "a workload's window needs its name with its kind",
            ));
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "kind",
                ErrorCode::Required,
                "a workload's window needs its kind with its name",
            ));
        }
    }
    let schedule = body
        .schedule
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match (schedule, body.starts_at) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "starts_at",
                ErrorCode::MutuallyExclusive,
                "a window is recurring (schedule) or one-off (starts_at), not both",
            )
            .param("other", "schedule"));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "schedule",
                ErrorCode::Required,
                "give a schedule (cron) for a recurring window or starts_at for a one-off one",
            ));
        }
        (Some(s), None) => {
            mm::parse_schedule(s).map_err(|e| {
                ApiError::invalid(
                    "schedule",
                    ErrorCode::InvalidCron,
                    format!("'{s}' is not a cron schedule: {e}"),
                )
                .param("detail", e)
            })?;
        }
        (None, Some(_)) => {}
    }
    if !(60..=MAX_APP_WINDOW_SECS).contains(&body.duration_secs) {
        return Err(ApiError::out_of_range(
            "duration_secs",
            Some(60),
            Some(MAX_APP_WINDOW_SECS),
        ));
    }
    if body.reason.chars().count() > 500 {
        return Err(ApiError::invalid_length("reason", 0, 500));
    }
    ensure_cluster(&state, id).await?;
    audit.detail(
        json!({"namespace": body.namespace, "kind": body.kind, "name": body.name,
        "schedule": schedule, "starts_at": body.starts_at, "duration_secs": body.duration_secs}),
    );
    let w = state
        .store
        .create_app_window(NewAppWindow {
            cluster_id: id,
            namespace: body.namespace,
            kind: body.kind,
            name: body.name,
            schedule: schedule.map(str::to_owned),
            starts_at: body.starts_at,
            duration_secs: body.duration_secs,
            reason: body.reason.trim().to_owned(),
            created_by: auth.0.username.clone(),
        })
        .await?;
    mm::silence_if_open(&state.store, &w, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(w.into())))
}

/// Deletes an application window (a silence made for an open occurrence stays until its end).
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/maintenance/windows/{wid}", tag = "maintenance",
    params(("id" = i64, Path), ("wid" = i64, Path)),
    responses((status = 200, body = AppWindowView), (status = 404)),
    extensions(("x-permission" = json!("maintenance.admin"))))]
pub async fn delete_app_window(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::MaintenanceAdmin>,
    ApiPath((id, wid)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<AppWindowView>> {
    audit.action("maintenance.window.delete");
    audit.target(Some(id), None, Some(format!("maintenance-window/{wid}")));
    ensure_cluster(&state, id).await?;
    let w = state
        .store
        .delete_app_window(id, wid)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                ErrorCode::AppWindowNotFound,
                format!("cluster {id} has no application maintenance window {wid}"),
            )
            .param("window", wid)
        })?;
    Ok(Json(w.into()))
}

// ---- policy ------------------------------------------------------------------------------------------------

/// A cluster's maintenance policy.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/maintenance/policy", tag = "maintenance",
    params(("id" = i64, Path)), responses((status = 200, body = MaintenancePolicyView), (status = 404)),
    extensions(("x-permission" = json!("cluster.read"))))]
pub async fn get_policy(
    State(state): State<AppState>,
    _auth: Authorized<perm::ClusterRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MaintenancePolicyView>> {
    ensure_cluster(&state, id).await?;
    let p = state.store.maintenance_policy(id).await?;
    Ok(Json(MaintenancePolicyView {
        deploy_only_in_windows: p.is_some_and(|p| p.deploy_only_in_windows),
    }))
}

/// Sets a cluster's maintenance policy.
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/maintenance/policy", tag = "maintenance",
    params(("id" = i64, Path)), request_body = MaintenancePolicyView,
    responses((status = 200, body = MaintenancePolicyView), (status = 400), (status = 404)),
    extensions(("x-permission" = json!("maintenance.admin"))))]
pub async fn set_policy(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::MaintenanceAdmin>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MaintenancePolicyView>,
) -> ApiResult<Json<MaintenancePolicyView>> {
    audit.action("maintenance.policy.update");
    audit.target(Some(id), None, None);
    audit.detail(json!({"deploy_only_in_windows": body.deploy_only_in_windows}));
    ensure_cluster(&state, id).await?;
    let p = state
        .store
        .set_maintenance_policy(id, body.deploy_only_in_windows, &auth.0.username)
        .await?;
    Ok(Json(MaintenancePolicyView {
        deploy_only_in_windows: p.deploy_only_in_windows,
    }))
}

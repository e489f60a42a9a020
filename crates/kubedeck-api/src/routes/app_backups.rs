//! `/api/v1/k8s/cluster/{id}/app-backups`: application backups (issue 18, spec 7.1 应用数据备份) — back up chosen
//! namespaces (or the objects a label selector picks in them), list, look into, download and delete backups, and
//! restore one into the same or another cluster, under the same or mapped namespace names, dry run first. Every
//! route needs `backup.admin` (a backup holds its namespaces' Secrets); a restore needs it on the target cluster
//! too. What is kept and how it is cleaned: [`crate::app_backup`].

use crate::app_backup::{self, KINDS, take};
pub use crate::app_backup::take::{BackupReport, LeftOut};
use crate::routes::resources::write::{FIELD_MANAGER, timed};
use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::connection::{self, catalog, client_for};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiPath, PeerAddr};
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kubedeck_core::rbac::{Permission, Scope};
use kubedeck_store::app_backup_schedules::{AppBackupSchedule, ScheduleFields};
use kubedeck_store::app_backups::{AppBackup, AppBackupSummary, status};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Most namespaces one backup takes.
const MAX_NAMESPACES: usize = 50;


// ---- views ------------------------------------------------------------------------------------------------

/// What to back up.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppBackup {
    /// A name for the backup (default: the namespaces and the time).
    pub name: Option<String>,
    /// The namespaces to back up (1 to 50), each of which must exist.
    pub namespaces: Vec<String>,
    /// Only the objects these labels select (`app=web,tier!=cache`); the namespaces themselves are always kept.
    pub label_selector: Option<String>,
}

/// A backup as listed.
#[derive(Serialize, ToSchema)]
pub struct AppBackupView {
    pub id: i64,
    pub cluster_id: i64,
    pub name: String,
    pub namespaces: Vec<String>,
    pub label_selector: Option<String>,
    /// running, succeeded, failed or interrupted (the replica taking it stopped: take it again).
    pub status: String,
    pub requested_by: String,
    /// Objects kept, Secrets included.
    pub object_count: Option<i32>,
    pub secret_count: Option<i32>,
    /// Bytes of the manifests in clear.
    pub size_bytes: Option<i64>,
    /// SHA-256 of the manifests and Secrets in clear.
    pub sha256: Option<String>,
    pub report: Option<BackupReport>,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The schedule it was taken for (None: on demand).
    pub schedule_id: Option<i64>,
}

fn view(b: AppBackupSummary) -> AppBackupView {
    AppBackupView {
        id: b.id,
        cluster_id: b.cluster_id,
        name: b.name,
        namespaces: serde_json::from_str(&b.namespaces).unwrap_or_default(),
        label_selector: b.label_selector,
        status: b.status,
        requested_by: b.requested_by,
        object_count: b.object_count,
        secret_count: b.secret_count,
        size_bytes: b.size_bytes,
        sha256: b.sha256,
        report: b.report.as_deref().and_then(|r| serde_json::from_str(r).ok()),
        error: b.error,
        started_at: b.started_at,
        finished_at: b.finished_at,
        schedule_id: b.schedule_id,
    }
}

/// One object in a backup.
#[derive(Serialize, ToSchema)]
pub struct BackupObject {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

/// A backup with the objects it holds (never Secret values).
#[derive(Serialize, ToSchema)]
pub struct AppBackupDetail {
    #[serde(flatten)]
    pub backup: AppBackupView,
    /// The objects, in the order a restore creates them (namespaces first).
    pub objects: Vec<BackupObject>,
}

fn not_found(id: i64, bid: i64) -> ApiError {
    ApiError::not_found(
        ErrorCode::AppBackupNotFound,
        format!("cluster {id} has no application backup {bid}"),
    )
    .param("backup", bid)
}

// ---- taking a backup ----------------------------------------------------------------------------------------

fn check_new(body: &NewAppBackup) -> ApiResult<()> {
    check_what(&body.namespaces, body.label_selector.as_deref())?;
    if let Some(n) = &body.name
        && (n.trim().is_empty() || n.chars().count() > 128)
    {
        return Err(ApiError::invalid_length("name", 1, 128));
    }
    Ok(())
}

/// The namespaces (1 to 50 names) and the label selector of a backup or a schedule.
fn check_what(namespaces: &[String], label_selector: Option<&str>) -> ApiResult<()> {
    if namespaces.is_empty() || namespaces.len() > MAX_NAMESPACES {
        return Err(ApiError::invalid(
            "namespaces",
            ErrorCode::InvalidBody,
            format!("namespaces must list 1 to {MAX_NAMESPACES} namespaces"),
        ));
    }
    for (i, ns) in namespaces.iter().enumerate() {
        if !app_backup::is_namespace_name(ns) {
            return Err(ApiError::invalid(
                &format!("namespaces[{i}]"),
                ErrorCode::InvalidName,
                format!("'{ns}' is not a namespace name"),
            ));
        }
    }
    if let Some(s) = label_selector {
        kubedeck_kube::selector::Selector::parse(s).map_err(|e| ApiError::selector("label_selector", e))?;
    }
    Ok(())
}

/// Back up namespaces of the cluster now: their objects of every kind an application is made of, cleaned, with
/// their Secrets sealed. A namespace that does not exist is a 404 naming it, and nothing is recorded.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/app-backups", tag = "backups",
    params(("id" = i64, Path)), request_body = NewAppBackup,
    responses((status = 201, body = AppBackupView), (status = 400), (status = 404, description = "`cluster_not_found`, `namespace_not_found` (field `namespaces[i]`)"),
        (status = 502, description = "the cluster failed while it was read (the backup is recorded as failed)")),
    extensions(("x-permission" = json!("backup.admin"))))]
pub async fn create(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::BackupAdmin>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewAppBackup>,
) -> ApiResult<(StatusCode, axum::Json<AppBackupView>)> {
    audit.action("backup.create");
    audit.target(Some(id), None, Some("app-backups".into()));
    check_new(&body)?;
    let c = connection::cluster(&state, id).await?;
    let mut namespaces = body.namespaces.clone();
    namespaces.sort();
    namespaces.dedup();
    let name = body.name.clone().unwrap_or_else(|| {
        format!("{}-{}", namespaces.join("+"), Utc::now().format("%Y%m%d-%H%M%S"))
            .chars()
            .take(128)
            .collect()
    });
    audit.detail(json!({"name": name, "namespaces": namespaces, "label_selector": body.label_selector}));
    let req = take::Request {
        namespaces: &namespaces,
        label_selector: body.label_selector.as_deref(),
        name: &name,
        who: &auth.username,
        schedule_id: None,
    };
    let done = take::take(&state, &c, req).await?;
    audit.target(Some(id), None, Some(format!("app-backups/{}", done.id)));
    Ok((StatusCode::CREATED, axum::Json(view(done.into()))))
}

/// The cluster's application backups, newest first.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/app-backups", tag = "backups",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<AppBackupView>), (status = 404)),
    extensions(("x-permission" = json!("backup.admin"))))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<perm::BackupAdmin>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<axum::Json<Vec<AppBackupView>>> {
    connection::cluster(&state, id).await?;
    Ok(axum::Json(
        state.store.list_app_backups(id).await?.into_iter().map(view).collect(),
    ))
}

async fn find(state: &AppState, id: i64, bid: i64) -> ApiResult<AppBackup> {
    connection::cluster(state, id).await?;
    state
        .store
        .find_app_backup(id, bid)
        .await?
        .ok_or_else(|| not_found(id, bid))
}

fn manifests_of(b: &AppBackup) -> Vec<Value> {
    b.manifests
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or_default()
}

fn object_of(v: &Value) -> BackupObject {
    BackupObject {
        api_version: v["apiVersion"].as_str().unwrap_or_default().to_owned(),
        kind: v["kind"].as_str().unwrap_or_default().to_owned(),
        namespace: v["metadata"]["namespace"].as_str().map(str::to_owned),
        name: v["metadata"]["name"].as_str().unwrap_or_default().to_owned(),
    }
}

/// Everything a backup holds, Secrets (opened) included, in restore order: namespaces first, then [`KINDS`].
fn contents(state: &AppState, b: &AppBackup) -> ApiResult<Vec<Value>> {
    let secrets: Vec<Value> = if b.status == status::SUCCEEDED {
        let plain = state
            .store
            .open_app_backup_secrets(b, &state.keyring())
            .map_err(ApiError::internal)?;
        serde_json::from_slice(&plain).map_err(ApiError::internal)?
    } else {
        Vec::new()
    };
    let mut all: Vec<Value> = manifests_of(b).into_iter().chain(secrets).collect();
    let rank = |v: &Value| match v["kind"].as_str() {
        Some("Namespace") => 0,
        Some(k) => 1 + app_backup::url_name(k).map(app_backup::restore_rank).unwrap_or(KINDS.len()),
        None => usize::MAX,
    };
    all.sort_by_key(|v| rank(v));
    Ok(all)
}

/// One backup and the objects it holds (names only: a Secret's values are never shown).
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/app-backups/{bid}", tag = "backups",
    params(("id" = i64, Path), ("bid" = i64, Path)), responses((status = 200, body = AppBackupDetail), (status = 404)),
    extensions(("x-permission" = json!("backup.admin"))))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<perm::BackupAdmin>,
    ApiPath((id, bid)): ApiPath<(i64, i64)>,
) -> ApiResult<axum::Json<AppBackupDetail>> {
    let b = find(&state, id, bid).await?;
    let objects = contents(&state, &b)?.iter().map(object_of).collect();
    Ok(axum::Json(AppBackupDetail { backup: view(b.into()), objects }))
}

/// Delete a backup.
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/app-backups/{bid}", tag = "backups",
    params(("id" = i64, Path), ("bid" = i64, Path)), responses((status = 204), (status = 404)),
    extensions(("x-permission" = json!("backup.admin"))))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::BackupAdmin>,
    ApiPath((id, bid)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    audit.action("backup.delete");
    audit.target(Some(id), None, Some(format!("app-backups/{bid}")));
    connection::cluster(&state, id).await?;
    if !state.store.delete_app_backup(id, bid).await? {
        return Err(not_found(id, bid));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Download a backup: a JSON archive with its manifests in restore order and its Secrets still sealed with
/// Kubedeck's key (`secrets_sealed`), its report and SHA-256. Audited: it is every manifest of the namespaces.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/app-backups/{bid}/download", tag = "backups",
    params(("id" = i64, Path), ("bid" = i64, Path)),
    responses((status = 200, content_type = "application/json", description = "the archive"), (status = 404)),
    extensions(("x-permission" = json!("backup.admin"))))]
pub async fn download(
    State(state): State<AppState>,
    auth: Authorized<perm::BackupAdmin>,
    ApiPath((id, bid)): ApiPath<(i64, i64)>,
    headers: HeaderMap,
    PeerAddr(peer): PeerAddr,
) -> ApiResult<Response> {
    let c = connection::cluster(&state, id).await?;
    let b = state
        .store
        .find_app_backup(id, bid)
        .await?
        .filter(|b| b.status == status::SUCCEEDED)
        .ok_or_else(|| not_found(id, bid))?;
    let archive = json!({
        "format": "kubedeck.app-backup/v1",
        "cluster": c.name,
        "backup": b.id,
        "name": b.name,
        "namespaces": serde_json::from_str::<Value>(&b.namespaces).unwrap_or(Value::Null),
        "label_selector": b.label_selector,
        "created_at": b.started_at,
        "sha256": b.sha256,
        "report": b.report.as_deref().and_then(|r| serde_json::from_str::<Value>(r).ok()),
        "manifests": manifests_of(&b),
        "secrets_sealed": b.secrets,
    });
    let read = crate::audit::AuditedRead {
        action: "backup.download",
        path: format!("/api/v1/k8s/cluster/{id}/app-backups/{bid}/download"),
        cluster_id: id,
        namespace: None,
        resource: format!("app-backups/{bid}"),
        detail: json!({"sha256": b.sha256}),
    };
    crate::audit::record_read(&state, &auth, &headers, peer, read).await?;
    let name = format!("{}-backup-{}-{}.json", c.name, b.id, b.started_at.format("%Y%m%dT%H%M%SZ"));
    let mut resp = axum::Json(archive).into_response();
    if let Some(v) = super::attachment(&name) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

// ---- restoring -------------------------------------------------------------------------------------------

/// How to restore.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// The cluster to restore into (default: the backup's own).
    pub target_cluster_id: Option<i64>,
    /// Restore a namespace under another name (`{"shop": "shop-copy"}`); others keep theirs.
    #[serde(default)]
    pub namespace_mapping: BTreeMap<String, String>,
    /// What to do with an object that exists in the target: `skip` (default) or `replace` (server-side apply of
    /// the backed-up manifest, taking its fields over).
    pub existing: Option<String>,
    /// Report what would happen, change nothing (the cluster's server-side dry run).
    #[serde(default)]
    pub dry_run: bool,
}

/// What happened to one object (or namespace).
#[derive(Serialize, ToSchema)]
pub struct RestoreResult {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// created, skipped (it exists), replaced, failed; in a dry run the same words for what would happen.
    pub outcome: String,
    /// Why it failed: the cluster's error as the API gives it (`code`, `message`, `field`).
    pub error: Option<Value>,
}

/// A restore's report.
#[derive(Serialize, ToSchema)]
pub struct RestoreReport {
    pub dry_run: bool,
    pub backup: i64,
    pub target_cluster_id: i64,
    pub results: Vec<RestoreResult>,
    pub created: u32,
    pub skipped: u32,
    pub replaced: u32,
    pub failed: u32,
    /// The backup's note on volume data.
    pub volume_note: Option<String>,
}

fn check_restore(r: &RestoreRequest, backed_up: &[String]) -> ApiResult<bool> {
    let replace = match r.existing.as_deref().unwrap_or("skip") {
        "skip" => false,
        "replace" => true,
        other => return Err(ApiError::not_one_of("existing", &["skip", "replace"], other)),
    };
    for (from, to) in &r.namespace_mapping {
        if !backed_up.contains(from) {
            return Err(ApiError::invalid(
                &format!("namespace_mapping.{from}"),
                ErrorCode::InvalidBody,
                format!("'{from}' is not a namespace of this backup ({})", backed_up.join(", ")),
            ));
        }
        if !app_backup::is_namespace_name(to) {
            return Err(ApiError::invalid(
                &format!("namespace_mapping.{from}"),
                ErrorCode::InvalidName,
                format!("'{to}' is not a namespace name"),
            ));
        }
    }
    Ok(replace)
}

/// Restore a backup into this or another cluster: namespaces first (made when missing), then every object as
/// `kubectl create` does, an existing one skipped or replaced as asked; `dry_run` reports the same without a
/// change. One object that fails does not stop the others: each has its result.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/app-backups/{bid}/restore", tag = "backups",
    params(("id" = i64, Path), ("bid" = i64, Path)), request_body = RestoreRequest,
    responses((status = 200, body = RestoreReport), (status = 400), (status = 403, description = "no `backup.admin` on the target cluster"), (status = 404)),
    extensions(("x-permission" = json!("backup.admin"))))]
pub async fn restore(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::BackupAdmin>,
    ApiPath((id, bid)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<RestoreRequest>,
) -> ApiResult<axum::Json<RestoreReport>> {
    audit.action("backup.restore");
    audit.target(Some(id), None, Some(format!("app-backups/{bid}")));
    let b = find(&state, id, bid).await?;
    if b.status != status::SUCCEEDED {
        return Err(not_found(id, bid).param("detail", "the backup did not succeed"));
    }
    let backed_up: Vec<String> = serde_json::from_str(&b.namespaces).unwrap_or_default();
    let replace = check_restore(&body, &backed_up)?;
    let target_id = body.target_cluster_id.unwrap_or(id);
    auth.require(Permission::BackupAdmin, Scope::cluster(target_id))?;
    let target = connection::cluster(&state, target_id).await.map_err(|e| e.with_field("target_cluster_id"))?;
    audit.detail(json!({"target_cluster_id": target_id, "namespace_mapping": body.namespace_mapping,
        "existing": if replace { "replace" } else { "skip" }, "dry_run": body.dry_run}));
    let report: BackupReport = b.report.as_deref().and_then(|r| serde_json::from_str(r).ok()).unwrap_or_default();
    let objects: Vec<Value> = contents(&state, &b)?
        .into_iter()
        .map(|v| app_backup::map_namespace(v, &body.namespace_mapping))
        .map(|mut v| {
            // a Namespace's own name is mapped too
            if v["kind"] == "Namespace"
                && let Some(to) = v["metadata"]["name"].as_str().and_then(|n| body.namespace_mapping.get(n))
            {
                v["metadata"]["name"] = json!(to);
            }
            v
        })
        .collect();
    let results = restore_objects(&state, &target, objects, replace, body.dry_run).await?;
    let count = |o: &str| results.iter().filter(|r| r.outcome == o).count() as u32;
    Ok(axum::Json(RestoreReport {
        dry_run: body.dry_run,
        backup: bid,
        target_cluster_id: target_id,
        created: count("created"),
        skipped: count("skipped"),
        replaced: count("replaced"),
        failed: count("failed"),
        results,
        volume_note: Some(report.volume_note).filter(|n| !n.is_empty()),
    }))
}

async fn restore_objects(
    state: &AppState,
    target: &kubedeck_store::clusters::Cluster,
    objects: Vec<Value>,
    replace: bool,
    dry_run: bool,
) -> ApiResult<Vec<RestoreResult>> {
    let client = client_for(state, target).await?;
    let cat = catalog(state, target).await?;
    let ns_api: Api<Namespace> = Api::all(client.clone());
    // namespaces a dry run would create: the cluster cannot dry-run objects inside them
    let mut to_create: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for v in objects {
        let kind = v["kind"].as_str().unwrap_or_default().to_owned();
        let name = v["metadata"]["name"].as_str().unwrap_or_default().to_owned();
        let namespace = v["metadata"]["namespace"].as_str().map(str::to_owned);
        let what = format!("{kind} {}{name}", namespace.as_deref().map(|n| format!("{n}/")).unwrap_or_default());
        let result = |outcome: &str, error: Option<ApiError>| RestoreResult {
            kind: kind.clone(),
            namespace: namespace.clone(),
            name: name.clone(),
            outcome: outcome.to_owned(),
            error: error.map(|e| e.body()),
        };
        if kind == "Namespace" {
            let r = match timed(ns_api.get_opt(&name), &what).await {
                Ok(Some(_)) => result("skipped", None),
                Ok(None) if dry_run => {
                    to_create.push(name.clone());
                    result("created", None)
                }
                Ok(None) => {
                    let ns: Result<Namespace, _> = serde_json::from_value(v.clone());
                    match ns {
                        Ok(ns) => match timed(ns_api.create(&PostParams { dry_run: false, field_manager: Some(FIELD_MANAGER.into()) }, &ns), &what).await {
                            Ok(_) => result("created", None),
                            Err(e) => result("failed", Some(e)),
                        },
                        Err(e) => result("failed", Some(ApiError::internal(e))),
                    }
                }
                Err(e) => result("failed", Some(e)),
            };
            results.push(r);
            continue;
        }
        let api_version = v["apiVersion"].as_str().unwrap_or_default();
        let Some(served) = cat.by_api_version(api_version, &kind) else {
            results.push(result(
                "failed",
                Some(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::KindNotServed,
                    format!("the target cluster does not serve {api_version} {kind}"),
                )
                .param("kind", &kind)
                .param("api_version", api_version)),
            ));
            continue;
        };
        let ns = namespace.clone().unwrap_or_default();
        if dry_run && to_create.contains(&ns) {
            // its namespace is not there yet: it would be created with it
            results.push(result("created", None));
            continue;
        }
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &served.api);
        let r = match timed(api.get_opt(&name), &what).await {
            Ok(Some(_)) if !replace => result("skipped", None),
            Ok(Some(_)) => {
                let mut pp = PatchParams::apply(FIELD_MANAGER);
                pp.force = true;
                pp.dry_run = dry_run;
                match timed(api.patch(&name, &pp, &Patch::Apply(&v)), &what).await {
                    Ok(_) => result("replaced", None),
                    Err(e) => result("failed", Some(e)),
                }
            }
            Ok(None) => match serde_json::from_value::<DynamicObject>(v.clone()) {
                Ok(obj) => match timed(api.create(&PostParams { dry_run, field_manager: Some(FIELD_MANAGER.into()) }, &obj), &what).await {
                    Ok(_) => result("created", None),
                    Err(e) => result("failed", Some(e)),
                },
                Err(e) => result("failed", Some(ApiError::internal(e))),
            },
            Err(e) => result("failed", Some(e)),
        };
        results.push(r);
    }
    Ok(results)
}

// ---- schedules -------------------------------------------------------------------------------------------

/// A backup schedule: which namespaces, when, and how many backups to keep.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// Unique in the cluster (1 to 64 characters); scheduled backups are named after it and the time.
    pub name: String,
    /// The namespaces each run backs up (1 to 50). They must exist when the schedule is saved; a run that finds
    /// one gone is recorded as a failed backup saying so.
    pub namespaces: Vec<String>,
    /// Only the objects these labels select.
    pub label_selector: Option<String>,
    /// Five cron fields in UTC (`0 3 * * *`) or an alias (`@daily`).
    pub schedule: String,
    /// Keep the newest N stored backups of this schedule (1 to 1000). Neither this nor `keep_days`: 7.
    pub keep_count: Option<i32>,
    /// Remove this schedule's stored backups older than N days (1 to 3650).
    pub keep_days: Option<i32>,
    /// Off: kept, but no run is started (default on).
    #[serde(default = "enabled_default")]
    pub enabled: bool,
}

fn enabled_default() -> bool {
    true
}

/// A backup schedule as shown.
#[derive(Serialize, ToSchema)]
pub struct ScheduleView {
    pub id: i64,
    pub cluster_id: i64,
    pub name: String,
    pub namespaces: Vec<String>,
    pub label_selector: Option<String>,
    pub schedule: String,
    pub keep_count: Option<i32>,
    pub keep_days: Option<i32>,
    pub enabled: bool,
    /// When the next run starts (None when disabled).
    pub next_run_at: Option<DateTime<Utc>>,
    /// When the last run started.
    pub last_scheduled_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn schedule_view(s: AppBackupSchedule) -> ScheduleView {
    ScheduleView {
        next_run_at: s.enabled.then(|| app_backup::schedule::next_of(&s)).flatten(),
        id: s.id,
        cluster_id: s.cluster_id,
        namespaces: serde_json::from_str(&s.namespaces).unwrap_or_default(),
        name: s.name,
        label_selector: s.label_selector,
        schedule: s.schedule,
        keep_count: s.keep_count,
        keep_days: s.keep_days,
        enabled: s.enabled,
        last_scheduled_at: s.last_scheduled_at,
        created_by: s.created_by,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

fn schedule_not_found(id: i64, sid: i64) -> ApiError {
    ApiError::not_found(
        ErrorCode::AppBackupScheduleNotFound,
        format!("cluster {id} has no application backup schedule {sid}"),
    )
    .param("schedule", sid)
}

/// Checks a schedule body (and that its namespaces exist in the cluster now, except those the schedule had
/// already: a schedule whose namespace was deleted can still be paused or edited): the fields to store.
async fn check_schedule(state: &AppState, id: i64, body: ScheduleBody, already: &[String]) -> ApiResult<ScheduleFields> {
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::invalid_length("name", 1, 64));
    }
    check_what(&body.namespaces, body.label_selector.as_deref())?;
    crate::schedule::check_schedule(&body.schedule)?;
    crate::schedule::check_retention(body.keep_count, body.keep_days)?;
    // a mistyped namespace is refused now, not found missing at 3 a.m. (named by its place in the body)
    let c = connection::cluster(state, id).await?;
    let client = client_for(state, &c).await?;
    let ns_api: Api<Namespace> = Api::all(client);
    for (i, ns) in body.namespaces.iter().enumerate().filter(|(_, ns)| !already.contains(ns)) {
        let found = kubedeck_kube::error::within(std::time::Duration::from_secs(20), ns_api.get_opt(ns))
            .await
            .map_err(connection::from_cluster)?;
        if found.is_none() {
            return Err(ApiError::not_found(
                ErrorCode::NamespaceNotFound,
                format!("namespace '{ns}' does not exist in cluster {id}"),
            )
            .with_field(&format!("namespaces[{i}]"))
            .param("namespace", ns));
        }
    }
    let mut namespaces = body.namespaces;
    namespaces.sort();
    namespaces.dedup();
    let keep_count = match (body.keep_count, body.keep_days) {
        (None, None) => Some(DEFAULT_KEEP),
        (c, _) => c,
    };
    Ok(ScheduleFields {
        name,
        namespaces,
        label_selector: body.label_selector,
        schedule: body.schedule.trim().to_owned(),
        keep_count,
        keep_days: body.keep_days,
        enabled: body.enabled,
    })
}

/// Stored backups a schedule keeps when its body names no retention.
const DEFAULT_KEEP: i32 = 7;

fn name_taken(name: &str) -> ApiError {
    ApiError::conflict(
        ErrorCode::AppBackupScheduleExists,
        format!("the cluster has an application backup schedule called '{name}' already"),
    )
    .with_field("name")
    .param("name", name)
}

/// The cluster's backup schedules, by name, with when each runs next.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/app-backup-schedules", tag = "backups",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<ScheduleView>), (status = 404)),
    extensions(("x-permission" = json!("backup.admin"))))]
pub async fn list_schedules(
    State(state): State<AppState>,
    _auth: Authorized<perm::BackupAdmin>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<axum::Json<Vec<ScheduleView>>> {
    connection::cluster(&state, id).await?;
    Ok(axum::Json(
        state.store.list_app_backup_schedules(id).await?.into_iter().map(schedule_view).collect(),
    ))
}

/// Schedule backups of namespaces (cron, UTC) with retention: the newest `keep_count` stored backups of the
/// schedule, none older than `keep_days` (neither given: the newest 7).
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/app-backup-schedules", tag = "backups",
    params(("id" = i64, Path)), request_body = ScheduleBody,
    responses((status = 201, body = ScheduleView), (status = 400, description = "a field is wrong (name, namespaces, label_selector, schedule, keep_count, keep_days)"),
        (status = 404, description = "`cluster_not_found`, `namespace_not_found` (field `namespaces[i]`)"),
        (status = 409, description = "`app_backup_schedule_exists` (field `name`)")),
    extensions(("x-permission" = json!("backup.admin"))))]
pub async fn create_schedule(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::BackupAdmin>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> ApiResult<(StatusCode, axum::Json<ScheduleView>)> {
    audit.action("backup.schedule.create");
    audit.target(Some(id), None, Some("app-backup-schedules".into()));
    let f = check_schedule(&state, id, body, &[]).await?;
    audit.detail(json!({"name": f.name, "namespaces": f.namespaces, "schedule": f.schedule, "keep_count": f.keep_count, "keep_days": f.keep_days}));
    let row = state
        .store
        .create_app_backup_schedule(id, &f, &auth.username)
        .await?
        .ok_or_else(|| name_taken(&f.name))?;
    audit.target(Some(id), None, Some(format!("app-backup-schedules/{}", row.id)));
    Ok((StatusCode::CREATED, axum::Json(schedule_view(row))))
}

/// Replace a backup schedule (a changed cron time counts from now: no run is started for the past). Only the
/// namespaces it did not have already must exist: one whose namespace was deleted can still be paused.
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/app-backup-schedules/{sid}", tag = "backups",
    params(("id" = i64, Path), ("sid" = i64, Path)), request_body = ScheduleBody,
    responses((status = 200, body = ScheduleView), (status = 400), (status = 404, description = "`app_backup_schedule_not_found`, `namespace_not_found`"),
        (status = 409, description = "`app_backup_schedule_exists` (field `name`)")),
    extensions(("x-permission" = json!("backup.admin"))))]
pub async fn update_schedule(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::BackupAdmin>,
    ApiPath((id, sid)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> ApiResult<axum::Json<ScheduleView>> {
    audit.action("backup.schedule.update");
    audit.target(Some(id), None, Some(format!("app-backup-schedules/{sid}")));
    let old = state.store.find_app_backup_schedule(id, sid).await?.ok_or_else(|| schedule_not_found(id, sid))?;
    let already: Vec<String> = serde_json::from_str(&old.namespaces).unwrap_or_default();
    let f = check_schedule(&state, id, body, &already).await?;
    if state.store.app_backup_schedule_name_taken(id, &f.name, Some(sid)).await? {
        return Err(name_taken(&f.name));
    }
    audit.detail(json!({"name": f.name, "namespaces": f.namespaces, "schedule": f.schedule, "keep_count": f.keep_count, "keep_days": f.keep_days, "enabled": f.enabled}));
    let row = state
        .store
        .update_app_backup_schedule(id, sid, &f)
        .await?
        .ok_or_else(|| schedule_not_found(id, sid))?;
    Ok(axum::Json(schedule_view(row)))
}

/// Delete a backup schedule. The backups it took stay (and no retention removes them any more).
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/app-backup-schedules/{sid}", tag = "backups",
    params(("id" = i64, Path), ("sid" = i64, Path)),
    responses((status = 204), (status = 404, description = "`app_backup_schedule_not_found`")),
    extensions(("x-permission" = json!("backup.admin"))))]
pub async fn delete_schedule(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::BackupAdmin>,
    ApiPath((id, sid)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    audit.action("backup.schedule.delete");
    audit.target(Some(id), None, Some(format!("app-backup-schedules/{sid}")));
    connection::cluster(&state, id).await?;
    if !state.store.delete_app_backup_schedule(id, sid).await? {
        return Err(schedule_not_found(id, sid));
    }
    Ok(StatusCode::NO_CONTENT)
}

// ---- importing a downloaded archive ---------------------------------------------------------------------

fn archive_invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(field, ErrorCode::ArchiveInvalid, message)
}

/// Import a downloaded backup archive (`GET .../download`) as a backup of this cluster, to restore from it like
/// any other: after the cluster or the Kubedeck database that held it is gone, or to move it to another Kubedeck
/// that shares the credential keys. The archive must be unchanged (its `sha256` is checked over the manifests and
/// the Secrets in clear), and its Secrets must open with this Kubedeck's keys. Nothing is applied to the cluster.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/app-backups/import", tag = "backups",
    params(("id" = i64, Path)), request_body(content = Object, description = "the archive, as downloaded"),
    responses((status = 201, body = AppBackupView),
        (status = 400, description = "`archive_invalid`: not a Kubedeck archive (`format`, `manifests`, `namespaces`), changed since (`sha256`), or Secrets sealed with a key this Kubedeck does not have (`secrets_sealed`)"),
        (status = 404, description = "`cluster_not_found`"), (status = 413, description = "larger than the server's body limit")),
    extensions(("x-permission" = json!("backup.admin"))))]
pub async fn import(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::BackupAdmin>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(archive): ApiJson<Value>,
) -> ApiResult<(StatusCode, axum::Json<AppBackupView>)> {
    audit.action("backup.import");
    audit.target(Some(id), None, Some("app-backups".into()));
    connection::cluster(&state, id).await?;
    if archive["format"] != "kubedeck.app-backup/v1" {
        return Err(archive_invalid("format", "not a Kubedeck application backup archive: format must be 'kubedeck.app-backup/v1'"));
    }
    let manifests = archive["manifests"]
        .as_array()
        .filter(|m| m.iter().all(|o| o["kind"].is_string() && o["metadata"]["name"].is_string()))
        .ok_or_else(|| archive_invalid("manifests", "manifests must be an array of objects with a kind and a name"))?;
    let namespaces: Vec<String> = serde_json::from_value(archive["namespaces"].clone())
        .ok()
        .filter(|n: &Vec<String>| !n.is_empty() && n.iter().all(|s| app_backup::is_namespace_name(s)))
        .ok_or_else(|| archive_invalid("namespaces", "namespaces must list the namespaces backed up"))?;
    let original = archive["backup"].as_i64().ok_or_else(|| archive_invalid("backup", "backup must be the id of the backup the archive was downloaded from"))?;
    let secrets = match archive["secrets_sealed"].as_str() {
        Some(sealed) => state
            .store
            .open_archived_app_backup_secrets(sealed, original, &state.keyring())
            .map_err(|_| archive_invalid("secrets_sealed", "the archive's Secrets do not open with this Kubedeck's keys: it was written by another Kubedeck, or changed since"))?,
        None => b"[]".to_vec(),
    };
    let secret_list: Vec<Value> = serde_json::from_slice(&secrets).map_err(|_| archive_invalid("secrets_sealed", "the archive's Secrets are not a list of manifests"))?;
    let manifests_text = serde_json::to_string(manifests).map_err(ApiError::internal)?;
    let sha = take::digest(&manifests_text, &secrets);
    if archive["sha256"].as_str() != Some(sha.as_str()) {
        return Err(archive_invalid("sha256", "the archive was changed since it was downloaded: its SHA-256 does not match its contents"));
    }
    let name: String = archive["name"].as_str().unwrap_or("imported").chars().take(128).collect();
    let label_selector = archive["label_selector"].as_str();
    audit.detail(json!({"name": name, "namespaces": namespaces, "sha256": sha, "from_backup": original, "from_cluster": archive["cluster"]}));
    let namespace_count = manifests.iter().filter(|m| m["kind"] == "Namespace").count();
    let contents = kubedeck_store::app_backups::BackupContents {
        object_count: (manifests.len() - namespace_count + secret_list.len()) as i32,
        secret_count: secret_list.len() as i32,
        size_bytes: (manifests_text.len() + secrets.len()) as i64,
        sha256: sha,
        report: serde_json::to_string(&archive["report"]).map_err(ApiError::internal)?,
        manifests: manifests_text,
        secrets,
    };
    let row = state
        .store
        .start_app_backup(id, &name, &namespaces, label_selector, &auth.username, None, &state.replica_id)
        .await?;
    let done = state.store.finish_app_backup(row.id, &contents, &state.keyring()).await?;
    audit.target(Some(id), None, Some(format!("app-backups/{}", done.id)));
    Ok((StatusCode::CREATED, axum::Json(view(done.into()))))
}

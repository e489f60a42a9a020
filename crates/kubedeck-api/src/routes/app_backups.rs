//! `/api/v1/k8s/cluster/{id}/app-backups`: application backups (issue 18, spec 7.1 应用数据备份) — back up chosen
//! namespaces (or the objects a label selector picks in them), list, look into, download and delete backups, and
//! restore one into the same or another cluster, under the same or mapped namespace names, dry run first. Every
//! route needs `backup.admin` (a backup holds its namespaces' Secrets); a restore needs it on the target cluster
//! too. What is kept and how it is cleaned: [`crate::app_backup`].

use crate::app_backup::{self, KINDS};
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
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kubedeck_core::rbac::{Permission, Scope};
use kubedeck_store::app_backups::{AppBackup, AppBackupSummary, BackupContents, status};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
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

/// An object left out of a backup, and why.
#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct LeftOut {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub why: String,
}

/// What a backup holds and what it does not.
#[derive(Serialize, Deserialize, ToSchema, Clone, Default)]
pub struct BackupReport {
    /// Objects per kind (`Deployment: 2`), Secrets included, namespaces not.
    pub kinds: BTreeMap<String, u32>,
    /// Objects read but not kept (owned by a controller, made by the cluster).
    pub left_out: Vec<LeftOut>,
    /// Kinds of [`KINDS`] this cluster does not serve.
    pub not_served: Vec<String>,
    /// PersistentVolumeClaims in the backup.
    pub claims: u32,
    /// Whether their volumes' data is in the backup (never yet: manifests only).
    pub volume_data_included: bool,
    /// Whether the cluster serves CSI VolumeSnapshots (`snapshot.storage.k8s.io`).
    pub volume_snapshots_served: bool,
    /// What an operator needs to know about the volumes, in English.
    pub volume_note: String,
}

/// A backup as listed.
#[derive(Serialize, ToSchema)]
pub struct AppBackupView {
    pub id: i64,
    pub cluster_id: i64,
    pub name: String,
    pub namespaces: Vec<String>,
    pub label_selector: Option<String>,
    /// running, succeeded or failed.
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

/// What a backup reads: the namespaces' objects of every kind it keeps.
struct Read {
    namespaces: Vec<Value>,
    objects: Vec<Value>,
    secrets: Vec<Value>,
    report: BackupReport,
}

/// The namespaces' own manifests, cleaned; a namespace that does not exist is a 404 naming `namespaces[i]`.
async fn namespace_manifests(client: &kube::Client, cluster_id: i64, namespaces: &[String]) -> ApiResult<Vec<Value>> {
    let ns_api: Api<Namespace> = Api::all(client.clone());
    let mut out = Vec::with_capacity(namespaces.len());
    for (i, ns) in namespaces.iter().enumerate() {
        let Some(n) = timed(ns_api.get_opt(ns), &format!("namespace {ns}")).await? else {
            return Err(ApiError::not_found(
                ErrorCode::NamespaceNotFound,
                format!("namespace '{ns}' does not exist in cluster {cluster_id}"),
            )
            .with_field(&format!("namespaces[{i}]"))
            .param("namespace", ns));
        };
        let mut v = serde_json::to_value(&n).map_err(ApiError::internal)?;
        v["apiVersion"] = json!("v1");
        v["kind"] = json!("Namespace");
        let mut v = app_backup::clean("namespaces", v);
        if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
            spec.remove("finalizers");
        }
        if v["spec"].as_object().is_some_and(|s| s.is_empty()) {
            v.as_object_mut().map(|o| o.remove("spec"));
        }
        out.push(v);
    }
    Ok(out)
}

/// Reads the namespaces' objects of every kind a backup keeps (their Namespace manifests already read).
async fn read_cluster(
    state: &AppState,
    c: &kubedeck_store::clusters::Cluster,
    client: kube::Client,
    namespaces: &[String],
    namespace_manifests: Vec<Value>,
    selector: Option<&str>,
) -> ApiResult<Read> {
    let cat = catalog(state, c).await?;
    let mut read = Read {
        namespaces: namespace_manifests,
        objects: Vec::new(),
        secrets: Vec::new(),
        report: BackupReport::default(),
    };
    read.report.volume_snapshots_served = cat
        .find("volumesnapshots.snapshot.storage.k8s.io")
        .is_ok();
    let mut lp = ListParams::default();
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    for kind in KINDS {
        let served = match cat.find(kind) {
            Ok(s) => s,
            Err(_) => {
                read.report.not_served.push((*kind).to_owned());
                continue;
            }
        };
        for ns in namespaces {
            let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &served.api);
            let list = timed(api.list(&lp), &format!("{kind} in {ns}")).await?;
            for o in list.items {
                let mut v = serde_json::to_value(&o).map_err(ApiError::internal)?;
                // list items carry no apiVersion and kind of their own
                v["apiVersion"] = json!(served.api.api_version);
                v["kind"] = json!(served.api.kind);
                if let Some(why) = app_backup::left_out(kind, &v) {
                    read.report.left_out.push(LeftOut {
                        kind: served.api.kind.clone(),
                        namespace: ns.clone(),
                        name: o.metadata.name.clone().unwrap_or_default(),
                        why: why.to_owned(),
                    });
                    continue;
                }
                *read.report.kinds.entry(served.api.kind.clone()).or_default() += 1;
                let v = app_backup::clean(kind, v);
                if *kind == "secrets" {
                    read.secrets.push(v);
                } else {
                    if *kind == "persistentvolumeclaims" {
                        read.report.claims += 1;
                    }
                    read.objects.push(v);
                }
            }
        }
    }
    read.report.volume_note = match (read.report.claims, read.report.volume_snapshots_served) {
        (0, _) => "no PersistentVolumeClaims: nothing of volume data to miss".into(),
        (_, true) => "the claims' manifests are in the backup, their volumes' data is not: the cluster serves CSI VolumeSnapshots, which Kubedeck does not take yet; snapshot the volumes with your CSI driver".into(),
        (_, false) => "the claims' manifests are in the backup, their volumes' data is not: the cluster serves no CSI VolumeSnapshots; restored claims bind new, empty volumes".into(),
    };
    Ok(read)
}

fn check_new(body: &NewAppBackup) -> ApiResult<()> {
    if body.namespaces.is_empty() || body.namespaces.len() > MAX_NAMESPACES {
        return Err(ApiError::invalid(
            "namespaces",
            ErrorCode::InvalidBody,
            format!("namespaces must list 1 to {MAX_NAMESPACES} namespaces"),
        ));
    }
    for (i, ns) in body.namespaces.iter().enumerate() {
        if !app_backup::is_namespace_name(ns) {
            return Err(ApiError::invalid(
                &format!("namespaces[{i}]"),
                ErrorCode::InvalidName,
                format!("'{ns}' is not a namespace name"),
            ));
        }
    }
    if let Some(s) = &body.label_selector {
        kubedeck_kube::selector::Selector::parse(s).map_err(|e| ApiError::selector("label_selector", e))?;
    }
    if let Some(n) = &body.name
        && (n.trim().is_empty() || n.chars().count() > 128)
    {
        return Err(ApiError::invalid_length("name", 1, 128));
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
    // the namespaces are read before anything is recorded: a mistyped name leaves no failed backup behind
    let client = client_for(&state, &c).await?;
    let ns_manifests = namespace_manifests(&client, id, &namespaces).await?;
    let row = state
        .store
        .start_app_backup(id, &name, &namespaces, body.label_selector.as_deref(), &auth.username)
        .await?;
    audit.target(Some(id), None, Some(format!("app-backups/{}", row.id)));
    let read = match read_cluster(&state, &c, client, &namespaces, ns_manifests, body.label_selector.as_deref()).await {
        Ok(r) => r,
        Err(e) => {
            state.store.fail_app_backup(row.id, &e.message).await?;
            return Err(e);
        }
    };
    let manifests: Vec<Value> = read.namespaces.iter().chain(&read.objects).cloned().collect();
    let manifests = serde_json::to_string(&manifests).map_err(ApiError::internal)?;
    let secrets = serde_json::to_vec(&read.secrets).map_err(ApiError::internal)?;
    let mut h = Sha256::new();
    h.update(manifests.as_bytes());
    h.update(&secrets);
    let contents = BackupContents {
        object_count: (read.objects.len() + read.secrets.len()) as i32,
        secret_count: read.secrets.len() as i32,
        size_bytes: (manifests.len() + secrets.len()) as i64,
        sha256: h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
        report: serde_json::to_string(&read.report).map_err(ApiError::internal)?,
        manifests,
        secrets,
    };
    let done = state
        .store
        .finish_app_backup(row.id, &contents, &state.keyring())
        .await?;
    tracing::info!(cluster_id = id, backup = done.id, objects = contents.object_count, "application backup stored");
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

//! `/api/v1/k8s/cluster/{id}/etcd`: a cluster's etcd backups (issue 18, spec 7.1 ETCD 备份) — where its etcd is
//! (endpoints, CA, client certificate; the key sealed like a kubeconfig and never returned), the snapshot
//! schedule and retention, and the snapshots: take one now, list, download, delete. Everything needs
//! `etcd.admin`: a snapshot holds every Secret of the cluster. The work itself is in [`crate::etcd_backup`].

use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::connection;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::etcd_backup::{self, ClientIdentity, EtcdTarget, MemberStatus, SnapshotError};
use crate::extract::{ApiJson, ApiPath, PeerAddr};
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kubedeck_kube::x509::{PairError, check_pair};
use kubedeck_store::etcd_backups::{
    EtcdEndpoint, EtcdEndpointFields, EtcdSnapshot, IdentityChange, status,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Most endpoints one etcd cluster has (members are an odd number, rarely above seven).
const MAX_ENDPOINTS: usize = 9;

/// A cluster's etcd settings as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EtcdSettingsInput {
    /// Client URLs of the members (`https://10.0.0.1:2379`); the first that answers gives each snapshot.
    pub endpoints: Vec<String>,
    /// The CA of etcd's serving certificate (PEM). Absent: the system's roots.
    #[serde(default)]
    pub ca: Option<String>,
    /// The client certificate Kubedeck presents (PEM), with `client_key`. Both absent: the stored ones are kept.
    #[serde(default)]
    pub client_cert: Option<String>,
    /// Its private key (PEM); sealed, never returned.
    #[serde(default)]
    pub client_key: Option<String>,
    /// Drop the stored client certificate and key.
    #[serde(default)]
    pub clear_client_cert: bool,
    /// When to take snapshots: five cron fields in UTC (`0 3 * * *`) or `@daily`. Absent: no schedule.
    #[serde(default)]
    pub schedule: Option<String>,
    /// Keep at most this many successful snapshots (1–1000). Absent: no count limit.
    #[serde(default)]
    pub keep_count: Option<i32>,
    /// Delete successful snapshots older than this many days (1–3650). Absent: no age limit.
    #[serde(default)]
    pub keep_days: Option<i32>,
}

/// A cluster's etcd settings as shown: never the key.
#[derive(Serialize, ToSchema)]
pub struct EtcdSettingsView {
    pub cluster_id: i64,
    pub endpoints: Vec<String>,
    /// Whether a CA is set.
    pub ca_set: bool,
    /// Whether a client certificate and key are set.
    pub client_cert_set: bool,
    /// The cron expression, if scheduled.
    pub schedule: Option<String>,
    /// When the schedule runs next.
    pub next_run_at: Option<DateTime<Utc>>,
    pub keep_count: Option<i32>,
    pub keep_days: Option<i32>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    /// What each member said when the settings were saved (only in the answer to a PUT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<MemberStatus>>,
}

/// One etcd snapshot.
#[derive(Serialize, ToSchema)]
pub struct SnapshotView {
    pub id: i64,
    pub cluster_id: i64,
    /// running, succeeded or failed.
    pub status: String,
    /// manual or schedule.
    pub trigger: String,
    /// Who asked (`schedule` for scheduled ones).
    pub requested_by: String,
    /// The member it was taken from.
    pub endpoint: Option<String>,
    /// The file's size in bytes (etcd's 32-byte checksum at its end included).
    pub size_bytes: Option<i64>,
    /// SHA-256 of the file as downloaded (hex).
    pub sha256: Option<String>,
    /// `etcdctl snapshot status`: the hash of the keys and values.
    pub hash: Option<i64>,
    /// `etcdctl snapshot status`: the store's revision in the snapshot.
    pub revision: Option<i64>,
    /// `etcdctl snapshot status`: keys in the snapshot.
    pub total_keys: Option<i64>,
    /// `etcdctl snapshot status`: the database's size.
    pub total_size: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

fn snapshot_view(s: EtcdSnapshot) -> SnapshotView {
    SnapshotView {
        id: s.id,
        cluster_id: s.cluster_id,
        status: s.status,
        trigger: s.trigger,
        requested_by: s.requested_by,
        endpoint: s.endpoint,
        size_bytes: s.size_bytes,
        sha256: s.sha256,
        hash: s.etcd_hash,
        revision: s.revision,
        total_keys: s.total_keys,
        total_size: s.total_size,
        error: s.error,
        started_at: s.started_at,
        finished_at: s.finished_at,
    }
}

fn settings_view(r: EtcdEndpoint, members: Option<Vec<MemberStatus>>) -> EtcdSettingsView {
    let next_run_at = r
        .schedule
        .as_deref()
        .and_then(|s| etcd_backup::parse_schedule(s).ok())
        .and_then(|c| etcd_backup::next_run(&c, Utc::now()));
    EtcdSettingsView {
        cluster_id: r.cluster_id,
        endpoints: serde_json::from_str(&r.endpoints).unwrap_or_default(),
        ca_set: r.ca_pem.is_some(),
        client_cert_set: r.client_identity.is_some(),
        schedule: r.schedule,
        next_run_at,
        keep_count: r.keep_count,
        keep_days: r.keep_days,
        updated_by: r.updated_by,
        updated_at: r.updated_at,
        members,
    }
}

fn not_configured(id: i64) -> ApiError {
    ApiError::not_found(
        ErrorCode::EtcdNotConfigured,
        format!("cluster {id} has no etcd endpoints set; PUT them to /api/v1/k8s/cluster/{id}/etcd first"),
    )
    .param("cluster", id)
}

fn snapshot_not_found(sid: i64) -> ApiError {
    ApiError::not_found(
        ErrorCode::EtcdSnapshotNotFound,
        format!("the cluster has no etcd snapshot {sid}"),
    )
    .param("snapshot", sid)
}

/// An endpoint as stored: an http(s) URL with a host and nothing after the port.
fn endpoint(raw: &str) -> Result<String, ApiError> {
    let bad = |why: &str| {
        ApiError::invalid(
            "endpoints",
            ErrorCode::InvalidUrl,
            format!("etcd endpoint '{raw}' {why}; write it as https://10.0.0.1:2379"),
        )
        .param("detail", format!("'{raw}' {why}"))
    };
    let url = reqwest::Url::parse(raw.trim()).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("is not http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
        return Err(bad(
            "has a path, query or user: only scheme, host and port are taken",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A PEM field as stored: trimmed, one final newline; blank counts as absent.
fn pem_field(value: Option<String>) -> Option<String> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().to_owned() + "\n")
}

/// The cluster's etcd settings.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/etcd", tag = "etcd", params(("id" = i64, Path)),
    responses((status = 200, body = EtcdSettingsView), (status = 404, description = "unknown cluster, or no etcd set")),
    extensions(("x-permission" = json!("etcd.admin"))))]
pub async fn get_settings(
    _auth: Authorized<perm::EtcdAdmin>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<axum::Json<EtcdSettingsView>> {
    connection::cluster(&state, id).await?;
    let row = state
        .store
        .find_etcd_endpoint(id)
        .await?
        .ok_or_else(|| not_configured(id))?;
    Ok(axum::Json(settings_view(row, None)))
}

/// Set the cluster's etcd endpoints, CA, client certificate, schedule and retention. Every endpoint is asked for
/// its version and maintenance status first; one that does not answer is refused (422).
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/etcd", tag = "etcd", params(("id" = i64, Path)),
    request_body = EtcdSettingsInput,
    responses((status = 200, body = EtcdSettingsView),
        (status = 400, description = "a field is wrong (endpoint URL, PEM, schedule, retention)"),
        (status = 404, description = "unknown cluster"),
        (status = 422, description = "an endpoint does not answer as etcd")),
    extensions(("x-permission" = json!("etcd.admin"))))]
pub async fn put_settings(
    auth: Authorized<perm::EtcdAdmin>,
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EtcdSettingsInput>,
) -> ApiResult<axum::Json<EtcdSettingsView>> {
    audit.action("etcd.settings");
    audit.target(Some(id), None, Some("etcd".into()));
    connection::cluster(&state, id).await?;
    if body.endpoints.is_empty() {
        return Err(ApiError::invalid(
            "endpoints",
            ErrorCode::Required,
            "endpoints: give at least one etcd client URL (https://10.0.0.1:2379)",
        ));
    }
    if body.endpoints.len() > MAX_ENDPOINTS {
        return Err(ApiError::out_of_range(
            "endpoints",
            Some(1),
            Some(MAX_ENDPOINTS as i64),
        ));
    }
    let endpoints = body
        .endpoints
        .iter()
        .map(|e| endpoint(e))
        .collect::<Result<Vec<_>, _>>()?;
    let ca = pem_field(body.ca);
    if let Some(ca) = &ca
        && kubedeck_kube::x509::certificates(ca).is_empty()
    {
        return Err(ApiError::invalid(
            "ca",
            ErrorCode::CertificateInvalid,
            "ca holds no PEM certificate",
        )
        .param("detail", "no PEM certificate"));
    }
    let cert = pem_field(body.client_cert);
    let key = pem_field(body.client_key);
    let new_identity = match (cert, key) {
        (Some(cert), Some(key)) => {
            check_pair(&cert, &key).map_err(|e| match e {
                PairError::Certificate => {
                    ApiError::invalid("client_cert", ErrorCode::CertificateInvalid, e.to_string())
                        .param("detail", e.to_string())
                }
                PairError::Key => {
                    ApiError::invalid("client_key", ErrorCode::PrivateKeyInvalid, e.to_string())
                        .param("detail", e.to_string())
                }
                PairError::Mismatch => {
                    ApiError::invalid("client_key", ErrorCode::KeyPairMismatch, e.to_string())
                }
            })?;
            Some(ClientIdentity {
                cert_pem: cert,
                key_pem: key,
            })
        }
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "client_key",
                ErrorCode::Required,
                "client_key: a client certificate needs its private key",
            ));
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "client_cert",
                ErrorCode::Required,
                "client_cert: a private key needs its client certificate",
            ));
        }
        (None, None) => None,
    };
    let schedule = body
        .schedule
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if let Some(s) = &schedule {
        crate::schedule::check_schedule(s)?;
    }
    crate::schedule::check_retention(body.keep_count, body.keep_days)?;
    audit.detail(json!({"endpoints": endpoints, "ca_set": ca.is_some(), "client_cert_replaced": new_identity.is_some(),
        "clear_client_cert": body.clear_client_cert, "schedule": schedule, "keep_count": body.keep_count,
        "keep_days": body.keep_days}));

    // the identity the check uses: the new one, else the stored one (unless it is being cleared)
    let existing = state.store.find_etcd_endpoint(id).await?;
    let identity = match (&new_identity, &existing, body.clear_client_cert) {
        (Some(i), _, _) => Some(ClientIdentity {
            cert_pem: i.cert_pem.clone(),
            key_pem: i.key_pem.clone(),
        }),
        (None, Some(row), false) => {
            etcd_backup::target_of(&state, row)
                .map_err(ApiError::internal)?
                .identity
        }
        _ => None,
    };
    let target = EtcdTarget {
        endpoints: endpoints.clone(),
        ca_pem: ca.clone(),
        identity,
    };
    let members = etcd_backup::check_all(&target)
        .await
        .map_err(|(ep, detail)| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::EtcdUnreachable,
                format!("etcd at {ep} does not answer: {detail}"),
            )
            .with_field("endpoints")
            .param("endpoint", ep)
            .param("detail", detail)
        })?;
    let client_identity = match (&new_identity, body.clear_client_cert) {
        (Some(i), _) => IdentityChange::Replace(serde_json::to_string(i).expect("identity")),
        (None, true) => IdentityChange::Clear,
        (None, false) => IdentityChange::Keep,
    };
    let row = state
        .store
        .put_etcd_endpoint(
            id,
            &EtcdEndpointFields {
                endpoints,
                ca_pem: ca,
                client_identity,
                schedule,
                keep_count: body.keep_count,
                keep_days: body.keep_days,
            },
            &auth.username,
            &state.keyring(),
        )
        .await?;
    Ok(axum::Json(settings_view(row, Some(members))))
}

/// Remove the cluster's etcd settings (its snapshots stay until deleted).
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/etcd", tag = "etcd", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, description = "unknown cluster, or no etcd set")),
    extensions(("x-permission" = json!("etcd.admin"))))]
pub async fn delete_settings(
    _auth: Authorized<perm::EtcdAdmin>,
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    audit.action("etcd.settings.delete");
    audit.target(Some(id), None, Some("etcd".into()));
    connection::cluster(&state, id).await?;
    if !state.store.delete_etcd_endpoint(id).await? {
        return Err(not_configured(id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The cluster's etcd snapshots, newest first.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/etcd/snapshots", tag = "etcd", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<SnapshotView>), (status = 404, description = "unknown cluster")),
    extensions(("x-permission" = json!("etcd.admin"))))]
pub async fn list_snapshots(
    _auth: Authorized<perm::EtcdAdmin>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<axum::Json<Vec<SnapshotView>>> {
    connection::cluster(&state, id).await?;
    let list = state.store.list_etcd_snapshots(id).await?;
    Ok(axum::Json(list.into_iter().map(snapshot_view).collect()))
}

/// Take a snapshot now. The request waits until it is stored and checked (at most 30 minutes); the snapshot goes
/// on even if the caller disconnects.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/etcd/snapshots", tag = "etcd", params(("id" = i64, Path)),
    responses((status = 201, body = SnapshotView),
        (status = 404, description = "unknown cluster, or no etcd set"),
        (status = 502, description = "the snapshot broke off or did not verify (it is listed as failed)"),
        (status = 409, description = "`etcd_snapshot_running`: a snapshot of the cluster is being taken"),
        (status = 503, description = "no etcd endpoint answers")),
    extensions(("x-permission" = json!("etcd.admin"))))]
pub async fn take_snapshot(
    auth: Authorized<perm::EtcdAdmin>,
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, axum::Json<SnapshotView>)> {
    audit.action("etcd.snapshot");
    audit.target(Some(id), None, Some("etcd/snapshots".into()));
    connection::cluster(&state, id).await?;
    let who = auth.username.clone();
    let st = state.clone();
    let taken =
        tokio::spawn(async move { etcd_backup::take_snapshot(&st, id, "manual", &who).await })
            .await
            .map_err(ApiError::internal)?;
    match taken {
        Ok(s) => {
            audit.target(Some(id), None, Some(format!("etcd/snapshots/{}", s.id)));
            Ok((StatusCode::CREATED, axum::Json(snapshot_view(s))))
        }
        Err(SnapshotError::NotConfigured) => Err(not_configured(id)),
        Err(SnapshotError::Unreachable { endpoint, detail }) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::EtcdUnreachable,
            format!("etcd at {endpoint} cannot be reached: {detail}"),
        )
        .param("endpoint", endpoint)
        .param("detail", detail)),
        Err(SnapshotError::Failed(s)) => {
            let detail = s.error.clone().unwrap_or_default();
            audit.target(Some(id), None, Some(format!("etcd/snapshots/{}", s.id)));
            Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                ErrorCode::EtcdSnapshotFailed,
                format!("etcd snapshot {} failed: {detail}", s.id),
            )
            .param("snapshot", s.id)
            .param("detail", detail))
        }
        Err(SnapshotError::Busy(running)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::EtcdSnapshotRunning,
            format!("a snapshot of cluster {id} is being taken (snapshot {running}); try again when it has finished"),
        )
        .param("snapshot", running)),
        Err(SnapshotError::Internal(e)) => Err(ApiError::internal(e)),
    }
}

async fn find_snapshot(state: &AppState, id: i64, sid: i64) -> ApiResult<EtcdSnapshot> {
    connection::cluster(state, id).await?;
    state
        .store
        .find_etcd_snapshot(id, sid)
        .await?
        .ok_or_else(|| snapshot_not_found(sid))
}

/// One etcd snapshot.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/etcd/snapshots/{sid}", tag = "etcd",
    params(("id" = i64, Path), ("sid" = i64, Path)),
    responses((status = 200, body = SnapshotView), (status = 404)),
    extensions(("x-permission" = json!("etcd.admin"))))]
pub async fn get_snapshot(
    _auth: Authorized<perm::EtcdAdmin>,
    State(state): State<AppState>,
    ApiPath((id, sid)): ApiPath<(i64, i64)>,
) -> ApiResult<axum::Json<SnapshotView>> {
    Ok(axum::Json(snapshot_view(
        find_snapshot(&state, id, sid).await?,
    )))
}

/// Delete an etcd snapshot and its file.
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/etcd/snapshots/{sid}", tag = "etcd",
    params(("id" = i64, Path), ("sid" = i64, Path)),
    responses((status = 204), (status = 404)),
    extensions(("x-permission" = json!("etcd.admin"))))]
pub async fn delete_snapshot(
    _auth: Authorized<perm::EtcdAdmin>,
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    ApiPath((id, sid)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    audit.action("etcd.snapshot.delete");
    audit.target(Some(id), None, Some(format!("etcd/snapshots/{sid}")));
    let snap = find_snapshot(&state, id, sid).await?;
    etcd_backup::delete_snapshot(&state, &snap).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Download a snapshot file (what `etcdctl snapshot restore` takes), streamed. Every download is audited.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/etcd/snapshots/{sid}/download", tag = "etcd",
    params(("id" = i64, Path), ("sid" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", description = "the snapshot file"),
        (status = 404, description = "no such snapshot, not a successful one, or its file is not on this server")),
    extensions(("x-permission" = json!("etcd.admin"))))]
pub async fn download_snapshot(
    auth: Authorized<perm::EtcdAdmin>,
    State(state): State<AppState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    ApiPath((id, sid)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    let cluster = connection::cluster(&state, id).await?;
    let snap = state
        .store
        .find_etcd_snapshot(id, sid)
        .await?
        .filter(|s| s.status == status::SUCCEEDED)
        .ok_or_else(|| snapshot_not_found(sid))?;
    let path = etcd_backup::file_of(&state, &snap).ok_or_else(|| snapshot_not_found(sid))?;
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(snapshot_not_found(sid).param(
                "detail",
                "the file is not in this server's data directory (taken by another replica without a shared data directory?)",
            ));
        }
        Err(e) => return Err(ApiError::internal(e)),
    };
    let len = file.metadata().await.map_err(ApiError::internal)?.len();
    // a download hands out every Secret of the cluster: it is audited like a write
    let read = crate::audit::AuditedRead {
        action: "etcd.snapshot.download",
        path: format!("/api/v1/k8s/cluster/{id}/etcd/snapshots/{sid}/download"),
        cluster_id: id,
        namespace: None,
        resource: format!("etcd/snapshots/{sid}"),
        detail: json!({"size_bytes": len, "sha256": snap.sha256}),
    };
    crate::audit::record_read(&state, &auth, &headers, peer, read).await?;
    let name = format!("{}-{}", cluster.name, snap.file_name.as_deref().unwrap_or("etcd.db"));
    let stream = futures::stream::unfold(file, |mut f| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(axum::body::Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    let mut resp = axum::body::Body::from_stream(stream).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Some(v) = super::attachment(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(sha) = snap
        .sha256
        .as_deref()
        .and_then(|s| HeaderValue::from_str(s).ok())
    {
        h.insert("x-checksum-sha256", sha);
    }
    Ok(resp)
}

//! etcd snapshots (issue 18, spec 7.1 ETCD 备份): taken through etcd's v3 maintenance API as its gRPC gateway
//! serves it (JSON over HTTP, so no gRPC stack): `POST /v3/maintenance/status` for the member's revision, database
//! size and leader, `POST /v3/maintenance/snapshot` for the database itself, streamed as newline-delimited JSON
//! chunks `{"result":{"blob":"<base64>"}}` that end with etcd's own SHA-256 of what came before (32 bytes), as
//! `etcdctl snapshot save` writes it. The file is written under the data directory as it arrives (never held in
//! memory), its SHA-256 computed on the way, etcd's trailing checksum verified, and then `etcdctl snapshot status`
//! reads its hash, revision and key count. [`run`] is the loop that takes scheduled snapshots on one replica.

use crate::state::AppState;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use kubedeck_store::etcd_backups::{self, EtcdEndpoint, EtcdSnapshot, SnapshotFacts};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

/// How long a status or version call may take.
const CALL: Duration = Duration::from_secs(10);
/// How long a whole snapshot may take to stream (a multi-gigabyte database on a slow link still fits).
pub const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// A snapshot still `running` after this long was left by a replica that stopped.
const STALE_AFTER: Duration = Duration::from_secs(2 * 3600);
/// The length of etcd's SHA-256 trailer on a snapshot.
const TRAILER: usize = 32;

/// The client certificate and key Kubedeck presents to etcd (PEM), sealed together in the database.
#[derive(Serialize, Deserialize)]
pub struct ClientIdentity {
    pub cert_pem: String,
    pub key_pem: String,
}

/// How to reach one cluster's etcd.
pub struct EtcdTarget {
    pub endpoints: Vec<String>,
    pub ca_pem: Option<String>,
    pub identity: Option<ClientIdentity>,
}

/// What one etcd member says about itself (`/version` and the maintenance status).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberStatus {
    /// The client URL asked.
    pub endpoint: String,
    /// etcd's version (`3.4.23`).
    pub version: String,
    /// The member's id (decimal, as etcd's gateway writes it).
    pub member_id: String,
    /// The leader's member id.
    pub leader: String,
    /// The store's revision now.
    pub revision: i64,
    /// The database file's size in bytes.
    pub db_size: i64,
}

/// What `etcdctl snapshot status` says about a snapshot file.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct SnapshotStatus {
    pub hash: i64,
    pub revision: i64,
    #[serde(rename = "totalKey")]
    pub total_key: i64,
    #[serde(rename = "totalSize")]
    pub total_size: i64,
}

/// Why a snapshot could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The cluster has no etcd settings.
    #[error("the cluster has no etcd endpoints set")]
    NotConfigured,
    /// No endpoint answered (the first one's error is kept).
    #[error("etcd at {endpoint} cannot be reached: {detail}")]
    Unreachable { endpoint: String, detail: String },
    /// The stream broke or did not verify; the snapshot row says failed.
    #[error("snapshot {} failed: {}", .0.id, .0.error.as_deref().unwrap_or("?"))]
    Failed(Box<EtcdSnapshot>),
    /// Another snapshot of the cluster is being taken (this replica or another): one at a time, as two would
    /// load etcd twice for the same result.
    #[error("snapshot {0} of this cluster is being taken")]
    Busy(i64),
    /// The stored identity cannot be opened, the settings do not build a client, or the database failed.
    #[error("{0}")]
    Internal(String),
}

/// The clusters this replica is taking a snapshot of now.
static TAKING: std::sync::Mutex<Vec<i64>> = std::sync::Mutex::new(Vec::new());

/// This replica's claim on a cluster's snapshot, released when dropped (also when the task is cancelled).
struct Taking(i64);

impl Taking {
    fn claim(cluster_id: i64) -> Option<Taking> {
        let mut t = TAKING.lock().unwrap_or_else(|e| e.into_inner());
        if t.contains(&cluster_id) {
            return None;
        }
        t.push(cluster_id);
        Some(Taking(cluster_id))
    }
}

impl Drop for Taking {
    fn drop(&mut self) {
        TAKING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|c| *c != self.0);
    }
}

/// The cluster's etcd settings, opened: endpoints, CA and client identity.
pub fn target_of(state: &AppState, row: &EtcdEndpoint) -> Result<EtcdTarget, String> {
    let endpoints: Vec<String> = serde_json::from_str(&row.endpoints).map_err(|e| e.to_string())?;
    let identity = state
        .store
        .open_etcd_identity(row, &state.keyring())
        .map_err(|e| format!("the etcd client identity cannot be opened: {e}"))?
        .map(|json| serde_json::from_str::<ClientIdentity>(&json))
        .transpose()
        .map_err(|e| e.to_string())?;
    Ok(EtcdTarget {
        endpoints,
        ca_pem: row.ca_pem.clone(),
        identity,
    })
}

/// An HTTP client for `target`: its CA trusted, its identity presented; `timeout` bounds each request.
pub fn http_client(target: &EtcdTarget, timeout: Duration) -> Result<reqwest::Client, String> {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout);
    if let Some(ca) = &target.ca_pem {
        for cert in reqwest::Certificate::from_pem_bundle(ca.as_bytes())
            .map_err(|e| format!("the CA is not PEM: {e}"))?
        {
            b = b.add_root_certificate(cert);
        }
    }
    if let Some(id) = &target.identity {
        let pem = format!("{}\n{}", id.cert_pem.trim(), id.key_pem.trim());
        b =
            b.identity(reqwest::Identity::from_pem(pem.as_bytes()).map_err(|e| {
                format!("the client certificate and key do not make an identity: {e}")
            })?);
    }
    b.build().map_err(|e| e.to_string())
}

/// A number the gateway writes as a JSON string (int64) or a number.
fn num(v: &serde_json::Value) -> i64 {
    match v {
        serde_json::Value::String(s) => s.parse().unwrap_or(0),
        other => other.as_i64().unwrap_or(0),
    }
}

/// The error text of a failed request, with its cause chain (reqwest's top line alone says little).
fn why(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

/// Asks one member for its version and maintenance status.
pub async fn member_status(
    client: &reqwest::Client,
    endpoint: &str,
) -> Result<MemberStatus, String> {
    let version: serde_json::Value = client
        .get(format!("{endpoint}/version"))
        .timeout(CALL)
        .send()
        .await
        .map_err(|e| why(&e))?
        .error_for_status()
        .map_err(|e| why(&e))?
        .json()
        .await
        .map_err(|e| format!("/version is not etcd's answer: {}", why(&e)))?;
    let Some(server) = version["etcdserver"].as_str().map(str::to_owned) else {
        return Err(format!("/version is not etcd's answer: {version}"));
    };
    let status: serde_json::Value = client
        .post(format!("{endpoint}/v3/maintenance/status"))
        .timeout(CALL)
        .json(&serde_json::json!({}))
        .send()
        .await
        .map_err(|e| why(&e))?
        .error_for_status()
        .map_err(|e| format!("the maintenance status was refused: {}", why(&e)))?
        .json()
        .await
        .map_err(|e| why(&e))?;
    Ok(MemberStatus {
        endpoint: endpoint.to_owned(),
        version: server,
        member_id: status["header"]["member_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        leader: status["leader"].as_str().unwrap_or_default().to_owned(),
        revision: num(&status["header"]["revision"]),
        db_size: num(&status["dbSize"]),
    })
}

/// Every endpoint's status, or the first one that does not answer and why.
pub async fn check_all(target: &EtcdTarget) -> Result<Vec<MemberStatus>, (String, String)> {
    let client = http_client(target, CALL).map_err(|e| (String::new(), e))?;
    let mut out = Vec::new();
    for ep in &target.endpoints {
        out.push(
            member_status(&client, ep)
                .await
                .map_err(|e| (ep.clone(), e))?,
        );
    }
    Ok(out)
}

/// What was written: size and SHA-256 of the whole file (etcd's trailer included, as `etcdctl snapshot save`).
pub struct Written {
    pub size: u64,
    pub sha256: String,
}

/// The snapshot file being written, with its running hashes.
struct Sink {
    file: tokio::fs::File,
    /// Of every byte written.
    whole: Sha256,
    /// Of every byte but the last 32 (etcd's own checksum covers those).
    content: Sha256,
    /// The last bytes seen, held back from `content` until more arrive.
    tail: Vec<u8>,
    size: u64,
}

impl Sink {
    async fn put(&mut self, blob: &[u8]) -> Result<(), String> {
        self.file.write_all(blob).await.map_err(|e| e.to_string())?;
        self.whole.update(blob);
        self.tail.extend_from_slice(blob);
        if self.tail.len() > TRAILER {
            let n = self.tail.len() - TRAILER;
            self.content.update(&self.tail[..n]);
            self.tail.drain(..n);
        }
        self.size += blob.len() as u64;
        Ok(())
    }
}

/// Streams a snapshot from `endpoint` into `path`, hashing as it goes, and checks etcd's trailing SHA-256.
pub async fn stream_snapshot(
    client: &reqwest::Client,
    endpoint: &str,
    path: &Path,
) -> Result<Written, String> {
    let mut resp = client
        .post(format!("{endpoint}/v3/maintenance/snapshot"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .map_err(|e| why(&e))?;
    if !resp.status().is_success() {
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        return Err(format!("etcd answered {status}: {}", body.trim()));
    }
    // the file holds every Secret of the cluster: readable by Kubedeck's user only
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .await
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut sink = Sink {
        file,
        whole: Sha256::new(),
        content: Sha256::new(),
        tail: Vec::with_capacity(2 * TRAILER),
        size: 0,
    };
    let mut line: Vec<u8> = Vec::new();
    loop {
        let chunk = resp.chunk().await.map_err(|e| why(&e))?;
        let end = chunk.is_none();
        if let Some(c) = chunk {
            line.extend_from_slice(&c);
        }
        // every complete line is one message; at the end, whatever is left is the last one
        loop {
            let msg: Vec<u8> = match line.iter().position(|b| *b == b'\n') {
                Some(pos) => line.drain(..=pos).collect::<Vec<u8>>(),
                None if end && !line.is_empty() => std::mem::take(&mut line),
                None => break,
            };
            if msg.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let v: serde_json::Value = serde_json::from_slice(&msg)
                .map_err(|e| format!("etcd sent a chunk that is not JSON: {e}"))?;
            if let Some(err) = v.get("error") {
                return Err(format!(
                    "etcd stopped the snapshot: {}",
                    err["message"].as_str().unwrap_or(&err.to_string())
                ));
            }
            let Some(b64) = v["result"]["blob"].as_str() else {
                continue;
            };
            let blob = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| format!("etcd sent a chunk that is not base64: {e}"))?;
            sink.put(&blob).await?;
        }
        if end {
            break;
        }
    }
    let Sink {
        mut file,
        whole,
        content,
        tail,
        size,
    } = sink;
    file.flush().await.map_err(|e| e.to_string())?;
    file.sync_all().await.map_err(|e| e.to_string())?;
    if size <= TRAILER as u64 {
        return Err(format!("etcd sent {size} bytes, too few for a snapshot"));
    }
    if content.finalize()[..] != tail[..] {
        return Err(
            "the snapshot does not match etcd's own SHA-256 at its end: it was cut or corrupted on the way".into(),
        );
    }
    Ok(Written {
        size,
        sha256: hex::encode(whole.finalize()),
    })
}

/// Runs `etcdctl snapshot status -w json` on a file (the Debian package `etcd-client`).
pub async fn snapshot_status(path: &Path) -> Result<SnapshotStatus, String> {
    let out = tokio::process::Command::new("etcdctl")
        .env("ETCDCTL_API", "3")
        .args(["snapshot", "status", "-w", "json"])
        .arg(path)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("etcdctl cannot be run (install etcd-client): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "etcdctl snapshot status failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "etcdctl snapshot status wrote something else than its JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout).trim()
        )
    })
}

/// The directory of a cluster's snapshot files.
pub fn cluster_dir(state: &AppState, cluster_id: i64) -> PathBuf {
    state
        .settings
        .etcd_snapshot_dir
        .join(cluster_id.to_string())
}

/// The file of a stored snapshot.
pub fn file_of(state: &AppState, snap: &EtcdSnapshot) -> Option<PathBuf> {
    snap.file_name
        .as_ref()
        .map(|f| cluster_dir(state, snap.cluster_id).join(f))
}

/// Takes a snapshot of a cluster's etcd now, records it, and applies the cluster's retention.
pub async fn take_snapshot(
    state: &AppState,
    cluster_id: i64,
    trigger: &str,
    who: &str,
) -> Result<EtcdSnapshot, SnapshotError> {
    let db = |e: sea_orm::DbErr| SnapshotError::Internal(e.to_string());
    let row = state
        .store
        .find_etcd_endpoint(cluster_id)
        .await
        .map_err(db)?
        .ok_or(SnapshotError::NotConfigured)?;
    // one snapshot of a cluster at a time: this replica's own first (no window between two requests here), then
    // a row another replica left `running` within the longest a snapshot may take
    let taking = Taking::claim(cluster_id);
    let since = Utc::now() - chrono::Duration::from_std(SNAPSHOT_TIMEOUT).unwrap_or_default();
    let running = state
        .store
        .running_etcd_snapshot(cluster_id, since)
        .await
        .map_err(db)?;
    if taking.is_none() || running.is_some() {
        return Err(SnapshotError::Busy(running.map(|s| s.id).unwrap_or_default()));
    }
    let target = target_of(state, &row).map_err(SnapshotError::Internal)?;
    let client = http_client(&target, SNAPSHOT_TIMEOUT).map_err(SnapshotError::Internal)?;
    // the first member that answers gives the snapshot
    let mut first_error = None;
    let mut chosen = None;
    for ep in &target.endpoints {
        match member_status(&client, ep).await {
            Ok(_) => {
                chosen = Some(ep.clone());
                break;
            }
            Err(e) => {
                first_error.get_or_insert((ep.clone(), e));
            }
        }
    }
    let Some(endpoint) = chosen else {
        let (endpoint, detail) = first_error.unwrap_or_default();
        let snap = state
            .store
            .start_etcd_snapshot(cluster_id, trigger, who, &endpoint)
            .await
            .map_err(db)?;
        state
            .store
            .fail_etcd_snapshot(
                snap.id,
                &format!("etcd at {endpoint} cannot be reached: {detail}"),
            )
            .await
            .map_err(db)?;
        return Err(SnapshotError::Unreachable { endpoint, detail });
    };
    let snap = state
        .store
        .start_etcd_snapshot(cluster_id, trigger, who, &endpoint)
        .await
        .map_err(db)?;
    let dir = cluster_dir(state, cluster_id);
    let file_name = format!(
        "etcd-{cluster_id}-{}-{}.db",
        snap.id,
        snap.started_at.format("%Y%m%dT%H%M%SZ")
    );
    let part = dir.join(format!("{file_name}.part"));
    let result = async {
        tokio::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .await
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let written = stream_snapshot(&client, &endpoint, &part).await?;
        let status = snapshot_status(&part).await?;
        tokio::fs::rename(&part, dir.join(&file_name))
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((written, status))
    }
    .await;
    match result {
        Ok((written, status)) => {
            let facts = SnapshotFacts {
                file_name,
                size_bytes: written.size as i64,
                sha256: written.sha256,
                etcd_hash: Some(status.hash),
                revision: Some(status.revision),
                total_keys: Some(status.total_key),
                total_size: Some(status.total_size),
            };
            let done = state
                .store
                .finish_etcd_snapshot(snap.id, &facts)
                .await
                .map_err(db)?;
            tracing::info!(
                cluster_id,
                snapshot = done.id,
                size = written.size,
                "etcd snapshot stored"
            );
            apply_retention(state, &row).await;
            Ok(done)
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            tracing::warn!(cluster_id, snapshot = snap.id, "etcd snapshot failed: {e}");
            let failed = state
                .store
                .fail_etcd_snapshot(snap.id, &e)
                .await
                .map_err(db)?;
            Err(SnapshotError::Failed(Box::new(failed)))
        }
    }
}

/// Removes a forgotten cluster's snapshot files from this server's directory (a directory shared by the
/// replicas is cleaned for all; otherwise another replica's files stay until its directory is cleaned).
pub async fn remove_cluster_files(state: &AppState, cluster_id: i64) {
    let dir = cluster_dir(state, cluster_id);
    match tokio::fs::remove_dir_all(&dir).await {
        Ok(()) => tracing::info!(cluster_id, "etcd snapshot files of the deleted cluster removed"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(cluster_id, dir = %dir.display(), "etcd snapshot files not removed: {e}"),
    }
}

/// Deletes a snapshot's file and row.
pub async fn delete_snapshot(state: &AppState, snap: &EtcdSnapshot) -> Result<(), sea_orm::DbErr> {
    if let Some(path) = file_of(state, snap) {
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(path = %path.display(), "etcd snapshot file not removed: {e}"),
        }
    }
    state.store.delete_etcd_snapshot(snap.id).await.map(|_| ())
}

/// Removes the successful snapshots beyond the cluster's retention (count and age).
pub async fn apply_retention(state: &AppState, row: &EtcdEndpoint) {
    if row.keep_count.is_none() && row.keep_days.is_none() {
        return;
    }
    let Ok(list) = state.store.list_etcd_snapshots(row.cluster_id).await else {
        return;
    };
    let doomed = etcd_backups::beyond_retention(&list, row.keep_count, row.keep_days, Utc::now());
    for snap in list.iter().filter(|s| doomed.contains(&s.id)) {
        if let Err(e) = delete_snapshot(state, snap).await {
            tracing::warn!(cluster_id = row.cluster_id, "etcd retention: {e}");
        }
    }
}

pub use crate::schedule::parse_schedule;

/// When a schedule is due next after `after`.
pub fn next_run(cron: &croner::Cron, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron.find_next_occurrence(&after, false).ok()
}

/// The lease that makes one replica the scheduler.
const LEASE: &str = "etcd:schedule";

/// Takes scheduled snapshots: every tick, on the replica holding the lease, each cluster whose schedule came due
/// since its last run gets one snapshot (missed runs are not repeated). Snapshots left `running` by a replica
/// that stopped are marked failed.
pub async fn run(state: AppState, cancel: CancellationToken) {
    while let Some(held) = crate::schedule::tick_as_scheduler(&state, &cancel, LEASE).await {
        if !held {
            continue;
        }
        let now = Utc::now();
        if let Err(e) = state
            .store
            .fail_stale_etcd_snapshots(
                now - chrono::Duration::from_std(STALE_AFTER).expect("stale"),
            )
            .await
        {
            tracing::warn!("etcd snapshots: {e}");
        }
        let rows = match state.store.scheduled_etcd_endpoints().await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("etcd schedules: {e}");
                continue;
            }
        };
        for row in rows {
            let Some(Ok(cron)) = row.schedule.as_deref().map(parse_schedule) else {
                continue;
            };
            let from = row.last_scheduled_at.unwrap_or(row.updated_at);
            if next_run(&cron, from).is_none_or(|due| due > now) {
                continue;
            }
            match state
                .store
                .claim_scheduled_etcd_run(row.cluster_id, row.last_scheduled_at, now)
                .await
            {
                Ok(true) => {
                    let state = state.clone();
                    tokio::spawn(async move {
                        if let Err(e) =
                            take_snapshot(&state, row.cluster_id, "schedule", "schedule").await
                        {
                            tracing::warn!(
                                cluster_id = row.cluster_id,
                                "scheduled etcd snapshot: {e}"
                            );
                        }
                    });
                }
                Ok(false) => {}
                Err(e) => tracing::warn!("etcd schedule: {e}"),
            }
        }
    }
    let _ = state.store.release_lease(LEASE, &state.replica_id).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_take_five_fields_or_an_alias() {
        assert!(parse_schedule("0 3 * * *").is_ok());
        assert!(parse_schedule("@daily").is_ok());
        assert!(
            parse_schedule("0 0 3 * * *")
                .unwrap_err()
                .contains("five fields")
        );
        assert!(parse_schedule("0 25 * * *").is_err());
        let cron = parse_schedule("30 2 * * *").unwrap();
        let from = DateTime::parse_from_rfc3339("2026-01-01T03:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            next_run(&cron, from).unwrap().to_rfc3339(),
            "2026-01-02T02:30:00+00:00"
        );
    }
}

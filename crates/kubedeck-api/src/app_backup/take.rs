//! Taking a backup (on demand from the route, or on a schedule from [`super::schedule`]): the namespaces are
//! read first (a missing one is a 404 naming it, and nothing is recorded), then a `running` row is recorded, every
//! kind of [`super::KINDS`] is read at the version the cluster serves, and the row is finished with the cleaned
//! manifests and the sealed Secrets, or failed with the cluster's error. Reads only: the cluster is not changed.

use super::KINDS;
use crate::connection::{catalog, client_for, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DynamicObject, ListParams};
use kubedeck_kube::error::within;
use kubedeck_store::app_backups::{AppBackup, BackupContents};
use kubedeck_store::clusters::Cluster;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;
use utoipa::ToSchema;

/// How long one read of the cluster may take.
const CALL: Duration = Duration::from_secs(30);

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
    /// Kinds of the backed-up kinds this cluster does not serve.
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

/// What to back up, and for whom.
pub struct Request<'a> {
    /// Sorted, without repeats.
    pub namespaces: &'a [String],
    pub label_selector: Option<&'a str>,
    pub name: &'a str,
    pub who: &'a str,
    /// The schedule it is taken for (None: on demand).
    pub schedule_id: Option<i64>,
}

/// What a backup reads.
struct Read {
    namespaces: Vec<Value>,
    objects: Vec<Value>,
    secrets: Vec<Value>,
    report: BackupReport,
}

async fn read<T>(f: impl std::future::Future<Output = Result<T, kube::Error>>) -> ApiResult<T> {
    within(CALL, f).await.map_err(from_cluster)
}

/// The namespaces' own manifests, cleaned; a namespace that does not exist is a 404 naming `namespaces[i]`.
async fn namespace_manifests(client: &kube::Client, cluster_id: i64, namespaces: &[String]) -> ApiResult<Vec<Value>> {
    let ns_api: Api<Namespace> = Api::all(client.clone());
    let mut out = Vec::with_capacity(namespaces.len());
    for (i, ns) in namespaces.iter().enumerate() {
        let Some(n) = read(ns_api.get_opt(ns)).await? else {
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
        let mut v = super::clean("namespaces", v);
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
    c: &Cluster,
    client: kube::Client,
    namespaces: &[String],
    namespace_manifests: Vec<Value>,
    selector: Option<&str>,
) -> ApiResult<Read> {
    let cat = catalog(state, c).await?;
    let mut out = Read {
        namespaces: namespace_manifests,
        objects: Vec::new(),
        secrets: Vec::new(),
        report: BackupReport::default(),
    };
    out.report.volume_snapshots_served = cat.find("volumesnapshots.snapshot.storage.k8s.io").is_ok();
    let mut lp = ListParams::default();
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    for kind in KINDS {
        let served = match cat.find(kind) {
            Ok(s) => s,
            Err(_) => {
                out.report.not_served.push((*kind).to_owned());
                continue;
            }
        };
        for ns in namespaces {
            let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &served.api);
            let list = read(api.list(&lp)).await?;
            for o in list.items {
                let mut v = serde_json::to_value(&o).map_err(ApiError::internal)?;
                // list items carry no apiVersion and kind of their own
                v["apiVersion"] = json!(served.api.api_version);
                v["kind"] = json!(served.api.kind);
                if let Some(why) = super::left_out(kind, &v) {
                    out.report.left_out.push(LeftOut {
                        kind: served.api.kind.clone(),
                        namespace: ns.clone(),
                        name: o.metadata.name.clone().unwrap_or_default(),
                        why: why.to_owned(),
                    });
                    continue;
                }
                *out.report.kinds.entry(served.api.kind.clone()).or_default() += 1;
                let v = super::clean(kind, v);
                if *kind == "secrets" {
                    out.secrets.push(v);
                } else {
                    if *kind == "persistentvolumeclaims" {
                        out.report.claims += 1;
                    }
                    out.objects.push(v);
                }
            }
        }
    }
    out.report.volume_note = match (out.report.claims, out.report.volume_snapshots_served) {
        (0, _) => "no PersistentVolumeClaims: nothing of volume data to miss".into(),
        (_, true) => "the claims' manifests are in the backup, their volumes' data is not: the cluster serves CSI VolumeSnapshots, which Kubedeck does not take yet; snapshot the volumes with your CSI driver".into(),
        (_, false) => "the claims' manifests are in the backup, their volumes' data is not: the cluster serves no CSI VolumeSnapshots; restored claims bind new, empty volumes".into(),
    };
    Ok(out)
}

/// Takes a backup now. A namespace that does not exist is a 404 naming it, and nothing is recorded; a failure
/// while reading is recorded on the row (failed) and returned.
pub async fn take(state: &AppState, c: &Cluster, req: Request<'_>) -> ApiResult<AppBackup> {
    // the namespaces are read before anything is recorded: a mistyped name leaves no failed backup behind
    let client = client_for(state, c).await?;
    let ns_manifests = namespace_manifests(&client, c.id, req.namespaces).await?;
    let row = state
        .store
        .start_app_backup(c.id, req.name, req.namespaces, req.label_selector, req.who, req.schedule_id, &state.replica_id)
        .await?;
    let read = match read_cluster(state, c, client, req.namespaces, ns_manifests, req.label_selector).await {
        Ok(r) => r,
        Err(e) => {
            state.store.fail_app_backup(row.id, &e.message).await?;
            return Err(e);
        }
    };
    let manifests: Vec<Value> = read.namespaces.iter().chain(&read.objects).cloned().collect();
    let manifests = serde_json::to_string(&manifests).map_err(ApiError::internal)?;
    let secrets = serde_json::to_vec(&read.secrets).map_err(ApiError::internal)?;
    let contents = BackupContents {
        object_count: (read.objects.len() + read.secrets.len()) as i32,
        secret_count: read.secrets.len() as i32,
        size_bytes: (manifests.len() + secrets.len()) as i64,
        sha256: digest(&manifests, &secrets),
        report: serde_json::to_string(&read.report).map_err(ApiError::internal)?,
        manifests,
        secrets,
    };
    let done = state.store.finish_app_backup(row.id, &contents, &state.keyring()).await?;
    tracing::info!(cluster_id = c.id, backup = done.id, objects = contents.object_count, "application backup stored");
    Ok(done)
}

/// The SHA-256 of a backup's manifests and Secrets in clear, hex (what the archive's `sha256` states).
pub fn digest(manifests: &str, secrets: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(manifests.as_bytes());
    h.update(secrets);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

//! Quotas and storage beyond the generic engine (issue 15), as verbs on the engine's object paths; each serves
//! one kind and refuses others with `404 verb_not_supported`:
//!
//! | route | kind | what |
//! |---|---|---|
//! | `GET .../namespaces/{ns}/{kind}/{name}/usage` | resourcequotas | used / hard per resource (`kubectl describe quota`) |
//! | `GET .../namespaces/{ns}/{kind}/{name}/volume` | persistentvolumeclaims | requested vs bound capacity, the volume, the class, the pods that mount it |
//! | `GET .../namespaces/{ns}/{kind}/{name}/volume/history` | persistentvolumeclaims | its volume usage over time (kubelet volume stats) |
//! | `PUT .../namespaces/{ns}/{kind}/{name}/size` | persistentvolumeclaims | expansion (when the class allows it) |
//! | `POST .../{kind}/{name}/default` | storageclasses | makes it the default class (and no other) |

use crate::audit::AuditSlot;
use crate::auth::{AuthUser, Authorized, perm};
use crate::connection::{client_for, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::resources::object::api_for;
use crate::routes::resources::write::timed;
use crate::routes::resources::{GenericPath, Target, require_write, resolve, unserved};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kubedeck_kube::error::within;
use kubedeck_kube::resource::discovery::{Catalog, Served};
use kubedeck_kube::resource::insight::storage::{self as insight, ExpansionRefusal, QuotaLine};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use kubedeck_store::volume_metrics::VolumeSample;
use utoipa::{IntoParams, ToSchema};

const CALL: Duration = Duration::from_secs(15);

/// An object of the one kind a verb serves, read live.
struct Opened {
    cat: Arc<Catalog>,
    client: kube::Client,
    api: Api<DynamicObject>,
    name: String,
    obj: Value,
}

/// `404 verb_not_supported` unless `served` is the known kind `plural`.
fn only(served: &Served, plural: &str, verb: &str) -> ApiResult<()> {
    if served.known().map(|k| k.plural) == Some(plural) {
        return Ok(());
    }
    Err(ApiError::not_found(ErrorCode::VerbNotSupported, format!("'{verb}' does not apply to {}; it applies to {plural}", served.name))
        .param("kind", &served.name)
        .param("verb", verb)
        .param("kinds", plural))
}

/// Resolves the path, refuses every kind but `plural` (`404 verb_not_supported`), checks the write permission
/// when `write`, and reads the object (`404 object_not_found`).
async fn open(state: &AppState, user: &AuthUser, t: &Target, plural: &str, verb: &str, write: bool) -> ApiResult<Opened> {
    let (c, served, cat) = resolve(state, t).await?;
    only(&served, plural, verb)?;
    if write {
        require_write(user, &served, t.id, t.ns.as_deref(), false)?;
    }
    let client = client_for(state, &c).await?;
    let api = api_for(client.clone(), &served, t.ns.as_deref());
    let name = t.name.clone().unwrap_or_default();
    let obj = within(CALL, api.get_opt(&name)).await.map_err(from_cluster)?.ok_or_else(|| {
        ApiError::not_found(ErrorCode::ObjectNotFound, format!("{} '{}' not found", served.api.kind, t.object()))
            .param("kind", &served.api.kind)
            .param("name", &name)
            .param("namespace", t.ns.as_deref())
    })?;
    let obj = serde_json::to_value(obj).unwrap_or_default();
    Ok(Opened { cat, client, api, name, obj })
}

/// A StorageClass by name, read live (`None` when it does not exist).
async fn storage_class(o: &Opened, name: &str) -> ApiResult<Option<Value>> {
    let served = o.cat.find("storageclasses").map_err(|u| unserved(&o.cat, "storageclasses", u))?;
    let got = within(CALL, api_for(o.client.clone(), &served, None).get_opt(name)).await.map_err(from_cluster)?;
    Ok(got.map(|c| serde_json::to_value(c).unwrap_or_default()))
}

// ---- quota usage ----

/// A ResourceQuota's use.
#[derive(Serialize, ToSchema)]
pub struct QuotaUsage {
    /// One line per resource, sorted by resource.
    pub lines: Vec<QuotaLine>,
}

/// Used / hard per resource, as `kubectl describe quota` prints them (`fraction` for the bars).
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/usage", tag = "storage",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "resourcequotas"), ("name" = String, Path)),
    responses((status = 200, body = QuotaUsage), (status = 404, description = "`verb_not_supported` for other kinds, `object_not_found`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn quota_usage(State(state): State<AppState>, auth: Authorized<perm::ResourceRead>, GenericPath(t): GenericPath) -> ApiResult<Json<QuotaUsage>> {
    let o = open(&state, &auth, &t, "resourcequotas", "usage", false).await?;
    Ok(Json(QuotaUsage { lines: insight::quota_usage(&o.obj) }))
}

// ---- claims ----

/// The PersistentVolume a claim is bound to.
#[derive(Serialize, ToSchema)]
pub struct BoundVolume {
    /// Its name.
    pub name: String,
    /// Capacity (`spec.capacity.storage`).
    pub capacity: Option<String>,
    /// Access modes.
    pub access_modes: Vec<String>,
    /// Reclaim policy.
    pub reclaim_policy: Option<String>,
    /// Phase.
    pub status: Option<String>,
    /// Its source in a few words (`hostPath /data`).
    pub source: Option<String>,
    /// The claim it names (`namespace/name`).
    pub claim: Option<String>,
}

/// A claim's StorageClass.
#[derive(Serialize, ToSchema)]
pub struct ClaimClass {
    /// Its name.
    pub name: String,
    /// False when no such class exists.
    pub exists: bool,
    /// `allowVolumeExpansion`: whether the claim may grow.
    pub allow_expansion: bool,
    /// Provisioner.
    pub provisioner: Option<String>,
}

/// A pod that mounts the claim.
#[derive(Serialize, ToSchema)]
pub struct MountingPod {
    /// Pod name.
    pub name: String,
    /// Its node.
    pub node: Option<String>,
    /// Its phase.
    pub phase: Option<String>,
    /// The pod's volume that names the claim.
    pub volume: String,
    /// Mounted read-only.
    pub read_only: bool,
}

/// A claim with both sides of its binding.
#[derive(Serialize, ToSchema)]
pub struct ClaimVolume {
    /// Phase (`Pending`, `Bound`, `Lost`).
    pub phase: Option<String>,
    /// What the claim requests (`spec.resources.requests.storage`).
    pub requested: Option<String>,
    /// What it got (`status.capacity.storage`, once bound).
    pub capacity: Option<String>,
    /// The volume it is bound to, read live (`None` while unbound or when the volume is gone).
    pub volume: Option<BoundVolume>,
    /// The volume's name in the claim (`spec.volumeName`), even when it cannot be read.
    pub volume_name: Option<String>,
    /// Its class.
    pub class: Option<ClaimClass>,
    /// The pods of its namespace whose volumes name it.
    pub mounted_by: Vec<MountingPod>,
    /// The newest volume stats a kubelet reported for it (`None` until a pod mounts it and a scrape has run).
    pub usage: Option<VolumeUsage>,
}

/// A claim's volume usage at one time, from a kubelet's volume stats.
#[derive(Serialize, ToSchema)]
pub struct VolumeUsage {
    /// When the kubelet measured it (RFC 3339).
    pub at: String,
    /// Bytes used.
    pub used_bytes: i64,
    /// The volume's capacity in bytes.
    pub capacity_bytes: i64,
    /// Inodes used.
    pub inodes_used: i64,
    /// Inodes in all.
    pub inodes: i64,
    /// True when older than three scrape intervals (no pod mounts it now, or its node is not read).
    pub stale: bool,
}

impl VolumeUsage {
    fn of(s: VolumeSample, stale_after: std::time::Duration) -> Self {
        let age = chrono::Utc::now() - s.timestamp;
        VolumeUsage {
            at: s.timestamp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            used_bytes: s.used_bytes,
            capacity_bytes: s.capacity_bytes,
            inodes_used: s.inodes_used,
            inodes: s.inodes,
            stale: age.to_std().is_ok_and(|a| a > stale_after),
        }
    }
}

/// A claim's volume, class and the pods that mount it.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/volume", tag = "storage",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "persistentvolumeclaims"), ("name" = String, Path)),
    responses((status = 200, body = ClaimVolume), (status = 404, description = "`verb_not_supported` for other kinds, `object_not_found`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn claim_volume(State(state): State<AppState>, auth: Authorized<perm::ResourceRead>, GenericPath(t): GenericPath) -> ApiResult<Json<ClaimVolume>> {
    let o = open(&state, &auth, &t, "persistentvolumeclaims", "volume", false).await?;
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let strings = |v: &Value| v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default();
    let volume_name = text(&o.obj["spec"]["volumeName"]);
    let volume = match &volume_name {
        Some(pv) => {
            let served = o.cat.find("persistentvolumes").map_err(|u| unserved(&o.cat, "persistentvolumes", u))?;
            within(CALL, api_for(o.client.clone(), &served, None).get_opt(pv)).await.map_err(from_cluster)?.map(|v| {
                let v = serde_json::to_value(v).unwrap_or_default();
                let claim = &v["spec"]["claimRef"];
                BoundVolume {
                    name: pv.clone(),
                    capacity: text(&v["spec"]["capacity"]["storage"]),
                    access_modes: strings(&v["spec"]["accessModes"]),
                    reclaim_policy: text(&v["spec"]["persistentVolumeReclaimPolicy"]),
                    status: text(&v["status"]["phase"]),
                    source: insight::volume_source(&v),
                    claim: claim.is_object().then(|| format!("{}/{}", claim["namespace"].as_str().unwrap_or_default(), claim["name"].as_str().unwrap_or_default())),
                }
            })
        }
        None => None,
    };
    let class = match insight::claim_class(&o.obj) {
        Some(name) => {
            let sc = storage_class(&o, &name).await?;
            Some(ClaimClass {
                exists: sc.is_some(),
                allow_expansion: sc.as_ref().is_some_and(|c| c["allowVolumeExpansion"] == true),
                provisioner: sc.as_ref().and_then(|c| text(&c["provisioner"])),
                name,
            })
        }
        None => None,
    };
    Ok(Json(ClaimVolume {
        phase: text(&o.obj["status"]["phase"]),
        requested: text(&o.obj["spec"]["resources"]["requests"]["storage"]),
        capacity: text(&o.obj["status"]["capacity"]["storage"]),
        volume,
        volume_name,
        class,
        mounted_by: mounting_pods(&o, t.ns.as_deref().unwrap_or_default()).await?,
        usage: state
            .store
            .latest_volume_sample(t.id, t.ns.as_deref().unwrap_or_default(), &o.name)
            .await
            .map_err(ApiError::internal)?
            .map(|s| VolumeUsage::of(s, state.settings.node_metrics.stale_after())),
    }))
}

/// `?hours=`: how far back a history goes.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Hours back from now (1 to 720, default 6).
    pub hours: Option<u32>,
}

/// A claim's usage over time.
#[derive(Serialize, ToSchema)]
pub struct VolumeHistory {
    /// Oldest first, at most [`HISTORY_POINTS`] (evenly thinned when the range holds more).
    pub points: Vec<VolumeUsage>,
}

/// The most points a history answers with.
pub const HISTORY_POINTS: usize = 720;

/// A claim's volume usage over the last `hours` (the kubelets' volume stats as the collector stored them).
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/volume/history", tag = "storage",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "persistentvolumeclaims"), ("name" = String, Path), HistoryQuery),
    responses((status = 200, body = VolumeHistory), (status = 400, description = "`hours` out of range"), (status = 404, description = "`verb_not_supported` for other kinds")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn volume_history(State(state): State<AppState>, _auth: Authorized<perm::ResourceRead>, GenericPath(t): GenericPath, ApiQuery(q): ApiQuery<HistoryQuery>) -> ApiResult<Json<VolumeHistory>> {
    let hours = q.hours.unwrap_or(6);
    if !(1..=720).contains(&hours) {
        return Err(ApiError::out_of_range("hours", Some(1), Some(720)));
    }
    let (_, served, _) = resolve(&state, &t).await?;
    only(&served, "persistentvolumeclaims", "volume/history")?;
    let to = chrono::Utc::now();
    let from = to - chrono::Duration::hours(i64::from(hours));
    let rows = state
        .store
        .volume_samples(t.id, t.ns.as_deref().unwrap_or_default(), t.name.as_deref().unwrap_or_default(), from, to, 100_000)
        .await
        .map_err(ApiError::internal)?;
    let step = rows.len().div_ceil(HISTORY_POINTS).max(1);
    let stale_after = state.settings.node_metrics.stale_after();
    let points = rows.into_iter().step_by(step).map(|s| VolumeUsage::of(s, stale_after)).collect();
    Ok(Json(VolumeHistory { points }))
}

/// The pods of the claim's namespace whose volumes name it, read live: the pod store keeps no volumes.
async fn mounting_pods(o: &Opened, ns: &str) -> ApiResult<Vec<MountingPod>> {
    let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(o.client.clone(), ns);
    let list = within(CALL, pods.list(&ListParams::default())).await.map_err(from_cluster)?;
    let mut out = Vec::new();
    for p in list.items {
        let spec = p.spec.unwrap_or_default();
        for v in spec.volumes.unwrap_or_default() {
            if let Some(c) = v.persistent_volume_claim.filter(|c| c.claim_name == o.name) {
                out.push(MountingPod {
                    name: p.metadata.name.clone().unwrap_or_default(),
                    node: spec.node_name.clone(),
                    phase: p.status.as_ref().and_then(|s| s.phase.clone()),
                    volume: v.name,
                    read_only: c.read_only.unwrap_or(false),
                });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The size a claim should grow to.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResizeRequest {
    /// The new request (`spec.resources.requests.storage`), larger than the current one (`20Gi`).
    pub storage: String,
}

/// What a resize did.
#[derive(Serialize, ToSchema)]
pub struct Resized {
    /// The request before.
    pub previous: Option<String>,
    /// The request now.
    pub requested: String,
    /// The capacity the volume has now (grows when the provisioner and the kubelet have expanded it).
    pub capacity: Option<String>,
}

/// Grows a claim (`kubectl patch pvc -p '{"spec":{"resources":{"requests":{"storage":"…"}}}}'`). Refused before
/// anything is sent when its StorageClass does not allow expansion (`422 expansion_not_allowed`, naming the
/// class) or the size is not larger (`422 size_not_larger`).
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/size", tag = "storage",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "persistentvolumeclaims"), ("name" = String, Path)),
    request_body = ResizeRequest,
    responses((status = 200, body = Resized), (status = 400, description = "not a quantity"), (status = 403), (status = 404),
        (status = 422, description = "`expansion_not_allowed`, `size_not_larger`, or the cluster's refusal")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn resize(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiJson(req): ApiJson<ResizeRequest>,
) -> ApiResult<Json<Resized>> {
    audit.action("persistentvolumeclaims.resize");
    audit.target(Some(t.id), t.ns.as_deref(), Some(format!("persistentvolumeclaims/{}", t.name.as_deref().unwrap_or_default())));
    audit.detail(json!({"storage": req.storage}));
    let o = open(&state, &auth, &t, "persistentvolumeclaims", "size", true).await?;
    let claim = t.object();
    let class = match insight::claim_class(&o.obj) {
        Some(name) => storage_class(&o, &name).await?,
        None => None,
    };
    let previous = o.obj["spec"]["resources"]["requests"]["storage"].as_str().map(str::to_owned);
    insight::check_expansion(&o.obj, class.as_ref(), &req.storage).map_err(|r| match r {
        ExpansionRefusal::NotAQuantity => ApiError::invalid("storage", ErrorCode::InvalidBody, format!("'{}' is not a quantity (like 10Gi)", req.storage)),
        ExpansionRefusal::NoClass => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ExpansionNotAllowed, format!("PersistentVolumeClaim {claim} names no StorageClass, so it cannot grow"))
            .with_field("storage")
            .param("claim", &claim)
            .param("class", Value::Null),
        ExpansionRefusal::ClassForbids(class) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ExpansionNotAllowed,
            format!("PersistentVolumeClaim {claim} cannot grow: its StorageClass '{class}' does not allow volume expansion (allowVolumeExpansion is not true)"),
        )
        .with_field("storage")
        .param("claim", &claim)
        .param("class", class),
        ExpansionRefusal::NotLarger(current) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::SizeNotLarger,
            format!("PersistentVolumeClaim {claim} already requests {current}; a claim can only grow"),
        )
        .with_field("storage")
        .param("claim", &claim)
        .param("current", current),
    })?;
    let patch = json!({"spec": {"resources": {"requests": {"storage": req.storage}}}});
    let pp = PatchParams { field_manager: Some("kubedeck".into()), ..PatchParams::default() };
    let got = timed(o.api.patch(&o.name, &pp, &Patch::Merge(&patch)), &format!("PersistentVolumeClaim {claim}")).await?;
    let got = serde_json::to_value(got).unwrap_or_default();
    Ok(Json(Resized { previous, requested: req.storage, capacity: got["status"]["capacity"]["storage"].as_str().map(str::to_owned) }))
}

// ---- storage classes ----

/// What "set as default" did.
#[derive(Serialize, ToSchema)]
pub struct DefaultClass {
    /// The default class now.
    pub default: String,
    /// The classes that were default before and are not any more.
    pub unmarked: Vec<String>,
}

/// Makes a StorageClass the default (`storageclass.kubernetes.io/is-default-class: "true"`) and unmarks every
/// other default class, so that exactly one is default.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/{kind}/{name}/default", tag = "storage",
    params(("id" = i64, Path), ("kind" = String, Path, description = "storageclasses"), ("name" = String, Path)),
    responses((status = 200, body = DefaultClass), (status = 403), (status = 404, description = "`verb_not_supported` for other kinds, `object_not_found`")),
    extensions(("x-permission" = json!("platform.write"))))]
pub async fn set_default(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::PlatformWrite>,
    GenericPath(t): GenericPath,
) -> ApiResult<Json<DefaultClass>> {
    audit.action("storageclasses.default");
    audit.target(Some(t.id), None, Some(format!("storageclasses/{}", t.name.as_deref().unwrap_or_default())));
    let o = open(&state, &auth, &t, "storageclasses", "default", true).await?;
    let classes = within(CALL, o.api.list(&ListParams::default())).await.map_err(from_cluster)?;
    let classes: Vec<Value> = classes.items.into_iter().map(|c| serde_json::to_value(c).unwrap_or_default()).collect();
    let pp = PatchParams { field_manager: Some("kubedeck".into()), ..PatchParams::default() };
    let mut unmarked = Vec::new();
    for (name, patch) in insight::default_class_patches(&classes, &o.name) {
        timed(o.api.patch(&name, &pp, &Patch::Merge(&patch)), &format!("StorageClass {name}")).await?;
        if name != o.name {
            unmarked.push(name);
        }
    }
    audit.detail(json!({"unmarked": unmarked}));
    Ok(Json(DefaultClass { default: o.name, unmarked }))
}

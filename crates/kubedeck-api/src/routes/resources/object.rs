//! One object of any kind, read live: detail (row, object, related objects), YAML, events; delete; relist.

use super::{GenericPath, Target, require_write, resolve};
use crate::audit::AuditSlot;
use crate::auth::{AuthUser, Authorized, perm};
use crate::connection::{client_for, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::ApiQuery;
use crate::routes::resources::list::ResourceRow;
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kube::api::{Api, DeleteParams, DynamicObject, PropagationPolicy};
use kubedeck_core::rbac::{Permission, Scope};
use kubedeck_kube::error::within;
use kubedeck_kube::resource::discovery::{Catalog, Served};
use kubedeck_kube::resource::related::{Related, references};
use kubedeck_kube::selector::Selector;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

const CALL: Duration = Duration::from_secs(15);
/// Related objects listed per relation at most (a detail page, not a list).
const RELATED_MAX: usize = 50;

/// The dynamic API of a served kind in the target's namespace (or cluster-wide).
pub fn api_for(client: kube::Client, served: &Served, ns: Option<&str>) -> Api<DynamicObject> {
    match ns {
        Some(ns) if served.namespaced => Api::namespaced_with(client, ns, &served.api),
        _ => Api::all_with(client, &served.api),
    }
}

/// `?reveal=true` asks for a Secret's values; `&key=K` for one of them only.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// Return a Secret's values (needs `secret.read`; audited with the keys shown, never the values).
    #[serde(default)]
    pub reveal: bool,
    /// With `reveal=true`: only this key's value; the others stay hidden (`404 secret_key_not_found` when the
    /// Secret has no such key).
    pub key: Option<String>,
}

/// Reads the object live (managedFields dropped); a Secret's values hidden unless revealed.
async fn read(state: &AppState, user: &AuthUser, t: &Target, q: &RevealQuery, headers: &HeaderMap) -> ApiResult<(Arc<Served>, Arc<Catalog>, Value, bool)> {
    let (c, served, cat) = resolve(state, t).await?;
    let name = t.name.as_deref().unwrap_or_default();
    let is_secret = served.known().is_some_and(|k| k.plural == "secrets");
    let reveal = q.reveal;
    if reveal && is_secret {
        user.require(Permission::SecretRead, Scope { cluster_id: Some(t.id), namespace: t.ns.as_deref() })?;
    }
    let client = client_for(state, &c).await?;
    let api = api_for(client, &served, t.ns.as_deref());
    let obj = within(CALL, api.get_opt(name))
        .await
        .map_err(from_cluster)?
        .ok_or_else(|| {
            ApiError::not_found(ErrorCode::ObjectNotFound, format!("{} '{}' not found", served.api.kind, t.object()))
                .param("kind", &served.api.kind)
                .param("name", name)
                .param("namespace", t.ns.as_deref())
        })?;
    let mut obj = serde_json::to_value(&obj).unwrap_or(Value::Null);
    if let Some(m) = obj.pointer_mut("/metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    let mut redacted = false;
    if is_secret {
        match (reveal, &q.key) {
            (true, Some(key)) => {
                // one key: the others are hidden as in any read, then this one is put back
                let Some(value) = obj["data"].get(key.as_str()).cloned() else {
                    let keys = obj["data"].as_object().map(|m| m.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default();
                    return Err(ApiError::not_found(ErrorCode::SecretKeyNotFound, format!("Secret '{}' has no key '{key}' (its keys: {keys})", t.object()))
                        .param("key", key)
                        .param("keys", keys));
                };
                audit_reveal(state, user, t, &[key.as_str()], headers).await;
                redacted = kubedeck_kube::resource::redact_secret(&mut obj);
                obj["data"][key.as_str()] = value;
            }
            (true, None) => {
                let keys: Vec<String> = obj["data"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
                audit_reveal(state, user, t, &keys.iter().map(String::as_str).collect::<Vec<_>>(), headers).await;
            }
            (false, _) => redacted = kubedeck_kube::resource::redact_secret(&mut obj),
        }
    }
    Ok((served, cat, obj, redacted))
}

/// A reveal is a read, which the audit middleware does not record: it is written here, with the keys shown and
/// never the values.
async fn audit_reveal(state: &AppState, user: &AuthUser, t: &Target, keys: &[&str], headers: &HeaderMap) {
    let name = t.name.as_deref().unwrap_or_default();
    let read = crate::audit::AuditedRead {
        action: "secret.reveal",
        path: format!("/api/v1/k8s/cluster/{}/namespaces/{}/secrets/{name}", t.id, t.ns.as_deref().unwrap_or_default()),
        cluster_id: t.id,
        namespace: t.ns.clone(),
        resource: format!("secrets/{name}"),
        detail: json!({"keys": keys}),
    };
    if let Err(e) = crate::audit::record_read(state, user, headers, None, read).await {
        tracing::error!("could not write audit record: {e}");
    }
}

/// One object, read live.
#[derive(Serialize, ToSchema)]
pub struct ResourceDetail {
    /// Kind.
    pub kind: String,
    /// The `apiVersion` it was read at.
    pub api_version: String,
    /// The list columns of this object.
    pub row: ResourceRow,
    /// The object (managedFields removed; a Secret's values hidden unless revealed).
    pub object: Value,
    /// True when a Secret's values were hidden.
    pub redacted: bool,
    /// Its owner, what it owns, the pods it selects, and what its spec names.
    pub related: Vec<Related>,
}

/// One object with its related objects.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}", tag = "resources",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path), ("name" = String, Path), RevealQuery),
    responses((status = 200, body = ResourceDetail), (status = 403, description = "`reveal=true` without `secret.read`"), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn get(
    State(state): State<AppState>,
    auth: Authorized<perm::ResourceRead>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<RevealQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<ResourceDetail>> {
    let (served, cat, obj, redacted) = read(&state, &auth, &t, &q, &headers).await?;
    let related = related(&state, &t, &served, &cat, &obj);
    let row = served.row(&obj);
    Ok(Json(ResourceDetail {
        kind: served.api.kind.clone(),
        api_version: served.api.api_version.clone(),
        row: ResourceRow::from(&row),
        object: obj,
        redacted,
        related,
    }))
}

/// Owner (from the object), owned objects (every watched store, and pods), pods a Service selects, and what its
/// spec names; each linked to its kind's URL name when the cluster serves it.
fn related(state: &AppState, t: &Target, served: &Served, cat: &Catalog, obj: &Value) -> Vec<Related> {
    let ns = t.ns.clone().unwrap_or_default();
    let name = t.name.clone().unwrap_or_default();
    let kind = served.api.kind.as_str();
    let mut out = Vec::new();
    if let Some((k, n)) = kubedeck_kube::resource::row::controller_of(obj) {
        out.push(Related { relation: "owner", kind: k, name: n, namespace: t.ns.clone(), resource: None });
    }
    if let Some(h) = state.hub.get(t.id) {
        for store in h.resources.stores() {
            let owned = crate::routes::resources::list::rows_where(&store, &ns, |r| r.owner.as_ref().is_some_and(|(k, n)| *k == kind && *n == name.as_str()), RELATED_MAX);
            out.extend(owned.iter().map(|r| Related {
                relation: "owns",
                kind: store.served.api.kind.clone(),
                name: r.name.to_string(),
                namespace: (!r.namespace.is_empty()).then(|| r.namespace.to_string()),
                resource: Some(store.served.name.clone()),
            }));
        }
        // pods: owned ones, and the ones a Service's selector picks
        let selector: Option<Selector> = (kind == "Service")
            .then(|| obj["spec"]["selector"].as_object())
            .flatten()
            .filter(|m| !m.is_empty())
            .and_then(|m| Selector::parse(&m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect::<Vec<_>>().join(",")).ok());
        if h.pods.synced() && served.namespaced {
            let nss = [ns.clone()];
            let scope = kubedeck_kube::label_index::Scope { namespaces: Some(&nss[..]), node: None };
            let pods: Vec<(String, &'static str)> = h.pods.read_candidates(&selector.clone().unwrap_or_default(), scope, |pods| {
                pods.filter(|p| p.namespace == ns.as_str())
                    .filter_map(|p| {
                        if p.owner_kind.as_deref() == Some(kind) && p.owner_name.as_deref() == Some(name.as_str()) {
                            Some((p.name.to_string(), "owns"))
                        } else if selector.as_ref().is_some_and(|s| s.matches(&p.labels)) {
                            Some((p.name.to_string(), "selects"))
                        } else {
                            None
                        }
                    })
                    .take(RELATED_MAX)
                    .collect()
            });
            out.extend(pods.into_iter().map(|(n, rel)| Related { relation: rel, kind: "Pod".into(), name: n, namespace: Some(ns.clone()), resource: Some("pods".into()) }));
        }
    }
    out.extend(references(kind, obj));
    for r in &mut out {
        if r.resource.is_none() {
            r.resource = cat.served.iter().find(|s| s.api.kind == r.kind).map(|s| s.name.clone());
        }
    }
    out
}

/// The object as YAML.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/yaml", tag = "resources",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path), ("name" = String, Path), RevealQuery),
    responses((status = 200, content_type = "application/yaml", description = "the object as YAML text"), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn yaml(
    State(state): State<AppState>,
    auth: Authorized<perm::ResourceRead>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<RevealQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (_, _, obj, _) = read(&state, &auth, &t, &q, &headers).await?;
    let text = serde_saphyr::to_string(&obj).map_err(|e| ApiError::internal(format!("YAML: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "application/yaml; charset=utf-8")], text).into_response())
}

/// An event about an object, as the archive keeps it (`kube_event`).
#[derive(Serialize, ToSchema)]
pub struct EventRow {
    /// Normal or Warning.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// Reason (`Scheduled`, `BackOff` ...).
    pub reason: Option<String>,
    /// Message.
    pub message: Option<String>,
    /// How many times it happened.
    pub count: Option<i32>,
    /// First seen (RFC 3339).
    pub first_seen: Option<String>,
    /// Last seen (RFC 3339).
    pub last_seen: Option<String>,
    /// Who reported it (`component on host`, or the reporting component).
    pub source: Option<String>,
    /// The Event object's uid.
    pub uid: Option<String>,
    /// The Event object's namespace.
    pub namespace: Option<String>,
    /// What it is about, as `Kind/name`.
    pub involved_object: Option<String>,
    /// What it is about: kind (`Pod`).
    pub involved_kind: Option<String>,
    /// What it is about: name.
    pub involved_name: Option<String>,
    /// What it is about: namespace (empty for cluster-scoped objects).
    pub involved_namespace: Option<String>,
    /// The reporting component (events.k8s.io's reportingController).
    pub reporting_component: Option<String>,
    /// The series' count, when the event is a series.
    pub series_count: Option<i32>,
}

/// Events, newest (last seen) first, one page of them.
#[derive(Serialize, ToSchema)]
pub struct EventList {
    /// Newest first.
    pub items: Vec<EventRow>,
    /// Events matching, across pages, counted up to 10,000 (see `total_capped`).
    pub total: u64,
    /// True when counting stopped at `total` (10,000): at least that many match; narrow the search to count them.
    pub total_capped: bool,
    /// 1-based page.
    pub page: u64,
    /// Page size.
    pub page_size: u64,
}

/// Events about one object, from the event archive (so they outlive the cluster's `--event-ttl`), newest first.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/events", tag = "resources",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = EventList), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn events(
    State(state): State<AppState>,
    _auth: Authorized<perm::ResourceRead>,
    GenericPath(t): GenericPath,
) -> ApiResult<Json<EventList>> {
    let (_, served, _) = resolve(&state, &t).await?;
    let ns = if served.namespaced { t.ns.as_deref() } else { None };
    let name = t.name.as_deref().unwrap_or_default();
    Ok(Json(crate::routes::events::events_of(&state, t.id, &served.api.kind, ns, name).await?))
}

/// `kubectl delete` options.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// `Background` (default: dependents are deleted after the object), `Foreground` (the object stays until its
    /// dependents are gone) or `Orphan` (dependents are kept).
    pub propagation: Option<String>,
    /// Seconds the object gets to stop (pods); 0 deletes at once.
    pub grace_period_seconds: Option<u32>,
}

/// What a delete did.
#[derive(Serialize, ToSchema)]
pub struct Deleted {
    /// The object.
    pub name: String,
    /// True when it is still there for now (finalizers, foreground deletion, a grace period).
    pub terminating: bool,
}

/// Deletes an object (`kubectl delete`).
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}", tag = "resources",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path), ("name" = String, Path), DeleteQuery),
    responses((status = 202, body = Deleted), (status = 403), (status = 404)),
    extensions(("x-permission" = json!("resource.delete"))))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceDelete>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DeleteQuery>,
) -> ApiResult<(StatusCode, Json<Deleted>)> {
    let (c, served, _) = resolve(&state, &t).await?;
    let name = t.name.clone().unwrap_or_default();
    audit.action(&format!("{}.delete", served.name));
    audit.target(Some(t.id), t.ns.as_deref(), Some(format!("{}/{name}", served.name)));
    audit.detail(json!({"propagation": q.propagation, "grace_period_seconds": q.grace_period_seconds}));
    require_write(&auth, &served, t.id, t.ns.as_deref(), true)?;
    let propagation = match q.propagation.as_deref() {
        None | Some("Background") => PropagationPolicy::Background,
        Some("Foreground") => PropagationPolicy::Foreground,
        Some("Orphan") => PropagationPolicy::Orphan,
        Some(other) => return Err(ApiError::not_one_of("propagation", &["Background", "Foreground", "Orphan"], other)),
    };
    let client = client_for(&state, &c).await?;
    let api = api_for(client, &served, t.ns.as_deref());
    let dp = DeleteParams {
        propagation_policy: Some(propagation),
        grace_period_seconds: q.grace_period_seconds,
        ..DeleteParams::default()
    };
    let r = within(CALL, api.delete(&name, &dp)).await.map_err(|e| match e {
        kubedeck_kube::error::ClusterError::Api { code: 404, .. } => ApiError::not_found(ErrorCode::ObjectNotFound, format!("{} '{}' not found", served.api.kind, t.object()))
            .param("kind", &served.api.kind)
            .param("name", &name)
            .param("namespace", t.ns.as_deref()),
        e => from_cluster(e),
    })?;
    Ok((StatusCode::ACCEPTED, Json(Deleted { name, terminating: r.is_left() })))
}

/// Lists a kind again (a fresh watch), like `.../pods/sync`.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/{kind}/sync", tag = "resources",
    params(("id" = i64, Path), ("kind" = String, Path)),
    responses((status = 202, description = "relisting"), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn sync(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ResourceRead>,
    GenericPath(t): GenericPath,
) -> ApiResult<StatusCode> {
    let mut t = t;
    t.name = None;
    audit.action(&format!("{}.sync", t.kind));
    audit.target(Some(t.id), None, None);
    if let Some(h) = state.hub.get(t.id) {
        // a CRD may have come or gone: look again first
        h.resources.rediscover();
    }
    state.catalogs.forget(t.id);
    let (_, served, _) = resolve(&state, &t).await?;
    if let Some(h) = state.hub.get(t.id) {
        h.resources.relist(&served);
    }
    Ok(StatusCode::ACCEPTED)
}

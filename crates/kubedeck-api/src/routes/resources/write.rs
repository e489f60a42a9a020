//! Writes of any kind: create (`POST`, one or several documents), replace (`PUT`, guarded by
//! `metadata.resourceVersion`) and server-side apply (`POST .../apply`, Kubedeck's field manager), each with
//! `?dry_run=true` returning what the cluster would store and a diff against the live object.
//!
//! Every write is first sent as a server-side dry run: its answer is the object the cluster would store, and a
//! field of the manifest missing from it is a field the cluster does not know (a v1.20 API server drops unknown
//! fields silently) — refused with its path before anything changes.

use super::object::api_for;
use super::{GenericPath, Target, require_write, resolve, unserved};
use crate::audit::AuditSlot;
use crate::auth::{AuthUser, Authorized, perm};
use crate::connection::{client_for, cluster, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use kube::api::{DynamicObject, Patch, PatchParams, PostParams};
use kubedeck_kube::resource::discovery::{Catalog, Served};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

const CALL: Duration = Duration::from_secs(20);
/// The largest document taken (Kubernetes stores objects up to about 1.5 MiB; ConfigMaps hold at most 1 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// The most documents one request applies.
pub const MAX_DOCUMENTS: usize = 100;
pub(crate) const FIELD_MANAGER: &str = "kubedeck";

/// Options of every write.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct WriteQuery {
    /// Change nothing: answer with what the cluster would store and a diff against the live object.
    #[serde(default)]
    pub dry_run: bool,
    /// Server-side apply only: take fields other managers own.
    #[serde(default)]
    pub force: bool,
}

/// What happened to one document.
#[derive(Serialize, ToSchema, Debug)]
pub struct ApplyResult {
    /// 0-based position in the request.
    pub index: usize,
    /// Its kind.
    pub kind: Option<String>,
    /// Its namespace.
    pub namespace: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// `created`, `configured`, `unchanged` or `failed` (on a dry run: what would happen).
    pub outcome: &'static str,
    /// Why it failed (the usual error body).
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
    /// On a dry run: the object the cluster would store (a Secret's values hidden).
    pub object: Option<Value>,
    /// On a dry run: a unified diff of the live object (YAML) to that object.
    pub diff: Option<String>,
}

/// The results of a write, one per document.
#[derive(Serialize, ToSchema)]
pub struct ApplyReport {
    /// Nothing was changed.
    pub dry_run: bool,
    /// One per document, in order.
    pub results: Vec<ApplyResult>,
}

/// The documents of a body: YAML (several separated by `---`) or JSON (an object, or a `List`), each an object
/// no larger than [`MAX_DOCUMENT_BYTES`]; empty documents are skipped.
pub fn documents(body: &[u8]) -> Result<Vec<Value>, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| invalid_doc(0, "yaml", "the body is not UTF-8 text"))?;
    let trimmed = text.trim_start();
    let docs: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        match serde_json::from_str::<Value>(text).map_err(|e| invalid_doc(0, "yaml", &e.to_string()))? {
            Value::Array(items) => items,
            v if v["kind"] == "List" => v["items"].as_array().cloned().unwrap_or_default(),
            v => vec![v],
        }
    } else {
        serde_saphyr::from_multiple::<Value>(text).map_err(|e| {
            let msg = e.to_string();
            invalid_doc(0, "yaml", msg.lines().next().unwrap_or_default())
        })?
    };
    let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
    if docs.is_empty() {
        return Err(invalid_doc(0, "empty", "the manifest holds no document"));
    }
    if docs.len() > MAX_DOCUMENTS {
        return Err(invalid_doc(MAX_DOCUMENTS, "too_many_documents", &format!("at most {MAX_DOCUMENTS} documents per request")).param("max", MAX_DOCUMENTS));
    }
    for (i, d) in docs.iter().enumerate() {
        if !d.is_object() {
            return Err(invalid_doc(i, "not_object", "a document must be a Kubernetes object (a mapping)"));
        }
        let size = serde_json::to_vec(d).map_or(0, |b| b.len());
        if size > MAX_DOCUMENT_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BodyTooLarge,
                format!("document {i} is {size} bytes; Kubernetes objects are at most {MAX_DOCUMENT_BYTES} bytes here"),
            )
            .param("limit", MAX_DOCUMENT_BYTES)
            .param("document", i));
        }
    }
    Ok(docs)
}

fn invalid_doc(i: usize, rule: &str, detail: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::ManifestInvalid, format!("document {i}: {detail}"))
        .param("document", i)
        .param("rule", rule)
        .param("detail", detail)
}

/// A kube error from a write, with the cluster's own field paths: 422/400 `object_invalid` with `causes`,
/// 409 `already_exists` / `resource_conflict`, the rest as every cluster error.
pub(crate) fn write_error(e: kube::Error, what: &str) -> ApiError {
    let kube::Error::Api(status) = e else {
        return from_cluster(e.into());
    };
    let causes: Vec<Value> = status
        .details
        .as_ref()
        .map(|d| d.causes.iter().map(|c| json!({"field": c.field, "reason": c.reason, "message": c.message})).collect())
        .unwrap_or_default();
    match (status.code, status.reason.as_str()) {
        (400 | 422, _) => {
            let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ObjectInvalid, format!("the cluster refused {what}: {}", status.message))
                .param("detail", &status.message)
                .param("causes", Value::Array(causes.clone()));
            err.field = causes.first().and_then(|c| c["field"].as_str()).filter(|f| !f.is_empty()).map(str::to_owned);
            err
        }
        (409, "AlreadyExists") => ApiError::conflict(ErrorCode::AlreadyExists, format!("{what} exists already")).param("object", what),
        _ => from_cluster(kube::Error::Api(status).into()),
    }
}

pub(crate) async fn timed<T>(f: impl std::future::Future<Output = Result<T, kube::Error>>, what: &str) -> ApiResult<T> {
    match tokio::time::timeout(CALL, f).await {
        Ok(r) => r.map_err(|e| write_error(e, what)),
        Err(_) => Err(from_cluster(kubedeck_kube::error::ClusterError::Timeout(CALL))),
    }
}

/// The paths of `sent` that `stored` lacks: fields the cluster dropped because it does not know them. Empty and
/// null values (which the cluster omits) and `status` (ignored on writes) are not counted.
pub fn dropped_fields(sent: &Value, stored: &Value) -> Vec<String> {
    fn walk(path: &str, sent: &Value, stored: &Value, out: &mut Vec<String>) {
        match (sent, stored) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in a {
                    // status is ignored on writes; a Secret's stringData is write-only (merged into data)
                    if path.is_empty() && matches!(k.as_str(), "status" | "apiVersion" | "kind" | "stringData") {
                        continue;
                    }
                    let empty = v.is_null() || v.as_object().is_some_and(|m| m.is_empty()) || v.as_array().is_some_and(|a| a.is_empty());
                    let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    match b.get(k) {
                        Some(w) => walk(&p, v, w, out),
                        None if !empty => out.push(p),
                        None => {}
                    }
                }
            }
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
                for (i, (v, w)) in a.iter().zip(b).enumerate() {
                    walk(&format!("{path}[{i}]"), v, w, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("", sent, stored, &mut out);
    out
}

fn refuse_dropped(sent: &Value, stored: &Value, what: &str) -> ApiResult<()> {
    let dropped = dropped_fields(sent, stored);
    if dropped.is_empty() {
        return Ok(());
    }
    let causes: Vec<Value> = dropped
        .iter()
        .map(|f| json!({"field": f, "reason": "FieldValueNotSupported", "message": format!("unknown field \"{f}\"")}))
        .collect();
    let mut err = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ObjectInvalid,
        format!("the cluster does not know the field{} {} of {what}; nothing was changed", if dropped.len() == 1 { "" } else { "s" }, dropped.join(", ")),
    )
    .param("detail", format!("unknown fields: {}", dropped.join(", ")))
    .param("causes", Value::Array(causes));
    err.field = dropped.first().cloned();
    Err(err)
}

/// Strips what only the cluster writes and no one edits, for diffs.
fn for_diff(mut v: Value, redact: bool) -> Value {
    if let Some(m) = v.pointer_mut("/metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    if redact {
        kubedeck_kube::resource::redact_secret(&mut v);
    }
    v
}

fn yaml(v: &Value) -> String {
    if v.is_null() {
        return String::new();
    }
    serde_saphyr::to_string(v).unwrap_or_default()
}

/// The served kind of a document, checked against the route's kind and namespace; its name and namespace.
fn place(cat: &Catalog, route: Option<&Served>, route_ns: Option<&str>, i: usize, doc: &mut Value) -> ApiResult<(Arc<Served>, Option<String>, String)> {
    let (Some(api_version), Some(kind)) = (doc["apiVersion"].as_str().map(str::to_owned), doc["kind"].as_str().map(str::to_owned)) else {
        return Err(invalid_doc(i, "no_kind", "a document needs apiVersion and kind"));
    };
    let served = match cat.by_api_version(&api_version, &kind) {
        Some(s) => s,
        None => {
            let other = cat.served.iter().find(|s| s.api.kind == kind && (s.api.group == api_version.split_once('/').map_or("", |(g, _)| g)));
            let mut e = match other {
                Some(s) => ApiError::new(StatusCode::NOT_FOUND, ErrorCode::KindNotServed, format!("document {i}: this cluster serves {kind} as {}, not {api_version}", s.api.api_version))
                    .param("kind", &kind)
                    .param("versions", &s.api.api_version)
                    .param("version", cat.server_version.as_deref()),
                None => match kubedeck_kube::resource::kinds::KINDS.iter().find(|k| k.kind == kind) {
                    Some(k) => unserved(cat, k.plural, kubedeck_kube::resource::discovery::Unserved::NotServed(k)),
                    None => ApiError::new(StatusCode::NOT_FOUND, ErrorCode::KindUnknown, format!("document {i}: this cluster has no kind {kind} in {api_version}")).param("kind", &kind),
                },
            };
            e = e.param("document", i);
            e.field = Some("apiVersion".into());
            return Err(e);
        }
    };
    if let Some(r) = route
        && !r.same_as(&served)
    {
        return Err(invalid_doc(i, "kind_mismatch", &format!("this route takes {} ({}), the document is {kind} ({api_version})", r.api.kind, r.api.api_version)).param("kind", &kind));
    }
    let name = doc["metadata"]["name"].as_str().unwrap_or_default().to_owned();
    if name.is_empty() {
        return Err(invalid_doc(i, "no_name", "metadata.name is required").with_field("metadata.name"));
    }
    let doc_ns = doc["metadata"]["namespace"].as_str().map(str::to_owned);
    let ns = if served.namespaced {
        match (route_ns, doc_ns) {
            (Some(r), Some(d)) if r != d => {
                return Err(invalid_doc(i, "namespace_mismatch", &format!("the document's namespace {d} is not the route's {r}")).param("namespace", d).with_field("metadata.namespace"));
            }
            (Some(r), _) => Some(r.to_owned()),
            (None, Some(d)) => Some(d),
            // as kubectl: the default namespace
            (None, None) => Some("default".to_owned()),
        }
    } else {
        None
    };
    if let (Some(ns), Some(m)) = (&ns, doc["metadata"].as_object_mut()) {
        m.insert("namespace".into(), Value::String(ns.clone()));
    }
    Ok((served, ns, name))
}

enum Mode {
    Create,
    Replace,
    Apply { force: bool },
}

/// What a request asks: how to write, and whether only as a dry run.
struct Ask {
    mode: Mode,
    dry_run: bool,
}

/// Who writes where: the caller's permissions are checked per document, on the cluster's client.
struct Writer<'a> {
    client: &'a kube::Client,
    user: &'a AuthUser,
    id: i64,
    ask: &'a Ask,
}

/// Writes one document: the dry run first (unknown fields refused), then, unless only a dry run was asked, the
/// write itself.
async fn write_one(w: &Writer<'_>, served: &Served, ns: Option<&str>, name: &str, doc: Value) -> ApiResult<ApplyResult> {
    let (mode, dry_run) = (&w.ask.mode, w.ask.dry_run);
    require_write(w.user, served, w.id, ns, false)?;
    let api = api_for(w.client.clone(), served, ns);
    let what = format!("{} {}{name}", served.api.kind, ns.map(|n| format!("{n}/")).unwrap_or_default());
    let obj: DynamicObject = serde_json::from_value(doc.clone()).map_err(|e| invalid_doc(0, "not_object", &e.to_string()))?;
    let live = timed(api.get_opt(name), &what).await?;
    let live_rv = live.as_ref().and_then(|l| l.metadata.resource_version.clone());
    let send = |dry: bool| {
        let api = api.clone();
        let obj = obj.clone();
        let doc = doc.clone();
        let what = what.clone();
        async move {
            match mode {
                Mode::Create => timed(api.create(&PostParams { dry_run: dry, field_manager: Some(FIELD_MANAGER.into()) }, &obj), &what).await,
                Mode::Replace => timed(api.replace(name, &PostParams { dry_run: dry, field_manager: Some(FIELD_MANAGER.into()) }, &obj), &what).await,
                Mode::Apply { force } => {
                    let mut pp = PatchParams::apply(FIELD_MANAGER);
                    pp.force = *force;
                    pp.dry_run = dry;
                    timed(api.patch(name, &pp, &Patch::Apply(&doc)), &what).await
                }
            }
        }
    };
    let would = match send(true).await {
        Ok(o) => o,
        Err(e) => return Err(conflict_detail(e, &api, name, &what, mode).await),
    };
    let would_v = serde_json::to_value(&would).unwrap_or(Value::Null);
    refuse_dropped(&doc, &would_v, &what)?;
    let is_secret = served.known().is_some_and(|k| k.plural == "secrets");
    let stored = if dry_run {
        would_v
    } else {
        match send(false).await {
            Ok(o) => serde_json::to_value(&o).unwrap_or(Value::Null),
            Err(e) => return Err(conflict_detail(e, &api, name, &what, mode).await),
        }
    };
    let (object, diff) = if dry_run {
        let before = live.map(|l| for_diff(serde_json::to_value(&l).unwrap_or_default(), is_secret)).unwrap_or(Value::Null);
        let after = for_diff(stored.clone(), is_secret);
        let d = kubedeck_kube::resource::diff::unified(&yaml(&before), &yaml(&after), 3);
        (Some(after), Some(d))
    } else {
        (None, None)
    };
    // A dry run does not move the resourceVersion: there, no difference is what "unchanged" means.
    let outcome = match (&live_rv, &diff) {
        (None, _) => "created",
        (Some(_), Some(d)) if d.is_empty() => "unchanged",
        (Some(_), Some(_)) => "configured",
        (Some(rv), None) if stored["metadata"]["resourceVersion"].as_str() == Some(rv) => "unchanged",
        (Some(_), None) => "configured",
    };
    Ok(ApplyResult {
        index: 0,
        kind: Some(served.api.kind.clone()),
        namespace: ns.map(str::to_owned),
        name: Some(name.to_owned()),
        outcome,
        error: None,
        object,
        diff,
    })
}

/// A 409 said in the operator's terms: a replace's stale resourceVersion (`resource_conflict` with the current
/// one), an apply's fields owned by other managers (`apply_conflict` with them).
async fn conflict_detail(e: ApiError, api: &kube::Api<DynamicObject>, name: &str, what: &str, mode: &Mode) -> ApiError {
    if e.code != ErrorCode::ObjectConflict {
        return e;
    }
    let detail = e.params.get("detail").and_then(Value::as_str).unwrap_or_default().to_owned();
    match mode {
        Mode::Replace => {
            let current = api.get_opt(name).await.ok().flatten().and_then(|o| o.metadata.resource_version);
            ApiError::conflict(ErrorCode::ResourceConflict, format!("{what} changed since it was read (now at resourceVersion {}); reload it and apply again", current.as_deref().unwrap_or("?")))
                .param("object", what)
                .param("current_version", current)
                .with_field("metadata.resourceVersion")
        }
        Mode::Apply { .. } => {
            let conflicts = kubedeck_kube::resource::diff::apply_conflicts(&detail);
            ApiError::conflict(ErrorCode::ApplyConflict, format!("applying {what} would take fields other managers own: {detail}; apply with force=true to take them"))
                .param("object", what)
                .param("conflicts", serde_json::to_value(conflicts).unwrap_or_default())
        }
        Mode::Create => e,
    }
}

/// Writes each document in turn; one document that fails answers its error, several answer per document.
async fn write_all(state: &AppState, user: &AuthUser, t: &Target, route_kind: bool, body: &[u8], ask: Ask, audit: &AuditSlot) -> ApiResult<(StatusCode, Json<ApplyReport>)> {
    let dry_run = ask.dry_run;
    let c = cluster(state, t.id).await?;
    let (route, cat) = if route_kind {
        let (_, s, cat) = resolve(state, t).await?;
        // who may not write the path's kind learns nothing about the body (each document is checked again below)
        require_write(user, &s, t.id, t.ns.as_deref(), false)?;
        (Some(s), cat)
    } else {
        (None, super::catalog(state, &c).await?)
    };
    let mut docs = documents(body)?;
    // a path without a namespace (`/apply`) passed the maintenance guard's window check: each document is checked
    // against the namespace it names instead
    let windows = match (t.ns.is_none() && !dry_run, route_kind) {
        (true, false) => crate::maintenance::windows_to_respect(state, user, t.id).await?,
        _ => None,
    };
    let client = client_for(state, &c).await?;
    let single = docs.len() == 1;
    let mut results = Vec::new();
    let mut summary = Vec::new();
    for (i, doc) in docs.iter_mut().enumerate() {
        let r = match place(&cat, route.as_deref(), t.ns.as_deref(), i, doc) {
            Ok((served, ns, name)) => {
                summary.push(json!({"kind": served.api.kind, "namespace": ns, "name": name}));
                let outside = match (&windows, &ns) {
                    (Some(w), Some(ns)) => crate::maintenance::outside_windows(w, ns, Some(&served.name), Some(&name), chrono::Utc::now())
                        .map(|next| crate::maintenance::outside_window(t.id, ns.clone(), Some(served.name.clone()), Some(name.clone()), next)),
                    _ => None,
                };
                match outside {
                    Some(e) => Err(e),
                    None => {
                        let w = Writer { client: &client, user, id: t.id, ask: &ask };
                        write_one(&w, &served, ns.as_deref(), &name, doc.clone()).await.map(|mut r| {
                            r.index = i;
                            r
                        })
                    }
                }
            }
            Err(e) => Err(e),
        };
        match r {
            Ok(r) => results.push(r),
            Err(e) if single => {
                audit.detail(json!({"documents": summary, "dry_run": dry_run}));
                return Err(e);
            }
            Err(e) => results.push(ApplyResult {
                index: i,
                kind: doc["kind"].as_str().map(str::to_owned),
                namespace: doc["metadata"]["namespace"].as_str().map(str::to_owned),
                name: doc["metadata"]["name"].as_str().map(str::to_owned),
                outcome: "failed",
                error: Some(e.body()),
                object: None,
                diff: None,
            }),
        }
    }
    audit.detail(json!({"documents": summary, "dry_run": dry_run}));
    let status = if results.iter().all(|r| r.outcome == "created") && !dry_run { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(ApplyReport { dry_run, results })))
}

/// Creates objects of a kind from YAML or JSON (several documents separated by `---`).
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}", tag = "resources",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path), WriteQuery),
    request_body(content = String, content_type = "application/yaml", description = "one or more documents"),
    responses((status = 201, body = ApplyReport), (status = 200, body = ApplyReport, description = "dry run, or several documents of which some failed"), (status = 400), (status = 403), (status = 404), (status = 409), (status = 413), (status = 422)),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn create(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<WriteQuery>,
    _headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ApplyReport>)> {
    audit.action(&format!("{}.create", t.kind));
    audit.target(Some(t.id), t.ns.as_deref(), None);
    write_all(&state, &auth, &t, true, &body, Ask { mode: Mode::Create, dry_run: q.dry_run }, &audit).await
}

/// Replaces one object; the body must carry the `metadata.resourceVersion` it was read at.
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}", tag = "resources",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path), ("name" = String, Path), WriteQuery),
    request_body(content = String, content_type = "application/yaml"),
    responses((status = 200, body = ApplyReport), (status = 400), (status = 403), (status = 404), (status = 409, description = "`resource_conflict`: the object changed since it was read"), (status = 422)),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn replace(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<WriteQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ApplyReport>)> {
    let name = t.name.clone().unwrap_or_default();
    audit.action(&format!("{}.update", t.kind));
    audit.target(Some(t.id), t.ns.as_deref(), Some(format!("{}/{name}", t.kind)));
    let (_, served, _) = resolve(&state, &t).await?;
    require_write(&auth, &served, t.id, t.ns.as_deref(), false)?;
    let docs = documents(&body)?;
    if docs.len() != 1 {
        return Err(invalid_doc(1, "too_many_documents", "a replace takes one document").param("max", 1));
    }
    let doc = &docs[0];
    if doc["metadata"]["name"].as_str() != Some(name.as_str()) {
        return Err(invalid_doc(0, "name_mismatch", &format!("metadata.name must be {name}, the name in the path")).param("name", &name).with_field("metadata.name"));
    }
    if doc["metadata"]["resourceVersion"].as_str().is_none_or(str::is_empty) {
        return Err(ApiError::invalid("metadata.resourceVersion", ErrorCode::Required, "metadata.resourceVersion is required: send the version you read, so a change made meanwhile is not overwritten"));
    }
    write_all(&state, &auth, &t, true, &body, Ask { mode: Mode::Replace, dry_run: q.dry_run }, &audit).await
}

/// Server-side apply of any kinds (several documents), as `kubectl apply --server-side` with Kubedeck's field
/// manager.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/apply", tag = "resources",
    params(("id" = i64, Path), WriteQuery),
    request_body(content = String, content_type = "application/yaml", description = "one or more documents of any kinds"),
    responses((status = 200, body = ApplyReport), (status = 400), (status = 403), (status = 404), (status = 409, description = "`apply_conflict`: fields other managers own"), (status = 413), (status = 422)),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn apply(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<WriteQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ApplyReport>)> {
    let t = Target { id, kind: String::new(), ns: None, name: None };
    audit.action("resources.apply");
    audit.target(Some(id), None, None);
    write_all(&state, &auth, &t, false, &body, Ask { mode: Mode::Apply { force: q.force }, dry_run: q.dry_run }, &audit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_split_and_refuse_what_is_not_an_object() {
        let d = documents(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n").unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[1]["metadata"]["name"], "b");
        assert_eq!(documents(br#"{"kind": "List", "items": [{"kind": "A"}, {"kind": "B"}]}"#).unwrap().len(), 2);
        let e = documents(b"- a\n- b\n").unwrap_err();
        assert_eq!(e.code, ErrorCode::ManifestInvalid);
        let e = documents(b"a: [unclosed\n").unwrap_err();
        assert_eq!(e.params["rule"], "yaml");
        let big = format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata: {{x: \"{}\"}}\n", "a".repeat(2 * 1024 * 1024));
        assert_eq!(documents(big.as_bytes()).unwrap_err().status, StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn fields_the_cluster_dropped_are_found_by_path() {
        let sent = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "labels": {}}, "data": {"x": "1"}, "bogus": {"y": 1}, "status": {"z": 1},
            "spec": {"containers": [{"name": "c", "imagePullPolice": "Always", "args": []}]}});
        let stored = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "uid": "u"}, "data": {"x": "1"},
            "spec": {"containers": [{"name": "c", "imagePullPolicy": "IfNotPresent"}]}});
        assert_eq!(dropped_fields(&sent, &stored), vec!["bogus".to_owned(), "spec.containers[0].imagePullPolice".to_owned()]);
    }
}

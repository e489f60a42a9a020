//! Namespaces beyond the generic engine (issue 15), on the Namespace object's own path
//! (`.../namespaces/{ns}/<verb>`):
//!
//! | route | what |
//! |---|---|
//! | `POST .../namespaces/{ns}/create` | the namespace from a form, then its ResourceQuota and LimitRange; if one of those is refused, the namespace is deleted again and the answer says so |
//! | `GET .../namespaces/{ns}/contents` | what the namespace holds (objects per kind, from the engine's watched stores) and, while it terminates, what its deletion waits for |
//!
//! Labels and annotations are edited with the engine's `PUT` (guarded by the resourceVersion read).

use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::connection::{client_for, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::resources::object::api_for;
use crate::routes::resources::write::timed;
use crate::routes::resources::{GenericPath, require_write, resolve, unserved};
use crate::routes::workloads::DryRunQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use kube::api::{DeleteParams, DynamicObject, PostParams};
use kubedeck_kube::error::within;
use kubedeck_kube::label_index::Scope;
use kubedeck_kube::resource::insight::namespaces::{self, NamespaceForm, Termination};
use kubedeck_kube::selector::Selector;
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;
use utoipa::ToSchema;

const CALL: Duration = Duration::from_secs(15);
/// How long `contents` waits for stores it had to start (kinds nobody looked at yet) to list.
const FIRST_LIST: Duration = Duration::from_secs(8);
/// Names listed per kind in `contents` (the counts are complete).
const NAMES_MAX: usize = 20;

/// One object the form created (or would create).
#[derive(Serialize, ToSchema)]
pub struct CreatedObject {
    /// `Namespace`, `ResourceQuota` or `LimitRange`.
    pub kind: String,
    /// Its name.
    pub name: String,
}

/// What `create` did.
#[derive(Serialize, ToSchema)]
pub struct NamespaceCreated {
    /// The namespace.
    pub namespace: String,
    /// The objects created, in order (with `dry_run`, the ones that would be).
    pub created: Vec<CreatedObject>,
    /// Nothing was stored (the cluster checked the Namespace only: the others need it to exist).
    pub dry_run: bool,
}

/// Creates a namespace from the form: the Namespace, then the ResourceQuota and the LimitRange when asked for. If
/// the cluster refuses one of those, the Namespace is deleted again (with what it held) and the error's params
/// say `created` (what had been created) and `removed: true`.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/create", tag = "namespaces",
    params(("id" = i64, Path), ("ns" = String, Path), DryRunQuery),
    request_body = NamespaceForm,
    responses((status = 201, body = NamespaceCreated), (status = 200, body = NamespaceCreated, description = "dry run"),
        (status = 400, description = "a quantity or limit type the cluster would refuse (`field` names it)"), (status = 403),
        (status = 409, description = "`already_exists`"), (status = 422, description = "the cluster refused an object (`params.created`, `params.removed`)")),
    extensions(("x-permission" = json!("platform.write"))))]
pub async fn create(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::PlatformWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DryRunQuery>,
    ApiJson(form): ApiJson<NamespaceForm>,
) -> ApiResult<(StatusCode, Json<NamespaceCreated>)> {
    let name = t.name.clone().unwrap_or_default();
    audit.action("namespaces.create");
    audit.target(Some(t.id), None, Some(format!("namespaces/{name}")));
    let (c, served, cat) = resolve(&state, &t).await?;
    require_write(&auth, &served, t.id, None, false)?;
    namespaces::check(&form).map_err(|e| ApiError::invalid(&e.field, ErrorCode::InvalidBody, e.message.clone()).param("detail", e.message))?;
    let client = client_for(&state, &c).await?;
    let manifests = namespaces::manifests(&name, &form);
    let what = |m: &Value| CreatedObject { kind: m["kind"].as_str().unwrap_or_default().to_owned(), name: m["metadata"]["name"].as_str().unwrap_or_default().to_owned() };
    let ns_api = api_for(client.clone(), &served, None);
    if q.dry_run {
        let obj: DynamicObject = serde_json::from_value(manifests[0].clone()).map_err(ApiError::internal)?;
        timed(ns_api.create(&PostParams { dry_run: true, ..PostParams::default() }, &obj), &format!("Namespace {name}")).await?;
        return Ok((StatusCode::OK, Json(NamespaceCreated { namespace: name, created: manifests.iter().map(what).collect(), dry_run: true })));
    }
    let mut created: Vec<CreatedObject> = Vec::new();
    for m in &manifests {
        let o = what(m);
        let label = format!("{} {}", o.kind, o.name);
        let kind_served = if o.kind == "Namespace" {
            served.clone()
        } else {
            let plural = if o.kind == "ResourceQuota" { "resourcequotas" } else { "limitranges" };
            cat.find(plural).map_err(|u| unserved(&cat, plural, u))?
        };
        let obj: DynamicObject = serde_json::from_value(m.clone()).map_err(ApiError::internal)?;
        let api = api_for(client.clone(), &kind_served, Some(&name));
        if let Err(e) = timed(api.create(&PostParams::default(), &obj), &label).await {
            if created.is_empty() {
                return Err(e);
            }
            // the namespace is ours: deleting it removes what was created in it too
            let removed = within(CALL, ns_api.delete(&name, &DeleteParams::default())).await.is_ok();
            audit.detail(json!({"created": created.iter().map(|c| format!("{} {}", c.kind, c.name)).collect::<Vec<_>>(), "failed": label, "removed": removed}));
            let mut err = e;
            err.message = if removed {
                format!("{}; the namespace {name} was deleted again, with what had been created in it", err.message)
            } else {
                format!("{}; the namespace {name} was created but could not be deleted again", err.message)
            };
            return Err(err
                .param("failed", label)
                .param("created", created.iter().map(|c| format!("{} {}", c.kind, c.name)).collect::<Vec<_>>())
                .param("removed", removed));
        }
        created.push(o);
    }
    audit.detail(json!({"created": created.iter().map(|c| format!("{} {}", c.kind, c.name)).collect::<Vec<_>>()}));
    Ok((StatusCode::CREATED, Json(NamespaceCreated { namespace: name, created, dry_run: false })))
}

/// Objects of one kind in a namespace.
#[derive(Serialize, ToSchema)]
pub struct KindCount {
    /// Kind (`ConfigMap`).
    pub kind: String,
    /// Its URL name (`configmaps`, `widgets.example.com`).
    pub resource: String,
    /// How many.
    pub count: usize,
    /// The first names, sorted.
    pub names: Vec<String>,
}

/// What a namespace holds and what its deletion waits for.
#[derive(Serialize, ToSchema)]
pub struct NamespaceContents {
    /// The namespace.
    pub namespace: String,
    /// Phase, deletion time, finalizers and conditions (`kubectl get ns -o yaml`).
    pub termination: Termination,
    /// Kinds with at least one object, most objects first.
    pub kinds: Vec<KindCount>,
    /// All objects counted.
    pub total: usize,
    /// Kinds whose store had not listed yet (not counted); empty when the counts are complete.
    pub not_counted: Vec<String>,
}

/// What a namespace still holds: objects per kind from the engine's watched stores (every namespaced kind the
/// cluster serves, custom resources included; kinds not watched yet are watched from now on), pods from the pod
/// store; and its phase, finalizers and conditions, read live, which say what a `Terminating` namespace waits for.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/contents", tag = "namespaces",
    params(("id" = i64, Path), ("ns" = String, Path)),
    responses((status = 200, body = NamespaceContents), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn contents(State(state): State<AppState>, _auth: Authorized<perm::ResourceRead>, GenericPath(t): GenericPath) -> ApiResult<Json<NamespaceContents>> {
    let name = t.name.clone().unwrap_or_default();
    let (c, served, cat) = resolve(&state, &t).await?;
    let client = client_for(&state, &c).await?;
    let ns = within(CALL, api_for(client, &served, None).get_opt(&name)).await.map_err(from_cluster)?.ok_or_else(|| {
        ApiError::not_found(ErrorCode::ObjectNotFound, format!("Namespace '{name}' not found")).param("kind", "Namespace").param("name", &name)
    })?;
    let termination = namespaces::termination(&serde_json::to_value(&ns).unwrap_or_default());
    let mut kinds = Vec::new();
    let mut not_counted = Vec::new();
    if let Some(h) = state.hub.get(t.id) {
        let stores: Vec<_> = cat.served.iter().filter(|s| s.namespaced && !["pods", "events"].contains(&s.name.as_str())).map(|s| h.resources.store(s)).collect();
        let deadline = tokio::time::Instant::now() + FIRST_LIST;
        while stores.iter().any(|s| !s.rows.synced()) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let nss = [name.clone()];
        let scope = || Scope { namespaces: Some(&nss[..]), node: None };
        for s in &stores {
            if !s.rows.synced() {
                not_counted.push(s.served.name.clone());
                continue;
            }
            let names: Vec<String> = s.rows.read_candidates(&Selector::default(), scope(), |rows| rows.filter(|r| *r.namespace == *name).map(|r| r.name.to_string()).collect());
            kinds.push(count(&s.served.api.kind, &s.served.name, names));
        }
        if h.pods.synced() {
            let names: Vec<String> = h.pods.read_candidates(&Selector::default(), scope(), |pods| pods.filter(|p| *p.namespace == *name).map(|p| p.name.to_string()).collect());
            kinds.push(count("Pod", "pods", names));
        } else {
            not_counted.push("pods".into());
        }
    } else {
        not_counted.push("*".into());
    }
    kinds.retain(|k| k.count > 0);
    kinds.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
    let total = kinds.iter().map(|k| k.count).sum();
    Ok(Json(NamespaceContents { namespace: name, termination, kinds, total, not_counted }))
}

fn count(kind: &str, resource: &str, mut names: Vec<String>) -> KindCount {
    names.sort();
    let count = names.len();
    names.truncate(NAMES_MAX);
    KindCount { kind: kind.to_owned(), resource: resource.to_owned(), count, names }
}

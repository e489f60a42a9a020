//! What an operator does to workloads (issue 14), with `kubectl`'s semantics, on the generic engine's paths
//! (`.../namespaces/{ns}/{kind}/{name}/<verb>`): one handler per verb serves every kind that supports it, any
//! other kind is `404 verb_not_supported`. The logic is in [`kubedeck_kube::workload`]; here the objects are
//! read (at the versions the cluster serves, from the catalog), permissions checked, patches sent and audited
//! (`workload.<verb>`).
//!
//! | verb | kubectl |
//! |---|---|
//! | `POST scale` | `kubectl scale --replicas=N` (the scale subresource) |
//! | `POST restart` | `kubectl rollout restart` |
//! | `POST pause` / `resume` | `kubectl rollout pause` / `resume`; a CronJob's `resume` un-suspends it |
//! | `GET history[/{revision}|/diff]` | `kubectl rollout history [--revision=N]` |
//! | `POST rollback` | `kubectl rollout undo [--to-revision=N]` |
//! | `GET rollout` | `kubectl rollout status` |
//! | `PUT image` | `kubectl set image` |
//! | `POST suspend` | `kubectl patch cronjob -p '{"spec":{"suspend":true}}'` |
//! | `POST trigger` | `kubectl create job --from=cronjob/NAME` |
//! | `POST rerun` | a copy of a Job under a new name |

use crate::audit::AuditSlot;
use crate::auth::{AuthUser, Authorized, InCluster, perm};
use crate::connection::{client_for, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::resources::object::api_for;
use crate::routes::resources::{GenericPath, Target, require_write, resolve};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use kube::Resource;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kubedeck_kube::error::within;
use kubedeck_kube::resource::discovery::{Catalog, Served};
use kubedeck_kube::workload::history::{self, Revision};
use kubedeck_kube::workload::image::{self, ContainerImage, SetImageError};
use kubedeck_kube::workload::rollback::{self, PatchKind, Plan, Refusal};
use kubedeck_kube::workload::status::{self, RolloutStatus};
use kubedeck_kube::workload::{RESTARTED_AT_ANNOTATION, Verb, selector_query, template_pointer};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

const CALL: Duration = Duration::from_secs(20);
const FIELD_MANAGER: &str = "kubedeck";
/// The most replicas a scale takes (a typo's guard; kubectl takes any int32).
pub const MAX_REPLICAS: i32 = 100_000;

/// `?dry_run=true`: the cluster checks the change (server-side dry run) and nothing is stored.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DryRunQuery {
    /// Change nothing; answer what would happen.
    #[serde(default)]
    pub dry_run: bool,
}

/// A workload a verb acts on: its served kind, the cluster's client, and the dynamic API of its kind.
struct Workload {
    served: Arc<Served>,
    cat: Arc<Catalog>,
    client: kube::Client,
    api: Api<DynamicObject>,
    ns: String,
    name: String,
    plural: &'static str,
}

impl Workload {
    /// Resolves the path's kind, refuses a kind `verb` does not apply to, and for writes checks `resource.write`
    /// (or `platform.write`) on the kind.
    async fn open(state: &AppState, user: &AuthUser, t: &Target, verb: Verb, write: bool) -> ApiResult<Workload> {
        let (c, served, cat) = resolve(state, t).await?;
        let plural = served.known().map(|k| k.plural).filter(|p| verb.supports(p));
        let Some(plural) = plural else {
            return Err(ApiError::not_found(
                ErrorCode::VerbNotSupported,
                format!("'{}' does not apply to {}; it applies to {}", verb.name(), served.name, verb.kinds().join(", ")),
            )
            .param("kind", &served.name)
            .param("verb", verb.name())
            .param("kinds", verb.kinds().join(", ")));
        };
        if write {
            require_write(user, &served, t.id, t.ns.as_deref(), false)?;
        }
        let client = client_for(state, &c).await?;
        let api = api_for(client.clone(), &served, t.ns.as_deref());
        Ok(Workload { served, cat, client, api, ns: t.ns.clone().unwrap_or_default(), name: t.name.clone().unwrap_or_default(), plural })
    }

    fn what(&self) -> String {
        format!("{} {}/{}", self.served.api.kind, self.ns, self.name)
    }

    /// The object, read live (404 `object_not_found`).
    async fn get(&self) -> ApiResult<Value> {
        let obj = within(CALL, self.api.get_opt(&self.name)).await.map_err(from_cluster)?.ok_or_else(|| {
            ApiError::not_found(ErrorCode::ObjectNotFound, format!("{} '{}/{}' not found", self.served.api.kind, self.ns, self.name))
                .param("kind", &self.served.api.kind)
                .param("name", &self.name)
                .param("namespace", &self.ns)
        })?;
        Ok(serde_json::to_value(obj).unwrap_or(Value::Null))
    }

    /// Objects of another kind in the workload's namespace matching its selector (ReplicaSets, pods), at the
    /// version the cluster serves them.
    async fn list_selected(&self, plural: &str, obj: &Value) -> ApiResult<Vec<Value>> {
        let served = self.cat.find(plural).map_err(|_| ApiError::internal(format!("the cluster does not serve {plural}")))?;
        self.list_with(&served.api, obj).await
    }

    async fn list_with(&self, ar: &ApiResource, obj: &Value) -> ApiResult<Vec<Value>> {
        let api: Api<DynamicObject> = Api::namespaced_with(self.client.clone(), &self.ns, ar);
        let Some(sel) = selector_query(&obj["spec"]["selector"]) else { return Ok(Vec::new()) };
        let list = within(CALL, api.list(&ListParams::default().labels(&sel))).await.map_err(from_cluster)?;
        Ok(list.items.into_iter().map(|o| serde_json::to_value(o).unwrap_or(Value::Null)).collect())
    }

    /// ControllerRevisions live in the workload's own group version (`apps/v1`).
    async fn controller_revisions(&self, obj: &Value) -> ApiResult<Vec<Value>> {
        let ar = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(&self.served.api.group, &self.served.api.version, "ControllerRevision"), "controllerrevisions");
        self.list_with(&ar, obj).await
    }

    /// The workload's revisions, newest first, with the object read.
    async fn history(&self) -> ApiResult<(Value, Vec<Revision>)> {
        let obj = self.get().await?;
        let h = if self.plural == "deployments" {
            history::deployment(&obj, &self.list_selected("replicasets", &obj).await?)
        } else {
            history::controller(&obj, &self.controller_revisions(&obj).await?)
        };
        Ok((obj, h))
    }

    /// A merge or strategic patch of the object.
    async fn patch(&self, patch: Patch<Value>, dry_run: bool) -> ApiResult<Value> {
        let pp = PatchParams { dry_run, field_manager: Some(FIELD_MANAGER.into()), ..PatchParams::default() };
        let o = within(CALL, self.api.patch(&self.name, &pp, &patch)).await.map_err(|e| self.write_error(e))?;
        Ok(serde_json::to_value(o).unwrap_or(Value::Null))
    }

    /// A JSON patch (RFC 6902), as `kubectl rollout undo` sends a Deployment's.
    async fn json_patch(&self, ops: &Value, dry_run: bool) -> ApiResult<Value> {
        let mut url = format!("{}/{}?fieldManager={FIELD_MANAGER}", DynamicObject::url_path(&self.served.api, Some(&self.ns)), self.name);
        if dry_run {
            url.push_str("&dryRun=All");
        }
        let req = axum::http::Request::patch(url)
            .header("content-type", "application/json-patch+json")
            .body(serde_json::to_vec(ops).unwrap_or_default())
            .map_err(ApiError::internal)?;
        let o: DynamicObject = within(CALL, self.client.request(req)).await.map_err(|e| self.write_error(e))?;
        Ok(serde_json::to_value(o).unwrap_or(Value::Null))
    }

    fn write_error(&self, e: kubedeck_kube::error::ClusterError) -> ApiError {
        match e {
            kubedeck_kube::error::ClusterError::Api { code: 404, .. } => ApiError::not_found(ErrorCode::ObjectNotFound, format!("{} not found", self.what()))
                .param("kind", &self.served.api.kind)
                .param("name", &self.name)
                .param("namespace", &self.ns),
            e => from_cluster(e),
        }
    }
}

fn audit_target(audit: &AuditSlot, t: &Target, verb: Verb) {
    audit.action(&format!("workload.{}", verb.name()));
    audit.target(Some(t.id), t.ns.as_deref(), Some(format!("{}/{}", t.kind, t.name.as_deref().unwrap_or_default())));
}

fn paused_error(w: &Workload) -> ApiError {
    ApiError::conflict(ErrorCode::RolloutPaused, format!("{} is paused; resume it first (kubectl rollout resume) and try again", w.what()))
        .param("object", w.what())
}

/// A JSON body that may be absent or empty (`{}` optional).
fn optional_body<T: serde::de::DeserializeOwned + Default>(body: &Bytes) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        let code = if e.is_syntax() || e.is_eof() { ErrorCode::MalformedJson } else { ErrorCode::InvalidBody };
        let status = if code == ErrorCode::MalformedJson { StatusCode::BAD_REQUEST } else { StatusCode::UNPROCESSABLE_ENTITY };
        ApiError::new(status, code, format!("the body does not fit: {e}")).param("detail", e.to_string())
    })
}

// ---- scale ----

/// `kubectl scale --replicas=N`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleRequest {
    /// The replicas wanted (0 to 100000).
    pub replicas: i32,
}

/// What a scale did.
#[derive(Serialize, ToSchema)]
pub struct ScaleResult {
    /// Replicas before.
    pub replicas_before: i32,
    /// Replicas now.
    pub replicas: i32,
}

/// Scales a Deployment, StatefulSet or ReplicaSet through its scale subresource (`kubectl scale --replicas=N`).
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/scale", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments, statefulsets or replicasets"), ("name" = String, Path), DryRunQuery),
    request_body = ScaleRequest,
    responses((status = 200, body = ScaleResult), (status = 403), (status = 400, description = "`out_of_range`"), (status = 404, description = "`verb_not_supported`, `object_not_found`")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn scale(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DryRunQuery>,
    ApiJson(body): ApiJson<ScaleRequest>,
) -> ApiResult<Json<ScaleResult>> {
    audit_target(&audit, &t, Verb::Scale);
    audit.detail(json!({"replicas": body.replicas, "dry_run": q.dry_run}));
    if !(0..=MAX_REPLICAS).contains(&body.replicas) {
        return Err(ApiError::out_of_range("replicas", Some(0), Some(MAX_REPLICAS as i64)));
    }
    let w = Workload::open(&state, &auth, &t, Verb::Scale, true).await?;
    let before = within(CALL, w.api.get_scale(&w.name)).await.map_err(|e| w.write_error(e))?;
    let pp = PatchParams { dry_run: q.dry_run, field_manager: Some(FIELD_MANAGER.into()), ..PatchParams::default() };
    let after = within(CALL, w.api.patch_scale(&w.name, &pp, &Patch::Merge(json!({"spec": {"replicas": body.replicas}}))))
        .await
        .map_err(|e| w.write_error(e))?;
    let replicas_before = before.spec.and_then(|s| s.replicas).unwrap_or(0);
    audit.detail(json!({"replicas_before": replicas_before, "replicas": body.replicas, "dry_run": q.dry_run}));
    Ok(Json(ScaleResult { replicas_before, replicas: after.spec.and_then(|s| s.replicas).unwrap_or(body.replicas) }))
}

// ---- restart, pause, resume, suspend ----

/// What a restart did.
#[derive(Serialize, ToSchema)]
pub struct RestartResult {
    /// The `kubectl.kubernetes.io/restartedAt` written to the template (RFC 3339).
    pub restarted_at: String,
}

/// Restarts every pod of a Deployment, StatefulSet or DaemonSet by a rollout (`kubectl rollout restart`: the
/// template annotation `kubectl.kubernetes.io/restartedAt`); a paused Deployment is refused, like kubectl.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/restart", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments, statefulsets or daemonsets"), ("name" = String, Path), DryRunQuery),
    responses((status = 200, body = RestartResult), (status = 403), (status = 404, description = "`verb_not_supported`, `object_not_found`"), (status = 409, description = "`rollout_paused`")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn restart(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DryRunQuery>,
) -> ApiResult<Json<RestartResult>> {
    audit_target(&audit, &t, Verb::Restart);
    let w = Workload::open(&state, &auth, &t, Verb::Restart, true).await?;
    let obj = w.get().await?;
    if w.plural == "deployments" && obj["spec"]["paused"] == true {
        return Err(paused_error(&w));
    }
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    w.patch(Patch::Merge(json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT_ANNOTATION: now}}}}})), q.dry_run).await?;
    audit.detail(json!({"restarted_at": now, "dry_run": q.dry_run}));
    Ok(Json(RestartResult { restarted_at: now }))
}

/// Whether a Deployment is paused now.
#[derive(Serialize, ToSchema)]
pub struct PauseResult {
    /// `spec.paused`.
    pub paused: bool,
}

/// Pauses a Deployment's rollout (`kubectl rollout pause`); 409 `already_paused`.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/pause", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments"), ("name" = String, Path), DryRunQuery),
    responses((status = 200, body = PauseResult), (status = 403), (status = 404, description = "`verb_not_supported`, `object_not_found`"), (status = 409, description = "`already_paused`")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn pause(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DryRunQuery>,
) -> ApiResult<Json<PauseResult>> {
    audit_target(&audit, &t, Verb::Pause);
    audit.detail(json!({"dry_run": q.dry_run}));
    let w = Workload::open(&state, &auth, &t, Verb::Pause, true).await?;
    let obj = w.get().await?;
    if obj["spec"]["paused"] == true {
        return Err(ApiError::conflict(ErrorCode::AlreadyPaused, format!("{} is already paused", w.what())).param("object", w.what()));
    }
    w.patch(Patch::Merge(json!({"spec": {"paused": true}})), q.dry_run).await?;
    Ok(Json(PauseResult { paused: true }))
}

/// The answer of `resume`: a Deployment's `paused`, or a CronJob's `suspended`.
#[derive(Serialize, ToSchema)]
pub struct ResumeResult {
    /// A Deployment: `spec.paused` (false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    /// A CronJob: `spec.suspend` (false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
}

/// Resumes a paused Deployment (`kubectl rollout resume`; 409 `not_paused`) or a suspended CronJob.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/resume", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments or cronjobs"), ("name" = String, Path), DryRunQuery),
    responses((status = 200, body = ResumeResult), (status = 403), (status = 404, description = "`verb_not_supported`, `object_not_found`"), (status = 409, description = "`not_paused`")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn resume(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DryRunQuery>,
) -> ApiResult<Json<ResumeResult>> {
    audit_target(&audit, &t, Verb::Resume);
    audit.detail(json!({"dry_run": q.dry_run}));
    let w = Workload::open(&state, &auth, &t, Verb::Resume, true).await?;
    if w.plural == "cronjobs" {
        w.patch(Patch::Merge(json!({"spec": {"suspend": false}})), q.dry_run).await?;
        return Ok(Json(ResumeResult { paused: None, suspended: Some(false) }));
    }
    let obj = w.get().await?;
    if obj["spec"]["paused"] != true {
        return Err(ApiError::conflict(ErrorCode::NotPaused, format!("{} is not paused", w.what())).param("object", w.what()));
    }
    w.patch(Patch::Merge(json!({"spec": {"paused": false}})), q.dry_run).await?;
    Ok(Json(ResumeResult { paused: Some(false), suspended: None }))
}

/// Whether a CronJob is suspended now.
#[derive(Serialize, ToSchema)]
pub struct SuspendResult {
    /// `spec.suspend`.
    pub suspended: bool,
}

/// Suspends a CronJob (`kubectl patch cronjob NAME -p '{"spec":{"suspend":true}}'`): no new Jobs are started.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/suspend", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "cronjobs"), ("name" = String, Path), DryRunQuery),
    responses((status = 200, body = SuspendResult), (status = 403), (status = 404, description = "`verb_not_supported`, `object_not_found`")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn suspend(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DryRunQuery>,
) -> ApiResult<Json<SuspendResult>> {
    audit_target(&audit, &t, Verb::Suspend);
    audit.detail(json!({"dry_run": q.dry_run}));
    let w = Workload::open(&state, &auth, &t, Verb::Suspend, true).await?;
    w.patch(Patch::Merge(json!({"spec": {"suspend": true}})), q.dry_run).await?;
    Ok(Json(SuspendResult { suspended: true }))
}

// ---- history ----

/// A workload's revisions.
#[derive(Serialize, ToSchema)]
pub struct History {
    /// Newest first.
    pub revisions: Vec<Revision>,
}

fn revision_not_found(revision: i64, revisions: &[i64], w: &Workload) -> ApiError {
    let list = revisions.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let message = if revision == 0 {
        format!("{} has no previous revision to roll back to (revisions: {})", w.what(), if list.is_empty() { "none" } else { &list })
    } else {
        format!("{} has no revision {revision}; its revisions are {}", w.what(), if list.is_empty() { "none" } else { &list })
    };
    ApiError::not_found(ErrorCode::RevisionNotFound, message).param("revision", revision).param("revisions", revisions)
}

/// A workload's revisions (`kubectl rollout history`): a Deployment's from its ReplicaSets, a StatefulSet's or
/// DaemonSet's from its ControllerRevisions.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/history", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments, statefulsets or daemonsets"), ("name" = String, Path)),
    responses((status = 200, body = History), (status = 404, description = "`verb_not_supported`, `object_not_found`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn history(
    State(state): State<AppState>,
    auth: Authorized<perm::ResourceRead>,
    GenericPath(t): GenericPath,
) -> ApiResult<Json<History>> {
    let w = Workload::open(&state, &auth, &t, Verb::History, false).await?;
    let (_, revisions) = w.history().await?;
    Ok(Json(History { revisions }))
}

/// One revision with its pod template.
#[derive(Serialize, ToSchema)]
pub struct RevisionDetail {
    /// The revision.
    #[serde(flatten)]
    pub revision: Revision,
    /// Its pod template (a ReplicaSet's without `pod-template-hash`).
    #[schema(value_type = Object)]
    pub template: Value,
}

/// The `revision` path parameter.
#[derive(Deserialize)]
pub struct RevisionPath {
    /// The revision number.
    pub revision: String,
}

fn parse_revision(s: &str, field: &str) -> ApiResult<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|r| *r > 0)
        .ok_or_else(|| ApiError::invalid(field, ErrorCode::OutOfRange, format!("{field} must be a revision number (1 or more)")).param("min", 1))
}

/// One revision and its pod template (`kubectl rollout history --revision=N`).
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/history/{revision}", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments, statefulsets or daemonsets"), ("name" = String, Path), ("revision" = i64, Path)),
    responses((status = 200, body = RevisionDetail), (status = 404, description = "`revision_not_found` (with the revisions there are), `verb_not_supported`, `object_not_found`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn history_revision(
    State(state): State<AppState>,
    auth: Authorized<perm::ResourceRead>,
    GenericPath(t): GenericPath,
    crate::extract::ApiPath(p): crate::extract::ApiPath<RevisionPath>,
) -> ApiResult<Json<RevisionDetail>> {
    let n = parse_revision(&p.revision, "revision")?;
    let w = Workload::open(&state, &auth, &t, Verb::History, false).await?;
    let (_, h) = w.history().await?;
    let all: Vec<i64> = h.iter().map(|r| r.revision).collect();
    let r = h.into_iter().find(|r| r.revision == n).ok_or_else(|| revision_not_found(n, &all, &w))?;
    Ok(Json(RevisionDetail { template: r.template.clone(), revision: r }))
}

/// `?from=&to=`: two revisions.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older revision.
    pub from: i64,
    /// The newer revision.
    pub to: i64,
}

/// The difference between two revisions' templates.
#[derive(Serialize, ToSchema)]
pub struct RevisionDiff {
    /// The revision compared from.
    pub from: i64,
    /// The revision compared to.
    pub to: i64,
    /// A unified diff of the two pod templates as YAML (empty when equal).
    pub diff: String,
}

fn yaml(v: &Value) -> String {
    serde_saphyr::to_string(v).unwrap_or_default()
}

/// The difference between two revisions' pod templates, as a unified diff of their YAML.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/history/diff", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments, statefulsets or daemonsets"), ("name" = String, Path), DiffQuery),
    responses((status = 200, body = RevisionDiff), (status = 404, description = "`revision_not_found` (with the revisions there are), `verb_not_supported`, `object_not_found`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn history_diff(
    State(state): State<AppState>,
    auth: Authorized<perm::ResourceRead>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> ApiResult<Json<RevisionDiff>> {
    parse_revision(&q.from.to_string(), "from")?;
    parse_revision(&q.to.to_string(), "to")?;
    let w = Workload::open(&state, &auth, &t, Verb::History, false).await?;
    let (_, h) = w.history().await?;
    let all: Vec<i64> = h.iter().map(|r| r.revision).collect();
    let find = |n: i64| h.iter().find(|r| r.revision == n).ok_or_else(|| revision_not_found(n, &all, &w));
    let (a, b) = (find(q.from)?, find(q.to)?);
    let diff = kubedeck_kube::resource::diff::unified(&yaml(&a.template), &yaml(&b.template), 3);
    let diff = match diff.split_once("+++ new\n") {
        Some((_, rest)) => format!("--- revision {}\n+++ revision {}\n{rest}", q.from, q.to),
        None => diff,
    };
    Ok(Json(RevisionDiff { from: q.from, to: q.to, diff }))
}

// ---- rollback ----

/// `kubectl rollout undo --to-revision=N`.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    /// The revision to go back to; 0 (the default): the previous one.
    #[serde(default)]
    pub revision: i64,
}

/// What a rollback did.
#[derive(Serialize, ToSchema)]
pub struct RollbackResult {
    /// `rolled_back` or `skipped` (the template already matched the revision).
    pub outcome: &'static str,
    /// The revision the workload was at.
    pub from_revision: Option<i64>,
    /// The revision it went back to.
    pub to_revision: i64,
    /// kubectl's words (`rolled back`, `skipped rollback (current template already matches revision N)`).
    pub message: String,
    /// Nothing was changed (a server-side dry run).
    pub dry_run: bool,
}

/// Rolls a Deployment, StatefulSet or DaemonSet back (`kubectl rollout undo [--to-revision=N]`, kubectl's own
/// algorithm): a Deployment to a ReplicaSet's template and annotations, a StatefulSet or DaemonSet to a
/// ControllerRevision's data; a paused Deployment is refused; the same template is skipped.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/rollback", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments, statefulsets or daemonsets"), ("name" = String, Path), DryRunQuery),
    request_body = RollbackRequest,
    responses((status = 200, body = RollbackResult), (status = 403), (status = 404, description = "`revision_not_found` (`revisions`: the ones there are), `verb_not_supported`, `object_not_found`"), (status = 409, description = "`rollout_paused`")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn rollback(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DryRunQuery>,
    body: Bytes,
) -> ApiResult<Json<RollbackResult>> {
    audit_target(&audit, &t, Verb::Rollback);
    let req: RollbackRequest = optional_body(&body)?;
    audit.detail(json!({"revision": req.revision, "dry_run": q.dry_run}));
    if req.revision < 0 {
        return Err(ApiError::out_of_range("revision", Some(0), None));
    }
    let w = Workload::open(&state, &auth, &t, Verb::Rollback, true).await?;
    let obj = w.get().await?;
    let plan = if w.plural == "deployments" {
        rollback::deployment(&obj, &w.list_selected("replicasets", &obj).await?, req.revision)
    } else {
        rollback::controller(&obj, &w.controller_revisions(&obj).await?, req.revision)
    };
    let Plan { from, to, patch, message } = plan.map_err(|r| match r {
        Refusal::RevisionNotFound { revision, revisions } => revision_not_found(revision, &revisions, &w),
        Refusal::Paused => paused_error(&w),
    })?;
    let outcome = match patch {
        None => "skipped",
        Some((PatchKind::Json, ops)) => {
            w.json_patch(&ops, q.dry_run).await?;
            "rolled_back"
        }
        Some((PatchKind::Strategic, data)) => {
            w.patch(Patch::Strategic(data), q.dry_run).await?;
            "rolled_back"
        }
    };
    audit.detail(json!({"revision": req.revision, "from_revision": from, "to_revision": to, "outcome": outcome, "dry_run": q.dry_run}));
    Ok(Json(RollbackResult { outcome, from_revision: from, to_revision: to, message, dry_run: q.dry_run }))
}

// ---- rollout status ----

/// Where a rollout stands (`kubectl rollout status`, without waiting): `complete`, `progressing`, `stalled` (the
/// condition's reason, e.g. `ProgressDeadlineExceeded`, and the failing pods) or `paused`. Follow it with
/// `GET .../changes?kinds=deployments,replicasets,pods` and read it again on a notice.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/rollout", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments, statefulsets or daemonsets"), ("name" = String, Path)),
    responses((status = 200, body = RolloutStatus), (status = 404, description = "`verb_not_supported`, `object_not_found`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn rollout(
    State(state): State<AppState>,
    auth: Authorized<perm::ResourceRead>,
    GenericPath(t): GenericPath,
) -> ApiResult<Json<RolloutStatus>> {
    let w = Workload::open(&state, &auth, &t, Verb::Rollout, false).await?;
    let obj = w.get().await?;
    let pods = w.list_selected("pods", &obj).await?;
    let s = match w.plural {
        "deployments" => status::deployment(&obj, &w.list_selected("replicasets", &obj).await?, &pods),
        "statefulsets" => status::statefulset(&obj, &pods),
        _ => status::daemonset(&obj, &pods),
    };
    Ok(Json(s))
}

// ---- set image ----

/// `kubectl set image NAME CONTAINER=IMAGE`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetImageRequest {
    /// The container (or init container).
    pub container: String,
    /// The new image (`nginx:1.25`).
    pub image: String,
}

/// What a set image did.
#[derive(Serialize, ToSchema)]
pub struct SetImageResult {
    /// The container.
    pub container: String,
    /// Its image before.
    pub image_before: String,
    /// Its image now.
    pub image: String,
}

/// Sets one container's image (`kubectl set image`); an unknown container is 422 naming the ones there are.
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/image", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments, statefulsets, daemonsets or cronjobs"), ("name" = String, Path), DryRunQuery),
    request_body = SetImageRequest,
    responses((status = 200, body = SetImageResult), (status = 403), (status = 404, description = "`verb_not_supported`, `object_not_found`"), (status = 400, description = "`required`, `invalid_length`, `control_characters` (the image)"), (status = 422, description = "`container_not_found` (`containers`: the ones there are)")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn set_image(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DryRunQuery>,
    ApiJson(body): ApiJson<SetImageRequest>,
) -> ApiResult<Json<SetImageResult>> {
    audit_target(&audit, &t, Verb::Image);
    audit.detail(json!({"container": body.container, "image": body.image, "dry_run": q.dry_run}));
    let image = body.image.trim();
    if image.is_empty() {
        return Err(ApiError::invalid("image", ErrorCode::Required, "image is required"));
    }
    if image.len() > 512 {
        return Err(ApiError::invalid_length("image", 1, 512));
    }
    if image.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ApiError::invalid("image", ErrorCode::ControlCharacters, "an image reference has no spaces or control characters"));
    }
    let w = Workload::open(&state, &auth, &t, Verb::Image, true).await?;
    let obj = w.get().await?;
    let (patch, before) = image::set_image_patch(&obj, template_pointer(w.plural), &body.container, image).map_err(|SetImageError::NoContainer(names)| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ContainerNotFound, format!("{} has no container '{}'; it has: {}", w.what(), body.container, names.join(", ")))
            .with_field("container")
            .param("container", &body.container)
            .param("containers", names.join(", "))
            // the target is a workload's pod template, not a pod: the sentence names it
            .param("kind", &w.served.api.kind)
            .param("name", format!("{}/{}", w.ns, w.name))
    })?;
    w.patch(Patch::Strategic(patch), q.dry_run).await?;
    audit.detail(json!({"container": body.container, "image_before": before, "image": image, "dry_run": q.dry_run}));
    Ok(Json(SetImageResult { container: body.container.clone(), image_before: before, image: image.to_owned() }))
}

// ---- CronJob trigger, Job rerun ----

/// The name of the Job to create (optional).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    /// The new Job's name; default `<name>-manual-<time>` (trigger) or `<name>-rerun-<time>` (rerun).
    pub job_name: Option<String>,
}

/// A Job.
#[derive(Serialize, ToSchema)]
pub struct JobRef {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

/// The Job a trigger or rerun created.
#[derive(Serialize, ToSchema)]
pub struct JobCreated {
    /// The Job.
    pub job: JobRef,
    /// Nothing was created (a server-side dry run).
    pub dry_run: bool,
}

fn job_name(req: &JobRequest, base: &str, what: &str) -> ApiResult<String> {
    match &req.job_name {
        Some(n) => {
            let ok = !n.is_empty()
                && n.len() <= 63
                && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && n.starts_with(|c: char| c.is_ascii_alphanumeric())
                && n.ends_with(|c: char| c.is_ascii_alphanumeric());
            if !ok {
                return Err(ApiError::invalid("job_name", ErrorCode::InvalidName, "a Job name is 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit")
                    .param("what", "job")
                    .param("value", n));
            }
            Ok(n.clone())
        }
        None => Ok(image::job_name(base, &format!("{what}-{}", chrono::Utc::now().format("%y%m%d%H%M%S")))),
    }
}

async fn create_job(w: &Workload, job: Value, dry_run: bool) -> ApiResult<JobCreated> {
    let jobs = w.cat.find("jobs").map_err(|_| ApiError::internal("the cluster does not serve jobs"))?;
    let api: Api<DynamicObject> = Api::namespaced_with(w.client.clone(), &w.ns, &jobs.api);
    let name = job["metadata"]["name"].as_str().unwrap_or_default().to_owned();
    let obj: DynamicObject = serde_json::from_value(job).map_err(ApiError::internal)?;
    let pp = PostParams { dry_run, field_manager: Some(FIELD_MANAGER.into()) };
    within(CALL, api.create(&pp, &obj)).await.map_err(|e| match e {
        kubedeck_kube::error::ClusterError::Api { code: 409, .. } => {
            ApiError::conflict(ErrorCode::AlreadyExists, format!("Job {}/{name} exists already", w.ns)).param("object", format!("Job {}/{name}", w.ns)).with_field("job_name")
        }
        e => from_cluster(e),
    })?;
    Ok(JobCreated { job: JobRef { namespace: w.ns.clone(), name }, dry_run })
}

/// Runs a CronJob now (`kubectl create job NAME --from=cronjob/CRONJOB`): a Job from its template, with the
/// annotation `cronjob.kubernetes.io/instantiate: manual`, controlled by the CronJob.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/trigger", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "cronjobs"), ("name" = String, Path), DryRunQuery),
    request_body(content = JobRequest, description = "optional"),
    responses((status = 201, body = JobCreated), (status = 200, body = JobCreated, description = "dry run"), (status = 403), (status = 404, description = "`verb_not_supported`, `object_not_found`"), (status = 400, description = "`invalid_name`"), (status = 409, description = "`already_exists`")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn trigger(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DryRunQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<JobCreated>)> {
    audit_target(&audit, &t, Verb::Trigger);
    let req: JobRequest = optional_body(&body)?;
    let w = Workload::open(&state, &auth, &t, Verb::Trigger, true).await?;
    let name = job_name(&req, &w.name, "manual")?;
    let cj = w.get().await?;
    let jobs_version = w.cat.find("jobs").map(|s| s.api.api_version.clone()).unwrap_or_else(|_| "batch/v1".into());
    let job = image::job_from_cronjob(&cj, &w.served.api.api_version, &jobs_version, &name);
    let created = create_job(&w, job, q.dry_run).await?;
    audit.detail(json!({"job": name, "dry_run": q.dry_run}));
    Ok((if q.dry_run { StatusCode::OK } else { StatusCode::CREATED }, Json(created)))
}

/// Runs a Job again: a copy under a new name, without the selector and pod labels the Job controller generated.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/rerun", tag = "workloads",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "jobs"), ("name" = String, Path), DryRunQuery),
    request_body(content = JobRequest, description = "optional"),
    responses((status = 201, body = JobCreated), (status = 200, body = JobCreated, description = "dry run"), (status = 403), (status = 404, description = "`verb_not_supported`, `object_not_found`"), (status = 400, description = "`invalid_name`"), (status = 409, description = "`already_exists`")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn rerun(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<DryRunQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<JobCreated>)> {
    audit_target(&audit, &t, Verb::Rerun);
    let req: JobRequest = optional_body(&body)?;
    let w = Workload::open(&state, &auth, &t, Verb::Rerun, true).await?;
    let name = job_name(&req, &w.name, "rerun")?;
    let job = w.get().await?;
    let created = create_job(&w, image::rerun_job(&job, &name), q.dry_run).await?;
    audit.detail(json!({"job": name, "dry_run": q.dry_run}));
    Ok((if q.dry_run { StatusCode::OK } else { StatusCode::CREATED }, Json(created)))
}

// ---- the cluster's images ----

/// Where an image is used.
#[derive(Serialize, ToSchema, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImageUse {
    /// `Deployment`, `StatefulSet`, `DaemonSet`, `CronJob`, `Job`, or `Pod` (a pod no controller owns).
    pub kind: String,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// The container.
    pub container: String,
}

/// One repository and the tags seen in the cluster.
#[derive(Serialize, ToSchema)]
pub struct ClusterImage {
    /// The repository (`nginx`, `registry:5000/team/web`).
    pub repository: String,
    /// Tags seen (and digests, `@sha256:...`), sorted.
    pub tags: Vec<String>,
    /// Workloads and bare pods using it (at most 50).
    pub used_by: Vec<ImageUse>,
}

/// The images of a cluster.
#[derive(Serialize, ToSchema)]
pub struct ClusterImages {
    /// By repository.
    pub images: Vec<ClusterImage>,
}

/// The images seen in the cluster's pods and workload templates (in the namespaces the caller may read), for
/// picking an image and tag.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/images", tag = "workloads",
    params(("id" = i64, Path)),
    responses((status = 200, body = ClusterImages), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn images(State(state): State<AppState>, auth: InCluster<perm::ResourceRead>) -> ApiResult<Json<ClusterImages>> {
    let c = crate::connection::cluster(&state, auth.cluster_id).await?;
    let cat = crate::connection::catalog(&state, &c).await?;
    let client = client_for(&state, &c).await?;
    let namespaces = auth.narrow(&[])?;
    let mut repos: BTreeMap<String, (std::collections::BTreeSet<String>, std::collections::BTreeSet<ImageUse>)> = BTreeMap::new();
    for plural in ["deployments", "statefulsets", "daemonsets", "cronjobs", "jobs", "pods"] {
        let Ok(served) = cat.find(plural) else { continue };
        let apis: Vec<Api<DynamicObject>> = match &namespaces {
            None => vec![Api::all_with(client.clone(), &served.api)],
            Some(nss) => nss.iter().map(|ns| Api::namespaced_with(client.clone(), ns, &served.api)).collect(),
        };
        for api in apis {
            let list = within(CALL, api.list(&ListParams::default())).await.map_err(from_cluster)?;
            for o in list.items {
                let o = serde_json::to_value(o).unwrap_or(Value::Null);
                let owned = o["metadata"]["ownerReferences"].as_array().is_some_and(|r| r.iter().any(|r| r["controller"] == true));
                let template = match plural {
                    "pods" => o.clone(),
                    _ => o.pointer(template_pointer(plural)).cloned().unwrap_or(Value::Null),
                };
                for ContainerImage { container, image } in image::containers(&template) {
                    let (repo, tag, digest) = image::split(&image);
                    let entry = repos.entry(repo).or_default();
                    entry.0.insert(match (tag, digest) {
                        (Some(t), _) => t,
                        (None, Some(d)) => format!("@{d}"),
                        (None, None) => "latest".into(),
                    });
                    // a controller's pods and Jobs are its template's: only what nothing controls is listed itself
                    if !owned && entry.1.len() < 50 {
                        entry.1.insert(ImageUse {
                            kind: served.api.kind.clone(),
                            namespace: o["metadata"]["namespace"].as_str().unwrap_or_default().to_owned(),
                            name: o["metadata"]["name"].as_str().unwrap_or_default().to_owned(),
                            container,
                        });
                    }
                }
            }
        }
    }
    Ok(Json(ClusterImages {
        images: repos
            .into_iter()
            .map(|(repository, (tags, used_by))| ClusterImage { repository, tags: tags.into_iter().collect(), used_by: used_by.into_iter().collect() })
            .collect(),
    }))
}

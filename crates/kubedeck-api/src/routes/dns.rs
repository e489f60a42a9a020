//! Cluster DNS (issue 15, spec 5.1 "DNS 配置管理"): CoreDNS' Corefile (ConfigMap `kube-system/coredns`, key
//! `Corefile`, as kubeadm installs it) edited as upstream resolvers, stub domains and host entries
//! ([`kubedeck_kube::resource::insight::dns`] writes them into the text and checks it reads back). The Corefile
//! replaced is kept in an annotation of the ConfigMap, so one rollback restores it (and a second one redoes the
//! edit). A cluster without that ConfigMap runs no CoreDNS Kubedeck can edit: `GET` says so with `found: false`.

use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::connection::{client_for, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::resources::object::api_for;
use crate::routes::resources::{Target, resolve};
use crate::routes::workloads::DryRunQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use kube::api::{Api, DynamicObject, PostParams};
use kubedeck_kube::error::within;
use kubedeck_kube::resource::insight::dns::{self, DnsSettings};
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;
use utoipa::ToSchema;

const CALL: Duration = Duration::from_secs(20);
const NAMESPACE: &str = "kube-system";
const NAME: &str = "coredns";
const KEY: &str = "Corefile";
/// The annotation holding the Corefile an edit through Kubedeck replaced (what a rollback restores).
pub const PREVIOUS: &str = "kubedeck.io/previous-corefile";

/// The cluster's DNS configuration.
#[derive(Serialize, ToSchema)]
pub struct ClusterDns {
    /// False: the cluster has no ConfigMap `kube-system/coredns` with a `Corefile` key, so no CoreDNS Kubedeck
    /// can edit (the other fields are empty).
    pub found: bool,
    /// The settings the Corefile holds.
    pub settings: Option<DnsSettings>,
    /// The Corefile.
    pub corefile: Option<String>,
    /// The Corefile before the last edit through Kubedeck: what a rollback restores (none: nothing to roll back).
    pub previous: Option<String>,
    /// True when nothing was stored (a dry run).
    pub dry_run: bool,
}

/// The ConfigMaps of `kube-system`, at the version the cluster serves.
async fn config_maps(state: &AppState, id: i64) -> ApiResult<Api<DynamicObject>> {
    let t = Target { id, kind: "configmaps".into(), ns: Some(NAMESPACE.into()), name: None };
    let (c, served, _) = resolve(state, &t).await?;
    Ok(api_for(client_for(state, &c).await?, &served, Some(NAMESPACE)))
}

/// The ConfigMap and its Corefile, if the cluster has both.
async fn read(api: &Api<DynamicObject>) -> ApiResult<Option<(DynamicObject, String)>> {
    let cm = within(CALL, api.get_opt(NAME)).await.map_err(from_cluster)?;
    Ok(cm.and_then(|cm| {
        let text = cm.data["data"][KEY].as_str()?.to_owned();
        Some((cm, text))
    }))
}

/// The ConfigMap or `404 object_not_found`.
async fn read_found(api: &Api<DynamicObject>) -> ApiResult<(DynamicObject, String)> {
    read(api).await?.ok_or_else(|| {
        ApiError::not_found(ErrorCode::ObjectNotFound, format!("the cluster has no ConfigMap {NAMESPACE}/{NAME} with a {KEY} key: it runs no CoreDNS Kubedeck can edit"))
            .param("kind", "configmaps")
            .param("name", NAME)
            .param("namespace", NAMESPACE)
    })
}

fn previous_of(cm: &DynamicObject) -> Option<String> {
    cm.metadata.annotations.as_ref().and_then(|a| a.get(PREVIOUS)).cloned()
}

fn view(found: Option<(DynamicObject, String)>, dry_run: bool) -> ClusterDns {
    match found {
        None => ClusterDns { found: false, settings: None, corefile: None, previous: None, dry_run },
        Some((cm, text)) => ClusterDns { found: true, settings: Some(dns::settings(&text)), previous: previous_of(&cm), corefile: Some(text), dry_run },
    }
}

/// Stores `text` as the Corefile and `replaced` as the previous one (a replace at the ConfigMap's
/// resourceVersion: an edit made meanwhile is a `409`, never overwritten).
async fn write(api: &Api<DynamicObject>, mut cm: DynamicObject, text: String, replaced: String, dry_run: bool) -> ApiResult<ClusterDns> {
    cm.data["data"][KEY] = Value::String(text);
    cm.metadata.annotations.get_or_insert_with(Default::default).insert(PREVIOUS.into(), replaced);
    let pp = PostParams { dry_run, field_manager: Some("kubedeck".into()) };
    let stored = within(CALL, api.replace(NAME, &pp, &cm)).await.map_err(from_cluster)?;
    let text = stored.data["data"][KEY].as_str().unwrap_or_default().to_owned();
    Ok(view(Some((stored, text)), dry_run))
}

fn audit_target(audit: &AuditSlot, id: i64, action: &str) {
    audit.action(action);
    audit.target(Some(id), Some(NAMESPACE), Some(format!("configmaps/{NAME}")));
}

/// The cluster DNS' upstream resolvers, stub domains and host entries, read from CoreDNS' Corefile.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/dns", tag = "resources",
    params(("id" = i64, Path)),
    responses((status = 200, body = ClusterDns), (status = 403), (status = 404, description = "`cluster_not_found`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn get(State(state): State<AppState>, _auth: Authorized<perm::ResourceRead>, Path(id): Path<i64>) -> ApiResult<Json<ClusterDns>> {
    let api = config_maps(&state, id).await?;
    Ok(Json(view(read(&api).await?, false)))
}

/// Writes the settings into the Corefile (the rest of it kept), after checking every address and name and that
/// the new Corefile reads back as the settings; the Corefile replaced is kept for a rollback.
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/dns", tag = "resources",
    params(("id" = i64, Path), DryRunQuery),
    request_body = DnsSettings,
    responses((status = 200, body = ClusterDns),
        (status = 400, description = "`invalid_body`: `field` names the setting (`upstreams[1]`, `stub_domains[0].domain`, `hosts[0].ip` ...), `rule` is `address`, `domain`, `required`, `no_main_block` or `round_trip`; nothing is changed"),
        (status = 403), (status = 404, description = "`object_not_found`: no `kube-system/coredns` ConfigMap with a Corefile"), (status = 409)),
    extensions(("x-permission" = json!("platform.write"))))]
pub async fn update(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::PlatformWrite>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<DryRunQuery>,
    ApiJson(form): ApiJson<DnsSettings>,
) -> ApiResult<Json<ClusterDns>> {
    audit_target(&audit, id, "dns.update");
    let api = config_maps(&state, id).await?;
    let (cm, old) = read_found(&api).await?;
    let new = dns::apply(&old, &form).map_err(|e| {
        let message = e.to_string();
        ApiError::invalid(&e.field, ErrorCode::InvalidBody, message.clone()).param("rule", e.rule).param("value", e.value).param("detail", message)
    })?;
    audit.detail(json!({"upstreams": form.upstreams, "stub_domains": form.stub_domains.iter().map(|d| &d.domain).collect::<Vec<_>>(), "hosts": form.hosts.len(), "dry_run": q.dry_run}));
    Ok(Json(write(&api, cm, new, old, q.dry_run).await?))
}

/// Restores the Corefile the last edit through Kubedeck replaced (the current one becomes the previous: a second
/// rollback redoes the edit). `404 revision_not_found` (`revision` 0) when there is none.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/dns/rollback", tag = "resources",
    params(("id" = i64, Path)),
    responses((status = 200, body = ClusterDns), (status = 403),
        (status = 404, description = "`object_not_found` (no CoreDNS ConfigMap), `revision_not_found` (no previous Corefile)"), (status = 409)),
    extensions(("x-permission" = json!("platform.write"))))]
pub async fn rollback(State(state): State<AppState>, Extension(audit): Extension<AuditSlot>, _auth: Authorized<perm::PlatformWrite>, Path(id): Path<i64>) -> ApiResult<Json<ClusterDns>> {
    audit_target(&audit, id, "dns.rollback");
    let api = config_maps(&state, id).await?;
    let (cm, current) = read_found(&api).await?;
    let previous = previous_of(&cm).ok_or_else(|| {
        ApiError::not_found(ErrorCode::RevisionNotFound, "the Corefile was not edited through Kubedeck: there is no previous one to roll back to")
            .param("revision", 0)
            .param("revisions", Vec::<i64>::new())
    })?;
    Ok(Json(write(&api, cm, previous, current, false).await?))
}

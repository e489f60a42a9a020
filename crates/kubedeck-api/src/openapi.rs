//! The OpenAPI document, generated from the handlers' annotations, and Swagger UI.

use crate::routes::{self, Page};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, RefOr, Response};
use utoipa::{OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

/// The API description served at `/api/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Kubedeck API", description = "Multi-cluster Kubernetes management. Every route except login, refresh, logout and health needs `Authorization: Bearer <access_token>`. `x-permission` on an operation names the Kubedeck permission it needs. Errors are `{code, message, field, request_id}`."),
    paths(
        routes::health::healthz, routes::health::readyz, routes::health::metrics, routes::health::version,
        routes::auth::login, routes::auth::refresh, routes::auth::logout, routes::auth::me, routes::auth::change_password,
        routes::users::list, routes::users::create, routes::users::get, routes::users::update, routes::users::delete, routes::users::set_bindings,
        routes::audit_log::list,
        routes::tasks::list, routes::tasks::get, routes::tasks::cancel, routes::tasks::resume, routes::tasks::events,
        routes::clusters::import, routes::clusters::list, routes::clusters::get, routes::clusters::update, routes::clusters::delete,
        routes::clusters::status, routes::clusters::sync,
        routes::pods::search, routes::pods::merged_logs, routes::pods::list_all, routes::pods::sync, routes::pods::list_in_namespace, routes::pods::get, routes::pods::delete,
        routes::pods::logs, routes::pods::container_logs, routes::log_stream::follow, routes::exec::exec,
        routes::nodes::list, routes::nodes::get, routes::nodes::sync, routes::nodes::cordon, routes::nodes::uncordon,
        routes::nodes::labels, routes::nodes::taints, routes::nodes::delete, crate::drain::drain,
        routes::node_metrics::latest, routes::node_metrics::history, routes::pod_metrics::pod_history, routes::pod_metrics::workload_history,
        routes::cluster_metrics::latest, routes::cluster_metrics::history, routes::cluster_metrics::top_nodes, routes::cluster_metrics::top_pods, routes::upgrade::readiness, routes::certificates::of_cluster, routes::certificates::all,
        routes::prometheus::get_link, routes::prometheus::put_link, routes::prometheus::delete_link, routes::prometheus::test_link, routes::prometheus::query, routes::prometheus::query_range, routes::prometheus::app_metrics, routes::prometheus::list_saved, routes::prometheus::create_saved, routes::prometheus::update_saved, routes::prometheus::delete_saved,
        routes::resources::list::kinds, routes::resources::changes::changes, routes::resources::list::list_all, routes::resources::list::list_in_namespace,
        routes::resources::object::get, routes::resources::object::yaml, routes::resources::object::events,
        routes::resources::object::delete, routes::resources::object::sync,
        routes::resources::write::create, routes::resources::write::replace, routes::resources::write::apply,
        routes::workloads::scale, routes::workloads::restart, routes::workloads::pause, routes::workloads::resume, routes::workloads::suspend, routes::workloads::history, routes::workloads::history_revision, routes::workloads::history_diff, routes::workloads::rollback, routes::workloads::rollout, routes::workloads::set_image, routes::workloads::trigger, routes::workloads::rerun, routes::workloads::images,
        routes::namespaces::create, routes::namespaces::contents,
        routes::insight::insight, routes::config::create_tls, routes::config::create_registry,
        routes::dns::get, routes::dns::update, routes::dns::rollback,
        routes::app_backups::create, routes::app_backups::list, routes::app_backups::get, routes::app_backups::delete, routes::app_backups::download, routes::app_backups::restore, routes::app_backups::list_schedules, routes::app_backups::create_schedule, routes::app_backups::update_schedule, routes::app_backups::delete_schedule, routes::app_backups::import,
        routes::etcd::get_settings, routes::etcd::put_settings, routes::etcd::delete_settings, routes::etcd::list_snapshots, routes::etcd::take_snapshot, routes::etcd::get_snapshot, routes::etcd::delete_snapshot, routes::etcd::download_snapshot,
        routes::events::cluster_events, routes::events::namespace_events, routes::events::search, routes::events::timeline, routes::events::sync,
        routes::alerts::list, routes::alerts::list_all, routes::alerts::get, routes::alerts::ack, routes::alerts::resolve,
        routes::alerts::list_rules, routes::alerts::get_rule, routes::alerts::update_rule, routes::alerts::create_rule, routes::alerts::delete_rule,
        routes::alerts::list_silences, routes::alerts::create_silence, routes::alerts::expire_silence,
        routes::alerts::list_tokens, routes::alerts::create_token, routes::alerts::delete_token, routes::alerts::ingest,
        routes::storage::quota_usage, routes::storage::claim_volume, routes::storage::volume_history, routes::storage::resize, routes::storage::set_default,
        routes::channels::list, routes::channels::create, routes::channels::get, routes::channels::update, routes::channels::delete,
        routes::channels::test, routes::channels::deliveries, routes::channels::alert_deliveries,
        routes::maintenance::list, routes::maintenance::create, routes::maintenance::update, routes::maintenance::end,
        routes::maintenance::list_app_windows, routes::maintenance::create_app_window, routes::maintenance::delete_app_window,
        routes::maintenance::get_policy, routes::maintenance::set_policy,
    ),
    components(schemas(Page<routes::users::UserView>, Page<routes::audit_log::AuditView>, Page<routes::clusters::ClusterView>, Page<routes::tasks::TaskListItem>, Page<routes::alerts::AlertView>, Page<routes::channels::DeliveryView>, ErrorBody, kubedeck_core::error_code::ErrorCode)),
    modifiers(&GenericPaths, &BearerAuth, &CommonErrors),
    tags((name = "auth"), (name = "users"), (name = "audit"), (name = "clusters"), (name = "nodes"), (name = "pods"), (name = "tasks"), (name = "resources"), (name = "workloads"), (name = "namespaces"), (name = "storage"), (name = "events"), (name = "alerts"), (name = "notify"), (name = "maintenance"), (name = "backups"), (name = "prometheus"), (name = "health"))
)]
pub struct ApiDoc;

struct BearerAuth;

/// The generic resource routes are one handler under several paths (namespaced objects, cluster-scoped objects,
/// and a Namespace object at `.../namespaces/{ns}`): each documented namespaced path is copied to its other forms
/// with the path parameters those forms lack removed.
struct GenericPaths;

fn param_name(p: &RefOr<utoipa::openapi::path::Parameter>) -> &str {
    match p {
        RefOr::T(p) => &p.name,
        RefOr::Ref(_) => "",
    }
}

impl utoipa::Modify for GenericPaths {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        const NS: &str = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}";
        let copies: &[(&str, &str, &[&str])] = &[
            ("/{name}", "/api/v1/k8s/cluster/{id}/{kind}/{name}", &["ns"]),
            ("/{name}/yaml", "/api/v1/k8s/cluster/{id}/{kind}/{name}/yaml", &["ns"]),
            ("/{name}/events", "/api/v1/k8s/cluster/{id}/{kind}/{name}/events", &["ns"]),
            ("/{name}", "/api/v1/k8s/cluster/{id}/namespaces/{ns}", &["kind", "name"]),
            ("/{name}/yaml", "/api/v1/k8s/cluster/{id}/namespaces/{ns}/yaml", &["kind", "name"]),
            // pods and nodes: their own pages use the engine's YAML and events (and a node's YAML is edited with it)
            ("/{name}/yaml", "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/yaml", &["kind"]),
            ("/{name}/events", "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/events", &["kind"]),
            ("/{name}/yaml", "/api/v1/k8s/cluster/{id}/nodes/{name}/yaml", &["kind", "ns"]),
            ("/{name}/events", "/api/v1/k8s/cluster/{id}/nodes/{name}/events", &["kind", "ns"]),
        ];
        for (suffix, to, drop) in copies {
            let Some(mut item) = openapi.paths.paths.get(&format!("{NS}{suffix}")).cloned() else { continue };
            for op in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete].into_iter().flatten() {
                if let Some(ps) = op.parameters.as_mut() {
                    ps.retain(|p| !drop.contains(&param_name(p)));
                }
            }
            openapi.paths.paths.insert((*to).to_owned(), item);
        }
        // a node's YAML is replaced through the engine (its GET and DELETE are the node routes' own)
        if let Some(mut put) = openapi.paths.paths.get(&format!("{NS}/{{name}}")).and_then(|i| i.put.clone()) {
            if let Some(ps) = put.parameters.as_mut() {
                ps.retain(|p| !matches!(param_name(p), "kind" | "ns"));
            }
            if let Some(item) = openapi.paths.paths.get_mut("/api/v1/k8s/cluster/{id}/nodes/{name}") {
                item.put = Some(put);
            }
        }
        // creating cluster-scoped objects (or namespaced ones naming their namespace): POST on the kind's path
        if let Some(post) = openapi.paths.paths.get(NS).and_then(|i| i.post.clone()) {
            let mut post = post;
            if let Some(ps) = post.parameters.as_mut() {
                ps.retain(|p| param_name(p) != "ns");
            }
            if let Some(item) = openapi.paths.paths.get_mut("/api/v1/k8s/cluster/{id}/{kind}") {
                item.post = Some(post);
            }
        }
        // relisting Namespaces: `.../namespaces/sync` (a static segment, before `{ns}`)
        if let Some(mut item) = openapi.paths.paths.get("/api/v1/k8s/cluster/{id}/{kind}/sync").cloned() {
            if let Some(op) = item.post.as_mut()
                && let Some(ps) = op.parameters.as_mut()
            {
                ps.retain(|p| param_name(p) != "kind");
            }
            openapi.paths.paths.insert("/api/v1/k8s/cluster/{id}/namespaces/sync".into(), item);
        }
        // the engine's own routes (a verb's route, such as a workload's scale, names its kinds itself)
        let generic = |p: &str| ["{kind}", "{kind}/{name}", "{kind}/{name}/yaml", "{kind}/{name}/events", "{kind}/sync"].iter().any(|end| p.ends_with(end));
        for (path, item) in openapi.paths.paths.iter_mut() {
            if generic(path) {
                for op in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete].into_iter().flatten() {
                    permission_by_kind(op);
                }
            }
        }
    }
}

/// `x-permission-by-kind` on a generic operation: what it takes for each kind, from the same rule the handlers
/// check at run time (a platform kind's writes and deletes take `platform.write`), so a client and the
/// authorization-matrix test read per kind what `x-permission` can only say for the route.
fn permission_by_kind(op: &mut Operation) {
    use kubedeck_kube::resource::kinds::{KINDS, Tier};
    let Some(extensions) = op.extensions.as_mut() else { return };
    let needs = |tier: Tier| -> Option<&'static str> {
        match extensions.get("x-permission").and_then(|v| v.as_str()) {
            Some("resource.read") => Some("resource.read"),
            Some("resource.write") => Some(routes::resources::tier_permission(tier, false).as_str()),
            Some("resource.delete") => Some(routes::resources::tier_permission(tier, true).as_str()),
            _ => None,
        }
    };
    let mut by_kind = serde_json::Map::new();
    for k in KINDS {
        let Some(p) = needs(k.tier) else { return };
        by_kind.insert(k.plural.to_owned(), p.into());
    }
    for (key, namespaced) in [("<custom, namespaced>", true), ("<custom, cluster-scoped>", false)] {
        if let Some(p) = needs(Tier::of_custom(namespaced)) {
            by_kind.insert(key.to_owned(), p.into());
        }
    }
    extensions.insert("x-permission-by-kind".to_owned(), serde_json::Value::Object(by_kind));
}

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// The body of every error answer (some add members, such as a refused import's preflight report).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    /// Stable machine-readable code: one of a closed list, each with a sentence the console translates.
    code: kubedeck_core::error_code::ErrorCode,
    /// What went wrong, in the operator's words.
    message: String,
    /// The request field at fault, when there is one.
    field: Option<String>,
    /// The values the code's sentence names (`min`, `max`, `node`, `allowed` ...); see `ErrorCode`.
    params: std::collections::BTreeMap<String, serde_json::Value>,
    /// The request id to quote when reporting a problem.
    request_id: String,
}

/// Documents the answers every route can give because of what it takes, as the extractors give them: public
/// routes need no token; others answer 401 without a valid session, 429 past the rate limit and (except
/// `authenticated` ones) 403 without the permission or before a required password change; a route with
/// parameters answers 400 for a malformed one and 404 for an object that cannot exist; a JSON body can be
/// malformed (400), too large (413), not JSON (415) or not fit its schema (422). Every error has [`ErrorBody`]
/// and a description.
struct CommonErrors;

impl utoipa::Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                common_errors(op);
            }
        }
    }
}

fn common_errors(op: &mut Operation) {
    let permission = op
        .extensions
        .as_ref()
        .and_then(|e| e.get("x-permission"))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let params: Vec<ParameterIn> = op
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p.parameter_in.clone()),
            RefOr::Ref(_) => None,
        })
        .collect();
    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(Response::new(description)));
    };
    if permission == "public" {
        op.security = Some(Vec::new());
    } else {
        add("401", "no valid session: log in (again)");
        add("429", "too many requests; see Retry-After");
        if permission != "authenticated" {
            add(
                "403",
                "the caller lacks the permission in x-permission, or must change the password first",
            );
        }
    }
    if !params.is_empty() {
        add("400", "a malformed parameter");
    }
    if params.contains(&ParameterIn::Path) {
        add("404", "not found");
    }
    if op.request_body.is_some() {
        add("400", "the body is not valid JSON");
        add("413", "the body is too large");
        add("415", "the body is not sent as application/json");
        add("422", "the body does not fit its schema");
    }
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        if response.description.is_empty() {
            response.description = status_text(status).to_owned();
        }
        if response.content.is_empty() {
            response.content.insert(
                "application/json".to_owned(),
                RefOr::T(Content::new(Some(utoipa::openapi::Ref::from_schema_name(
                    "ErrorBody",
                )))),
            );
        }
    }
}

fn status_text(status: &str) -> &'static str {
    status
        .parse::<u16>()
        .ok()
        .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error")
}

/// Swagger UI at `/api/docs`, the document at `/api/openapi.json`.
pub fn swagger() -> SwaggerUi {
    SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi())
}

//! Kubedeck's HTTP API: routes per area, the auth extractor, the error shape, audit, OpenAPI and the console.
//!
//! [`router`] is the one place that shows every route and every layer.

pub mod alerting;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod connection;
pub mod console;
pub mod drain;
pub mod edge;
pub mod error;
pub mod app_backup;
pub mod etcd_backup;
pub mod event_archive;
pub mod extract;
pub mod keys;
pub mod maintenance;
pub mod metrics_collector;
pub mod pod_history;
pub mod middleware;
pub mod notify;
pub mod openapi;
pub mod prometheus;
pub mod routes;
pub mod schedule;
pub mod shared;
pub mod snapshots;
pub mod state;
pub mod sync;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use routes::{audit_log, auth as auth_routes, clusters, health, nodes, pods, resources, tasks, users, workloads};
use state::AppState;
use tower_http::compression::CompressionLayer;

/// Declares a route table: the function that adds the routes to a router and a constant listing every
/// (path, methods) pair, both expanded from the same tokens so the list cannot drift from the router
/// (the OpenAPI coverage test walks the constant).
macro_rules! route_table {
    ($(#[$doc:meta])* fn $build:ident, const $table:ident;
     $($path:literal => $first:ident($fh:path) $(. $m:ident($h:path))*),+ $(,)?) => {
        $(#[$doc])*
        pub const $table: &[(&str, &[&str])] = &[$(($path, &[stringify!($first) $(, stringify!($m))*])),+];
        fn $build(router: Router<AppState>) -> Router<AppState> {
            router $(.route($path, axum::routing::$first($fh) $(.$m($h))*))+
        }
    };
}

route_table! {
    /// Every API route (behind login, audit and the body limit), with its methods.
    fn api_routes, const API_ROUTES;
    "/api/v1/version" => get(health::version),
    "/api/v1/auth/login" => post(auth_routes::login),
    "/api/v1/auth/refresh" => post(auth_routes::refresh),
    "/api/v1/auth/logout" => post(auth_routes::logout),
    "/api/v1/auth/me" => get(auth_routes::me),
    "/api/v1/auth/password" => post(auth_routes::change_password),
    "/api/v1/users" => get(users::list).post(users::create),
    "/api/v1/users/{uid}" => get(users::get).put(users::update).delete(users::delete),
    "/api/v1/users/{uid}/bindings" => put(users::set_bindings),
    "/api/v1/audit" => get(audit_log::list),
    "/api/v1/tasks" => get(tasks::list),
    "/api/v1/tasks/{tid}" => get(tasks::get),
    "/api/v1/tasks/{tid}/cancel" => post(tasks::cancel),
    "/api/v1/tasks/{tid}/resume" => post(tasks::resume),
    "/api/v1/tasks/{tid}/events" => get(tasks::events),
    "/api/v1/notify/channels" => get(routes::channels::list).post(routes::channels::create),
    "/api/v1/notify/channels/{cid}" => get(routes::channels::get).put(routes::channels::update).delete(routes::channels::delete),
    "/api/v1/notify/channels/{cid}/test" => post(routes::channels::test),
    "/api/v1/notify/channels/{cid}/deliveries" => get(routes::channels::deliveries),
    "/api/v1/k8s/cluster" => get(clusters::list).post(clusters::import),
    "/api/v1/k8s/cluster/{id}" => get(clusters::get).put(clusters::update).delete(clusters::delete),
    "/api/v1/k8s/cluster/{id}/status" => get(clusters::status),
    "/api/v1/k8s/cluster/{id}/sync" => post(clusters::sync),
    "/api/v1/k8s/cluster/{id}/metrics" => get(routes::cluster_metrics::latest),
    "/api/v1/k8s/cluster/{id}/metrics/history" => get(routes::cluster_metrics::history),
    "/api/v1/k8s/cluster/{id}/top/nodes" => get(routes::cluster_metrics::top_nodes),
    "/api/v1/k8s/cluster/{id}/top/pods" => get(routes::cluster_metrics::top_pods),
    "/api/v1/k8s/cluster/{id}/upgrade/readiness" => get(routes::upgrade::readiness),
    "/api/v1/k8s/cluster/{id}/certificates" => get(routes::certificates::of_cluster),
    "/api/v1/k8s/cluster/{id}/app-backups" => get(routes::app_backups::list).post(routes::app_backups::create),
    "/api/v1/k8s/cluster/{id}/app-backups/import" => post(routes::app_backups::import),
    "/api/v1/k8s/cluster/{id}/app-backups/{bid}" => get(routes::app_backups::get).delete(routes::app_backups::delete),
    "/api/v1/k8s/cluster/{id}/app-backups/{bid}/download" => get(routes::app_backups::download),
    "/api/v1/k8s/cluster/{id}/app-backups/{bid}/restore" => post(routes::app_backups::restore),
    "/api/v1/k8s/cluster/{id}/app-backup-schedules" => get(routes::app_backups::list_schedules).post(routes::app_backups::create_schedule),
    "/api/v1/k8s/cluster/{id}/app-backup-schedules/{sid}" => put(routes::app_backups::update_schedule).delete(routes::app_backups::delete_schedule),
    "/api/v1/k8s/cluster/{id}/etcd" => get(routes::etcd::get_settings).put(routes::etcd::put_settings).delete(routes::etcd::delete_settings),
    "/api/v1/k8s/cluster/{id}/etcd/snapshots" => get(routes::etcd::list_snapshots).post(routes::etcd::take_snapshot),
    "/api/v1/k8s/cluster/{id}/etcd/snapshots/{sid}" => get(routes::etcd::get_snapshot).delete(routes::etcd::delete_snapshot),
    "/api/v1/k8s/cluster/{id}/etcd/snapshots/{sid}/download" => get(routes::etcd::download_snapshot),
    "/api/v1/k8s/cluster/{id}/prometheus" => get(routes::prometheus::get_link).put(routes::prometheus::put_link).delete(routes::prometheus::delete_link),
    "/api/v1/k8s/cluster/{id}/prometheus/test" => post(routes::prometheus::test_link),
    "/api/v1/k8s/cluster/{id}/prometheus/query" => get(routes::prometheus::query),
    "/api/v1/k8s/cluster/{id}/prometheus/query_range" => get(routes::prometheus::query_range),
    "/api/v1/k8s/cluster/{id}/prometheus/queries" => get(routes::prometheus::list_saved).post(routes::prometheus::create_saved),
    "/api/v1/k8s/cluster/{id}/prometheus/queries/{qid}" => put(routes::prometheus::update_saved).delete(routes::prometheus::delete_saved),
    "/api/v1/k8s/cluster/{id}/maintenance" => get(routes::maintenance::list).post(routes::maintenance::create),
    "/api/v1/k8s/cluster/{id}/maintenance/windows" => get(routes::maintenance::list_app_windows).post(routes::maintenance::create_app_window),
    "/api/v1/k8s/cluster/{id}/maintenance/windows/{wid}" => delete(routes::maintenance::delete_app_window),
    "/api/v1/k8s/cluster/{id}/maintenance/policy" => get(routes::maintenance::get_policy).put(routes::maintenance::set_policy),
    "/api/v1/k8s/cluster/{id}/maintenance/{mid}" => put(routes::maintenance::update),
    "/api/v1/k8s/cluster/{id}/maintenance/{mid}/end" => post(routes::maintenance::end),
    "/api/v1/k8s/cluster/{id}/alerts/{aid}/deliveries" => get(routes::channels::alert_deliveries),
    "/api/v1/k8s/pods" => get(pods::search),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/logs" => get(pods::merged_logs),
    "/api/v1/k8s/cluster/{id}/pods" => get(pods::list_all),
    "/api/v1/k8s/cluster/{id}/pods/sync" => post(pods::sync),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods" => get(pods::list_in_namespace),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}" => get(pods::get).delete(pods::delete),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/yaml" => get(resources::object::yaml),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/events" => get(resources::object::events),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/logs" => get(pods::logs),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/containers/{container}/logs" => get(pods::container_logs),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/metrics/history" => get(routes::pod_metrics::pod_history),
    "/api/v1/k8s/cluster/{id}/events" => get(routes::events::cluster_events),
    "/api/v1/k8s/cluster/{id}/events/search" => get(routes::events::search),
    "/api/v1/k8s/cluster/{id}/events/timeline" => get(routes::events::timeline),
    "/api/v1/k8s/cluster/{id}/events/sync" => post(routes::events::sync),
    "/api/v1/alerts" => get(routes::alerts::list_all),
    "/api/v1/certificates" => get(routes::certificates::all),
    "/api/v1/alerts/ingest/{token}" => post(routes::alerts::ingest),
    "/api/v1/k8s/cluster/{id}/alerts" => get(routes::alerts::list),
    "/api/v1/k8s/cluster/{id}/alerts/{aid}" => get(routes::alerts::get),
    "/api/v1/k8s/cluster/{id}/alerts/{aid}/ack" => post(routes::alerts::ack),
    "/api/v1/k8s/cluster/{id}/alerts/{aid}/resolve" => post(routes::alerts::resolve),
    "/api/v1/k8s/cluster/{id}/alert-rules" => get(routes::alerts::list_rules).post(routes::alerts::create_rule),
    "/api/v1/k8s/cluster/{id}/alert-rules/{rule}" => get(routes::alerts::get_rule).put(routes::alerts::update_rule).delete(routes::alerts::delete_rule),
    "/api/v1/k8s/cluster/{id}/silences" => get(routes::alerts::list_silences).post(routes::alerts::create_silence),
    "/api/v1/k8s/cluster/{id}/silences/{sid}" => delete(routes::alerts::expire_silence),
    "/api/v1/k8s/cluster/{id}/alert-ingest-tokens" => get(routes::alerts::list_tokens).post(routes::alerts::create_token),
    "/api/v1/k8s/cluster/{id}/alert-ingest-tokens/{kid}" => delete(routes::alerts::delete_token),
    "/api/v1/k8s/cluster/{id}/nodes" => get(nodes::list),
    "/api/v1/k8s/cluster/{id}/nodes/sync" => post(nodes::sync),
    "/api/v1/k8s/cluster/{id}/nodes/{name}" => get(nodes::get).put(resources::write::replace).delete(nodes::delete),
    "/api/v1/k8s/cluster/{id}/nodes/{name}/yaml" => get(resources::object::yaml),
    "/api/v1/k8s/cluster/{id}/nodes/{name}/events" => get(resources::object::events),
    "/api/v1/k8s/cluster/{id}/nodes/{name}/cordon" => post(nodes::cordon),
    "/api/v1/k8s/cluster/{id}/nodes/{name}/uncordon" => post(nodes::uncordon),
    "/api/v1/k8s/cluster/{id}/nodes/{name}/drain" => post(drain::drain),
    "/api/v1/k8s/cluster/{id}/nodes/{name}/labels" => put(nodes::labels),
    "/api/v1/k8s/cluster/{id}/nodes/{name}/taints" => put(nodes::taints),
    "/api/v1/k8s/cluster/{id}/nodes/{name}/metrics" => get(routes::node_metrics::latest),
    "/api/v1/k8s/cluster/{id}/nodes/{name}/metrics/history" => get(routes::node_metrics::history),
    "/ws/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/logs" => get(routes::log_stream::follow),
    "/ws/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/exec" => get(routes::exec::exec),
    // The resource engine: every other kind. Static segments above (pods, nodes, sync, status) win over {kind}.
    "/api/v1/k8s/cluster/{id}/kinds" => get(resources::list::kinds),
    "/api/v1/k8s/cluster/{id}/changes" => get(resources::changes::changes),
    "/api/v1/k8s/cluster/{id}/apply" => post(resources::write::apply),
    "/api/v1/k8s/cluster/{id}/namespaces/sync" => post(resources::object::sync),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}" => get(resources::object::get).put(resources::write::replace).delete(resources::object::delete),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/yaml" => get(resources::object::yaml),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/events" => get(routes::events::namespace_events),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/create" => post(routes::namespaces::create),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/contents" => get(routes::namespaces::contents),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/tls-secrets" => post(routes::config::create_tls),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/registry-secrets" => post(routes::config::create_registry),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}" => get(resources::list::list_in_namespace).post(resources::write::create),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}" => get(resources::object::get).put(resources::write::replace).delete(resources::object::delete),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/yaml" => get(resources::object::yaml),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/events" => get(resources::object::events),
    "/api/v1/k8s/cluster/{id}/images" => get(workloads::images),
    "/api/v1/k8s/cluster/{id}/dns" => get(routes::dns::get).put(routes::dns::update),
    "/api/v1/k8s/cluster/{id}/dns/rollback" => post(routes::dns::rollback),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/scale" => post(workloads::scale),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/restart" => post(workloads::restart),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/pause" => post(workloads::pause),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/resume" => post(workloads::resume),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/suspend" => post(workloads::suspend),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/history" => get(workloads::history),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/history/diff" => get(workloads::history_diff),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/history/{revision}" => get(workloads::history_revision),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/rollback" => post(workloads::rollback),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/rollout" => get(workloads::rollout),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/image" => put(workloads::set_image),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/trigger" => post(workloads::trigger),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/rerun" => post(workloads::rerun),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/usage" => get(routes::storage::quota_usage),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/volume" => get(routes::storage::claim_volume),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/volume/history" => get(routes::storage::volume_history),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/metrics/history" => get(routes::pod_metrics::workload_history),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/size" => put(routes::storage::resize),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/insight" => get(routes::insight::insight),
    "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/app-metrics" => get(routes::prometheus::app_metrics),
    "/api/v1/k8s/cluster/{id}/{kind}" => get(resources::list::list_all).post(resources::write::create),
    "/api/v1/k8s/cluster/{id}/{kind}/sync" => post(resources::object::sync),
    "/api/v1/k8s/cluster/{id}/{kind}/{name}" => get(resources::object::get).put(resources::write::replace).delete(resources::object::delete),
    "/api/v1/k8s/cluster/{id}/{kind}/{name}/yaml" => get(resources::object::yaml),
    "/api/v1/k8s/cluster/{id}/{kind}/{name}/events" => get(resources::object::events),
    "/api/v1/k8s/cluster/{id}/{kind}/{name}/default" => post(routes::storage::set_default),
}

route_table! {
    /// Health, readiness and Prometheus metrics: no login, not audited.
    fn operations_routes, const OPERATIONS_ROUTES;
    "/healthz" => get(health::healthz),
    "/readyz" => get(health::readyz),
    "/metrics" => get(health::metrics),
}

/// Builds the whole application: API, docs, metrics, health, and the console as fallback.
pub fn router(state: AppState) -> Router {
    let api = api_routes(Router::new())
        .route(
            "/api/{*rest}",
            axum::routing::any(middleware::api_not_found),
        )
        // inside the audit layer, so a change refused for maintenance is audited with who asked
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            maintenance::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit::audit_writes,
        ))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes));

    operations_routes(Router::new())
        .merge(api)
        .merge(openapi::swagger())
        .fallback(console::serve)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(axum::middleware::from_fn(middleware::track_metrics))
        .layer(CompressionLayer::new())
        // inside the request id, so that a 431 carries it too
        .layer(axum::middleware::from_fn_with_state(state.clone(), edge::protect))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .with_state(state)
}

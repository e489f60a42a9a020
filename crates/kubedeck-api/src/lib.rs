//! Kubedeck's HTTP API: routes per area, the auth extractor, the error shape, audit, OpenAPI and the console.
//!
//! [`router`] is the one place that shows every route and every layer.

pub mod audit;
pub mod auth;
pub mod connection;
pub mod console;
pub mod drain;
pub mod error;
pub mod extract;
pub mod keys;
pub mod metrics_collector;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod sync;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use routes::{audit_log, auth as auth_routes, clusters, health, nodes, pods, tasks, users};
use state::AppState;
use tower_http::compression::CompressionLayer;

/// Builds the whole application: API, docs, metrics, health, and the console as fallback.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/v1/version", get(health::version))
        .route("/api/v1/auth/login", post(auth_routes::login))
        .route("/api/v1/auth/refresh", post(auth_routes::refresh))
        .route("/api/v1/auth/logout", post(auth_routes::logout))
        .route("/api/v1/auth/me", get(auth_routes::me))
        .route("/api/v1/auth/password", post(auth_routes::change_password))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route(
            "/api/v1/users/{uid}",
            get(users::get).put(users::update).delete(users::delete),
        )
        .route(
            "/api/v1/users/{uid}/bindings",
            axum::routing::put(users::set_bindings),
        )
        .route("/api/v1/audit", get(audit_log::list))
        .route("/api/v1/tasks/{tid}", get(tasks::get))
        .route("/api/v1/tasks/{tid}/cancel", post(tasks::cancel))
        .route("/api/v1/tasks/{tid}/events", get(tasks::events))
        .route(
            "/api/v1/k8s/cluster",
            get(clusters::list).post(clusters::import),
        )
        .route(
            "/api/v1/k8s/cluster/{id}",
            get(clusters::get)
                .put(clusters::update)
                .delete(clusters::delete),
        )
        .route("/api/v1/k8s/cluster/{id}/status", get(clusters::status))
        .route("/api/v1/k8s/cluster/{id}/sync", post(clusters::sync))
        .route("/api/v1/k8s/pods", get(pods::search))
        .route(
            "/api/v1/k8s/cluster/{id}/namespaces/{ns}/logs",
            get(pods::merged_logs),
        )
        .route("/api/v1/k8s/cluster/{id}/pods", get(pods::list_all))
        .route("/api/v1/k8s/cluster/{id}/pods/sync", post(pods::sync))
        .route(
            "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods",
            get(pods::list_in_namespace),
        )
        .route(
            "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}",
            get(pods::get).delete(pods::delete),
        )
        .route(
            "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/logs",
            get(pods::logs),
        )
        .route(
            "/api/v1/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/containers/{container}/logs",
            get(pods::container_logs),
        )
        .route("/api/v1/k8s/cluster/{id}/nodes", get(nodes::list))
        .route("/api/v1/k8s/cluster/{id}/nodes/sync", post(nodes::sync))
        .route(
            "/api/v1/k8s/cluster/{id}/nodes/{name}",
            get(nodes::get).delete(nodes::delete),
        )
        .route(
            "/api/v1/k8s/cluster/{id}/nodes/{name}/cordon",
            post(nodes::cordon),
        )
        .route(
            "/api/v1/k8s/cluster/{id}/nodes/{name}/uncordon",
            post(nodes::uncordon),
        )
        .route(
            "/api/v1/k8s/cluster/{id}/nodes/{name}/drain",
            post(drain::drain),
        )
        .route(
            "/api/v1/k8s/cluster/{id}/nodes/{name}/labels",
            axum::routing::put(nodes::labels),
        )
        .route(
            "/api/v1/k8s/cluster/{id}/nodes/{name}/taints",
            axum::routing::put(nodes::taints),
        )
        .route(
            "/api/v1/k8s/cluster/{id}/nodes/{name}/metrics",
            get(routes::node_metrics::latest),
        )
        .route(
            "/api/v1/k8s/cluster/{id}/nodes/{name}/metrics/history",
            get(routes::node_metrics::history),
        )
        .route(
            "/ws/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/logs",
            get(routes::log_stream::follow),
        )
        .route(
            "/api/{*rest}",
            axum::routing::any(middleware::api_not_found),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit::audit_writes,
        ))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(api)
        .merge(openapi::swagger())
        .fallback(console::serve)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(axum::middleware::from_fn(middleware::track_metrics))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(middleware::request_id))
        .with_state(state)
}

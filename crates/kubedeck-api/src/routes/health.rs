//! `/healthz`, `/readyz`, `/metrics`, `/api/v1/version`.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use kubedeck_store::schema::SchemaState;
use serde_json::json;

/// Alive: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200)), extensions(("x-permission" = json!("public"))))]
pub async fn healthz() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}

/// Ready: the database answers and its schema is current (`migrations`: `applied`; `pending` while a replica
/// migrates it; `ahead` when a newer Kubedeck migrated it, so this replica is about to stop). With `--redis-url`, `redis` says whether Redis
/// answers (`ok`, `unreachable`); a replica without Redis still serves everything, so it is ready either way.
/// (Without `--redis-url`, no `redis` member.)
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200), (status = 503)), extensions(("x-permission" = json!("public"))))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let db = state.store.ping().await;
    let schema = state.store.schema_state().await;
    let redis = match &state.shared {
        Some(r) => Some(if r.check().await { "ok" } else { "unreachable" }),
        None => None,
    };
    match (db, schema) {
        (Ok(()), Ok(SchemaState::Current)) => {
            let mut body = json!({"status": "ready", "database": "ok", "migrations": "applied"});
            if let Some(r) = redis {
                body["redis"] = r.into();
            }
            (StatusCode::OK, axum::Json(body))
        }
        (Ok(()), Ok(SchemaState::Pending(_))) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "not ready", "database": "ok", "migrations": "pending"})),
        ),
        (Ok(()), Ok(SchemaState::Ahead(_))) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "not ready", "database": "ok", "migrations": "ahead"})),
        ),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!("readiness: database: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({"status": "not ready", "database": "unreachable"})),
            )
        }
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "health", responses((status = 200, content_type = "text/plain")), extensions(("x-permission" = json!("public"))))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    // the pool is read when scraped: a gauge set only on changes would miss how busy it is right now
    let pool = state.store.pool_stats();
    metrics::gauge!("kubedeck_db_pool_connections", "state" => "in_use").set(f64::from(pool.open - pool.idle.min(pool.open)));
    metrics::gauge!("kubedeck_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("kubedeck_db_pool_max_connections").set(f64::from(pool.max));
    if let Some(in_use) = state.store.read_replica_in_use() {
        metrics::gauge!("kubedeck_db_read_replica_in_use").set(if in_use { 1.0 } else { 0.0 });
    }
    let body = state
        .metrics
        .as_ref()
        .map(|h| h.render())
        .unwrap_or_default();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        body,
    )
}

/// Build version.
#[utoipa::path(get, path = "/api/v1/version", tag = "health", responses((status = 200)), extensions(("x-permission" = json!("public"))))]
pub async fn version() -> impl IntoResponse {
    axum::Json(json!({"version": env!("CARGO_PKG_VERSION")}))
}

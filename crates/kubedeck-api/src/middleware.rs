//! Cross-cutting layers: request ids, request metrics, JSON fallbacks.

use crate::error::{ApiError, ErrorCode, REQUEST_ID};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use tracing::Instrument;

/// Takes the caller's `X-Request-Id` when it is sane, or makes one; echoes it and scopes logs and errors with it.
pub async fn request_id(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %crate::audit::loggable_path(req.uri().path()));
    let header = HeaderValue::from_str(&id).expect("sanitized request id");
    let mut resp = REQUEST_ID.scope(id, next.run(req).instrument(span)).await;
    resp.headers_mut().insert("x-request-id", header);
    resp
}

/// Counts requests and their latency by matched route (never by raw path, which would explode cardinality).
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    if resp.status().is_server_error() {
        // The route and method say where to look when no handler logged a cause (an extractor's 500, say).
        tracing::warn!(status = %resp.status(), method = %method, route = %route, "server error");
    }
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("kubedeck_http_requests_total", &labels).increment(1);
    metrics::histogram!("kubedeck_http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    resp
}

/// Unknown `/api/...` paths get a JSON 404, not the console.
pub async fn api_not_found(req: Request) -> ApiError {
    ApiError::not_found(
        ErrorCode::RouteNotFound,
        format!("no API route {} {}", req.method(), req.uri().path()),
    )
    .param("method", req.method().as_str())
    .param("path", req.uri().path())
}

/// Wrong method on a known route.
pub async fn method_not_allowed(method: axum::http::Method) -> impl IntoResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        format!("this route does not take the HTTP method {method}"),
    )
    .param("method", method.as_str())
}

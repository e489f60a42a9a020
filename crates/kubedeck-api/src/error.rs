//! The one error type of the HTTP API and its stable JSON body:
//! `{"code": "...", "message": "...", "field": "...", "params": {...}, "request_id": "..."}`.
//!
//! `code` is one of [`ErrorCode`] (a closed list published in the OpenAPI document) and `params` carries what its
//! sentence needs (the field, the object, the limit), so the console says it in the user's language; `message` is
//! the English sentence, the fallback and what logs show.
//!
//! Every user error is a 4xx naming what was wrong; a 5xx is a bug or a real fault, logged with its cause and
//! shown to the client only as "internal error" plus the request id to quote.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use kubedeck_core::error_code::ErrorCode;
use serde_json::{Map, Value, json};

tokio::task_local! {
    /// The id of the request being served (set by the request-id middleware for the whole handler).
    pub static REQUEST_ID: String;
}

/// The current request's id, or `-` outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(|id| id.clone())
        .unwrap_or_else(|_| "-".into())
}

/// An API error: status, stable code, human message, the offending field, and optional extra members.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// What went wrong and what to do, in the operator's words.
    pub message: String,
    /// The request field at fault, when there is one.
    pub field: Option<String>,
    /// The values the code's sentence names (`min`, `max`, `node` ...).
    pub params: Map<String, Value>,
    /// More members for the body (e.g. the preflight report of a refused kubeconfig).
    pub extra: Map<String, Value>,
    /// Seconds to wait, sent as `Retry-After`.
    pub retry_after: Option<u64>,
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            params: Map::new(),
            extra: Map::new(),
            retry_after: None,
        }
    }

    /// 400: `field` has a bad value, said by `code` (and its params).
    pub fn invalid(field: &str, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message).with_field(field)
    }

    /// 400 `out_of_range`: a number below `min` or above `max` (either may be open).
    pub fn out_of_range(field: &str, min: Option<i64>, max: Option<i64>) -> Self {
        let message = match (min, max) {
            (Some(a), Some(b)) => format!("{field} must be between {a} and {b}"),
            (Some(a), None) => format!("{field} must be at least {a}"),
            (None, Some(b)) => format!("{field} must be at most {b}"),
            (None, None) => format!("{field} is out of range"),
        };
        Self::invalid(field, ErrorCode::OutOfRange, message)
            .param("min", min)
            .param("max", max)
    }

    /// 400 `invalid_length`: a text of the wrong length.
    pub fn invalid_length(field: &str, min: usize, max: usize) -> Self {
        Self::invalid(
            field,
            ErrorCode::InvalidLength,
            format!("{field} must be {min} to {max} characters"),
        )
        .param("min", min)
        .param("max", max)
    }

    /// 400 `not_one_of`: a value outside a fixed set.
    pub fn not_one_of(field: &str, allowed: &[&str], value: &str) -> Self {
        Self::invalid(
            field,
            ErrorCode::NotOneOf,
            format!(
                "{field} must be one of {}, not '{value}'",
                allowed.join(", ")
            ),
        )
        .param("allowed", allowed)
        .param("value", value)
    }

    /// 400 `invalid_selector`: a label selector that does not parse, with the rule it breaks and the part and
    /// token at fault (the console words it from those; `detail` is the parser's English).
    pub fn selector(field: &str, e: kubedeck_kube::selector::SelectorError) -> Self {
        Self::invalid(
            field,
            ErrorCode::InvalidSelector,
            format!("{field} is not a valid label selector: {e}"),
        )
        .param("rule", e.rule)
        .param("part", e.part)
        .param("token", e.token)
        .param("detail", e.message)
    }

    /// 404 with the object's code.
    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409 with the conflict's code.
    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 401 with why the caller is not authenticated.
    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 404 `cluster_not_found`.
    pub fn cluster_not_found(id: i64) -> Self {
        Self::not_found(
            ErrorCode::ClusterNotFound,
            format!("cluster {id} does not exist"),
        )
        .param("cluster", id)
    }

    /// 404 `node_not_found`.
    pub fn node_not_found(cluster: i64, node: &str) -> Self {
        Self::not_found(
            ErrorCode::NodeNotFound,
            format!("node '{node}' does not exist in cluster {cluster}"),
        )
        .param("cluster", cluster)
        .param("node", node)
    }

    /// 404 `pod_not_found`.
    pub fn pod_not_found(cluster: i64, namespace: &str, pod: &str) -> Self {
        Self::not_found(
            ErrorCode::PodNotFound,
            format!("pod '{pod}' does not exist in namespace '{namespace}' of cluster {cluster}"),
        )
        .param("cluster", cluster)
        .param("namespace", namespace)
        .param("pod", pod)
    }

    /// 500: logs the cause with the request id; the client sees only that something broke.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(request_id = %current_request_id(), "internal error: {cause}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "internal error; quote the request id when reporting it",
        )
    }

    /// Names the offending field.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// Adds a parameter of the code's sentence.
    pub fn param(mut self, key: &str, value: impl serde::Serialize) -> Self {
        let v = serde_json::to_value(value).unwrap_or(Value::Null);
        if !v.is_null() {
            self.params.insert(key.to_owned(), v);
        }
        self
    }

    /// Adds a member to the body.
    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    /// Sets `Retry-After`.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        ApiError::internal(format!("database: {e}"))
    }
}

impl ApiError {
    /// The JSON body (also what a per-document result of a multi-document write carries).
    pub fn body(&self) -> Value {
        let mut body = json!({
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "params": self.params,
            "request_id": current_request_id(),
        });
        if let Value::Object(map) = &mut body {
            map.extend(self.extra.clone());
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}

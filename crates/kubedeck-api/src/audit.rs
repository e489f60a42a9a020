//! Audit of every state-changing request, written by one middleware so no route can forget it.
//!
//! The middleware puts an [`AuditSlot`] in the request; the auth extractor fills in who, the handler may add
//! what (action, cluster, namespace, object, a redacted summary); after the response the record is written
//! with the status and outcome. Request bodies are never copied: summaries are built from chosen fields and
//! passed through [`redact`] so passwords, tokens, kubeconfigs and secret data cannot slip in.

use crate::auth::AuthSlotRef;
use crate::error::current_request_id;
use crate::state::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use kubedeck_store::audit::NewAuditRecord;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// What the handler and extractors learned about the request, for its audit record.
#[derive(Clone, Default)]
pub struct AuditSlot(Arc<Mutex<NewAuditRecord>>);

impl AuditSlot {
    fn with(&self, f: impl FnOnce(&mut NewAuditRecord)) {
        f(&mut self.0.lock().expect("audit slot lock"));
    }
    /// Sets the acting user.
    pub fn set_user(&self, id: i64, username: &str) {
        self.with(|r| {
            r.user_id = Some(id);
            r.username = username.to_owned();
        });
    }
    /// Sets the attempted login name (failed logins have no user id).
    pub fn set_username(&self, username: &str) {
        self.with(|r| r.username = username.to_owned());
    }
    /// Names the action (`cluster.import`, `auth.login` ...).
    pub fn action(&self, action: &str) {
        self.with(|r| r.action = action.to_owned());
    }
    /// The cluster, namespace and object acted on.
    pub fn target(
        &self,
        cluster_id: Option<i64>,
        namespace: Option<&str>,
        resource: Option<String>,
    ) {
        self.with(|r| {
            r.cluster_id = cluster_id.or(r.cluster_id);
            r.namespace = namespace.map(str::to_owned).or(r.namespace.take());
            r.resource = resource.or(r.resource.take());
        });
    }
    /// A summary of the request; sensitive members are redacted here.
    pub fn detail(&self, summary: Value) {
        self.with(|r| r.detail = redact(summary).to_string());
    }
}

/// Keys whose values never reach an audit record or a log.
const SENSITIVE: &[&str] = &[
    "password",
    "current_password",
    "new_password",
    "credential",
    "kubeconfig",
    "token",
    "refresh_token",
    "access_token",
    "secret",
    "data",
    "stringData",
    "client-key-data",
    "client-certificate-data",
];

/// Replaces the values of sensitive keys, at any depth, with `"[redacted]"`.
pub fn redact(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, val) in map.iter_mut() {
                    if SENSITIVE.iter().any(|s| k.eq_ignore_ascii_case(s)) {
                        *val = Value::String("[redacted]".into());
                    } else {
                        walk(val);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

/// The client address: the peer, or the first `X-Forwarded-For` hop when configured to trust a proxy.
pub fn client_ip(
    req_headers: &axum::http::HeaderMap,
    peer: Option<SocketAddr>,
    trust_forwarded: bool,
) -> String {
    if trust_forwarded
        && let Some(first) = req_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return first.to_owned();
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Middleware: audits every request that is not a read.
pub async fn audit_writes(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let slot = AuditSlot::default();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    slot.with(|r| {
        r.source_ip = client_ip(req.headers(), peer, state.settings.trust_forwarded_for);
        r.method = method.clone();
        r.path = path.clone();
        r.action = format!("{} {}", method, matched.as_deref().unwrap_or(&path));
        r.cluster_id = cluster_id_in_path(&path);
    });
    req.extensions_mut().insert(slot.clone());
    req.extensions_mut().insert(AuthSlotRef(slot.clone()));
    let resp = next.run(req).await;
    let status = resp.status();
    let mut rec = slot.0.lock().expect("audit slot lock").clone();
    rec.status_code = status.as_u16() as i32;
    rec.outcome = match status.as_u16() {
        200..=399 => "success",
        401 | 403 | 429 => "denied",
        _ => "failure",
    }
    .into();
    rec.request_id = current_request_id();
    if rec.username.is_empty() {
        rec.username = "-".into();
    }
    if let Err(e) = state.store.insert_audit(rec).await {
        tracing::error!("could not write audit record: {e}");
    }
    resp
}

fn cluster_id_in_path(path: &str) -> Option<i64> {
    let rest = path.strip_prefix("/api/v1/k8s/cluster/")?;
    rest.split('/').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redaction_reaches_nested_secrets() {
        let v = redact(
            json!({"name": "prod", "credential": "apiVersion: v1", "users": [{"token": "abc"}], "data": {"k": "v"}}),
        );
        assert_eq!(v["name"], "prod");
        assert_eq!(v["credential"], "[redacted]");
        assert_eq!(v["users"][0]["token"], "[redacted]");
        assert_eq!(v["data"], "[redacted]");
    }

    #[test]
    fn cluster_ids_are_read_from_paths() {
        assert_eq!(cluster_id_in_path("/api/v1/k8s/cluster/12/sync"), Some(12));
        assert_eq!(cluster_id_in_path("/api/v1/k8s/cluster"), None);
        assert_eq!(cluster_id_in_path("/api/v1/users/3"), None);
    }
}

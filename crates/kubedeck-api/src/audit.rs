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
use std::net::{IpAddr, SocketAddr};
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

/// A proxy allowed to set `X-Forwarded-For`: an address (`10.0.0.5`) or a network (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy {
    addr: IpAddr,
    prefix: u32,
}

impl std::str::FromStr for TrustedProxy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip, Some(p)),
            None => (s, None),
        };
        let addr = ip
            .parse::<IpAddr>()
            .map_err(|_| format!("'{s}' is not an IP address or network"))?
            .to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{s}': the prefix length must be 0 to {max}"))?,
        };
        Ok(Self { addr, prefix })
    }
}

impl TrustedProxy {
    /// Whether `ip` is this address or in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (a, b, bits) = match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
            _ => return false,
        };
        let shift = bits - self.prefix;
        a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0)
    }
}

/// The client address. The peer's own, unless `trust_forwarded_for` is set: then, with no trusted proxies
/// listed, the first `X-Forwarded-For` address (the proxy overwrites the header); with a list, only a peer in
/// it is believed, and the client is the nearest address before the trusted proxies (a client cannot
/// forge its way past a proxy that appends to the header).
pub fn client_ip(
    req_headers: &axum::http::HeaderMap,
    peer: Option<SocketAddr>,
    settings: &crate::state::Settings,
) -> String {
    let peer = peer.map(|p| p.ip().to_canonical());
    let hops = || {
        req_headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let trusted = |ip: IpAddr| settings.trusted_proxies.iter().any(|p| p.contains(ip));
    if settings.trust_forwarded_for {
        if settings.trusted_proxies.is_empty() {
            if let Some(first) = hops().next() {
                return first.to_owned();
            }
        } else if let Some(mut client) = peer.filter(|p| trusted(*p)) {
            let hops: Vec<&str> = hops().collect();
            for hop in hops.into_iter().rev() {
                let Ok(ip) = hop.parse::<IpAddr>() else { break };
                client = ip.to_canonical();
                if !trusted(client) {
                    break;
                }
            }
            return client.to_string();
        }
    }
    peer.map(|p| p.to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Whether the browser reached the proxy in front over HTTPS: its `X-Forwarded-Proto` (or RFC 7239 `Forwarded:
/// proto=`) says `https`, and the proxy is believed under the same rule as its `X-Forwarded-For` (see
/// [`client_ip`]). Anyone else could send the header, so without `trust_forwarded_for` it is ignored.
pub fn forwarded_https(
    req_headers: &axum::http::HeaderMap,
    peer: Option<SocketAddr>,
    settings: &crate::state::Settings,
) -> bool {
    if !settings.trust_forwarded_for {
        return false;
    }
    if !settings.trusted_proxies.is_empty() {
        let peer = peer.map(|p| p.ip().to_canonical());
        if !peer.is_some_and(|ip| settings.trusted_proxies.iter().any(|p| p.contains(ip))) {
            return false;
        }
    }
    // the nearest proxy's word counts: the first value it set (a list when proxies are chained)
    let first = |name: &str| {
        req_headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if let Some(proto) = first("x-forwarded-proto") {
        return proto == "https";
    }
    first("forwarded").is_some_and(|f| {
        f.split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .any(|(k, v)| k.trim() == "proto" && v.trim().trim_matches('"') == "https")
    })
}

/// A read the audit middleware does not record but the log must show (a Secret revealed, a backup downloaded):
/// what was read, on which path.
pub struct AuditedRead {
    pub action: &'static str,
    pub path: String,
    pub cluster_id: i64,
    pub namespace: Option<String>,
    pub resource: String,
    pub detail: Value,
}

/// Writes an audited read by `user`, as a successful GET.
pub async fn record_read(
    state: &AppState,
    user: &crate::auth::AuthUser,
    headers: &axum::http::HeaderMap,
    peer: Option<SocketAddr>,
    read: AuditedRead,
) -> Result<(), sea_orm::DbErr> {
    state
        .store
        .insert_audit(NewAuditRecord {
            user_id: Some(user.id),
            username: user.username.clone(),
            source_ip: client_ip(headers, peer, &state.settings),
            action: read.action.into(),
            method: "GET".into(),
            path: read.path,
            cluster_id: Some(read.cluster_id),
            namespace: read.namespace,
            resource: Some(read.resource),
            outcome: "success".into(),
            status_code: 200,
            detail: read.detail.to_string(),
            request_id: current_request_id(),
        })
        .await
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
    let path = loggable_path(req.uri().path());
    slot.with(|r| {
        r.source_ip = client_ip(req.headers(), peer, &state.settings);
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

/// A request's path as logs and the audit log keep it: an alert ingest token (the credential of
/// `POST /api/v1/alerts/ingest/{token}`) is replaced by `{token}`.
pub fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/api/v1/alerts/ingest/") {
        Some(_) => "/api/v1/alerts/ingest/{token}".to_owned(),
        None => path.to_owned(),
    }
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
    fn trusted_proxies_are_addresses_or_networks() {
        let net: TrustedProxy = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(
            net.contains("::ffff:10.1.0.9".parse().unwrap()),
            "IPv4-mapped peers"
        );
        let one: TrustedProxy = "fd00::1".parse().unwrap();
        assert!(one.contains("fd00::1".parse().unwrap()));
        assert!(!one.contains("fd00::2".parse().unwrap()));
        let all: TrustedProxy = "::/0".parse().unwrap();
        assert!(all.contains("2001:db8::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<TrustedProxy>().is_err());
        assert!("proxy.local".parse::<TrustedProxy>().is_err());
    }

    #[test]
    fn cluster_ids_are_read_from_paths() {
        assert_eq!(cluster_id_in_path("/api/v1/k8s/cluster/12/sync"), Some(12));
        assert_eq!(cluster_id_in_path("/api/v1/k8s/cluster"), None);
        assert_eq!(cluster_id_in_path("/api/v1/users/3"), None);
    }
}

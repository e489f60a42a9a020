//! `/api/v1/k8s/cluster/{id}/prometheus`: the Prometheus an operator runs next to a cluster, linked by an admin
//! (`cluster.write`), and what the console reads from it (`resource.read`): PromQL proxied for charts, a
//! workload's application metrics (request rate, 5xx share, latency percentiles) and saved queries.
//!
//! The link's password or token is sealed like a kubeconfig and never returned nor audited: a GET says
//! `credentials_set`. A link is checked (`/api/v1/status/buildinfo`) before it is saved unless `verify=false`.

use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::connection::{self, client_for, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::prometheus::{PromError, Prometheus, Series, exact_names, promql_string};
use crate::routes::resources::{GenericPath, resolve};
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kubedeck_kube::error::within;
use kubedeck_kube::workload::selector_query;
use kubedeck_store::prometheus::{
    LinkFields, PrometheusAuth, PrometheusLink, SavedQuery, SavedQueryFields,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

/// Prometheus refuses a range query of more than 11,000 points per series; so does Kubedeck, before asking.
pub const MAX_POINTS: f64 = 11_000.0;
/// The longest range a chart asks for (the console's longest is 7 days).
pub const MAX_RANGE_SECS: f64 = 31.0 * 86_400.0;
/// A query's longest text.
pub const MAX_QUERY_LEN: usize = 8 * 1024;
/// The workload kinds with application metrics.
pub const WORKLOAD_KINDS: &[&str] = &["deployments", "statefulsets", "daemonsets"];
const DEFAULT_TIMEOUT_SECS: i32 = 10;
/// A CA bundle's largest size: a chain of a few certificates is a few KiB.
const MAX_CA_BYTES: usize = 64 * 1024;
const CALL: Duration = Duration::from_secs(20);

// ---- the link ------------------------------------------------------------------------------------------------

/// A cluster's Prometheus as the API shows it: never the password or token.
#[derive(Serialize, ToSchema)]
pub struct PrometheusLinkView {
    pub cluster_id: i64,
    /// Base URL (http or https).
    pub url: String,
    /// none, basic or bearer.
    pub auth: String,
    /// The basic-auth user.
    pub username: Option<String>,
    /// A password or token is stored (sealed).
    pub credentials_set: bool,
    pub insecure_skip_tls_verify: bool,
    /// The PEM of the CAs trusted for this link (a certificate is public), null: the machine's trust store.
    pub ca_pem: Option<String>,
    pub timeout_secs: i32,
    /// Prometheus's version at the last check (null: saved with `verify=false` and not checked since).
    pub version: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

fn link_view(l: PrometheusLink) -> PrometheusLinkView {
    PrometheusLinkView {
        credentials_set: !l.secret.is_empty(),
        cluster_id: l.cluster_id,
        url: l.url,
        auth: l.auth,
        username: l.username,
        insecure_skip_tls_verify: l.insecure_skip_tls_verify,
        ca_pem: l.ca_pem,
        timeout_secs: l.timeout_secs,
        version: l.version,
        checked_at: l.checked_at,
        updated_by: l.updated_by,
        updated_at: l.updated_at,
    }
}

/// Where the cluster's Prometheus answers and how Kubedeck signs in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrometheusLinkInput {
    /// Base URL, `http://` or `https://`, no user or query (`https://prometheus.example:9090`, or with a path
    /// prefix when Prometheus runs behind one).
    pub url: String,
    /// none, basic or bearer (default: basic when a username is given, bearer when a token is, else none).
    pub auth: Option<String>,
    /// Basic auth's user.
    pub username: Option<String>,
    /// Basic auth's password; left out, the stored one is kept.
    pub password: Option<String>,
    /// The bearer token; left out, the stored one is kept.
    pub token: Option<String>,
    /// Skip verifying Prometheus's TLS certificate (self-signed test setups only).
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
    /// PEM of the certificate authority (or authorities) that sign Prometheus's certificate, for a Prometheus
    /// behind a private CA: then only these are trusted for the link. Left out, the stored one is kept; `""`
    /// removes it (the machine's trust store again).
    pub ca_pem: Option<String>,
    /// Seconds a call may take, 1 to 60 (default 10).
    pub timeout_secs: Option<i32>,
}

/// `?verify=false` saves the link without checking it.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// Check the link first (default true).
    pub verify: Option<bool>,
}

/// What a link check found.
#[derive(Serialize, ToSchema)]
pub struct LinkCheck {
    /// Prometheus answered with its build information.
    pub ok: bool,
    /// Its version.
    pub version: String,
}

fn not_linked(id: i64) -> ApiError {
    ApiError::not_found(
        ErrorCode::PrometheusNotLinked,
        format!("cluster {id} has no Prometheus linked; an admin links one with PUT /api/v1/k8s/cluster/{id}/prometheus"),
    )
    .param("cluster", id)
}

/// Checks a base URL: http or https with a host, no user, query or fragment.
fn parse_url(url: &str) -> ApiResult<String> {
    let bad = |why: &str| {
        ApiError::invalid("url", ErrorCode::InvalidUrl, format!("url {why}")).param("detail", why)
    };
    let u = reqwest::Url::parse(url.trim()).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err(bad(&format!(
            "must start with http:// or https://, not {}://",
            u.scheme()
        )));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad(
            "must not hold a user or password: give them as username and password",
        ));
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    Ok(u.as_str().trim_end_matches('/').to_owned())
}

fn required(field: &str, v: Option<String>, keep: Option<String>) -> ApiResult<String> {
    match v.filter(|s| !s.is_empty()).or(keep) {
        Some(s) if s.len() <= 4096 => Ok(s),
        Some(_) => Err(ApiError::invalid_length(field, 1, 4096)),
        None => Err(ApiError::invalid(
            field,
            ErrorCode::Required,
            format!("{field} is required for this auth"),
        )),
    }
}

/// The link to store, with secrets not sent again taken from the stored link.
fn link_fields(
    state: &AppState,
    body: PrometheusLinkInput,
    stored: Option<&PrometheusLink>,
) -> ApiResult<LinkFields> {
    let url = parse_url(&body.url)?;
    let stored_auth = match stored {
        Some(l) => Some(
            state
                .store
                .open_prometheus_auth(l, &state.keyring())
                .map_err(ApiError::internal)?,
        ),
        None => None,
    };
    let kind = body.auth.clone().unwrap_or_else(|| {
        if body.token.is_some() {
            "bearer".into()
        } else if body.username.is_some() {
            "basic".into()
        } else {
            "none".into()
        }
    });
    let auth = match kind.as_str() {
        "none" => PrometheusAuth::None,
        "basic" => {
            let (keep_user, keep_password) = match &stored_auth {
                Some(PrometheusAuth::Basic { username, password }) => {
                    (Some(username.clone()), Some(password.clone()))
                }
                _ => (None, None),
            };
            let username = required("username", body.username, keep_user)?;
            if username.contains(':') {
                return Err(ApiError::invalid(
                    "username",
                    ErrorCode::InvalidName,
                    "username must not contain ':' (basic auth)",
                )
                .param("what", "username")
                .param("value", &username));
            }
            PrometheusAuth::Basic {
                username,
                password: required("password", body.password, keep_password)?,
            }
        }
        "bearer" => {
            let keep = match &stored_auth {
                Some(PrometheusAuth::Bearer { token }) => Some(token.clone()),
                _ => None,
            };
            PrometheusAuth::Bearer {
                token: required("token", body.token, keep)?,
            }
        }
        other => {
            return Err(ApiError::not_one_of(
                "auth",
                &["none", "basic", "bearer"],
                other,
            ));
        }
    };
    let timeout_secs = body.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS);
    if !(1..=60).contains(&timeout_secs) {
        return Err(ApiError::out_of_range("timeout_secs", Some(1), Some(60)));
    }
    let ca_pem = match body.ca_pem {
        None => stored.and_then(|l| l.ca_pem.clone()),
        Some(pem) if pem.trim().is_empty() => None,
        Some(pem) => {
            if pem.len() > MAX_CA_BYTES {
                return Err(ApiError::invalid_length("ca_pem", 1, MAX_CA_BYTES));
            }
            crate::prometheus::parse_ca(&pem).map_err(|why| {
                ApiError::invalid(
                    "ca_pem",
                    ErrorCode::InvalidBody,
                    format!("ca_pem must be PEM certificates: {why}"),
                )
            })?;
            Some(pem)
        }
    };
    Ok(LinkFields {
        url,
        auth,
        ca_pem,
        insecure_skip_tls_verify: body.insecure_skip_tls_verify,
        timeout_secs,
        version: None,
    })
}

/// The certificates of a stored link's CA (checked when it was saved: none if it no longer parses).
fn ca_of(pem: Option<&str>) -> Vec<reqwest::Certificate> {
    pem.and_then(|p| crate::prometheus::parse_ca(p).ok())
        .unwrap_or_default()
}

fn client_of(f: &LinkFields) -> Prometheus {
    Prometheus::new(
        &f.url,
        f.auth.clone(),
        f.insecure_skip_tls_verify,
        ca_of(f.ca_pem.as_deref()),
        Duration::from_secs(f.timeout_secs as u64),
    )
}

/// A failed link check: the admin's input is what is wrong, so a 422 naming the field to fix.
fn check_failed(e: PromError, f: &LinkFields) -> ApiError {
    let secret_field = match f.auth {
        PrometheusAuth::Bearer { .. } => "token",
        PrometheusAuth::Basic { .. } => "password",
        PrometheusAuth::None => "auth",
    };
    let (code, field) = match &e {
        PromError::Rejected { .. } => (ErrorCode::PrometheusRejected, secret_field),
        // a certificate the link does not trust: the CA (or skip-verify) is what to fix, not the address
        PromError::Unreachable { detail, .. } if detail.to_lowercase().contains("certificate") => {
            (ErrorCode::PrometheusUnreachable, "ca_pem")
        }
        PromError::Unreachable { .. } => (ErrorCode::PrometheusUnreachable, "url"),
        _ => (ErrorCode::PrometheusError, "url"),
    };
    let mut e = from_prometheus(e);
    e.status = StatusCode::UNPROCESSABLE_ENTITY;
    e.code = code;
    e.with_field(field)
}

/// A Prometheus failure while reading: unreachable is 503, refused or not Prometheus 502, bad PromQL 400.
pub fn from_prometheus(e: PromError) -> ApiError {
    let message = e.to_string();
    match e {
        PromError::Unreachable { url, detail } => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::PrometheusUnreachable,
            message,
        )
        .param("url", url)
        .param("detail", detail),
        PromError::Rejected { status } => ApiError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::PrometheusRejected,
            message,
        )
        .param("status", status),
        PromError::BadQuery(detail) => ApiError::invalid(
            "query",
            ErrorCode::PromqlInvalid,
            format!("Prometheus cannot run the query: {detail}"),
        )
        .param("detail", detail),
        PromError::NotPrometheus { status, detail } => {
            let e = ApiError::new(StatusCode::BAD_GATEWAY, ErrorCode::PrometheusError, message)
                .param("detail", detail);
            match status {
                Some(s) => e.param("status", s),
                None => e,
            }
        }
    }
}

/// The cluster's link (404 `cluster_not_found` / `prometheus_not_linked`).
async fn link_of(state: &AppState, id: i64) -> ApiResult<PrometheusLink> {
    connection::cluster(state, id).await?;
    state
        .store
        .find_prometheus_link(id)
        .await?
        .ok_or_else(|| not_linked(id))
}

/// A client for the cluster's linked Prometheus.
async fn linked(state: &AppState, id: i64) -> ApiResult<Prometheus> {
    let l = link_of(state, id).await?;
    let auth = state
        .store
        .open_prometheus_auth(&l, &state.keyring())
        .map_err(ApiError::internal)?;
    Ok(Prometheus::new(
        &l.url,
        auth,
        l.insecure_skip_tls_verify,
        ca_of(l.ca_pem.as_deref()),
        Duration::from_secs(l.timeout_secs.max(1) as u64),
    ))
}

/// The cluster's Prometheus link.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/prometheus", tag = "prometheus", params(("id" = i64, Path)),
    responses((status = 200, body = PrometheusLinkView), (status = 404, description = "`cluster_not_found`, `prometheus_not_linked`")),
    extensions(("x-permission" = json!("cluster.read"))))]
pub async fn get_link(
    State(state): State<AppState>,
    _auth: Authorized<perm::ClusterRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PrometheusLinkView>> {
    Ok(Json(link_view(link_of(&state, id).await?)))
}

/// Link the cluster to its Prometheus (replacing any link); checked first unless `verify=false`.
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/prometheus", tag = "prometheus",
    params(("id" = i64, Path), VerifyQuery), request_body = PrometheusLinkInput,
    responses((status = 200, body = PrometheusLinkView), (status = 400, description = "a field is wrong"),
        (status = 404, description = "`cluster_not_found`"),
        (status = 422, description = "the check failed: `prometheus_unreachable` (url), `prometheus_rejected` (password or token), `prometheus_error` (url); nothing saved")),
    extensions(("x-permission" = json!("cluster.write"))))]
pub async fn put_link(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ClusterWrite>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<VerifyQuery>,
    ApiJson(body): ApiJson<PrometheusLinkInput>,
) -> ApiResult<Json<PrometheusLinkView>> {
    audit.action("prometheus.link");
    audit.target(Some(id), None, Some("prometheus".into()));
    connection::cluster(&state, id).await?;
    let stored = state.store.find_prometheus_link(id).await?;
    let mut f = link_fields(&state, body, stored.as_ref())?;
    let verify = q.verify.unwrap_or(true);
    audit.detail(json!({"url": f.url, "auth": f.auth.kind(), "verify": verify, "insecure_skip_tls_verify": f.insecure_skip_tls_verify, "ca": f.ca_pem.is_some()}));
    if verify {
        f.version = Some(
            client_of(&f)
                .version()
                .await
                .map_err(|e| check_failed(e, &f))?,
        );
    }
    let l = state
        .store
        .put_prometheus_link(id, &f, &auth.username, &state.keyring())
        .await?;
    Ok(Json(link_view(l)))
}

/// Unlink the cluster's Prometheus (its saved queries stay).
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/prometheus", tag = "prometheus", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, description = "`cluster_not_found`, `prometheus_not_linked`")),
    extensions(("x-permission" = json!("cluster.write"))))]
pub async fn delete_link(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ClusterWrite>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    audit.action("prometheus.unlink");
    audit.target(Some(id), None, Some("prometheus".into()));
    connection::cluster(&state, id).await?;
    if !state.store.delete_prometheus_link(id).await? {
        return Err(not_linked(id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Check the stored link again and record the version Prometheus reports.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/prometheus/test", tag = "prometheus", params(("id" = i64, Path)),
    responses((status = 200, body = LinkCheck), (status = 404, description = "`prometheus_not_linked`"),
        (status = 502, description = "`prometheus_rejected`, `prometheus_error`"), (status = 503, description = "`prometheus_unreachable`")),
    extensions(("x-permission" = json!("cluster.write"))))]
pub async fn test_link(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ClusterWrite>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<LinkCheck>> {
    audit.action("prometheus.test");
    audit.target(Some(id), None, Some("prometheus".into()));
    let p = linked(&state, id).await?;
    let version = p.version().await.map_err(from_prometheus)?;
    state
        .store
        .record_prometheus_check(id, &version, Utc::now())
        .await?;
    audit.detail(json!({"ok": true, "version": version}));
    Ok(Json(LinkCheck { ok: true, version }))
}

// ---- queries -------------------------------------------------------------------------------------------------

/// A time as unix seconds (`1700000000`, `1700000000.5`) or RFC 3339 (`2026-11-30T12:00:00Z`).
fn parse_time(field: &str, s: &str) -> ApiResult<f64> {
    if let Ok(t) = s.parse::<f64>()
        && t.is_finite()
        && t >= 0.0
    {
        return Ok(t);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
        .map_err(|_| {
            ApiError::invalid(
                field,
                ErrorCode::InvalidTime,
                format!("{field} must be unix seconds or an RFC 3339 time, not '{s}'"),
            )
            .param("value", s)
        })
}

/// A step or window: seconds (`30`, `0.5`) or a duration (`30s`, `5m`, `1h`, `1d`).
fn parse_duration(field: &str, s: &str) -> ApiResult<f64> {
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let mult = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => 0.0,
    };
    match num.parse::<f64>() {
        Ok(n) if mult > 0.0 && n.is_finite() && n > 0.0 => Ok(n * mult),
        _ => Err(ApiError::invalid(
            field,
            ErrorCode::InvalidQuery,
            format!("{field} must be seconds or a duration such as 30s, 5m or 1h, not '{s}'"),
        )
        .param(
            "detail",
            format!("{field} must be seconds or a duration such as 30s, 5m or 1h, not '{s}'"),
        )),
    }
}

/// A PromQL duration for a window of `secs` seconds.
fn promql_duration(secs: f64) -> String {
    format!("{}s", secs.round().max(1.0) as i64)
}

fn check_query(query: Option<&str>) -> ApiResult<String> {
    let q = query.map(str::trim).unwrap_or_default();
    if q.is_empty() {
        return Err(ApiError::invalid(
            "query",
            ErrorCode::Required,
            "query is required",
        ));
    }
    if q.len() > MAX_QUERY_LEN {
        return Err(ApiError::invalid_length("query", 1, MAX_QUERY_LEN));
    }
    Ok(q.to_owned())
}

/// A time range and its step, checked: `from < to`, at most [`MAX_RANGE_SECS`], at most [`MAX_POINTS`] steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub from: f64,
    pub to: f64,
    pub step: f64,
}

impl Range {
    /// From the query's `from`, `to` (default: now) and `step` (default: about 240 points).
    fn parse(
        from: Option<&str>,
        to: Option<&str>,
        step: Option<&str>,
        default_span: f64,
    ) -> ApiResult<Range> {
        let to = match to {
            Some(t) => parse_time("to", t)?,
            None => Utc::now().timestamp_millis() as f64 / 1000.0,
        };
        let from = match from {
            Some(f) => parse_time("from", f)?,
            None => to - default_span,
        };
        if from >= to {
            return Err(ApiError::invalid(
                "from",
                ErrorCode::InvalidTimeRange,
                "from must be before to",
            ));
        }
        if to - from > MAX_RANGE_SECS {
            return Err(ApiError::invalid(
                "from",
                ErrorCode::InvalidQuery,
                "the range must be at most 31 days",
            )
            .param("detail", "the range must be at most 31 days"));
        }
        let step = match step {
            Some(s) => parse_duration("step", s)?,
            None => default_step(to - from),
        };
        let min_step = ((to - from) / MAX_POINTS).ceil().max(1.0);
        if step < min_step {
            return Err(ApiError::invalid(
                "step",
                ErrorCode::OutOfRange,
                format!("step must be at least {min_step} s for this range: Prometheus answers at most 11,000 points per series"),
            )
            .param("min", min_step));
        }
        Ok(Range { from, to, step })
    }
}

/// About 240 points over a span, on a round step (15 s at least, a common scrape interval).
pub fn default_step(span: f64) -> f64 {
    const ROUND: &[f64] = &[
        15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 21_600.0, 86_400.0,
    ];
    let want = span / 240.0;
    ROUND
        .iter()
        .copied()
        .find(|s| *s >= want)
        .unwrap_or(86_400.0)
}

/// A range query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQueryParams {
    /// PromQL.
    pub query: Option<String>,
    /// Start: unix seconds or RFC 3339 (default: an hour before `to`).
    pub from: Option<String>,
    /// End (default: now).
    pub to: Option<String>,
    /// Seconds or a duration (`30s`); default about 240 points. At most 11,000 points.
    pub step: Option<String>,
}

/// An instant query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstantQueryParams {
    /// PromQL.
    pub query: Option<String>,
    /// When: unix seconds or RFC 3339 (default: now).
    pub time: Option<String>,
}

/// A query's answer, shaped for charts.
#[derive(Serialize, ToSchema)]
pub struct QueryResult {
    /// Each series with its labels and `[t, v]` points.
    pub series: Vec<Series>,
    /// More series than Kubedeck keeps (500) matched; narrow the query.
    pub truncated: bool,
    /// The range and step asked for (range queries).
    pub from: Option<f64>,
    pub to: Option<f64>,
    pub step: Option<f64>,
}

/// Run a PromQL range query on the cluster's Prometheus.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/prometheus/query_range", tag = "prometheus",
    params(("id" = i64, Path), RangeQueryParams),
    responses((status = 200, body = QueryResult), (status = 400, description = "a parameter is wrong, or `promql_invalid` (Prometheus's message, field `query`)"),
        (status = 404, description = "`prometheus_not_linked`"), (status = 502, description = "`prometheus_rejected`, `prometheus_error`"),
        (status = 503, description = "`prometheus_unreachable`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn query_range(
    State(state): State<AppState>,
    _auth: Authorized<perm::ResourceRead>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<RangeQueryParams>,
) -> ApiResult<Json<QueryResult>> {
    let query = check_query(q.query.as_deref())?;
    let r = Range::parse(
        q.from.as_deref(),
        q.to.as_deref(),
        q.step.as_deref(),
        3600.0,
    )?;
    let p = linked(&state, id).await?;
    let (series, truncated) = p
        .query_range(&query, r.from, r.to, r.step)
        .await
        .map_err(from_prometheus)?;
    Ok(Json(QueryResult {
        series,
        truncated,
        from: Some(r.from),
        to: Some(r.to),
        step: Some(r.step),
    }))
}

/// Run a PromQL instant query on the cluster's Prometheus.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/prometheus/query", tag = "prometheus",
    params(("id" = i64, Path), InstantQueryParams),
    responses((status = 200, body = QueryResult), (status = 400, description = "a parameter is wrong, or `promql_invalid`"),
        (status = 404, description = "`prometheus_not_linked`"), (status = 502), (status = 503, description = "`prometheus_unreachable`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn query(
    State(state): State<AppState>,
    _auth: Authorized<perm::ResourceRead>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<InstantQueryParams>,
) -> ApiResult<Json<QueryResult>> {
    let query = check_query(q.query.as_deref())?;
    let time = match q.time.as_deref() {
        Some(t) => parse_time("time", t)?,
        None => Utc::now().timestamp_millis() as f64 / 1000.0,
    };
    let p = linked(&state, id).await?;
    let (series, truncated) = p.query(&query, time).await.map_err(from_prometheus)?;
    Ok(Json(QueryResult {
        series,
        truncated,
        from: None,
        to: None,
        step: None,
    }))
}

// ---- a workload's application metrics ------------------------------------------------------------------------

/// The metric families Kubedeck recognises, in the order it looks for them.
struct Family {
    /// Shown to the operator.
    name: &'static str,
    /// The request counter.
    requests: &'static str,
    /// The latency histogram's buckets.
    buckets: &'static str,
}

const FAMILIES: &[Family] = &[
    // Prometheus client libraries' convention (Go, Python, Java simpleclient examples, many frameworks)
    Family {
        name: "http_requests_total",
        requests: "http_requests_total",
        buckets: "http_request_duration_seconds_bucket",
    },
    // Spring Boot's Micrometer
    Family {
        name: "http_server_requests_seconds",
        requests: "http_server_requests_seconds_count",
        buckets: "http_server_requests_seconds_bucket",
    },
];

/// `range=1h` (the console's ranges), or `from`/`to`/`step`; `window` overrides the rate window.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppMetricsQuery {
    /// 1h, 6h, 24h or 7d (default 1h), ending now.
    pub range: Option<String>,
    /// Start instead of `range`: unix seconds or RFC 3339.
    pub from: Option<String>,
    /// End (default now).
    pub to: Option<String>,
    /// Step, seconds or a duration (default by range).
    pub step: Option<String>,
    /// The window rates are taken over (default: four steps, at least 1 minute).
    pub window: Option<String>,
}

/// The console's ranges and their steps (about 240 to 360 points each).
pub const RANGES: &[(&str, f64, f64)] = &[
    ("1h", 3600.0, 15.0),
    ("6h", 21_600.0, 60.0),
    ("24h", 86_400.0, 300.0),
    ("7d", 604_800.0, 1800.0),
];

/// One chart's line(s) and the PromQL behind it.
#[derive(Serialize, ToSchema)]
pub struct AppChart {
    /// The PromQL run (for Prometheus's own UI).
    pub query: String,
    pub series: Vec<Series>,
}

/// A saved query charted for the workload (`$namespace`, `$pods` and `$window` filled in).
#[derive(Serialize, ToSchema)]
pub struct SavedChart {
    pub id: i64,
    pub name: String,
    pub unit: String,
    /// A cluster-wide query (shown on every workload's page).
    pub cluster_wide: bool,
    pub query: String,
    pub series: Vec<Series>,
    /// Why it could not be charted (Prometheus's message).
    pub error: Option<String>,
}

/// A workload's application metrics from the cluster's Prometheus.
#[derive(Serialize, ToSchema)]
pub struct AppMetrics {
    /// The metric family found (`http_requests_total` or `http_server_requests_seconds`); null: none.
    pub family: Option<String>,
    /// Why some or all charts are empty (no series for these pods, no histogram).
    pub reason: Option<String>,
    /// The workload's pods the queries select (`namespace` and `pod=~`).
    pub pods: Vec<String>,
    pub from: f64,
    pub to: f64,
    pub step: f64,
    /// The rate window, seconds.
    pub window: f64,
    /// Requests per second, all pods together.
    pub request_rate: Option<AppChart>,
    /// Requests per second, one series per pod.
    pub request_rate_by_pod: Option<AppChart>,
    /// Share of 5xx answers, 0 to 1.
    pub error_ratio: Option<AppChart>,
    /// Latency percentiles in seconds: series labelled `quantile` 0.5, 0.9, 0.99.
    pub latency: Option<AppChart>,
    /// Saved queries of this workload and of the cluster.
    pub saved: Vec<SavedChart>,
}

/// `deployments/web`: how a saved query names its workload.
fn workload_key(plural: &str, name: &str) -> String {
    format!("{plural}/{name}")
}

/// Request rate, error share and latency percentiles of a Deployment's, StatefulSet's or DaemonSet's pods, from
/// the cluster's Prometheus; with its saved queries charted.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/app-metrics", tag = "prometheus",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "deployments, statefulsets or daemonsets"), ("name" = String, Path), AppMetricsQuery),
    responses((status = 200, body = AppMetrics, description = "empty charts with a `reason` when Prometheus has no series for these pods"),
        (status = 400, description = "a parameter is wrong"),
        (status = 404, description = "`verb_not_supported`, `object_not_found`, `prometheus_not_linked`"),
        (status = 502), (status = 503, description = "`prometheus_unreachable`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn app_metrics(
    State(state): State<AppState>,
    _auth: Authorized<perm::ResourceRead>,
    GenericPath(t): GenericPath,
    ApiQuery(q): ApiQuery<AppMetricsQuery>,
) -> ApiResult<Json<AppMetrics>> {
    let r = match (q.range.as_deref(), q.from.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "range",
                ErrorCode::MutuallyExclusive,
                "give range or from, not both",
            )
            .param("other", "from"));
        }
        (_, Some(_)) => Range::parse(
            q.from.as_deref(),
            q.to.as_deref(),
            q.step.as_deref(),
            3600.0,
        )?,
        (range, None) => {
            let name = range.unwrap_or("1h");
            let Some(&(_, span, step)) = RANGES.iter().find(|(n, ..)| *n == name) else {
                return Err(ApiError::not_one_of(
                    "range",
                    &["1h", "6h", "24h", "7d"],
                    name,
                ));
            };
            let step = q
                .step
                .as_deref()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{step}"));
            Range::parse(None, q.to.as_deref(), Some(&step), span)?
        }
    };
    let window = match q.window.as_deref() {
        Some(w) => parse_duration("window", w)?,
        None => (4.0 * r.step).max(60.0),
    };
    let (c, served, _) = resolve(&state, &t).await?;
    let plural = served
        .known()
        .map(|k| k.plural)
        .filter(|p| WORKLOAD_KINDS.contains(p))
        .ok_or_else(|| {
            ApiError::not_found(
                ErrorCode::VerbNotSupported,
                format!(
                    "'app-metrics' does not apply to {}; it applies to {}",
                    served.name,
                    WORKLOAD_KINDS.join(", ")
                ),
            )
            .param("kind", &served.name)
            .param("verb", "app-metrics")
            .param("kinds", WORKLOAD_KINDS.join(", "))
        })?;
    let p = linked(&state, c.id).await?;
    let ns = t.ns.clone().unwrap_or_default();
    let name = t.name.clone().unwrap_or_default();
    let pods = workload_pods(&state, &c, &served, &ns, &name).await?;
    let mut out = AppMetrics {
        family: None,
        reason: None,
        pods: pods.clone(),
        from: r.from,
        to: r.to,
        step: r.step,
        window,
        request_rate: None,
        request_rate_by_pod: None,
        error_ratio: None,
        latency: None,
        saved: Vec::new(),
    };
    let pod_re = exact_names(&pods);
    let sel = format!(
        "namespace=\"{}\",pod=~\"{}\"",
        promql_string(&ns),
        promql_string(&pod_re)
    );
    let w = promql_duration(window);
    let saved = state
        .store
        .list_saved_queries(c.id, Some((&ns, &workload_key(plural, &name))), true)
        .await?;
    for s in saved {
        let query = s
            .query
            .replace("$namespace", &promql_string(&ns))
            .replace("$pods", &promql_string(&pod_re))
            .replace("$window", &w);
        let (series, error) = if pods.is_empty() && s.query.contains("$pods") {
            (Vec::new(), Some("the workload has no pods".to_owned()))
        } else {
            match p.query_range(&query, r.from, r.to, r.step).await {
                Ok((series, _)) => (series, None),
                Err(PromError::BadQuery(m)) => (Vec::new(), Some(m)),
                Err(e) => return Err(from_prometheus(e)),
            }
        };
        out.saved.push(SavedChart {
            id: s.id,
            name: s.name,
            unit: s.unit,
            cluster_wide: s.workload.is_none(),
            query,
            series,
            error,
        });
    }
    if pods.is_empty() {
        out.reason = Some(format!("{} {ns}/{name} has no pods", served.api.kind));
        return Ok(Json(out));
    }
    // Which family these pods expose, and whether its status label is `code` or `status`.
    let mut found = None;
    for f in FAMILIES {
        let labels = p
            .series(&format!("{}{{{sel}}}", f.requests), r.from, r.to)
            .await
            .map_err(from_prometheus)?;
        if !labels.is_empty() {
            let status_label = if labels.iter().any(|l| l.contains_key("code")) {
                "code"
            } else {
                "status"
            };
            found = Some((f, status_label));
            break;
        }
    }
    let Some((f, status_label)) = found else {
        out.reason = Some(format!(
            "no http_requests_total or http_server_requests_seconds_count series for these pods (namespace=\"{ns}\", pod=~\"{pod_re}\"); \
             the application exposes neither, or Prometheus does not scrape it with namespace and pod labels"
        ));
        return Ok(Json(out));
    };
    out.family = Some(f.name.to_owned());
    let rate_all = format!("sum(rate({}{{{sel}}}[{w}]))", f.requests);
    let rate_by_pod = format!("sum by (pod) (rate({}{{{sel}}}[{w}]))", f.requests);
    let errors = format!(
        "sum(rate({req}{{{sel},{status_label}=~\"5..\"}}[{w}])) / sum(rate({req}{{{sel}}}[{w}]))",
        req = f.requests
    );
    let run = |query: String| {
        let p = &p;
        async move {
            let (series, _) = p
                .query_range(&query, r.from, r.to, r.step)
                .await
                .map_err(from_prometheus)?;
            Ok::<_, ApiError>(AppChart { query, series })
        }
    };
    out.request_rate = Some(run(rate_all).await?);
    out.request_rate_by_pod = Some(run(rate_by_pod).await?);
    let mut err = run(errors).await?;
    // no 5xx series at all reads as 0 where there were requests, not as a gap: `or` the request rate times 0
    if err.series.is_empty() {
        err = run(format!("(sum(rate({req}{{{sel},{status_label}=~\"5..\"}}[{w}])) or 0 * sum(rate({req}{{{sel}}}[{w}]))) / sum(rate({req}{{{sel}}}[{w}]))", req = f.requests)).await?;
    }
    out.error_ratio = Some(err);
    let has_buckets = !p
        .series(&format!("{}{{{sel}}}", f.buckets), r.from, r.to)
        .await
        .map_err(from_prometheus)?
        .is_empty();
    if has_buckets {
        let quantiles = ["0.5", "0.9", "0.99"]
            .map(|q| format!("label_replace(histogram_quantile({q}, sum by (le) (rate({}{{{sel}}}[{w}]))), \"quantile\", \"{q}\", \"\", \"\")", f.buckets))
            .join(" or ");
        out.latency = Some(run(quantiles).await?);
    } else {
        out.reason = Some(format!(
            "no {} series for these pods: latency percentiles need the histogram",
            f.buckets
        ));
    }
    Ok(Json(out))
}

/// The names of the workload's pods: those its selector matches in its namespace, read live.
async fn workload_pods(
    state: &AppState,
    c: &kubedeck_store::clusters::Cluster,
    served: &kubedeck_kube::resource::discovery::Served,
    ns: &str,
    name: &str,
) -> ApiResult<Vec<String>> {
    let client = client_for(state, c).await?;
    let api = crate::routes::resources::object::api_for(client.clone(), served, Some(ns));
    let obj = within(CALL, api.get_opt(name))
        .await
        .map_err(from_cluster)?
        .ok_or_else(|| {
            ApiError::not_found(
                ErrorCode::ObjectNotFound,
                format!("{} '{ns}/{name}' not found", served.api.kind),
            )
            .param("kind", &served.api.kind)
            .param("name", name)
            .param("namespace", ns)
        })?;
    let obj = serde_json::to_value(obj).unwrap_or_default();
    let Some(sel) = selector_query(&obj["spec"]["selector"]) else {
        return Ok(Vec::new());
    };
    let pods = within(
        CALL,
        Api::<Pod>::namespaced(client, ns).list(&ListParams::default().labels(&sel)),
    )
    .await
    .map_err(from_cluster)?;
    let mut names: Vec<String> = pods
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    names.sort();
    Ok(names)
}

// ---- saved queries -------------------------------------------------------------------------------------------

/// A saved query as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct SavedQueryView {
    pub id: i64,
    pub cluster_id: i64,
    /// With `workload`: the workload's namespace; null for a cluster-wide query.
    pub namespace: Option<String>,
    /// `deployments/web`; null for a cluster-wide query (charted on every workload's page).
    pub workload: Option<String>,
    pub name: String,
    /// PromQL; `$namespace`, `$pods` (a regex of the workload's pod names) and `$window` are filled in on a
    /// workload's page.
    pub query: String,
    pub unit: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn saved_view(s: SavedQuery) -> SavedQueryView {
    SavedQueryView {
        id: s.id,
        cluster_id: s.cluster_id,
        namespace: s.namespace,
        workload: s.workload,
        name: s.name,
        query: s.query,
        unit: s.unit,
        created_by: s.created_by,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

/// A query to save.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedQueryInput {
    /// Its title, 1 to 128 characters.
    pub name: String,
    /// PromQL.
    pub query: String,
    /// The axis' unit (up to 32 characters: `s`, `bytes`, `%`, `req/s`); empty for none.
    #[serde(default)]
    pub unit: String,
    /// With `workload`: the workload's namespace.
    pub namespace: Option<String>,
    /// `deployments/web`, `statefulsets/db` or `daemonsets/agent`; absent: a cluster-wide query.
    pub workload: Option<String>,
}

fn saved_fields(b: SavedQueryInput) -> ApiResult<SavedQueryFields> {
    let name = b.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(ApiError::invalid_length("name", 1, 128));
    }
    let query = check_query(Some(&b.query))?;
    if b.unit.chars().count() > 32 {
        return Err(ApiError::invalid_length("unit", 0, 32));
    }
    let (namespace, workload) = match (b.namespace, b.workload) {
        (None, None) => (None, None),
        (Some(ns), Some(w)) => {
            let ok_kind = w.split_once('/').is_some_and(|(k, n)| {
                WORKLOAD_KINDS.contains(&k) && !n.is_empty() && n.len() <= 253
            });
            if !ok_kind {
                let m = format!(
                    "workload must be <kind>/<name> with kind one of {}",
                    WORKLOAD_KINDS.join(", ")
                );
                return Err(
                    ApiError::invalid("workload", ErrorCode::InvalidBody, m.clone())
                        .param("detail", m),
                );
            }
            if ns.is_empty() || ns.len() > 253 {
                return Err(ApiError::invalid_length("namespace", 1, 253));
            }
            (Some(ns), Some(w))
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "namespace",
                ErrorCode::Required,
                "namespace is required with workload",
            ));
        }
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "workload",
                ErrorCode::Required,
                "workload is required with namespace",
            ));
        }
    };
    Ok(SavedQueryFields {
        namespace,
        workload,
        name,
        query,
        unit: b.unit,
    })
}

/// Which saved queries to list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SavedQueryFilter {
    /// With `workload`: only that workload's queries and the cluster-wide ones.
    pub namespace: Option<String>,
    /// `deployments/web`.
    pub workload: Option<String>,
}

fn saved_not_found(id: i64) -> ApiError {
    ApiError::not_found(
        ErrorCode::SavedQueryNotFound,
        format!("this cluster has no saved query {id}"),
    )
    .param("query", id)
}

/// The cluster's saved queries.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/prometheus/queries", tag = "prometheus",
    params(("id" = i64, Path), SavedQueryFilter), responses((status = 200, body = Vec<SavedQueryView>), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn list_saved(
    State(state): State<AppState>,
    _auth: Authorized<perm::ResourceRead>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<SavedQueryFilter>,
) -> ApiResult<Json<Vec<SavedQueryView>>> {
    connection::cluster(&state, id).await?;
    let workload = match (&q.namespace, &q.workload) {
        (Some(ns), Some(w)) => Some((ns.as_str(), w.as_str())),
        (None, None) => None,
        _ => {
            return Err(ApiError::invalid(
                "workload",
                ErrorCode::Required,
                "give namespace and workload together",
            ));
        }
    };
    let rows = state.store.list_saved_queries(id, workload, true).await?;
    Ok(Json(rows.into_iter().map(saved_view).collect()))
}

/// Save a query for the cluster or one of its workloads.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/prometheus/queries", tag = "prometheus",
    params(("id" = i64, Path)), request_body = SavedQueryInput,
    responses((status = 201, body = SavedQueryView), (status = 400), (status = 404)),
    extensions(("x-permission" = json!("cluster.write"))))]
pub async fn create_saved(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ClusterWrite>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SavedQueryInput>,
) -> ApiResult<(StatusCode, Json<SavedQueryView>)> {
    audit.action("prometheus.query.create");
    connection::cluster(&state, id).await?;
    let f = saved_fields(body)?;
    audit.detail(json!({"name": f.name, "workload": f.workload, "namespace": f.namespace}));
    let s = state
        .store
        .insert_saved_query(id, &f, &auth.username)
        .await?;
    audit.target(
        Some(id),
        s.namespace.as_deref(),
        Some(format!("prometheus/queries/{}", s.id)),
    );
    Ok((StatusCode::CREATED, Json(saved_view(s))))
}

/// Change a saved query.
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/prometheus/queries/{qid}", tag = "prometheus",
    params(("id" = i64, Path), ("qid" = i64, Path)), request_body = SavedQueryInput,
    responses((status = 200, body = SavedQueryView), (status = 400), (status = 404, description = "`saved_query_not_found`")),
    extensions(("x-permission" = json!("cluster.write"))))]
pub async fn update_saved(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ClusterWrite>,
    ApiPath((id, qid)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<SavedQueryInput>,
) -> ApiResult<Json<SavedQueryView>> {
    audit.action("prometheus.query.update");
    audit.target(Some(id), None, Some(format!("prometheus/queries/{qid}")));
    connection::cluster(&state, id).await?;
    let f = saved_fields(body)?;
    audit.detail(json!({"name": f.name, "workload": f.workload, "namespace": f.namespace}));
    let s = state
        .store
        .update_saved_query(id, qid, &f)
        .await?
        .ok_or_else(|| saved_not_found(qid))?;
    Ok(Json(saved_view(s)))
}

/// Delete a saved query.
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/prometheus/queries/{qid}", tag = "prometheus",
    params(("id" = i64, Path), ("qid" = i64, Path)),
    responses((status = 204), (status = 404, description = "`saved_query_not_found`")),
    extensions(("x-permission" = json!("cluster.write"))))]
pub async fn delete_saved(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ClusterWrite>,
    ApiPath((id, qid)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    audit.action("prometheus.query.delete");
    audit.target(Some(id), None, Some(format!("prometheus/queries/{qid}")));
    connection::cluster(&state, id).await?;
    if !state.store.delete_saved_query(id, qid).await? {
        return Err(saved_not_found(qid));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_never_asks_for_more_than_eleven_thousand_points() {
        let r = Range::parse(Some("0"), Some("86400"), Some("7"), 3600.0);
        assert!(r.is_err(), "86400/7 > 11000");
        let e = r.unwrap_err();
        assert_eq!(e.field.as_deref(), Some("step"));
        assert!(Range::parse(Some("0"), Some("86400"), Some("8"), 3600.0).is_ok());
        assert!(
            Range::parse(Some("10"), Some("10"), None, 3600.0).is_err(),
            "from must be before to"
        );
        assert_eq!(
            Range::parse(Some("0"), Some("3600"), Some("1m"), 0.0)
                .unwrap()
                .step,
            60.0
        );
    }

    #[test]
    fn default_steps_give_about_240_points() {
        for (_, span, step) in RANGES {
            assert!(
                span / step <= 400.0 && span / step >= 200.0,
                "{span} / {step}"
            );
        }
        assert_eq!(default_step(3600.0), 15.0);
        assert_eq!(default_step(604_800.0), 3600.0);
    }

    #[test]
    fn link_urls_are_http_without_credentials() {
        assert_eq!(parse_url("http://prom:9090/").unwrap(), "http://prom:9090");
        assert_eq!(
            parse_url("https://x.example/prometheus").unwrap(),
            "https://x.example/prometheus"
        );
        assert!(parse_url("ftp://x").is_err());
        assert!(parse_url("http://u:p@x").is_err());
        assert!(parse_url("http://x/?a=b").is_err());
        assert!(parse_url("not a url").is_err());
    }
}

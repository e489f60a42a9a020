//! Alerts (issue 16, spec 8.2): a cluster's alerts and every cluster's (`GET /api/v1/alerts`, for the global page
//! and the header badge), acknowledge and resolve by hand, the rules (built-in and the cluster's own threshold
//! rules), silences, and the tokens an Alertmanager posts its webhook with (`POST /api/v1/alerts/ingest/{token}`,
//! no login: the token is the credential, stored hashed and shown once).

use crate::alerting::lifecycle::{fingerprint, group_key};
use crate::alerting::rules::{self, Matcher, Rule};
use crate::audit::AuditSlot;
use crate::auth::{AuthUser, Authorized, InCluster, perm};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Pagination};
use crate::routes::Page;
use crate::state::AppState;
use axum::extract::State;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use kubedeck_core::rbac::{Permission, Scope};
use kubedeck_store::alerts::{
    Alert, AlertFilter, IngestToken, IngestedAlert, RuleSetting, Silence, source,
    state as alert_state,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Longest `for` and notification interval a rule takes (7 days).
const MAX_SECS: i64 = 7 * 24 * 3600;
/// Longest silence (a year).
const MAX_SILENCE_SECS: i64 = 365 * 24 * 3600;

// ---- views ---------------------------------------------------------------------------------------------------

/// An alert.
#[derive(Serialize, ToSchema)]
pub struct AlertView {
    pub id: i64,
    pub cluster_id: i64,
    /// The rule's name (`alertname`).
    pub rule: String,
    /// critical, warning or info.
    pub severity: String,
    /// pending, firing or resolved.
    pub state: String,
    /// kubedeck (its own rules) or prometheus (sent in by an Alertmanager).
    pub source: String,
    /// sha256 of the sorted labels (Alertmanager's for ingested alerts).
    pub fingerprint: String,
    /// The notification group it is sent in (`cluster:rule`, and a hash of its `group_by` values when the rule
    /// groups by labels): alerts with the same key go out in one notice.
    pub group_key: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// The `namespace` label, when it has one.
    pub namespace: Option<String>,
    /// What the condition compared (percent, days, replicas, restarts), when it has a value.
    pub value: Option<f64>,
    /// When the condition was first seen.
    pub active_at: DateTime<Utc>,
    /// Firing since.
    pub starts_at: Option<DateTime<Utc>>,
    /// Resolved at.
    pub ends_at: Option<DateTime<Utc>>,
    pub last_evaluated_at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who resolved it by hand, and why.
    pub resolved_by: Option<String>,
    pub resolved_why: Option<String>,
    /// Resolved by hand while its condition held: it fires again only after the condition clears.
    pub held_until_clear: bool,
    /// The silence that mutes its notices.
    pub silenced_by: Option<i64>,
    /// What was last notified: none, firing, resolved.
    pub notified_state: String,
    pub last_notified_at: Option<DateTime<Utc>>,
}

fn map(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}

impl From<Alert> for AlertView {
    fn from(a: Alert) -> Self {
        AlertView {
            id: a.id,
            cluster_id: a.cluster_id,
            rule: a.rule,
            severity: a.severity,
            state: a.state,
            source: a.source,
            fingerprint: a.fingerprint,
            group_key: a.group_key,
            labels: map(&a.labels),
            annotations: map(&a.annotations),
            namespace: Some(a.namespace).filter(|n| !n.is_empty()),
            value: a.value,
            active_at: a.active_at,
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            last_evaluated_at: a.last_evaluated_at,
            acknowledged_by: a.acknowledged_by,
            acknowledged_at: a.acknowledged_at,
            resolved_by: a.resolved_by,
            resolved_why: a.resolved_why,
            held_until_clear: a.held_until_clear,
            silenced_by: a.silenced_by,
            notified_state: a.notified_state,
            last_notified_at: a.last_notified_at,
        }
    }
}

/// Filters of an alert list.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Only alerts of this cluster (the list across clusters only).
    pub cluster_id: Option<i64>,
    /// pending, firing or resolved.
    pub state: Option<String>,
    /// critical, warning or info.
    pub severity: Option<String>,
    /// The rule's name, exactly.
    pub rule: Option<String>,
    /// Namespaces (comma-separated).
    pub namespace: Option<String>,
    /// 1-based page number (default 1).
    pub page: Option<u64>,
    /// Rows per page (default 20, at most 500).
    pub page_size: Option<u64>,
}

const STATES: [&str; 3] = [
    alert_state::PENDING,
    alert_state::FIRING,
    alert_state::RESOLVED,
];

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl AlertQuery {
    fn filter(&self) -> ApiResult<AlertFilter> {
        let state = nonempty(&self.state);
        if let Some(s) = &state
            && !STATES.contains(&s.as_str())
        {
            return Err(ApiError::not_one_of("state", &STATES, s));
        }
        let severity = nonempty(&self.severity);
        if let Some(s) = &severity
            && !rules::SEVERITIES.contains(&s.as_str())
        {
            return Err(ApiError::not_one_of("severity", rules::SEVERITIES, s));
        }
        Ok(AlertFilter {
            clusters: None,
            state,
            severity,
            rule: nonempty(&self.rule),
            namespaces: None,
        })
    }

    fn asked_namespaces(&self) -> Vec<String> {
        self.namespace
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn page(&self) -> ApiResult<kubedeck_store::PageRequest> {
        Pagination {
            page: self.page,
            page_size: self.page_size,
        }
        .request()
    }
}

fn alert_not_found(cluster: i64, id: i64) -> ApiError {
    ApiError::not_found(
        ErrorCode::AlertNotFound,
        format!("cluster {cluster} has no alert {id}"),
    )
    .param("alert", id)
}

async fn ensure_cluster(state: &AppState, id: i64) -> ApiResult<kubedeck_store::clusters::Cluster> {
    state
        .store
        .find_cluster(id)
        .await?
        .ok_or_else(|| ApiError::cluster_not_found(id))
}

async fn find_alert(state: &AppState, cluster: i64, id: i64) -> ApiResult<Alert> {
    ensure_cluster(state, cluster).await?;
    state
        .store
        .find_alert(cluster, id)
        .await?
        .ok_or_else(|| alert_not_found(cluster, id))
}

// ---- alerts --------------------------------------------------------------------------------------------------

/// A cluster's alerts, newest first: by state, severity, rule and namespace. A caller with access to some
/// namespaces only sees theirs.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/alerts", tag = "alerts",
    params(("id" = i64, Path), AlertQuery),
    responses((status = 200, body = Page<AlertView>), (status = 400), (status = 404)),
    extensions(("x-permission" = json!("alert.read"))))]
pub async fn list(
    State(state): State<AppState>,
    auth: InCluster<perm::AlertRead>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult<Json<Page<AlertView>>> {
    let req = q.page()?;
    let mut filter = q.filter()?;
    filter.namespaces = auth.narrow(&q.asked_namespaces())?;
    filter.clusters = Some(vec![id]);
    ensure_cluster(&state, id).await?;
    let page = state.store.list_alerts(&filter, req).await?;
    Ok(Json(Page::new(
        page.items.into_iter().map(Into::into).collect(),
        page.total,
        req,
    )))
}

/// Alerts of every cluster the caller may read alerts of, newest first (`?state=firing&page_size=1` gives the
/// header badge's count as `total`).
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertQuery),
    responses((status = 200, body = Page<AlertView>), (status = 400)),
    extensions(("x-permission" = json!("alert.read"))))]
pub async fn list_all(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult<Json<Page<AlertView>>> {
    if !user.bindings.allows_somewhere(Permission::AlertRead) {
        user.require(Permission::AlertRead, Scope::GLOBAL)?;
    }
    let req = q.page()?;
    let mut filter = q.filter()?;
    let asked = q.asked_namespaces();
    filter.namespaces = (!asked.is_empty()).then_some(asked);
    filter.clusters = match (user.clusters_with(Permission::AlertRead), q.cluster_id) {
        (None, c) => c.map(|c| vec![c]),
        (Some(visible), Some(c)) => Some(visible.into_iter().filter(|v| *v == c).collect()),
        (Some(visible), None) => Some(visible),
    };
    let page = state.store.list_alerts(&filter, req).await?;
    Ok(Json(Page::new(
        page.items.into_iter().map(Into::into).collect(),
        page.total,
        req,
    )))
}

/// One alert.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/alerts/{aid}", tag = "alerts",
    params(("id" = i64, Path), ("aid" = i64, Path)),
    responses((status = 200, body = AlertView), (status = 404)),
    extensions(("x-permission" = json!("alert.read"))))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<perm::AlertRead>,
    ApiPath((id, aid)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(find_alert(&state, id, aid).await?.into()))
}

/// Acknowledges an alert: records who and when (the first acknowledgement stays). Notices go on.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/alerts/{aid}/ack", tag = "alerts",
    params(("id" = i64, Path), ("aid" = i64, Path)),
    responses((status = 200, body = AlertView), (status = 404)),
    extensions(("x-permission" = json!("alert.write"))))]
pub async fn ack(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::AlertWrite>,
    ApiPath((id, aid)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<AlertView>> {
    audit.action("alert.ack");
    audit.target(Some(id), None, Some(format!("alert/{aid}")));
    let a = find_alert(&state, id, aid).await?;
    Ok(Json(
        state
            .store
            .acknowledge_alert(&a, &auth.0.username)
            .await?
            .into(),
    ))
}

/// Why an alert is resolved by hand.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// Why (1 to 1,000 characters), kept with the alert.
    pub reason: String,
}

/// Resolves an alert by hand (spec 8.2), recording who and why. A Kubedeck alert whose condition still holds does
/// not come back as a new alert until the condition has cleared and holds again.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/alerts/{aid}/resolve", tag = "alerts",
    params(("id" = i64, Path), ("aid" = i64, Path)), request_body = ResolveRequest,
    responses((status = 200, body = AlertView), (status = 400), (status = 404), (status = 409, description = "already resolved")),
    extensions(("x-permission" = json!("alert.write"))))]
pub async fn resolve(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::AlertWrite>,
    ApiPath((id, aid)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<ResolveRequest>,
) -> ApiResult<Json<AlertView>> {
    audit.action("alert.resolve");
    audit.target(Some(id), None, Some(format!("alert/{aid}")));
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ApiError::invalid_length("reason", 1, 1000));
    }
    audit.detail(json!({"reason": reason}));
    let a = find_alert(&state, id, aid).await?;
    if a.state == alert_state::RESOLVED {
        return Err(ApiError::conflict(
            ErrorCode::AlertResolved,
            format!("alert {aid} is resolved already"),
        )
        .param("alert", aid));
    }
    let hold = a.source == source::KUBEDECK;
    Ok(Json(
        state
            .store
            .resolve_alert(&a, &auth.0.username, reason, hold)
            .await?
            .into(),
    ))
}

// ---- rules ---------------------------------------------------------------------------------------------------

/// A rule as a cluster runs it.
#[derive(Serialize, ToSchema)]
pub struct RuleView {
    pub name: String,
    /// The cluster's own threshold rule (false: a built-in rule).
    pub custom: bool,
    pub enabled: bool,
    /// What it checks.
    pub condition: String,
    pub threshold: Option<f64>,
    /// The threshold's unit (percent, days), for built-in rules.
    pub unit: Option<String>,
    pub for_secs: i64,
    pub severity: String,
    /// Only alerts in these namespaces (empty: all).
    pub namespaces: Vec<String>,
    /// Labels an alert must carry.
    pub matchers: BTreeMap<String, String>,
    /// A custom rule's metric and comparison.
    pub metric: Option<String>,
    pub operator: Option<String>,
    pub summary: Option<String>,
    pub group_wait_secs: Option<i64>,
    pub group_interval_secs: Option<i64>,
    pub repeat_interval_secs: Option<i64>,
    /// Labels beside `alertname` and `cluster` that split the rule's alerts into notification groups, one notice
    /// per group (Alertmanager's `group_by`); empty: one group per rule and cluster.
    pub group_by: Vec<String>,
    /// A built-in rule's defaults.
    pub default_threshold: Option<f64>,
    pub default_for_secs: Option<i64>,
    pub default_severity: Option<String>,
    /// The cluster changed it (a built-in rule) or made it (a custom one).
    pub changed: bool,
}

fn rule_view(r: &Rule, changed: bool) -> RuleView {
    let b = rules::builtin(&r.name).filter(|_| !r.custom);
    RuleView {
        name: r.name.clone(),
        custom: r.custom,
        enabled: r.enabled,
        condition: match b {
            Some(b) => b.condition.to_owned(),
            None => format!(
                "{} {} {}",
                r.metric.as_deref().unwrap_or("?"),
                r.operator.as_deref().unwrap_or("?"),
                r.threshold.map(|t| t.to_string()).unwrap_or_default()
            ),
        },
        threshold: r.threshold,
        unit: b.and_then(|b| b.unit).map(str::to_owned),
        for_secs: r.for_secs,
        severity: r.severity.clone(),
        namespaces: r.namespaces.clone(),
        matchers: r.matchers.clone(),
        metric: r.metric.clone(),
        operator: r.operator.clone(),
        summary: r.summary.clone(),
        group_wait_secs: r.group_wait_secs,
        group_interval_secs: r.group_interval_secs,
        repeat_interval_secs: r.repeat_interval_secs,
        group_by: r.group_by.clone(),
        default_threshold: b.and_then(|b| b.threshold),
        default_for_secs: b.map(|b| b.for_secs),
        default_severity: b.map(|b| b.severity.to_owned()),
        changed,
    }
}

async fn rule_views(state: &AppState, id: i64) -> ApiResult<Vec<RuleView>> {
    let settings = state.store.rule_settings(id).await?;
    Ok(rules::effective_rules(&settings)
        .iter()
        .map(|r| rule_view(r, settings.iter().any(|s| s.name == r.name)))
        .collect())
}

fn rule_not_found(name: &str) -> ApiError {
    ApiError::not_found(
        ErrorCode::AlertRuleNotFound,
        format!("there is no alert rule called '{name}'"),
    )
    .param("rule", name)
}

/// Every rule of a cluster: the built-in ones (with the cluster's changes) and its own.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/alert-rules", tag = "alerts",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<RuleView>), (status = 404)),
    extensions(("x-permission" = json!("alert.read"))))]
pub async fn list_rules(
    State(state): State<AppState>,
    _auth: Authorized<perm::AlertRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<RuleView>>> {
    ensure_cluster(&state, id).await?;
    Ok(Json(rule_views(&state, id).await?))
}

/// One rule.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/alert-rules/{rule}", tag = "alerts",
    params(("id" = i64, Path), ("rule" = String, Path)), responses((status = 200, body = RuleView), (status = 404)),
    extensions(("x-permission" = json!("alert.read"))))]
pub async fn get_rule(
    State(state): State<AppState>,
    _auth: Authorized<perm::AlertRead>,
    ApiPath((id, name)): ApiPath<(i64, String)>,
) -> ApiResult<Json<RuleView>> {
    ensure_cluster(&state, id).await?;
    rule_views(&state, id)
        .await?
        .into_iter()
        .find(|r| r.name == name)
        .map(Json)
        .ok_or_else(|| rule_not_found(&name))
}

/// A rule's settings. Members left out keep their current value; `null` for threshold, for_secs, severity or a
/// timing restores a built-in rule's default (the server's, for timings).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RuleUpdate {
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "some")]
    pub threshold: Option<Option<f64>>,
    #[serde(default, deserialize_with = "some")]
    pub for_secs: Option<Option<i64>>,
    #[serde(default, deserialize_with = "some")]
    pub severity: Option<Option<String>>,
    /// Only alerts in these namespaces ([] = all).
    pub namespaces: Option<Vec<String>>,
    /// Labels an alert must carry ({} = any).
    pub matchers: Option<BTreeMap<String, String>>,
    /// A custom rule's metric and comparison.
    pub metric: Option<String>,
    pub operator: Option<String>,
    #[serde(default, deserialize_with = "some")]
    pub summary: Option<Option<String>>,
    #[serde(default, deserialize_with = "some")]
    pub group_wait_secs: Option<Option<i64>>,
    #[serde(default, deserialize_with = "some")]
    pub group_interval_secs: Option<Option<i64>>,
    #[serde(default, deserialize_with = "some")]
    pub repeat_interval_secs: Option<Option<i64>>,
    /// Label names that split the rule's alerts into notification groups ([] = one group per rule and
    /// cluster), e.g. `["namespace"]` for a notice per namespace.
    pub group_by: Option<Vec<String>>,
}

/// A member that is present (even as null) is `Some`.
fn some<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

fn check_secs(field: &str, v: Option<i64>) -> ApiResult<()> {
    match v {
        Some(s) if !(0..=MAX_SECS).contains(&s) => {
            Err(ApiError::out_of_range(field, Some(0), Some(MAX_SECS)))
        }
        _ => Ok(()),
    }
}

/// The most labels a rule groups by: a group is meant to gather alerts, and the key must stay short.
const MAX_GROUP_BY: usize = 10;

/// Checks `group_by` (Prometheus label names, each once, not the labels every group already has) and gives
/// the stored value: NULL for none, so rows from before grouping and rows set back to none read alike.
fn check_group_by(v: Vec<String>) -> ApiResult<Option<String>> {
    if v.len() > MAX_GROUP_BY {
        return Err(ApiError::invalid(
            "group_by",
            ErrorCode::InvalidBody,
            format!("a rule groups by at most {MAX_GROUP_BY} labels"),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, name) in v.iter().enumerate() {
        let field = format!("group_by[{i}]");
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.len() <= 128
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(ApiError::invalid(
                &field,
                ErrorCode::InvalidBody,
                format!("'{name}' is not a label name (letters, digits and _, not starting with a digit)"),
            ));
        }
        if name == "alertname" || name == "cluster" {
            return Err(ApiError::invalid(
                &field,
                ErrorCode::InvalidBody,
                format!("alerts are always grouped by '{name}'"),
            ));
        }
        if !seen.insert(name.as_str()) {
            return Err(ApiError::invalid(
                &field,
                ErrorCode::InvalidBody,
                format!("'{name}' is listed twice"),
            ));
        }
    }
    Ok((!v.is_empty()).then(|| serde_json::to_string(&v).unwrap_or_else(|_| "[]".into())))
}

/// Applies an update to a setting and checks the result.
fn apply(mut s: RuleSetting, u: RuleUpdate) -> ApiResult<RuleSetting> {
    if let Some(v) = u.enabled {
        s.enabled = v;
    }
    if let Some(v) = u.threshold {
        if v.is_some_and(|t| !t.is_finite()) {
            return Err(ApiError::invalid(
                "threshold",
                ErrorCode::InvalidBody,
                "threshold must be a number",
            ));
        }
        s.threshold = v;
    }
    if let Some(v) = u.for_secs {
        check_secs("for_secs", v)?;
        s.for_secs = v;
    }
    if let Some(v) = u.severity {
        if let Some(sev) = &v
            && !rules::SEVERITIES.contains(&sev.as_str())
        {
            return Err(ApiError::not_one_of("severity", rules::SEVERITIES, sev));
        }
        s.severity = v;
    }
    if let Some(v) = u.namespaces {
        s.namespaces = serde_json::to_string(&v).unwrap_or_else(|_| "[]".into());
    }
    if let Some(v) = u.matchers {
        s.matchers = serde_json::to_string(&v).unwrap_or_else(|_| "{}".into());
    }
    if let Some(v) = u.metric {
        s.metric = Some(v);
    }
    if let Some(v) = u.operator {
        s.operator = Some(v);
    }
    if let Some(v) = u.summary {
        s.summary = v;
    }
    for (field, v, slot) in [
        ("group_wait_secs", u.group_wait_secs, &mut s.group_wait_secs),
        (
            "group_interval_secs",
            u.group_interval_secs,
            &mut s.group_interval_secs,
        ),
        (
            "repeat_interval_secs",
            u.repeat_interval_secs,
            &mut s.repeat_interval_secs,
        ),
    ] {
        if let Some(v) = v {
            check_secs(field, v)?;
            *slot = v;
        }
    }
    if let Some(v) = u.group_by {
        s.group_by = check_group_by(v)?;
    }
    if s.custom {
        let metric = s.metric.as_deref().unwrap_or_default();
        if !rules::METRICS.contains(&metric) {
            return Err(ApiError::not_one_of("metric", rules::METRICS, metric));
        }
        let op = s.operator.as_deref().unwrap_or_default();
        if !rules::OPERATORS.contains(&op) {
            return Err(ApiError::not_one_of("operator", rules::OPERATORS, op));
        }
        if s.threshold.is_none() {
            return Err(ApiError::invalid(
                "threshold",
                ErrorCode::Required,
                "a threshold rule needs a threshold",
            ));
        }
    } else if s.metric.is_some() || s.operator.is_some() {
        return Err(ApiError::invalid(
            "metric",
            ErrorCode::InvalidBody,
            "a built-in rule's metric cannot be changed",
        ));
    }
    Ok(s)
}

fn blank_setting(cluster_id: i64, name: &str, custom: bool, by: &str) -> RuleSetting {
    RuleSetting {
        id: 0,
        cluster_id,
        name: name.to_owned(),
        custom,
        enabled: true,
        threshold: None,
        for_secs: None,
        severity: None,
        namespaces: "[]".into(),
        matchers: "{}".into(),
        metric: None,
        operator: None,
        summary: None,
        group_wait_secs: None,
        group_interval_secs: None,
        repeat_interval_secs: None,
        group_by: None,
        updated_by: by.to_owned(),
        updated_at: Utc::now(),
    }
}

/// Changes a rule for this cluster: enable or disable it, its threshold, `for`, severity, namespace scope, label
/// matchers and notification timing.
#[utoipa::path(put, path = "/api/v1/k8s/cluster/{id}/alert-rules/{rule}", tag = "alerts",
    params(("id" = i64, Path), ("rule" = String, Path)), request_body = RuleUpdate,
    responses((status = 200, body = RuleView), (status = 400), (status = 404)),
    extensions(("x-permission" = json!("alert.admin"))))]
pub async fn update_rule(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::AlertAdmin>,
    ApiPath((id, name)): ApiPath<(i64, String)>,
    ApiJson(body): ApiJson<RuleUpdate>,
) -> ApiResult<Json<RuleView>> {
    audit.action("alert.rule.update");
    audit.target(Some(id), None, Some(format!("alert-rule/{name}")));
    ensure_cluster(&state, id).await?;
    let existing = state
        .store
        .rule_settings(id)
        .await?
        .into_iter()
        .find(|s| s.name == name);
    let base = match existing {
        Some(s) => s,
        None if rules::builtin(&name).is_some() => {
            blank_setting(id, &name, false, &auth.0.username)
        }
        None => return Err(rule_not_found(&name)),
    };
    let mut s = apply(base, body)?;
    s.updated_by = auth.0.username.clone();
    s.updated_at = Utc::now();
    let saved = state.store.save_rule_setting(s).await?;
    Ok(Json(rule_view(&Rule::from_setting(&saved), true)))
}

/// A threshold rule of the cluster's own on a collected metric.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// Letters, digits and `_` (1 to 128), not a built-in rule's name.
    pub name: String,
    /// node_cpu_percent, node_memory_percent, node_disk_percent, volume_used_percent or pod_restarts.
    pub metric: String,
    /// >, >=, < or <=.
    pub operator: String,
    pub threshold: f64,
    /// Seconds the comparison must hold before the alert fires (default 0).
    pub for_secs: Option<i64>,
    /// critical, warning (default) or info.
    pub severity: Option<String>,
    pub namespaces: Option<Vec<String>>,
    pub matchers: Option<BTreeMap<String, String>>,
    pub summary: Option<String>,
    pub enabled: Option<bool>,
    /// Label names that split the rule's alerts into notification groups (none: one group).
    pub group_by: Option<Vec<String>>,
}

/// Adds a threshold rule of the cluster's own.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/alert-rules", tag = "alerts",
    params(("id" = i64, Path)), request_body = NewRule,
    responses((status = 201, body = RuleView), (status = 400), (status = 404), (status = 409)),
    extensions(("x-permission" = json!("alert.admin"))))]
pub async fn create_rule(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::AlertAdmin>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewRule>,
) -> ApiResult<(axum::http::StatusCode, Json<RuleView>)> {
    audit.action("alert.rule.create");
    audit.target(Some(id), None, Some(format!("alert-rule/{}", body.name)));
    let name = body.name.trim().to_owned();
    if name.is_empty()
        || name.len() > 128
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(ApiError::invalid(
            "name",
            ErrorCode::InvalidName,
            "a rule's name is 1 to 128 letters, digits or '_'",
        )
        .param("name", &name));
    }
    ensure_cluster(&state, id).await?;
    if rules::builtin(&name).is_some()
        || state
            .store
            .rule_settings(id)
            .await?
            .iter()
            .any(|s| s.name == name)
    {
        return Err(ApiError::conflict(
            ErrorCode::AlertRuleExists,
            format!("an alert rule called '{name}' exists"),
        )
        .param("rule", &name));
    }
    let s = apply(
        blank_setting(id, &name, true, &auth.0.username),
        RuleUpdate {
            enabled: body.enabled,
            threshold: Some(Some(body.threshold)),
            for_secs: Some(Some(body.for_secs.unwrap_or(0))),
            severity: Some(Some(body.severity.unwrap_or_else(|| "warning".into()))),
            namespaces: body.namespaces,
            matchers: body.matchers,
            metric: Some(body.metric),
            operator: Some(body.operator),
            summary: Some(body.summary),
            group_by: body.group_by,
            ..Default::default()
        },
    )?;
    let saved = state.store.save_rule_setting(s).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(rule_view(&Rule::from_setting(&saved), true)),
    ))
}

/// Deletes a cluster's own rule, or restores a built-in rule's defaults.
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/alert-rules/{rule}", tag = "alerts",
    params(("id" = i64, Path), ("rule" = String, Path)),
    responses((status = 204), (status = 404)),
    extensions(("x-permission" = json!("alert.admin"))))]
pub async fn delete_rule(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::AlertAdmin>,
    ApiPath((id, name)): ApiPath<(i64, String)>,
) -> ApiResult<axum::http::StatusCode> {
    audit.action("alert.rule.delete");
    audit.target(Some(id), None, Some(format!("alert-rule/{name}")));
    ensure_cluster(&state, id).await?;
    if !state.store.delete_rule_setting(id, &name).await? && rules::builtin(&name).is_none() {
        return Err(rule_not_found(&name));
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

// ---- silences ------------------------------------------------------------------------------------------------

/// A silence.
#[derive(Serialize, ToSchema)]
pub struct SilenceView {
    pub id: i64,
    pub cluster_id: i64,
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    /// active (in force now), pending (starts later) or expired.
    pub status: String,
}

impl From<Silence> for SilenceView {
    fn from(s: Silence) -> Self {
        let now = Utc::now();
        let status = if s.ends_at <= now {
            "expired"
        } else if s.starts_at > now {
            "pending"
        } else {
            "active"
        };
        SilenceView {
            id: s.id,
            cluster_id: s.cluster_id,
            matchers: serde_json::from_str(&s.matchers).unwrap_or_default(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            created_by: s.created_by,
            comment: s.comment,
            created_at: s.created_at,
            status: status.into(),
        }
    }
}

/// A cluster's silences, newest first (expired ones included).
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/silences", tag = "alerts",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<SilenceView>), (status = 404)),
    extensions(("x-permission" = json!("alert.read"))))]
pub async fn list_silences(
    State(state): State<AppState>,
    _auth: Authorized<perm::AlertRead>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<SilenceView>>> {
    ensure_cluster(&state, id).await?;
    Ok(Json(
        state
            .store
            .silences(id, None)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// A new silence: alerts whose labels match every matcher are not notified from `starts_at` (default now) to
/// `ends_at` (or for `duration_secs`); they stay listed, with `silenced_by`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSilence {
    /// At least one; `is_equal: false` matches a different value; `is_regex: true` takes `value` as a regular
    /// expression the whole label value must match (Alertmanager's `=~`, `!~`).
    pub matchers: Vec<Matcher>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Instead of `ends_at`: how long from its start (at most a year).
    pub duration_secs: Option<i64>,
    /// Why (up to 1,000 characters).
    #[serde(default)]
    pub comment: String,
}

/// Creates a silence.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/silences", tag = "alerts",
    params(("id" = i64, Path)), request_body = NewSilence,
    responses((status = 201, body = SilenceView), (status = 400), (status = 404)),
    extensions(("x-permission" = json!("alert.write"))))]
pub async fn create_silence(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::AlertWrite>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewSilence>,
) -> ApiResult<(axum::http::StatusCode, Json<SilenceView>)> {
    audit.action("alert.silence.create");
    audit.target(Some(id), None, None);
    if body.matchers.is_empty() || body.matchers.iter().any(|m| m.name.trim().is_empty()) {
        return Err(ApiError::invalid(
            "matchers",
            ErrorCode::Required,
            "a silence needs at least one matcher with a label name",
        ));
    }
    for (i, m) in body.matchers.iter().enumerate() {
        if let Err(why) = m.compile() {
            return Err(ApiError::invalid(
                &format!("matchers[{i}].value"),
                ErrorCode::InvalidSelector,
                format!("matcher {}: {why}", m.name),
            ));
        }
    }
    if body.comment.chars().count() > 1000 {
        return Err(ApiError::invalid_length("comment", 0, 1000));
    }
    let starts_at = body.starts_at.unwrap_or_else(Utc::now);
    let ends_at = match (body.ends_at, body.duration_secs) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "duration_secs",
                ErrorCode::MutuallyExclusive,
                "give ends_at or duration_secs, not both",
            )
            .param("fields", ["ends_at", "duration_secs"]));
        }
        (Some(e), None) => e,
        (None, Some(d)) if (1..=MAX_SILENCE_SECS).contains(&d) => {
            starts_at + chrono::Duration::seconds(d)
        }
        (None, Some(_)) => {
            return Err(ApiError::out_of_range(
                "duration_secs",
                Some(1),
                Some(MAX_SILENCE_SECS),
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "ends_at",
                ErrorCode::Required,
                "a silence needs ends_at or duration_secs",
            ));
        }
    };
    if ends_at <= starts_at || (ends_at - starts_at).num_seconds() > MAX_SILENCE_SECS {
        return Err(ApiError::invalid(
            "ends_at",
            ErrorCode::InvalidTimeRange,
            "ends_at must be after starts_at, within a year",
        ));
    }
    audit.detail(json!({"matchers": body.matchers, "ends_at": ends_at}));
    ensure_cluster(&state, id).await?;
    let matchers = serde_json::to_string(&body.matchers).map_err(ApiError::internal)?;
    let s = state
        .store
        .create_silence(
            id,
            &matchers,
            starts_at,
            ends_at,
            &auth.0.username,
            body.comment.trim(),
        )
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(s.into())))
}

/// Ends a silence now (it stays listed, expired).
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/silences/{sid}", tag = "alerts",
    params(("id" = i64, Path), ("sid" = i64, Path)),
    responses((status = 200, body = SilenceView), (status = 404)),
    extensions(("x-permission" = json!("alert.write"))))]
pub async fn expire_silence(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::AlertWrite>,
    ApiPath((id, sid)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<SilenceView>> {
    audit.action("alert.silence.expire");
    audit.target(Some(id), None, Some(format!("silence/{sid}")));
    ensure_cluster(&state, id).await?;
    let s = state.store.expire_silence(id, sid).await?.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::SilenceNotFound,
            format!("cluster {id} has no silence {sid}"),
        )
        .param("silence", sid)
    })?;
    Ok(Json(s.into()))
}

// ---- ingest --------------------------------------------------------------------------------------------------

/// An ingest token (never the token itself after it was created).
#[derive(Serialize, ToSchema)]
pub struct IngestTokenView {
    pub id: i64,
    pub cluster_id: i64,
    pub name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<IngestToken> for IngestTokenView {
    fn from(t: IngestToken) -> Self {
        IngestTokenView {
            id: t.id,
            cluster_id: t.cluster_id,
            name: t.name,
            created_by: t.created_by,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// A new ingest token, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedIngestToken {
    #[serde(flatten)]
    pub view: IngestTokenView,
    /// The token: put it in the Alertmanager receiver's webhook URL. Kubedeck keeps only its hash.
    pub token: String,
    /// The path to post to (`/api/v1/alerts/ingest/{token}`).
    pub path: String,
}

/// A name for a new token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIngestToken {
    /// 1 to 128 characters (which Alertmanager uses it).
    pub name: String,
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A cluster's ingest tokens.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/alert-ingest-tokens", tag = "alerts",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<IngestTokenView>), (status = 404)),
    extensions(("x-permission" = json!("alert.admin"))))]
pub async fn list_tokens(
    State(state): State<AppState>,
    _auth: Authorized<perm::AlertAdmin>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<IngestTokenView>>> {
    ensure_cluster(&state, id).await?;
    Ok(Json(
        state
            .store
            .ingest_tokens(id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates a token an Alertmanager posts this cluster's alerts with; the answer is the only time it is shown.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/alert-ingest-tokens", tag = "alerts",
    params(("id" = i64, Path)), request_body = NewIngestToken,
    responses((status = 201, body = CreatedIngestToken), (status = 400), (status = 404)),
    extensions(("x-permission" = json!("alert.admin"))))]
pub async fn create_token(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::AlertAdmin>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewIngestToken>,
) -> ApiResult<(axum::http::StatusCode, Json<CreatedIngestToken>)> {
    audit.action("alert.ingest_token.create");
    audit.target(Some(id), None, None);
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(ApiError::invalid_length("name", 1, 128));
    }
    ensure_cluster(&state, id).await?;
    let bytes: [u8; 24] = rand::random();
    let token = format!(
        "kdi_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let t = state
        .store
        .create_ingest_token(id, name, &token_hash(&token), &auth.0.username)
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(CreatedIngestToken {
            view: t.into(),
            path: format!("/api/v1/alerts/ingest/{token}"),
            token,
        }),
    ))
}

/// Deletes an ingest token: its Alertmanager is refused from now on.
#[utoipa::path(delete, path = "/api/v1/k8s/cluster/{id}/alert-ingest-tokens/{kid}", tag = "alerts",
    params(("id" = i64, Path), ("kid" = i64, Path)), responses((status = 204), (status = 404)),
    extensions(("x-permission" = json!("alert.admin"))))]
pub async fn delete_token(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::AlertAdmin>,
    ApiPath((id, kid)): ApiPath<(i64, i64)>,
) -> ApiResult<axum::http::StatusCode> {
    audit.action("alert.ingest_token.delete");
    audit.target(Some(id), None, Some(format!("ingest-token/{kid}")));
    ensure_cluster(&state, id).await?;
    if !state.store.delete_ingest_token(id, kid).await? {
        return Err(ApiError::not_found(
            ErrorCode::IngestTokenNotFound,
            format!("cluster {id} has no ingest token {kid}"),
        )
        .param("token", kid));
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// One alert of Alertmanager's webhook (v4).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAlert {
    /// firing or resolved.
    pub status: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub starts_at: Option<DateTime<Utc>>,
    /// `0001-01-01T00:00:00Z` while firing.
    pub ends_at: Option<String>,
    pub generator_url: Option<String>,
    pub fingerprint: Option<String>,
}

/// Alertmanager's webhook body (v4); members Kubedeck does not use are accepted and ignored.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub version: Option<String>,
    pub status: Option<String>,
    pub alerts: Vec<WebhookAlert>,
}

/// What an ingest did.
#[derive(Serialize, ToSchema)]
pub struct IngestResult {
    /// Alerts in the body.
    pub received: usize,
    /// New alerts opened.
    pub opened: usize,
    /// Open alerts resolved.
    pub resolved: usize,
}

/// Receives an Alertmanager webhook (point a receiver's `webhook_configs.url` here): its firing alerts show beside
/// Kubedeck's with source `prometheus`, and are resolved when Alertmanager says so. The token is the credential
/// (no login); a wrong one is 401.
#[utoipa::path(post, path = "/api/v1/alerts/ingest/{token}", tag = "alerts",
    params(("token" = String, Path)), request_body = Webhook,
    responses((status = 200, body = IngestResult), (status = 400), (status = 401)),
    extensions(("x-permission" = json!("public"))))]
pub async fn ingest(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    ApiPath(token): ApiPath<String>,
    ApiJson(body): ApiJson<Webhook>,
) -> ApiResult<Json<IngestResult>> {
    audit.action("alert.ingest");
    let Some(t) = state.store.use_ingest_token(&token_hash(&token)).await? else {
        return Err(ApiError::unauthorized(
            ErrorCode::TokenInvalid,
            "this ingest token is not valid",
        ));
    };
    audit.set_username(&format!("ingest-token:{}", t.name));
    audit.target(Some(t.cluster_id), None, None);
    let Some(cluster) = state.store.find_cluster(t.cluster_id).await? else {
        return Err(ApiError::cluster_not_found(t.cluster_id));
    };
    let alerts: Vec<IngestedAlert> = body
        .alerts
        .iter()
        .map(|a| {
            let rule = a
                .labels
                .get("alertname")
                .cloned()
                .unwrap_or_else(|| "unnamed".into());
            let mut labels = a.labels.clone();
            labels
                .entry("cluster".into())
                .or_insert_with(|| cluster.name.clone());
            let ends_at = (a.status == "resolved").then(|| {
                a.ends_at
                    .as_deref()
                    .and_then(|e| DateTime::parse_from_rfc3339(e).ok())
                    .map(|e| e.with_timezone(&Utc))
                    .filter(|e| e.timestamp() > 0)
                    .unwrap_or_else(Utc::now)
            });
            IngestedAlert {
                severity: a
                    .labels
                    .get("severity")
                    .map(|s| s.chars().take(16).collect())
                    .unwrap_or_else(|| "warning".into()),
                fingerprint: a
                    .fingerprint
                    .clone()
                    .filter(|f| !f.is_empty() && f.len() <= 64)
                    .unwrap_or_else(|| fingerprint(&a.labels)),
                group_key: group_key(cluster.id, &rule, &[], &labels),
                namespace: a
                    .labels
                    .get("namespace")
                    .cloned()
                    .unwrap_or_default()
                    .chars()
                    .take(63)
                    .collect(),
                labels: serde_json::to_string(&labels).unwrap_or_default(),
                annotations: serde_json::to_string(&a.annotations).unwrap_or_default(),
                starts_at: a.starts_at.unwrap_or_else(Utc::now),
                ends_at,
                rule: rule.chars().take(128).collect(),
            }
        })
        .collect();
    let (opened, resolved) = state.store.ingest_alerts(cluster.id, &alerts).await?;
    audit.detail(json!({"received": alerts.len(), "opened": opened, "resolved": resolved}));
    Ok(Json(IngestResult {
        received: alerts.len(),
        opened,
        resolved,
    }))
}

//! `/api/v1/notify/channels`: notification channels (platform admins, `channel.admin`), their "send test" and
//! delivery log, and an alert's delivery log (`alert.read` on its cluster).
//!
//! A channel's configuration holds secrets (the robot's URL with its token, signing secrets, passwords): it is
//! sealed like a kubeconfig and never returned; a GET shows which fields are set and the URL's host only.

use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Pagination};
use crate::notify::channel::{KINDS, LANGUAGES, SEVERITIES, default_rate_per_minute};
use crate::notify::config::{ChannelConfig, ConfigProblem, Summary};
use crate::notify::render::{Lang, Message};
use crate::notify::{self, Notice};
use crate::routes::Page;
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kubedeck_store::notify::{Channel, ChannelFields, Delivery, purpose};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// A channel as the API shows it: never a secret.
#[derive(Serialize, ToSchema)]
pub struct ChannelView {
    /// Id.
    pub id: i64,
    /// Unique name (the webhook's `receiver`).
    pub name: String,
    /// webhook, email, dingtalk, wecom, feishu or slack.
    pub kind: String,
    /// zh-CN or en: the language of its messages.
    pub language: String,
    /// Disabled channels are sent nothing new.
    pub enabled: bool,
    /// Only alerts of these clusters (empty: every cluster).
    pub cluster_ids: Vec<i64>,
    /// info, warning or critical: alerts below it are not sent here.
    pub min_severity: String,
    /// Messages a minute (null: no limit); what the limit holds back goes out as one digest.
    pub rate_per_minute: Option<i32>,
    /// What may be shown of the configuration.
    pub config: Summary,
    /// Who created it.
    pub created_by: String,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

fn view(c: Channel) -> ChannelView {
    ChannelView {
        cluster_ids: serde_json::from_str(&c.cluster_ids).unwrap_or_default(),
        config: serde_json::from_str(&c.summary).unwrap_or_default(),
        id: c.id,
        name: c.name,
        kind: c.kind,
        language: c.language,
        enabled: c.enabled,
        min_severity: c.min_severity,
        rate_per_minute: c.rate_per_minute,
        created_by: c.created_by,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

/// A channel to create, or the new state of one (PUT: secrets not sent again are kept).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelInput {
    /// Unique name, 1-128 characters.
    pub name: String,
    /// webhook, email, dingtalk, wecom, feishu or slack.
    pub kind: String,
    /// zh-CN (default) or en.
    #[serde(default)]
    pub language: Option<String>,
    /// Default true.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Only alerts of these clusters (default: every cluster).
    #[serde(default)]
    pub cluster_ids: Vec<i64>,
    /// info (default), warning or critical.
    #[serde(default)]
    pub min_severity: Option<String>,
    /// Messages a minute; absent: the kind's documented limit (DingTalk 20, WeCom 20, Feishu 100, Slack 60,
    /// webhook and email none); 0: no limit.
    #[serde(default)]
    pub rate_per_minute: Option<i32>,
    /// URL, secrets, SMTP settings, as the kind needs.
    #[serde(default)]
    pub config: ChannelConfig,
}

/// One message to a channel: queued, sent, failed after its attempts, or merged into a digest.
#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    /// Id.
    pub id: i64,
    /// The channel.
    pub channel_id: i64,
    /// alert, digest or test.
    pub purpose: String,
    /// The alert group.
    pub group_key: String,
    /// The cluster of its alerts.
    pub cluster_id: Option<i64>,
    /// The message's title (`[FIRING:2] KubePodCrashLooping (prod)`).
    pub title: String,
    /// How many alerts it carries.
    pub alert_count: usize,
    /// queued, sending, sent, failed or digested.
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// When it is tried next (while queued).
    pub next_attempt_at: DateTime<Utc>,
    /// The last attempt.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// Held back by the rate limit.
    pub throttled: bool,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The receiver's HTTP status.
    pub http_status: Option<i32>,
    /// When the receiver accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// For a digested one: the digest that carried it.
    pub digest_id: Option<i64>,
    /// Queued at.
    pub created_at: DateTime<Utc>,
}

fn delivery_view(d: Delivery) -> DeliveryView {
    let (title, alert_count) = if d.purpose == purpose::DIGEST {
        let ns: Vec<Notice> = serde_json::from_str(&d.notice).unwrap_or_default();
        (
            Message::digest(&ns, Lang::En).title,
            ns.iter().map(|n| n.alerts.len()).sum(),
        )
    } else {
        match serde_json::from_str::<Notice>(&d.notice) {
            Ok(n) => (Message::of_notice(&n, Lang::En).title, n.alerts.len()),
            Err(_) => (String::new(), 0),
        }
    };
    DeliveryView {
        id: d.id,
        channel_id: d.channel_id,
        purpose: d.purpose,
        group_key: d.group_key,
        cluster_id: d.cluster_id,
        title,
        alert_count,
        status: d.status,
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at,
        last_attempt_at: d.last_attempt_at,
        throttled: d.throttled,
        last_error: d.last_error,
        http_status: d.http_status,
        sent_at: d.sent_at,
        digest_id: d.digest_id,
        created_at: d.created_at,
    }
}

/// The result of "send test".
#[derive(Serialize, ToSchema)]
pub struct TestResult {
    /// Whether the receiver accepted the sample notice.
    pub ok: bool,
    /// The recorded delivery (its error says why not).
    pub delivery: DeliveryView,
}

/// Paging of a delivery log.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// 1-based page.
    pub page: Option<u64>,
    /// Page size (max 500).
    pub page_size: Option<u64>,
}

fn channel_not_found(cid: i64) -> ApiError {
    ApiError::not_found(
        ErrorCode::ChannelNotFound,
        format!("notification channel {cid} does not exist"),
    )
    .param("channel", cid)
}

fn not_one_of(field: &str, value: &str, allowed: &[&str]) -> ApiError {
    ApiError::invalid(
        field,
        ErrorCode::NotOneOf,
        format!(
            "{field} must be one of {}, not '{value}'",
            allowed.join(", ")
        ),
    )
    .param("value", value)
    .param("allowed", allowed.join(", "))
}

fn problem(p: ConfigProblem) -> ApiError {
    match p {
        ConfigProblem::Required(field) => ApiError::invalid(
            field,
            ErrorCode::Required,
            format!("{field} is required for this kind of channel"),
        ),
        ConfigProblem::BadUrl(field, why) => {
            ApiError::invalid(field, ErrorCode::InvalidUrl, why.clone()).param("detail", why)
        }
        ConfigProblem::BadEmail(field, value) => ApiError::invalid(
            field,
            ErrorCode::InvalidEmail,
            format!("'{value}' is not an email address (name@example.com)"),
        )
        .param("value", value),
        ConfigProblem::Invalid(field, why) => {
            ApiError::invalid(field, ErrorCode::InvalidBody, format!("{field}: {why}"))
                .param("detail", why)
        }
    }
}

/// Checks the input and makes the stored fields; `stored` is the channel's opened configuration on a PUT.
fn fields(
    body: ChannelInput,
    stored: Option<&ChannelConfig>,
) -> ApiResult<(ChannelFields, ChannelConfig)> {
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "name",
            ErrorCode::InvalidName,
            "name must be 1-128 characters",
        )
        .param("what", "name")
        .param("value", &name));
    }
    if !KINDS.contains(&body.kind.as_str()) {
        return Err(not_one_of("kind", &body.kind, &KINDS));
    }
    let language = body.language.unwrap_or_else(|| "zh-CN".into());
    if !LANGUAGES.contains(&language.as_str()) {
        return Err(not_one_of("language", &language, &LANGUAGES));
    }
    let min_severity = body.min_severity.unwrap_or_else(|| "info".into());
    if !SEVERITIES.contains(&min_severity.as_str()) {
        return Err(not_one_of("min_severity", &min_severity, &SEVERITIES));
    }
    let rate_per_minute = match body.rate_per_minute {
        None => default_rate_per_minute(&body.kind),
        Some(0) => None,
        Some(n) if (1..=10_000).contains(&n) => Some(n),
        Some(_) => {
            return Err(ApiError::out_of_range(
                "rate_per_minute",
                Some(0),
                Some(10_000),
            ));
        }
    };
    let config = match stored {
        Some(s) => body.config.merged_over(s),
        None => body.config,
    };
    config.validate(&body.kind).map_err(problem)?;
    let mut cluster_ids = body.cluster_ids;
    cluster_ids.sort_unstable();
    cluster_ids.dedup();
    Ok((
        ChannelFields {
            name,
            kind: body.kind,
            language,
            enabled: body.enabled.unwrap_or(true),
            cluster_ids,
            min_severity,
            rate_per_minute,
            config_json: serde_json::to_string(&config).map_err(ApiError::internal)?,
            summary_json: serde_json::to_string(&config.summary()).map_err(ApiError::internal)?,
        },
        config,
    ))
}

/// What the audit record says of a channel: its fields and the configuration's summary, never a secret.
fn audit_detail(f: &ChannelFields, config: &ChannelConfig) -> serde_json::Value {
    json!({
        "name": f.name, "kind": f.kind, "language": f.language, "enabled": f.enabled,
        "cluster_ids": f.cluster_ids, "min_severity": f.min_severity, "rate_per_minute": f.rate_per_minute,
        "config": config.summary(),
    })
}

async fn name_free(state: &AppState, name: &str, except: Option<i64>) -> ApiResult<()> {
    match state.store.find_notify_channel_by_name(name).await? {
        Some(c) if Some(c.id) != except => Err(ApiError::conflict(
            ErrorCode::ChannelNameTaken,
            format!("a notification channel named '{name}' exists already"),
        )
        .param("name", name)
        .with_field("name")),
        _ => Ok(()),
    }
}

/// Every notification channel.
#[utoipa::path(get, path = "/api/v1/notify/channels", tag = "notify",
    responses((status = 200, body = Vec<ChannelView>)), extensions(("x-permission" = json!("channel.admin"))))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<perm::ChannelAdmin>,
) -> ApiResult<axum::Json<Vec<ChannelView>>> {
    Ok(axum::Json(
        state
            .store
            .list_notify_channels()
            .await?
            .into_iter()
            .map(view)
            .collect(),
    ))
}

/// Create a notification channel.
#[utoipa::path(post, path = "/api/v1/notify/channels", tag = "notify", request_body = ChannelInput,
    responses((status = 201, body = ChannelView), (status = 400, description = "a field is wrong (kind, URL, address)"),
        (status = 409, description = "name taken")),
    extensions(("x-permission" = json!("channel.admin"))))]
pub async fn create(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ChannelAdmin>,
    ApiJson(body): ApiJson<ChannelInput>,
) -> ApiResult<(StatusCode, axum::Json<ChannelView>)> {
    audit.action("channel.create");
    let (f, config) = fields(body, None)?;
    audit.detail(audit_detail(&f, &config));
    name_free(&state, &f.name, None).await?;
    let c = state
        .store
        .insert_notify_channel(&f, &auth.username, &state.keyring())
        .await?;
    audit.target(None, None, Some(format!("notify/channels/{}", c.id)));
    Ok((StatusCode::CREATED, axum::Json(view(c))))
}

async fn find(state: &AppState, cid: i64) -> ApiResult<Channel> {
    state
        .store
        .find_notify_channel(cid)
        .await?
        .ok_or_else(|| channel_not_found(cid))
}

/// One notification channel.
#[utoipa::path(get, path = "/api/v1/notify/channels/{cid}", tag = "notify", params(("cid" = i64, Path)),
    responses((status = 200, body = ChannelView), (status = 404)), extensions(("x-permission" = json!("channel.admin"))))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<perm::ChannelAdmin>,
    ApiPath(cid): ApiPath<i64>,
) -> ApiResult<axum::Json<ChannelView>> {
    Ok(axum::Json(view(find(&state, cid).await?)))
}

/// Change a notification channel; secrets (URL, secret, token, passwords) not sent again are kept.
#[utoipa::path(put, path = "/api/v1/notify/channels/{cid}", tag = "notify", params(("cid" = i64, Path)),
    request_body = ChannelInput, responses((status = 200, body = ChannelView), (status = 404), (status = 409)),
    extensions(("x-permission" = json!("channel.admin"))))]
pub async fn update(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ChannelAdmin>,
    ApiPath(cid): ApiPath<i64>,
    ApiJson(body): ApiJson<ChannelInput>,
) -> ApiResult<axum::Json<ChannelView>> {
    audit.action("channel.update");
    audit.target(None, None, Some(format!("notify/channels/{cid}")));
    let existing = find(&state, cid).await?;
    let stored = notify::delivery::open_config(&state, &existing).map_err(ApiError::internal)?;
    let (f, config) = fields(body, Some(&stored))?;
    audit.detail(audit_detail(&f, &config));
    name_free(&state, &f.name, Some(cid)).await?;
    let c = state
        .store
        .update_notify_channel(cid, &f, &state.keyring())
        .await?
        .ok_or_else(|| channel_not_found(cid))?;
    Ok(axum::Json(view(c)))
}

/// Delete a notification channel and its delivery log.
#[utoipa::path(delete, path = "/api/v1/notify/channels/{cid}", tag = "notify", params(("cid" = i64, Path)),
    responses((status = 204), (status = 404)), extensions(("x-permission" = json!("channel.admin"))))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ChannelAdmin>,
    ApiPath(cid): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    audit.action("channel.delete");
    audit.target(None, None, Some(format!("notify/channels/{cid}")));
    let c = find(&state, cid).await?;
    audit.detail(json!({"name": c.name, "kind": c.kind}));
    if !state.store.delete_notify_channel(cid).await? {
        return Err(channel_not_found(cid));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Send a sample notice to the channel now and answer with the delivery's result.
#[utoipa::path(post, path = "/api/v1/notify/channels/{cid}/test", tag = "notify", params(("cid" = i64, Path)),
    responses((status = 200, body = TestResult), (status = 404)), extensions(("x-permission" = json!("channel.admin"))))]
pub async fn test(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ChannelAdmin>,
    ApiPath(cid): ApiPath<i64>,
) -> ApiResult<axum::Json<TestResult>> {
    audit.action("channel.test");
    audit.target(None, None, Some(format!("notify/channels/{cid}")));
    let c = find(&state, cid).await?;
    let d = notify::send_test(&state, &c)
        .await
        .map_err(ApiError::internal)?;
    let ok = d.status == kubedeck_store::notify::status::SENT;
    audit.detail(json!({"name": c.name, "ok": ok, "http_status": d.http_status}));
    Ok(axum::Json(TestResult {
        ok,
        delivery: delivery_view(d),
    }))
}

/// A channel's delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/notify/channels/{cid}/deliveries", tag = "notify",
    params(("cid" = i64, Path), DeliveryQuery), responses((status = 200, body = Page<DeliveryView>), (status = 404)),
    extensions(("x-permission" = json!("channel.admin"))))]
pub async fn deliveries(
    State(state): State<AppState>,
    _auth: Authorized<perm::ChannelAdmin>,
    ApiPath(cid): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> ApiResult<axum::Json<Page<DeliveryView>>> {
    find(&state, cid).await?;
    let page = Pagination {
        page: q.page,
        page_size: q.page_size,
    }
    .request()?;
    let rows = state.store.list_channel_deliveries(cid, page).await?;
    Ok(axum::Json(Page::new(
        rows.items.into_iter().map(delivery_view).collect(),
        rows.total,
        page,
    )))
}

/// An alert's delivery as its log shows it: the message and the channel it went to.
#[derive(Serialize, ToSchema)]
pub struct AlertDeliveryView {
    /// The channel's name (empty if it was deleted since).
    pub channel_name: String,
    /// The channel's kind.
    pub channel_kind: String,
    /// The delivery.
    #[serde(flatten)]
    pub delivery: DeliveryView,
}

/// The delivery log of one alert: every message that carried it, and the digests it was merged into.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/alerts/{aid}/deliveries", tag = "notify",
    params(("id" = i64, Path), ("aid" = i64, Path)), responses((status = 200, body = Vec<AlertDeliveryView>)),
    extensions(("x-permission" = json!("alert.read"))))]
pub async fn alert_deliveries(
    State(state): State<AppState>,
    _auth: Authorized<perm::AlertRead>,
    ApiPath((id, aid)): ApiPath<(i64, i64)>,
) -> ApiResult<axum::Json<Vec<AlertDeliveryView>>> {
    crate::connection::cluster(&state, id).await?;
    let rows = state.store.list_alert_deliveries(id, aid).await?;
    let channels: std::collections::HashMap<i64, Channel> = state
        .store
        .list_notify_channels()
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(axum::Json(
        rows.into_iter()
            .map(|d| {
                let c = channels.get(&d.channel_id);
                AlertDeliveryView {
                    channel_name: c.map(|c| c.name.clone()).unwrap_or_default(),
                    channel_kind: c.map(|c| c.kind.clone()).unwrap_or_default(),
                    delivery: delivery_view(d),
                }
            })
            .collect(),
    ))
}

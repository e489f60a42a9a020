//! The event archive's API (spec 9.2): a cluster's events (`.../events`), a namespace's (`.../namespaces/{ns}/events`),
//! a search (`.../events/search`), the warnings timeline (`.../events/timeline`), a relist now (`.../events/sync`),
//! and the events of one object for every detail page. All read the `kube_event` archive, so an object's history
//! outlives the apiserver's `--event-ttl`.

use crate::audit::AuditSlot;
use crate::auth::{Authorized, InCluster, perm};
use crate::connection::{client_for, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiQuery, Pagination};
use crate::routes::resources::object::{EventList, EventRow};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use chrono::{DateTime, SecondsFormat, Utc};
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, ListParams};
use kubedeck_kube::error::within;
use kubedeck_store::PageRequest;
use kubedeck_store::kube_events::{ArchivedEvent, EventFilter, EventRecord};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

/// Events one object's detail shows at most (newest first).
const OBJECT_EVENTS: u64 = 500;
/// Deadline of one page of a relist.
const LIST_CALL: Duration = Duration::from_secs(30);
/// Longest warnings timeline.
const MAX_TIMELINE_DAYS: i64 = 31;

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl From<ArchivedEvent> for EventRow {
    fn from(e: ArchivedEvent) -> Self {
        let some = |s: String| (!s.is_empty()).then_some(s);
        let source = match (some(e.source_component), some(e.source_host)) {
            (Some(c), Some(h)) => Some(format!("{c} on {h}")),
            (c, h) => c.or(h).or(some(e.reporting_component.clone())),
        };
        let involved_object =
            some(e.involved_kind.clone()).map(|k| format!("{k}/{}", e.involved_name));
        EventRow {
            type_: some(e.event_type),
            reason: some(e.reason),
            message: some(e.message),
            count: Some(e.count),
            first_seen: Some(rfc3339(e.first_timestamp)),
            last_seen: Some(rfc3339(e.last_timestamp)),
            source,
            uid: Some(e.uid),
            namespace: Some(e.namespace),
            involved_object,
            involved_kind: Some(e.involved_kind),
            involved_name: Some(e.involved_name),
            involved_namespace: Some(e.involved_namespace),
            reporting_component: some(e.reporting_component),
            series_count: e.series_count,
        }
    }
}

fn list(page: kubedeck_store::Paged<ArchivedEvent>, req: PageRequest) -> EventList {
    EventList {
        items: page.items.into_iter().map(EventRow::from).collect(),
        total_capped: page.total >= kubedeck_store::kube_events::COUNT_CAP,
        total: page.total,
        page: req.page,
        page_size: req.page_size,
    }
}

async fn ensure_cluster(state: &AppState, id: i64) -> ApiResult<()> {
    match state.store.find_cluster(id).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::cluster_not_found(id)),
    }
}

/// Archived events about one object (`kind` as Kubernetes names it, `Pod`), newest first.
pub async fn events_of(
    state: &AppState,
    cluster_id: i64,
    kind: &str,
    ns: Option<&str>,
    name: &str,
) -> ApiResult<EventList> {
    let filter = EventFilter {
        involved_kind: Some(kind.to_owned()),
        involved_name: Some(name.to_owned()),
        // a cluster-scoped object's events: whatever namespace their recorder named
        involved_namespace: ns.map(str::to_owned),
        ..Default::default()
    };
    let req = PageRequest {
        page: 1,
        page_size: OBJECT_EVENTS,
    };
    Ok(list(
        state.store.search_events(cluster_id, &filter, req).await?,
        req,
    ))
}

/// A search of the archive.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct EventSearchQuery {
    /// The involved object's kind, as Kubernetes names it (`Pod`, `Deployment`).
    pub kind: Option<String>,
    /// The involved object's name.
    pub name: Option<String>,
    /// Namespaces (comma-separated) the events are in.
    pub namespace: Option<String>,
    /// Reason (`BackOff`, `FailedScheduling` ...), exactly.
    pub reason: Option<String>,
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub type_: Option<String>,
    /// Text the message contains (any case).
    pub q: Option<String>,
    /// Last seen at or after, RFC 3339.
    pub from: Option<String>,
    /// Last seen at or before, RFC 3339.
    pub to: Option<String>,
    /// 1-based page number (default 1).
    pub page: Option<u64>,
    /// Rows per page (default 20, at most 500).
    pub page_size: Option<u64>,
}

fn parse_time(field: &str, v: &str) -> ApiResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ApiError::invalid(
                field,
                ErrorCode::InvalidTime,
                format!("{field} must be an RFC 3339 time such as 2026-01-02T15:04:05Z, not '{v}'"),
            )
            .param("value", v)
        })
}

/// A time range, either end open.
type Range = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn range(from: Option<&str>, to: Option<&str>) -> ApiResult<Range> {
    let from = from
        .filter(|s| !s.is_empty())
        .map(|v| parse_time("from", v))
        .transpose()?;
    let to = to
        .filter(|s| !s.is_empty())
        .map(|v| parse_time("to", v))
        .transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::invalid(
            "from",
            ErrorCode::InvalidTimeRange,
            "from must be before to",
        ));
    }
    Ok((from, to))
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl EventSearchQuery {
    fn filter(&self, namespaces: Option<Vec<String>>) -> ApiResult<EventFilter> {
        let event_type = nonempty(&self.type_);
        if let Some(t) = &event_type
            && t != "Normal"
            && t != "Warning"
        {
            return Err(ApiError::not_one_of("type", &["Normal", "Warning"], t));
        }
        let (from, to) = range(self.from.as_deref(), self.to.as_deref())?;
        Ok(EventFilter {
            namespaces,
            involved_kind: nonempty(&self.kind),
            involved_name: nonempty(&self.name),
            involved_namespace: None,
            reason: nonempty(&self.reason),
            event_type,
            text: nonempty(&self.q),
            from,
            to,
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

    fn page(&self) -> ApiResult<PageRequest> {
        Pagination {
            page: self.page,
            page_size: self.page_size,
        }
        .request()
    }
}

/// A cluster's archived events, newest (last seen) first; a caller with access to some namespaces only sees
/// theirs.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/events", tag = "events",
    params(("id" = i64, Path), Pagination),
    responses((status = 200, body = EventList), (status = 400), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn cluster_events(
    State(state): State<AppState>,
    auth: InCluster<perm::ResourceRead>,
    Path(id): Path<i64>,
    ApiQuery(p): ApiQuery<Pagination>,
) -> ApiResult<Json<EventList>> {
    let req = p.request()?;
    ensure_cluster(&state, id).await?;
    let filter = EventFilter {
        namespaces: auth.narrow(&[])?,
        ..Default::default()
    };
    Ok(Json(list(
        state.store.search_events(id, &filter, req).await?,
        req,
    )))
}

/// The archived events of one namespace (every object in it), newest first.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/events", tag = "events",
    params(("id" = i64, Path), ("ns" = String, Path), Pagination),
    responses((status = 200, body = EventList), (status = 400), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn namespace_events(
    State(state): State<AppState>,
    _auth: Authorized<perm::ResourceRead>,
    Path((id, ns)): Path<(i64, String)>,
    ApiQuery(p): ApiQuery<Pagination>,
) -> ApiResult<Json<EventList>> {
    let req = p.request()?;
    ensure_cluster(&state, id).await?;
    let filter = EventFilter {
        namespaces: Some(vec![ns]),
        ..Default::default()
    };
    Ok(Json(list(
        state.store.search_events(id, &filter, req).await?,
        req,
    )))
}

/// Searches a cluster's archived events: by the involved object's kind and name, reason, type, message text,
/// namespace and a time range (of when each was last seen); newest first, paged. Every filter given must match.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/events/search", tag = "events",
    params(("id" = i64, Path), EventSearchQuery),
    responses((status = 200, body = EventList), (status = 400, description = "a bad from or to, an unknown type"), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn search(
    State(state): State<AppState>,
    auth: InCluster<perm::ResourceRead>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<EventSearchQuery>,
) -> ApiResult<Json<EventList>> {
    let req = q.page()?;
    let filter = q.filter(auth.narrow(&q.asked_namespaces())?)?;
    ensure_cluster(&state, id).await?;
    Ok(Json(list(
        state.store.search_events(id, &filter, req).await?,
        req,
    )))
}

/// The warnings timeline's range.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Start, RFC 3339 (default: 24 hours before `to`).
    pub from: Option<String>,
    /// End, RFC 3339 (default: now). At most 31 days after `from`.
    pub to: Option<String>,
}

/// Warning events of one hour.
#[derive(Serialize, ToSchema)]
pub struct WarningHour {
    /// The hour's start.
    pub hour: DateTime<Utc>,
    /// Warning events last seen in that hour.
    pub events: u64,
    /// Their occurrences (the sum of their counts).
    pub occurrences: u64,
}

/// Warning events per hour.
#[derive(Serialize, ToSchema)]
pub struct WarningTimeline {
    /// Start of the range.
    pub from: DateTime<Utc>,
    /// End of the range.
    pub to: DateTime<Utc>,
    /// Every hour of the range, oldest first (hours without warnings count 0).
    pub items: Vec<WarningHour>,
}

/// A cluster's Warning events per hour (by when each was last seen), from the archive; a caller with access to
/// some namespaces only counts theirs.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/events/timeline", tag = "events",
    params(("id" = i64, Path), TimelineQuery),
    responses((status = 200, body = WarningTimeline), (status = 400, description = "a bad from or to, or a range over 31 days"), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn timeline(
    State(state): State<AppState>,
    auth: InCluster<perm::ResourceRead>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> ApiResult<Json<WarningTimeline>> {
    let (from, to) = range(q.from.as_deref(), q.to.as_deref())?;
    let to = to.unwrap_or_else(Utc::now);
    let from = from.unwrap_or(to - chrono::Duration::hours(24));
    if from > to {
        return Err(ApiError::invalid(
            "from",
            ErrorCode::InvalidTimeRange,
            "from must be before to",
        ));
    }
    if to - from > chrono::Duration::days(MAX_TIMELINE_DAYS) {
        return Err(ApiError::invalid(
            "from",
            ErrorCode::InvalidTimeRange,
            format!("the range is at most {MAX_TIMELINE_DAYS} days"),
        ));
    }
    ensure_cluster(&state, id).await?;
    let namespaces = auth.narrow(&[])?;
    let counted = state
        .store
        .warning_timeline(id, namespaces.as_deref(), from, to)
        .await?;
    let hour = |t: DateTime<Utc>| {
        chrono::DurationRound::duration_trunc(t, chrono::Duration::hours(1)).unwrap_or(t)
    };
    let mut items = Vec::new();
    let mut at = hour(from);
    let mut counted = counted.into_iter().peekable();
    while at <= to {
        let (events, occurrences) = match counted.peek() {
            Some(c) if c.hour == at => {
                let c = counted.next().expect("peeked");
                (c.events, c.occurrences)
            }
            _ => (0, 0),
        };
        items.push(WarningHour {
            hour: at,
            events,
            occurrences,
        });
        at += chrono::Duration::hours(1);
    }
    Ok(Json(WarningTimeline { from, to, items }))
}

/// What a relist archived.
#[derive(Serialize, ToSchema)]
pub struct EventSyncResult {
    /// Events the cluster holds now (all of them were written to the archive).
    pub listed: u64,
}

/// Lists the cluster's events now and writes them to the archive (new ones added, repeats updated, nothing
/// duplicated); the watcher keeps doing so on its own, this is for "now".
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/events/sync", tag = "events",
    params(("id" = i64, Path)),
    responses((status = 200, body = EventSyncResult), (status = 404), (status = 503, description = "the cluster cannot be reached")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn sync(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::ResourceRead>,
    Path(id): Path<i64>,
) -> ApiResult<Json<EventSyncResult>> {
    audit.action("events.sync");
    audit.target(Some(id), None, None);
    let c = state
        .store
        .find_cluster(id)
        .await?
        .ok_or_else(|| ApiError::cluster_not_found(id))?;
    let client = client_for(&state, &c).await?;
    let api: Api<Event> = Api::all(client);
    let mut lp = ListParams::default().limit(500);
    let mut listed = 0u64;
    loop {
        let page = within(LIST_CALL, api.list(&lp))
            .await
            .map_err(from_cluster)?;
        let mut rows: Vec<EventRecord> = page
            .items
            .iter()
            .filter_map(kubedeck_kube::events::project)
            .map(|f| crate::event_archive::record(id, f))
            .collect();
        rows.sort_by(|a, b| a.uid.cmp(&b.uid));
        rows.dedup_by(|a, b| a.uid == b.uid);
        listed += rows.len() as u64;
        state.store.upsert_events(&rows).await?;
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(next) => lp = lp.continue_token(&next),
            None => break,
        }
    }
    audit.detail(json!({ "listed": listed }));
    Ok(Json(EventSyncResult { listed }))
}

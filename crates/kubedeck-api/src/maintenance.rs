//! Maintenance mode (issue 18, spec 7.2 维护模式): what a cluster's maintenance window and the application
//! windows of its namespaces and workloads do while the server runs.
//!
//! - [`guard`], one layer on the API router, refuses changes to a cluster in maintenance (409
//!   `cluster_in_maintenance`) and, under the cluster's "deploy only inside windows" policy, changes to a
//!   namespace or workload outside its windows (409 `outside_maintenance_window`), unless the caller holds
//!   `maintenance.bypass`. Reads (GET) pass without touching the database; a change reads the windows once.
//! - [`run`], on every replica, starts and ends windows on time and silences alerts for application windows.
//!   Each move is a guarded UPDATE, so with several replicas exactly one announces it and makes its silence.
//!
//! Shared by the routes (`routes/maintenance.rs`) and the loop; it imports no route module.

use crate::alerting::rules::Matcher;
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::notify::{MaintenanceNotice, Notice, NoticeAlert, NoticeStatus};
use crate::state::AppState;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kubedeck_core::rbac::{Permission, Scope};
use kubedeck_store::Store;
use kubedeck_store::maintenance::{AppWindow, ClusterMaintenance};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often each replica looks for windows to start or end.
const TICK: Duration = Duration::from_secs(1);

// ---- schedules ---------------------------------------------------------------------------------------------

pub use crate::schedule::parse_schedule;

/// The occurrence of an application window that is open at `now`: its start and end.
pub fn open_occurrence(
    w: &AppWindow,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let len = chrono::Duration::seconds(w.duration_secs.max(0));
    let start = match &w.schedule {
        // the last start at or before now is the first start after (now - duration), when it is not later than now
        Some(s) => {
            let cron = parse_schedule(s).ok()?;
            let from = now - len;
            cron.find_next_occurrence(&from, false)
                .ok()
                .filter(|t| *t <= now)?
        }
        None => w.starts_at.filter(|t| *t <= now)?,
    };
    (now < start + len).then_some((start, start + len))
}

/// The next `n` starts of an application window after `now` (a one-off window: its start, if to come).
pub fn next_starts(w: &AppWindow, now: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    match &w.schedule {
        Some(s) => match parse_schedule(s) {
            Ok(cron) => cron.iter_after(now).take(n).collect(),
            Err(_) => Vec::new(),
        },
        None => w.starts_at.filter(|t| *t > now).into_iter().collect(),
    }
}

/// Whether a window covers a change to (`namespace`, `kind`, `name`): a namespace's window covers everything in
/// it; a workload's covers that workload (its kind as the URL names it, `deployments` or `deployments.apps`).
pub fn covers(w: &AppWindow, namespace: &str, kind: Option<&str>, name: Option<&str>) -> bool {
    if w.namespace != namespace {
        return false;
    }
    match (&w.kind, &w.name) {
        (None, _) => true,
        (Some(wk), Some(wn)) => {
            let base = |k: &str| k.split('.').next().unwrap_or(k).to_ascii_lowercase();
            kind.is_some_and(|k| base(k) == base(wk)) && name == Some(wn.as_str())
        }
        (Some(_), None) => false,
    }
}

/// The alert label a workload kind's alerts carry (kube-prometheus' names: `deployment`, `statefulset`, ...).
fn workload_label(kind: &str) -> String {
    let base = kind.split('.').next().unwrap_or(kind).to_ascii_lowercase();
    base.strip_suffix('s').unwrap_or(&base).to_owned()
}

/// The silence matchers for an application window: its namespace, and the workload's label when it names one.
pub fn app_matchers(w: &AppWindow) -> Vec<Matcher> {
    let mut m = vec![Matcher::equal("namespace", &w.namespace)];
    if let (Some(kind), Some(name)) = (&w.kind, &w.name) {
        m.push(Matcher::equal(&workload_label(kind), name));
    }
    m
}

// ---- starting and ending ------------------------------------------------------------------------------------

/// The announcement of a window's start or end (one `KubedeckMaintenance` entry, firing at the start).
pub fn notice(cluster_name: &str, w: &ClusterMaintenance, started: bool) -> Notice {
    let status = if started {
        NoticeStatus::Firing
    } else {
        NoticeStatus::Resolved
    };
    let labels: std::collections::BTreeMap<String, String> = [
        ("alertname", "KubedeckMaintenance"),
        ("severity", "info"),
        ("cluster", cluster_name),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let m = MaintenanceNotice {
        window_id: w.id,
        event: if started { "started" } else { "ended" }.into(),
        reason: w.reason.clone(),
        starts_at: w.starts_at,
        ends_at: w.ends_at,
        by: w
            .ended_by
            .clone()
            .filter(|_| !started)
            .unwrap_or_else(|| w.created_by.clone()),
    };
    let summary = m.summary(false, cluster_name);
    Notice {
        group_key: format!("{}:maintenance:{}", w.cluster_id, w.id),
        status,
        cluster_id: w.cluster_id,
        cluster_name: cluster_name.to_owned(),
        group_labels: [
            ("alertname".to_owned(), "KubedeckMaintenance".to_owned()),
            ("cluster".to_owned(), cluster_name.to_owned()),
        ]
        .into(),
        common_labels: labels.clone(),
        common_annotations: [("summary".to_owned(), summary.clone())].into(),
        severity: "info".into(),
        alerts: vec![NoticeAlert {
            alert_id: 0,
            status,
            labels,
            annotations: [("summary".to_owned(), summary)].into(),
            starts_at: w.started_at.unwrap_or(w.starts_at),
            ends_at: (!started).then(|| w.ended_at.unwrap_or(w.ends_at)),
            fingerprint: format!("maintenance-{}", w.id),
            generator_url: format!("/clusters/{}/maintenance", w.cluster_id),
        }],
        maintenance: Some(m),
    }
}

/// Silences every alert of the window's cluster from now to the window's end (a silence made before, when the
/// end moved, is lifted first).
pub async fn silence_cluster(store: &Store, w: &ClusterMaintenance, cluster_name: &str) {
    if let Some(sid) = w.silence_id
        && let Err(e) = store.expire_silence(w.cluster_id, sid).await
    {
        tracing::warn!(window = w.id, "could not lift the maintenance silence: {e}");
    }
    let matchers = vec![Matcher::equal("cluster", cluster_name)];
    let json = serde_json::to_string(&matchers).expect("matchers serialize");
    let comment = format!("maintenance #{}: {}", w.id, w.reason);
    match store
        .create_silence(
            w.cluster_id,
            &json,
            Utc::now(),
            w.ends_at,
            &w.created_by,
            &comment,
        )
        .await
    {
        Ok(s) => {
            if let Err(e) = store.set_maintenance_silence(w.id, s.id).await {
                tracing::warn!(
                    window = w.id,
                    "could not record the maintenance silence: {e}"
                );
            }
        }
        Err(e) => tracing::warn!(window = w.id, "could not silence the cluster's alerts: {e}"),
    }
}

/// Announces a window's start and silences the cluster's alerts until its end. Called by whoever moved the
/// window to active (the loop, or "start now"); failures are logged, the window stays active.
pub async fn announce_start(store: &Store, w: &ClusterMaintenance) {
    let Ok(Some(cluster)) = store.find_cluster(w.cluster_id).await else {
        return;
    };
    silence_cluster(store, w, &cluster.name).await;
    match crate::notify::enqueue(store, &notice(&cluster.name, w, true)).await {
        Ok(n) => tracing::info!(
            cluster_id = w.cluster_id,
            window = w.id,
            channels = n,
            "maintenance started"
        ),
        Err(e) => tracing::warn!(
            window = w.id,
            "could not announce the maintenance start: {e:#}"
        ),
    }
}

/// Announces a window's end and lifts its silence (the end may come early).
pub async fn announce_end(store: &Store, w: &ClusterMaintenance) {
    if let Some(sid) = w.silence_id
        && let Err(e) = store.expire_silence(w.cluster_id, sid).await
    {
        tracing::warn!(window = w.id, "could not lift the maintenance silence: {e}");
    }
    let Ok(Some(cluster)) = store.find_cluster(w.cluster_id).await else {
        return;
    };
    match crate::notify::enqueue(store, &notice(&cluster.name, w, false)).await {
        Ok(n) => tracing::info!(
            cluster_id = w.cluster_id,
            window = w.id,
            channels = n,
            "maintenance ended"
        ),
        Err(e) => tracing::warn!(
            window = w.id,
            "could not announce the maintenance end: {e:#}"
        ),
    }
}

/// Starts the windows whose start has come and ends those whose end has come. Only the replica whose guarded
/// UPDATE takes a move announces it.
pub async fn move_due(store: &Store, now: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    for w in store.maintenance_due(now).await? {
        if w.state == kubedeck_store::maintenance::state::SCHEDULED {
            if store.claim_maintenance_start(w.id, now).await? {
                let started = store
                    .find_maintenance(w.cluster_id, w.id)
                    .await?
                    .unwrap_or(w);
                announce_start(store, &started).await;
                // a window whose end passed while no replica ran ends in the same pass
                if started.ends_at <= now && store.claim_maintenance_end(started.id, now).await? {
                    let ended = store
                        .find_maintenance(started.cluster_id, started.id)
                        .await?
                        .unwrap_or(started);
                    announce_end(store, &ended).await;
                }
            }
        } else if store.claim_maintenance_end(w.id, now).await? {
            let ended = store
                .find_maintenance(w.cluster_id, w.id)
                .await?
                .unwrap_or(w);
            announce_end(store, &ended).await;
        }
    }
    Ok(())
}

/// Silences the alerts of every application window that is open now, once per occurrence.
async fn silence_app_windows(store: &Store, now: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    for w in store.all_app_windows().await? {
        silence_if_open(store, &w, now).await?;
    }
    Ok(())
}

/// Makes the silence of a window's occurrence open at `now`, unless one was made for it (by this replica, another,
/// or the route that created the window: a window created open is silenced before its creation is answered, so no
/// alert of its namespace fires unsilenced in between).
pub async fn silence_if_open(store: &Store, w: &AppWindow, now: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    let Some((start, end)) = open_occurrence(w, now) else {
        return Ok(());
    };
    if !store.claim_app_occurrence(w.id, start).await? {
        return Ok(());
    }
    let json = serde_json::to_string(&app_matchers(w)).expect("matchers serialize");
    let comment = format!("application maintenance window #{}: {}", w.id, w.reason);
    let s = store
        .create_silence(w.cluster_id, &json, start, end, &w.created_by, &comment)
        .await?;
    store.set_app_window_silence(w.id, s.id).await?;
    tracing::info!(cluster_id = w.cluster_id, window = w.id, namespace = %w.namespace, "application maintenance window open: alerts silenced");
    Ok(())
}

/// Runs until `cancel` on every replica: each second, windows due are started or ended and open application
/// windows get their silence.
pub async fn run(state: AppState, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        let now = Utc::now();
        if let Err(e) = move_due(&state.store, now).await {
            tracing::warn!("maintenance windows could not be started or ended: {e}");
        }
        if let Err(e) = silence_app_windows(&state.store, now).await {
            tracing::warn!("application maintenance windows could not be silenced: {e}");
        }
    }
}

// ---- the guard ----------------------------------------------------------------------------------------------

/// Routes under a cluster that change nothing in it, though not GETs: re-reads (`.../sync`), alert handling,
/// and maintenance itself (ending a window must work while it is on).
fn changes_nothing_in_cluster(route: &str) -> bool {
    let Some(rest) = route.strip_prefix("/api/v1/k8s/cluster/{id}") else {
        return true;
    };
    rest.is_empty()
        || rest.ends_with("/sync")
        || rest.starts_with("/maintenance")
        || rest.starts_with("/alerts")
        || rest.starts_with("/alert-rules")
        || rest.starts_with("/silences")
        || rest.starts_with("/alert-ingest-tokens")
}

/// The web terminal's route (`/ws/k8s/cluster/{id}/.../exec`).
fn is_terminal(route: &str) -> bool {
    route.starts_with("/ws/k8s/cluster/{id}/") && route.ends_with("/exec")
}

fn dry_run(req: &Request) -> bool {
    req.uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "dry_run=true"))
}

/// The 409 for a change to a cluster in maintenance.
pub fn in_maintenance(w: &ClusterMaintenance) -> ApiError {
    ApiError::conflict(
        ErrorCode::ClusterInMaintenance,
        format!(
            "cluster {} is in maintenance until {} ({}): changes are refused until it ends; a role with \
             maintenance.bypass may still change it",
            w.cluster_id,
            w.ends_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            w.reason
        ),
    )
    .param("window", w.id)
    .param("reason", &w.reason)
    .param("ends_at", w.ends_at)
}

/// Whether a change to (`namespace`, `kind`, `name`) is outside every window that covers it: `Some(next start)`
/// (the inner `None`: no window opens again) when it must be refused, `None` when it may go ahead.
pub fn outside_windows(
    windows: &[AppWindow],
    namespace: &str,
    kind: Option<&str>,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Option<Option<DateTime<Utc>>> {
    let covering: Vec<&AppWindow> = windows
        .iter()
        .filter(|w| covers(w, namespace, kind, name))
        .collect();
    if covering.is_empty() || covering.iter().any(|w| open_occurrence(w, now).is_some()) {
        return None;
    }
    Some(
        covering
            .iter()
            .filter_map(|w| next_starts(w, now, 1).into_iter().next())
            .min(),
    )
}

/// Refuses changes to a cluster in maintenance, and changes outside application windows under the cluster's
/// policy, unless the caller holds `maintenance.bypass` on the cluster. One layer for every route: a GET never
/// reads the database here; a change under `/api/v1/k8s/cluster/{id}/` reads the cluster's window in force (and
/// its policy) once.
pub async fn guard(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let Some(route) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        return next.run(req).await;
    };
    // a terminal in a container (a GET that becomes a WebSocket) can change anything: it counts as a change
    let terminal = is_terminal(&route);
    if !terminal
        && (matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) || dry_run(&req))
    {
        return next.run(req).await;
    }
    if !terminal && changes_nothing_in_cluster(&route) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let params = path_params(&mut parts, &state).await;
    let Some(cluster_id) = param(&params, "id").and_then(|v| v.parse::<i64>().ok()) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    match refusal(&state, &mut parts, cluster_id, &params, terminal).await {
        Ok(Some(e)) => e.into_response(),
        Ok(None) => next.run(Request::from_parts(parts, body)).await,
        Err(e) => e.into_response(),
    }
}

fn param(params: &[(String, String)], key: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

/// A route's path parameters, read in a middleware (none when the route has none).
async fn path_params(
    parts: &mut axum::http::request::Parts,
    state: &AppState,
) -> Vec<(String, String)> {
    match RawPathParams::from_request_parts(parts, state).await {
        Ok(p) => p
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Why a change must be refused, if it must.
async fn refusal(
    state: &AppState,
    parts: &mut axum::http::request::Parts,
    cluster_id: i64,
    params: &[(String, String)],
    terminal: bool,
) -> Result<Option<ApiError>, ApiError> {
    let now = Utc::now();
    // a terminal is held to the cluster's maintenance only: the windows' policy is about deploying
    let namespace = param(params, "ns").filter(|_| !terminal);
    let window = state.store.maintenance_in_force(cluster_id, now).await?;
    let outside = match (&window, &namespace) {
        (None, Some(ns)) => match state.store.maintenance_policy(cluster_id).await? {
            Some(p) if p.deploy_only_in_windows => {
                let windows = state.store.app_windows(cluster_id).await?;
                let (kind, name) = (param(params, "kind"), param(params, "name"));
                outside_windows(&windows, ns, kind.as_deref(), name.as_deref(), now)
                    .map(|next| (ns.clone(), kind, name, next))
            }
            _ => None,
        },
        _ => None,
    };
    if window.is_none() && outside.is_none() {
        return Ok(None);
    }
    // only now who asks matters; a caller who is not logged in gets the route's own 401
    let Ok(user) = AuthUser::from_request_parts(parts, state).await else {
        return Ok(None);
    };
    if user
        .bindings
        .allows(Permission::MaintenanceBypass, Scope::cluster(cluster_id))
    {
        return Ok(None);
    }
    if let Some(w) = window {
        return Ok(Some(in_maintenance(&w)));
    }
    let (ns, kind, name, next) = outside.expect("checked above");
    Ok(Some(outside_window(cluster_id, ns, kind, name, next)))
}

/// The application windows a change to this cluster must fall in, for a caller without `maintenance.bypass`:
/// `None` when the cluster's policy does not ask for windows (or the caller may bypass them). For routes whose
/// path names no namespace (`POST .../apply`), which check each document with [`outside_windows`].
pub async fn windows_to_respect(
    state: &AppState,
    user: &AuthUser,
    cluster_id: i64,
) -> Result<Option<Vec<AppWindow>>, ApiError> {
    if user
        .bindings
        .allows(Permission::MaintenanceBypass, Scope::cluster(cluster_id))
    {
        return Ok(None);
    }
    match state.store.maintenance_policy(cluster_id).await? {
        Some(p) if p.deploy_only_in_windows => Ok(Some(state.store.app_windows(cluster_id).await?)),
        _ => Ok(None),
    }
}

/// The 409 for a change outside the application windows of (`ns`, `kind`, `name`), naming the next opening.
pub fn outside_window(
    cluster_id: i64,
    ns: String,
    kind: Option<String>,
    name: Option<String>,
    next: Option<DateTime<Utc>>,
) -> ApiError {
    let what = match (&kind, &name) {
        (Some(k), Some(n)) => format!("{k}/{n} in namespace '{ns}'"),
        _ => format!("namespace '{ns}'"),
    };
    let when = match next {
        Some(t) => format!(
            "the next opens at {}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        None => "none is scheduled to open again".to_owned(),
    };
    ApiError::conflict(
        ErrorCode::OutsideMaintenanceWindow,
        format!("cluster {cluster_id} takes changes to {what} only inside its maintenance windows; {when}"),
    )
    .param("namespace", ns)
    .param("kind", kind)
    .param("name", name)
    .param("next", next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn window(schedule: Option<&str>, starts_at: Option<DateTime<Utc>>, secs: i64) -> AppWindow {
        AppWindow {
            id: 1,
            cluster_id: 1,
            namespace: "shop".into(),
            kind: Some("deployments".into()),
            name: Some("web".into()),
            schedule: schedule.map(str::to_owned),
            starts_at,
            duration_secs: secs,
            reason: String::new(),
            created_by: "admin".into(),
            created_at: Utc::now(),
            current_start: None,
            silence_id: None,
        }
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, h, m, 0).unwrap()
    }

    #[test]
    fn a_recurring_window_is_open_for_its_duration_after_each_start() {
        let w = window(Some("0 2 * * *"), None, 3600);
        assert_eq!(open_occurrence(&w, at(2, 30)), Some((at(2, 0), at(3, 0))));
        assert_eq!(open_occurrence(&w, at(2, 0)), Some((at(2, 0), at(3, 0))));
        assert_eq!(open_occurrence(&w, at(3, 0)), None);
        assert_eq!(open_occurrence(&w, at(1, 59)), None);
        assert_eq!(
            next_starts(&w, at(3, 0), 2),
            vec![
                at(2, 0) + chrono::Duration::days(1),
                at(2, 0) + chrono::Duration::days(2)
            ]
        );
    }

    #[test]
    fn schedules_take_five_fields_and_refuse_nonsense() {
        assert!(parse_schedule("*/15 * * * *").is_ok());
        assert!(parse_schedule("@daily").is_ok());
        assert!(parse_schedule("0 0 2 * * *").is_err());
        assert!(parse_schedule("61 * * * *").is_err());
        assert!(parse_schedule("every day").is_err());
    }

    #[test]
    fn a_workload_window_covers_its_workload_and_a_namespace_window_everything_in_it() {
        let w = window(None, Some(at(2, 0)), 600);
        assert!(covers(&w, "shop", Some("deployments.apps"), Some("web")));
        assert!(!covers(&w, "shop", Some("deployments"), Some("api")));
        assert!(!covers(&w, "shop", None, None));
        let ns = AppWindow {
            kind: None,
            name: None,
            ..w.clone()
        };
        assert!(covers(&ns, "shop", Some("configmaps"), Some("x")));
        assert!(!covers(&ns, "other", None, None));
        assert_eq!(
            outside_windows(
                &[w.clone()],
                "shop",
                Some("deployments"),
                Some("web"),
                at(2, 5)
            ),
            None
        );
        assert_eq!(
            outside_windows(
                &[w.clone()],
                "shop",
                Some("deployments"),
                Some("web"),
                at(1, 0)
            ),
            Some(Some(at(2, 0)))
        );
        assert_eq!(
            outside_windows(
                &[w.clone()],
                "shop",
                Some("deployments"),
                Some("web"),
                at(3, 0)
            ),
            Some(None)
        );
        assert_eq!(outside_windows(&[w], "other", None, None, at(3, 0)), None);
    }

    #[test]
    fn changes_outside_the_cluster_pass_the_guard() {
        assert!(changes_nothing_in_cluster(
            "/api/v1/k8s/cluster/{id}/maintenance/{mid}/end"
        ));
        assert!(changes_nothing_in_cluster(
            "/api/v1/k8s/cluster/{id}/pods/sync"
        ));
        assert!(changes_nothing_in_cluster("/api/v1/users"));
        assert!(!changes_nothing_in_cluster(
            "/api/v1/k8s/cluster/{id}/nodes/{name}/cordon"
        ));
        assert!(!changes_nothing_in_cluster(
            "/api/v1/k8s/cluster/{id}/apply"
        ));
    }
}

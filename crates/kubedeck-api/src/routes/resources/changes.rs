//! Live pages: one Server-Sent Events stream per browser tab and cluster carries change notices for the kinds on
//! screen (never the objects themselves); the page refetches only the kinds named. A `status` event says whether
//! the notices are live (this replica watches the cluster, or receives the notices of the replica that does
//! through Redis: [`crate::shared`]) or the page should fall back to polling, with the last sync time.

use super::catalog;
use crate::auth::{InCluster, perm};
use crate::connection::cluster;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use utoipa::IntoParams;

/// Most kinds one stream follows.
const MAX_KINDS: usize = 16;
/// How often the stores' change counters are read (and so the longest a notice waits).
const TICK: Duration = Duration::from_millis(500);
/// Ticks between reads of the cluster's sync state.
const STATUS_EVERY: u32 = 10;

/// The kinds a page shows.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// URL names of kinds, comma-separated (`pods,deployments`), at most 16.
    pub kinds: String,
}

/// Change notices for kinds: `event: change` with `{"kinds": [...]}` when objects of those kinds were added,
/// changed or deleted (at most every half second), and `event: status` with `{"live", "stale", "last_sync_at"}`
/// at the start and whenever it changes.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/changes", tag = "resources", params(("id" = i64, Path), ChangesQuery),
    responses((status = 200, content_type = "text/event-stream"), (status = 400), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn changes(
    State(state): State<AppState>,
    _auth: InCluster<perm::ResourceRead>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> ApiResult<Sse<impl futures::Stream<Item = Result<Event, std::convert::Infallible>>>> {
    let names: Vec<String> = q.kinds.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect();
    if names.is_empty() || names.len() > MAX_KINDS {
        return Err(ApiError::invalid("kinds", ErrorCode::OutOfRange, format!("name 1 to {MAX_KINDS} kinds"))
            .param("min", 1)
            .param("max", MAX_KINDS));
    }
    let c = cluster(&state, id).await?;
    let cat = catalog(&state, &c).await?;
    let mut served = Vec::new();
    for n in &names {
        if n == "pods" || n == "nodes" {
            continue;
        }
        served.push(cat.find(n).map_err(|u| super::unserved(&cat, n, u))?);
    }
    // notices from the replica that watches the cluster, when this one does not (Redis)
    let relay = state.shared.as_ref().map(|r| r.notices());
    // (state, kinds, generations seen, last (live, stale) sent, ticks until the cluster row is read again, relay)
    let stream = futures::stream::unfold(
        (state, names, served, HashMap::<String, u64>::new(), None::<(bool, bool)>, 0u32, relay),
        move |(state, names, served, mut seen, mut last_status, mut until_status, mut relay)| async move {
            loop {
                let handle = state.hub.get(id);
                let relayed = handle.is_none() && relay.as_ref().is_some_and(|(_, listening)| *listening.borrow());
                if until_status == 0 {
                    // the cluster row is read every few seconds, not every tick; only a change of live/stale is sent
                    until_status = STATUS_EVERY;
                    let c = state.store.find_cluster(id).await.ok().flatten()?;
                    let now = (handle.is_some() || relayed, c.status != kubedeck_store::clusters::status::RUNNING);
                    if last_status != Some(now) {
                        last_status = Some(now);
                        let data = json!({"live": now.0, "stale": now.1, "last_sync_at": c.last_sync_at});
                        let ev = Event::default().event("status").data(data.to_string());
                        return Some((Ok(ev), (state, names, served, seen, last_status, until_status, relay)));
                    }
                }
                until_status -= 1;
                if handle.is_none()
                    && let Some((notices, _)) = relay.as_mut()
                {
                    if let Some(kinds) = relayed_changes(id, notices, &names, &served).await {
                        let ev = Event::default().event("change").data(json!({"kinds": kinds}).to_string());
                        return Some((Ok(ev), (state, names, served, seen, last_status, until_status, relay)));
                    }
                    continue;
                }
                let mut changed = Vec::new();
                if let Some(h) = &handle {
                    let mut note = |name: &str, generation: u64| {
                        // the first reading is the baseline, not a change
                        if seen.insert(name.to_owned(), generation).is_some_and(|g| g != generation) {
                            changed.push(name.to_owned());
                        }
                    };
                    if names.iter().any(|n| n == "pods") {
                        note("pods", h.pods.generation());
                    }
                    for s in &served {
                        note(&s.name, h.resources.store(s).rows.generation());
                    }
                }
                if !changed.is_empty() {
                    let ev = Event::default().event("change").data(json!({"kinds": changed}).to_string());
                    return Some((Ok(ev), (state, names, served, seen, last_status, until_status, relay)));
                }
                tokio::time::sleep(TICK).await;
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The kinds on screen (`names`, or their `served` names) that the notices of cluster `id` received within a tick
/// say changed; `None` when none did. Missed notices (a slow page) count as a change of every kind on screen.
async fn relayed_changes(
    id: i64,
    notices: &mut tokio::sync::broadcast::Receiver<crate::shared::Notice>,
    names: &[String],
    served: &[std::sync::Arc<kubedeck_kube::resource::discovery::Served>],
) -> Option<Vec<String>> {
    use tokio::sync::broadcast::error::RecvError;
    let mut changed: Vec<String> = Vec::new();
    let mut take = |n: Result<crate::shared::Notice, RecvError>| match n {
        Ok(n) if n.cluster_id == id => {
            for k in n.kinds {
                let wanted = names.contains(&k) || served.iter().any(|s| s.name == k);
                if wanted && !changed.contains(&k) {
                    changed.push(k);
                }
            }
        }
        Err(RecvError::Lagged(_)) => changed = names.to_vec(),
        _ => {}
    };
    if let Ok(n) = tokio::time::timeout(TICK, notices.recv()).await {
        take(n);
        while let Ok(n) = notices.try_recv() {
            take(Ok(n));
        }
    }
    (!changed.is_empty()).then_some(changed)
}

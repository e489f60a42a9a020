//! The event archive's background work: the lease holder's event watcher feeds ([`kubedeck_kube::events`]) are
//! written to `kube_event` every [`FLUSH_EVERY`] through the fenced store (only the holder of the cluster's lease
//! writes; a replica that lost it has its write refused and drops what it held, the new holder relists), and
//! retention deletes what was last seen before the retention, in batches, under the lease `events:retention`.
//!
//! Started by [`crate::sync::run`], which grants the cluster leases; it imports no route module.

use crate::state::AppState;
use kubedeck_kube::events::{EventFeed, EventFields};
use kubedeck_store::Store;
use kubedeck_store::kube_events::EventRecord;
use kubedeck_store::leases::{Fence, is_lease_lost};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often waiting events are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);
/// Rows deleted per statement by retention.
pub const PRUNE_BATCH: u64 = 5_000;
/// Default retention.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(14 * 24 * 3600);

/// The fence each held cluster's event writes carry, as the sync loop was last granted it, by (replica, cluster):
/// tests run several replicas in one process.
static FENCES: LazyLock<Mutex<HashMap<(String, i64), Fence>>> = LazyLock::new(Default::default);

/// Records the lease this replica holds for a cluster (the sync loop, on each grant): its events are written
/// under it from now on.
pub fn held(cluster_id: i64, fence: &Fence) {
    FENCES
        .lock()
        .expect("event fences")
        .insert((fence.holder.clone(), cluster_id), fence.clone());
}

/// An event in the archive's row terms.
pub fn record(cluster_id: i64, f: EventFields) -> EventRecord {
    EventRecord {
        cluster_id,
        uid: f.uid,
        namespace: f.namespace,
        name: f.name,
        involved_kind: f.involved_kind,
        involved_name: f.involved_name,
        involved_namespace: f.involved_namespace,
        reason: f.reason,
        event_type: f.event_type,
        message: f.message,
        source_component: f.source_component,
        source_host: f.source_host,
        reporting_component: f.reporting_component,
        count: f.count,
        series_count: f.series_count,
        first_timestamp: f.first_timestamp,
        last_timestamp: f.last_timestamp,
    }
}

/// Writes a cluster's waiting events through `store` (fenced by the caller). A failed write puts them back for
/// the next pass, unless the lease passed on (the new holder's watcher lists them again).
async fn flush(store: &Store, cluster_id: i64, feed: &EventFeed) {
    let taken = feed.take();
    if taken.is_empty() {
        return;
    }
    let rows: Vec<EventRecord> = taken
        .iter()
        .cloned()
        .map(|f| record(cluster_id, f))
        .collect();
    match store.upsert_events(&rows).await {
        Ok(n) => {
            metrics::counter!("kubedeck_events_archived_total").increment(n as u64);
        }
        Err(e) if is_lease_lost(&e) => {
            tracing::info!(cluster_id, "events not archived: {e}");
        }
        Err(e) => {
            tracing::warn!(
                cluster_id,
                events = rows.len(),
                "could not archive events: {e}"
            );
            feed.give_back(taken);
        }
    }
}

/// One pass: every cluster this replica watches and holds the lease of.
async fn flush_all(state: &AppState) {
    let running = state.hub.running();
    let fences: Vec<(i64, Fence)> = {
        let mut f = FENCES.lock().expect("event fences");
        let mine = |r: &str| r == state.replica_id;
        f.retain(|(r, id), _| !mine(r) || running.contains(id));
        f.iter()
            .filter(|((r, _), _)| mine(r))
            .map(|((_, id), fence)| (*id, fence.clone()))
            .collect()
    };
    for (id, fence) in fences {
        if let Some(h) = state.hub.get(id) {
            flush(&state.store.fenced(fence), id, &h.events).await;
        }
    }
}

/// Deletes archived events older than the retention, under its lease (one replica a pass).
async fn prune(state: &AppState, every: Duration) {
    let ttl = chrono::Duration::from_std(every * 3).unwrap_or(chrono::Duration::hours(3));
    match state
        .store
        .try_acquire_lease("events:retention", &state.replica_id, ttl)
        .await
    {
        Ok(Some(_)) => {
            let keep = chrono::Duration::from_std(state.settings.event_retention)
                .unwrap_or(chrono::Duration::days(36_500))
                .min(chrono::Duration::days(36_500));
            match state
                .store
                .prune_events(chrono::Utc::now() - keep, PRUNE_BATCH)
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "event archive retention"),
                Err(e) => tracing::warn!("event archive retention failed: {e}"),
            }
        }
        Ok(None) => {}
        Err(e) => tracing::warn!("event archive retention lease: {e}"),
    }
}

/// Time between retention passes: a tenth of the retention, between a minute and an hour.
fn prune_every(retention: Duration) -> Duration {
    (retention / 10).clamp(Duration::from_secs(60), Duration::from_secs(3600))
}

/// Runs until `cancel`: writes waiting events every [`FLUSH_EVERY`], prunes on [`prune_every`].
pub async fn run(state: AppState, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let every = prune_every(state.settings.event_retention);
    let mut next_prune = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        flush_all(&state).await;
        if tokio::time::Instant::now() >= next_prune {
            next_prune = tokio::time::Instant::now() + every;
            prune(&state, every).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_runs_between_every_minute_and_every_hour() {
        assert_eq!(prune_every(DEFAULT_RETENTION), Duration::from_secs(3600));
        assert_eq!(
            prune_every(Duration::from_secs(120)),
            Duration::from_secs(60)
        );
    }
}

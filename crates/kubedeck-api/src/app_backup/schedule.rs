//! Scheduled application backups (issue 18, spec 7.1 定时备份): every tick, on the replica holding the lease, each
//! enabled schedule whose cron time came since its last run gets one backup (missed runs are not repeated), then
//! its retention removes the schedule's stored backups beyond its count or age. Backups left `running` by a
//! replica that stopped are marked `interrupted` here too (and at start-up), so the list never shows a backup
//! running forever.

use super::take::{self, Request};
use crate::schedule::parse_schedule;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use kubedeck_store::app_backup_schedules::AppBackupSchedule;
use tokio_util::sync::CancellationToken;

/// The lease that makes one replica the scheduler.
const LEASE: &str = "app-backup:schedule";

/// When the schedule runs next after `after` (None: never, or the expression no longer parses).
pub fn next_run(schedule: &str, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    parse_schedule(schedule).ok()?.find_next_occurrence(&after, false).ok()
}

/// The schedule's next run: the first cron time after its last run, or after it was last changed (a changed
/// schedule counts from the change, one that never ran from its creation).
pub fn next_of(s: &AppBackupSchedule) -> Option<DateTime<Utc>> {
    let from = s.last_scheduled_at.unwrap_or(s.updated_at).max(s.updated_at);
    next_run(&s.schedule, from)
}

/// Whether a run is due at `now`.
pub fn due(s: &AppBackupSchedule, now: DateTime<Utc>) -> bool {
    next_of(s).is_some_and(|at| at <= now)
}

/// One scheduled run: the backup, recorded even when a namespace has gone (a failed row says so), then retention.
async fn run_one(state: &AppState, s: AppBackupSchedule, now: DateTime<Utc>) {
    let Ok(Some(c)) = state.store.find_cluster(s.cluster_id).await else { return };
    let namespaces: Vec<String> = serde_json::from_str(&s.namespaces).unwrap_or_default();
    let name: String = format!("{}-{}", s.name, now.format("%Y%m%d-%H%M%S")).chars().take(128).collect();
    let who = format!("schedule:{}", s.name);
    let req = Request {
        namespaces: &namespaces,
        label_selector: s.label_selector.as_deref(),
        name: &name,
        who: &who,
        schedule_id: Some(s.id),
    };
    match take::take(state, &c, req).await {
        Ok(b) => tracing::info!(cluster_id = c.id, schedule = s.id, backup = b.id, "scheduled application backup stored"),
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => {
            // nothing was recorded (a namespace is gone): record the failed run, so the list says why
            let recorded = state
                .store
                .start_app_backup(c.id, &name, &namespaces, s.label_selector.as_deref(), &who, Some(s.id), &state.replica_id)
                .await;
            if let Ok(row) = recorded {
                let _ = state.store.fail_app_backup(row.id, &e.message).await;
            }
            tracing::warn!(cluster_id = c.id, schedule = s.id, "scheduled application backup: {}", e.message);
        }
        Err(e) => tracing::warn!(cluster_id = c.id, schedule = s.id, "scheduled application backup failed: {}", e.message),
    }
    match state.store.app_backups_beyond_retention(s.id, s.keep_count, s.keep_days, Utc::now()).await {
        Ok(ids) => {
            for id in ids {
                if let Err(e) = state.store.delete_app_backup(c.id, id).await {
                    tracing::warn!(backup = id, "application backup retention: {e}");
                }
            }
        }
        Err(e) => tracing::warn!(schedule = s.id, "application backup retention: {e}"),
    }
}

/// The scheduler loop (one replica at a time, by lease).
pub async fn run(state: AppState, cancel: CancellationToken) {
    while let Some(held) = crate::schedule::tick_as_scheduler(&state, &cancel, LEASE).await {
        if !held {
            continue;
        }
        if let Err(e) = state.store.interrupt_orphaned_app_backups(&state.replica_id).await {
            tracing::warn!("application backups: {e}");
        }
        let schedules = match state.store.enabled_app_backup_schedules().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("application backup schedules: {e}");
                continue;
            }
        };
        let now = Utc::now();
        for s in schedules.into_iter().filter(|s| due(s, now)) {
            match state.store.claim_app_backup_run(s.id, s.last_scheduled_at, now).await {
                Ok(true) => {
                    let state = state.clone();
                    tokio::spawn(async move { run_one(&state, s, now).await });
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(schedule = s.id, "application backup schedule: {e}"),
            }
        }
    }
    let _ = state.store.release_lease(LEASE, &state.replica_id).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn schedule(cron: &str, last: Option<&str>, updated: &str) -> AppBackupSchedule {
        AppBackupSchedule {
            id: 1,
            cluster_id: 1,
            name: "nightly".into(),
            namespaces: "[\"shop\"]".into(),
            label_selector: None,
            schedule: cron.into(),
            keep_count: Some(3),
            keep_days: None,
            enabled: true,
            last_scheduled_at: last.map(at),
            created_by: "admin".into(),
            created_at: at(updated),
            updated_at: at(updated),
        }
    }

    #[test]
    fn a_run_is_due_once_its_cron_time_has_come_since_the_last() {
        let s = schedule("0 3 * * *", None, "2026-01-01T02:00:00Z");
        assert!(!due(&s, at("2026-01-01T02:59:59Z")));
        assert!(due(&s, at("2026-01-01T03:00:00Z")));
        // ran at 03:00: not again until the next day's 03:00 (missed runs are not repeated)
        let s = schedule("0 3 * * *", Some("2026-01-01T03:00:00Z"), "2026-01-01T02:00:00Z");
        assert!(!due(&s, at("2026-01-01T23:00:00Z")));
        assert!(due(&s, at("2026-01-02T03:00:01Z")));
        // changed after its last run: counted from the change
        let s = schedule("0 3 * * *", Some("2026-01-01T03:00:00Z"), "2026-01-02T04:00:00Z");
        assert!(!due(&s, at("2026-01-02T05:00:00Z")));
        assert_eq!(next_run("@hourly", at("2026-01-01T03:10:00Z")), Some(at("2026-01-01T04:00:00Z")));
    }
}

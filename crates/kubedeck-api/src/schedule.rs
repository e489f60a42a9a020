//! Cron schedules shared by etcd snapshot schedules and recurring maintenance windows.

use std::str::FromStr;

/// Five cron fields (minute hour day-of-month month day-of-week, UTC) or an alias such as `@daily`. Seconds are
/// refused: neither a snapshot nor a maintenance window a second is what an operator means.
pub fn parse_schedule(text: &str) -> Result<croner::Cron, String> {
    let text = text.trim();
    let fields = text.split_whitespace().count();
    if !text.starts_with('@') && fields != 5 {
        return Err(format!(
            "a schedule has five fields (minute hour day-of-month month day-of-week), this one has {fields}"
        ));
    }
    croner::Cron::from_str(text).map_err(|e| e.to_string())
}

/// A schedule from a request body: a 400 `invalid_cron` naming `schedule` when Kubedeck would not run it.
pub fn check_schedule(text: &str) -> crate::error::ApiResult<()> {
    parse_schedule(text).map(|_| ()).map_err(|e| {
        crate::error::ApiError::invalid(
            "schedule",
            crate::error::ErrorCode::InvalidCron,
            format!("schedule '{text}' is not a cron expression Kubedeck runs: {e}"),
        )
        .param("detail", e)
    })
}

/// Retention of scheduled backups (etcd snapshots, application backups): keep the newest 1 to 1000, and none
/// older than 1 to 3650 days; a 400 naming the field otherwise.
pub fn check_retention(keep_count: Option<i32>, keep_days: Option<i32>) -> crate::error::ApiResult<()> {
    use crate::error::ApiError;
    if keep_count.is_some_and(|n| !(1..=1000).contains(&n)) {
        return Err(ApiError::out_of_range("keep_count", Some(1), Some(1000)));
    }
    if keep_days.is_some_and(|n| !(1..=3650).contains(&n)) {
        return Err(ApiError::out_of_range("keep_days", Some(1), Some(3650)));
    }
    Ok(())
}

/// One replica runs each kind of schedule (etcd snapshots, application backups): waits a tick, then takes or
/// renews `lease` (three ticks long, at least 30 s). None: cancelled, stop; Some(false): another replica holds it.
pub async fn tick_as_scheduler(
    state: &crate::state::AppState,
    cancel: &tokio_util::sync::CancellationToken,
    lease: &str,
) -> Option<bool> {
    let tick = state.settings.schedule_tick;
    let ttl = chrono::Duration::from_std((tick * 3).max(std::time::Duration::from_secs(30))).expect("lease ttl");
    tokio::select! {
        _ = cancel.cancelled() => return None,
        _ = tokio::time::sleep(tick) => {}
    }
    match state.store.try_acquire_lease(lease, &state.replica_id, ttl).await {
        Ok(held) => Some(held.is_some()),
        Err(e) => {
            tracing::warn!("schedule lease {lease}: {e}");
            Some(false)
        }
    }
}

//! The delivery loop: claims due deliveries, keeps each channel within its rate limit (what the limit holds back
//! goes out as one digest when the limit allows again), sends, and records each attempt with retries and
//! exponential backoff. Any replica may run it; a guarded claim makes sure one replica sends each row.

use super::config::ChannelConfig;
use super::render::Lang;
use super::send::{self, Content, Target};
use super::{Notice, NotifySettings};
use crate::state::AppState;
use chrono::Utc;
use kubedeck_store::notify::{AttemptOutcome, Channel, Delivery, NewDelivery, purpose};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Deliveries claimed per pass.
const CLAIM_BATCH: u64 = 500;

/// Opens a channel's configuration; a key this replica does not know means another one rotated: reload once.
pub fn open_config(state: &AppState, channel: &Channel) -> anyhow::Result<ChannelConfig> {
    use kubedeck_core::credential::CredentialError;
    let opened = match state.store.open_notify_config(channel, &state.keyring()) {
        Err(CredentialError::UnknownKey(id)) => match state.key_dir.as_ref().map(|d| d.load()) {
            Some(Ok(ring)) => {
                *state.keyring.write().expect("key ring lock") = ring.clone();
                state.store.open_notify_config(channel, &ring)
            }
            _ => Err(CredentialError::UnknownKey(id)),
        },
        other => other,
    };
    let json =
        opened.map_err(|e| anyhow::anyhow!("the channel's configuration cannot be opened: {e}"))?;
    Ok(serde_json::from_str(&json)?)
}

/// When to try a delivery again after its `attempts`-th failure, or `None` once they are used up: the base delay
/// doubled per attempt (10 s, 20 s, 40 s, 80 s by default), at most an hour.
pub fn retry_at(settings: &NotifySettings, attempts: i32) -> Option<chrono::DateTime<Utc>> {
    if attempts >= settings.max_attempts as i32 {
        return None;
    }
    let delay = settings
        .retry_base
        .saturating_mul(1 << (attempts - 1).clamp(0, 16))
        .min(Duration::from_secs(3600));
    Some(Utc::now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1)))
}

fn content_of(row: &Delivery) -> anyhow::Result<Content> {
    Ok(if row.purpose == purpose::DIGEST {
        Content::Digest(serde_json::from_str::<Vec<Notice>>(&row.notice)?)
    } else {
        Content::Notice(serde_json::from_str::<Notice>(&row.notice)?)
    })
}

/// Sends one claimed delivery and records the attempt; `retry` false: a failure is final ("send test").
pub async fn attempt(
    state: &AppState,
    http: &reqwest::Client,
    channel: &Channel,
    config: Result<&ChannelConfig, &str>,
    row: &Delivery,
    retry: bool,
) -> anyhow::Result<AttemptOutcome> {
    let settings = &state.settings.notify;
    let result = match (config, content_of(row)) {
        (Err(e), _) => Err(send::Refused::permanent(e.to_owned())),
        (_, Err(e)) => Err(send::Refused::permanent(format!(
            "the stored notice cannot be read: {e}"
        ))),
        (Ok(config), Ok(content)) => {
            let target = Target {
                name: &channel.name,
                kind: &channel.kind,
                lang: Lang::of(&channel.language),
                config,
            };
            send::deliver(
                http,
                &target,
                &content,
                &settings.external_url,
                settings.timeout,
            )
            .await
        }
    };
    let attempts = row.attempts + 1;
    let outcome = match result {
        Ok(a) => AttemptOutcome::Sent {
            http_status: a.http_status.map(i32::from),
        },
        Err(r) => {
            tracing::warn!(channel = %channel.name, delivery = row.id, attempts, error = %r.error, "a notification was not delivered");
            let retry_at = if retry && r.retryable {
                retry_at(settings, attempts)
            } else {
                None
            };
            let error = if retry && !r.retryable {
                format!(
                    "{} (not tried again: the same message would be refused the same way)",
                    r.error
                )
            } else {
                r.error
            };
            AttemptOutcome::Failed {
                http_status: r.http_status.map(i32::from),
                error,
                retry_at,
            }
        }
    };
    state
        .store
        .record_attempt(row.id, Utc::now(), &outcome)
        .await?;
    Ok(outcome)
}

/// Sends a channel's claimed deliveries within its rate limit.
async fn work_channel(
    state: &AppState,
    http: &reqwest::Client,
    channel: Channel,
    rows: Vec<Delivery>,
) -> anyhow::Result<()> {
    let settings = &state.settings.notify;
    let config = open_config(state, &channel).map_err(|e| e.to_string());
    let config_ref = config.as_ref().map_err(String::as_str);
    let window = chrono::Duration::from_std(settings.rate_window)?;
    // when held rows are looked at again: when the window frees its first slot, the same instant for every row
    // held in this window, so that they come due together and leave as one digest (a time per pass would split
    // a burst claimed over several passes into several digests)
    let mut until = Utc::now()
        + chrono::Duration::from_std((settings.rate_window / 20).max(settings.poll_interval))?;
    let (individual, held) = match channel.rate_per_minute.filter(|l| *l > 0) {
        None => (rows, Vec::new()),
        Some(limit) => {
            let since = Utc::now() - window;
            let used = state
                .store
                .channel_attempts_since(channel.id, since)
                .await? as i64;
            let remaining = (i64::from(limit) - used).max(0) as usize;
            let backlog = rows.iter().any(|r| r.throttled);
            if remaining == 0 {
                if let Some(first) = state
                    .store
                    .channel_first_attempt_since(channel.id, since)
                    .await?
                {
                    until = until.max(first + window);
                }
                (Vec::new(), rows)
            } else if backlog && rows.len() > 1 {
                // the limit held notices back: all that wait now go out as one digest
                send_digest(state, http, &channel, config_ref, rows).await?;
                return Ok(());
            } else {
                let mut rows = rows;
                let held = rows.split_off(remaining.min(rows.len()));
                (rows, held)
            }
        }
    };
    for row in &held {
        state.store.hold_back_delivery(row.id, until).await?;
    }
    for row in &individual {
        attempt(state, http, &channel, config_ref, row, true).await?;
    }
    Ok(())
}

async fn send_digest(
    state: &AppState,
    http: &reqwest::Client,
    channel: &Channel,
    config: Result<&ChannelConfig, &str>,
    rows: Vec<Delivery>,
) -> anyhow::Result<()> {
    let mut notices = Vec::with_capacity(rows.len());
    for r in &rows {
        match content_of(r)? {
            Content::Notice(n) => notices.push(n),
            Content::Digest(ns) => notices.extend(ns),
        }
    }
    let clusters: std::collections::BTreeSet<i64> = notices.iter().map(|n| n.cluster_id).collect();
    let new = NewDelivery {
        channel_id: channel.id,
        purpose: purpose::DIGEST,
        group_key: format!("digest of {} notices", notices.len()),
        cluster_id: if clusters.len() == 1 {
            clusters.first().copied()
        } else {
            None
        },
        notice_json: serde_json::to_string(&notices)?,
        // an alert's log finds the digest through its own row's digest_id
        alert_ids: Vec::new(),
    };
    let until = Utc::now() + claim_ttl(&state.settings.notify);
    let id = state
        .store
        .start_delivery(&new, &state.replica_id, until)
        .await?;
    state
        .store
        .mark_digested(&rows.iter().map(|r| r.id).collect::<Vec<_>>(), id)
        .await?;
    let row = state
        .store
        .find_delivery(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("digest {id} vanished"))?;
    attempt(state, http, channel, config, &row, true).await?;
    Ok(())
}

/// How long a claim holds: long enough for a pass's sends, short enough that a dead replica's rows are retried.
fn claim_ttl(settings: &NotifySettings) -> chrono::Duration {
    chrono::Duration::from_std(settings.timeout * 4 + Duration::from_secs(30))
        .unwrap_or(chrono::Duration::minutes(2))
}

/// One pass: claim what is due and send it, channels side by side.
pub async fn pass(state: &AppState, http: &reqwest::Client) -> anyhow::Result<usize> {
    let now = Utc::now();
    let rows = state
        .store
        .claim_due_deliveries(
            &state.replica_id,
            now,
            now + claim_ttl(&state.settings.notify),
            CLAIM_BATCH,
        )
        .await?;
    let n = rows.len();
    let mut by_channel: BTreeMap<i64, Vec<Delivery>> = BTreeMap::new();
    for r in rows {
        by_channel.entry(r.channel_id).or_default().push(r);
    }
    let mut set = tokio::task::JoinSet::new();
    for (channel_id, rows) in by_channel {
        let Some(channel) = state.store.find_notify_channel(channel_id).await? else {
            continue;
        };
        let (state, http) = (state.clone(), http.clone());
        set.spawn(async move {
            if let Err(e) = work_channel(&state, &http, channel, rows).await {
                tracing::warn!(channel_id, "notification delivery pass failed: {e:#}");
            }
        });
    }
    while set.join_next().await.is_some() {}
    Ok(n)
}

/// Deletes finished deliveries older than the log's retention, a batch at a time.
async fn prune(state: &AppState) {
    let before = Utc::now()
        - chrono::Duration::from_std(state.settings.notify.log_retention)
            .unwrap_or(chrono::Duration::days(30));
    loop {
        match state.store.prune_deliveries(before, 5_000).await {
            Ok(5_000) => continue,
            Ok(n) => {
                if n > 0 {
                    tracing::info!(deleted = n, "pruned old notification deliveries");
                }
                break;
            }
            Err(e) => {
                tracing::warn!("could not prune notification deliveries: {e}");
                break;
            }
        }
    }
}

/// Runs until `cancel`: a pass every poll interval (at once again when a pass found work), the log pruned hourly.
pub async fn run(state: AppState, cancel: CancellationToken) {
    let http = send::http_client(state.settings.notify.timeout);
    let mut pruned_at: Option<std::time::Instant> = None;
    loop {
        if pruned_at.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600)) {
            pruned_at = Some(std::time::Instant::now());
            prune(&state).await;
        }
        let busy = match pass(&state, &http).await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::warn!("notification delivery: {e:#}");
                false
            }
        };
        let wait = if busy {
            Duration::from_millis(50)
        } else {
            state.settings.notify.poll_interval
        };
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep(wait) => {}
            _ = super::QUEUED.notified() => {}
        }
    }
}

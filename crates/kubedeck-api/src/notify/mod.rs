//! Notification channels (issue 16): webhook, email, DingTalk, WeCom, Feishu/Lark and Slack.
//!
//! The alert engine hands a [`Notice`] to [`enqueue`], which only writes rows: one queued delivery per enabled
//! channel whose filters match. The delivery loop ([`run`]) sends them with retries, backoff and each channel's
//! rate limit (merging what the limit holds back into one digest), and the delivery table is the log.

pub mod channel;
pub mod config;
pub mod delivery;
pub mod email;
pub mod notice;
pub mod render;
pub mod send;
pub mod sign;
pub mod webhook;

pub use delivery::run;
pub use notice::{MaintenanceNotice, Notice, NoticeAlert, NoticeStatus};

use crate::state::AppState;
use chrono::Utc;
use kubedeck_store::Store;
use kubedeck_store::notify::{AttemptOutcome, Channel, Delivery, NewDelivery, purpose};
use std::time::Duration;

/// How the delivery loop paces itself (the tests shorten the minute and the backoff).
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The window a channel's rate limit counts messages in (a minute).
    pub rate_window: Duration,
    /// How often the loop looks for due deliveries.
    pub poll_interval: Duration,
    /// The first retry's delay; each further retry doubles it.
    pub retry_base: Duration,
    /// Attempts before a delivery is given up as failed.
    pub max_attempts: u32,
    /// Longest wait for one receiver (connect, TLS, answer).
    pub timeout: Duration,
    /// Where Kubedeck is seen (`externalURL` in webhook payloads; empty when unknown).
    pub external_url: String,
    /// How long sent, failed and digested deliveries stay in the log.
    pub log_retention: Duration,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            rate_window: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            retry_base: Duration::from_secs(10),
            max_attempts: 5,
            timeout: Duration::from_secs(10),
            external_url: String::new(),
            log_retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Wakes this process's delivery loop when something was queued, so a notice does not wait for the next poll
/// (other replicas find it at their next poll).
static QUEUED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Queues `notice` for every enabled channel whose filters (clusters, minimum severity) match, and returns how
/// many deliveries were queued. Only database writes: it never waits on a receiver, so the alert engine's loop
/// can call it directly.
pub async fn enqueue(store: &Store, notice: &Notice) -> anyhow::Result<usize> {
    let channels = store.enabled_notify_channels().await?;
    let notice_json = serde_json::to_string(notice)?;
    // a maintenance announcement's one entry is no alert row (id 0), so it has no alert log
    let alert_ids: Vec<i64> = notice.alerts.iter().map(|a| a.alert_id).filter(|id| *id > 0).collect();
    let deliveries: Vec<NewDelivery> = channels
        .iter()
        .filter(|c| channel::Filters::of(c).matches(notice))
        .map(|c| NewDelivery {
            channel_id: c.id,
            purpose: purpose::ALERT,
            group_key: notice.group_key.clone(),
            cluster_id: Some(notice.cluster_id),
            notice_json: notice_json.clone(),
            alert_ids: alert_ids.clone(),
        })
        .collect();
    let queued = store.queue_deliveries(&deliveries).await?.len();
    if queued > 0 {
        QUEUED.notify_one();
    }
    Ok(queued)
}

/// A sample notice for "send test": one firing alert, written in the channel's language.
pub fn sample_notice(channel: &Channel) -> Notice {
    let zh = channel.language == "zh-CN";
    let labels: std::collections::BTreeMap<String, String> = [
        ("alertname", "KubedeckTestNotification"),
        ("severity", "info"),
        ("cluster", "example"),
        ("namespace", "default"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let summary = if zh {
        format!("这是来自 Kubedeck 的测试通知（通道 {}），收到即表示配置正确。", channel.name)
    } else {
        format!("A test notification from Kubedeck (channel {}): if you read this, the channel works.", channel.name)
    };
    Notice {
        group_key: format!("test:{}", channel.id),
        status: NoticeStatus::Firing,
        cluster_id: 0,
        cluster_name: "example".into(),
        group_labels: [("alertname".to_owned(), "KubedeckTestNotification".to_owned())].into(),
        common_labels: labels.clone(),
        common_annotations: [("summary".to_owned(), summary.clone())].into(),
        severity: "info".into(),
        alerts: vec![NoticeAlert {
            alert_id: 0,
            status: NoticeStatus::Firing,
            labels,
            annotations: [("summary".to_owned(), summary)].into(),
            starts_at: Utc::now(),
            ends_at: None,
            fingerprint: format!("test-{}", channel.id),
            generator_url: String::new(),
        }],
        maintenance: None,
    }
}

/// "Send test": sends a sample notice to `channel` now (one attempt, outside the rate limit's queue) and returns
/// the recorded delivery.
pub async fn send_test(state: &AppState, channel: &Channel) -> anyhow::Result<Delivery> {
    let notice = sample_notice(channel);
    let new = NewDelivery {
        channel_id: channel.id,
        purpose: purpose::TEST,
        group_key: notice.group_key.clone(),
        cluster_id: None,
        notice_json: serde_json::to_string(&notice)?,
        alert_ids: Vec::new(),
    };
    let until = Utc::now() + chrono::Duration::minutes(2);
    let id = state.store.start_delivery(&new, &state.replica_id, until).await?;
    let row = state.store.find_delivery(id).await?.ok_or_else(|| anyhow::anyhow!("delivery {id} vanished"))?;
    let config = delivery::open_config(state, channel).map_err(|e| e.to_string());
    let http = send::http_client(state.settings.notify.timeout);
    let _: AttemptOutcome =
        delivery::attempt(state, &http, channel, config.as_ref().map_err(String::as_str), &row, false).await?;
    state.store.find_delivery(id).await?.ok_or_else(|| anyhow::anyhow!("delivery {id} vanished"))
}

//! What the alert engine hands to the notification channels: one notice per alert group and send, shaped like
//! Alertmanager's webhook v4 payload so the webhook channel can pass it on as is and the other channels render it.
//!
//! The alert engine (`crate::alerting`) decides *when* a group is due (group_wait, group_interval,
//! repeat_interval, silences); the channels (`crate::notify`) decide *where and how* (which channels match,
//! rendering per channel and language, rate limits and digests, retries, the delivery log).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a notice announces firing alerts or their resolution (Alertmanager's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NoticeStatus {
    /// At least one alert of the group is firing.
    Firing,
    /// Every alert of the group is resolved.
    Resolved,
}

/// One alert in a notice (Alertmanager's `alerts[]` entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeAlert {
    /// Kubedeck's alert id (the `alert` table), so the delivery log can be read per alert.
    pub alert_id: i64,
    pub status: NoticeStatus,
    /// `alertname`, `severity`, `cluster`, `namespace`, `pod`, ... as kube-prometheus names them.
    pub labels: BTreeMap<String, String>,
    /// `summary`, `description`, `runbook_url`.
    pub annotations: BTreeMap<String, String>,
    pub starts_at: DateTime<Utc>,
    /// Set when resolved.
    pub ends_at: Option<DateTime<Utc>>,
    /// Stable hash of the labels: the deduplication key.
    pub fingerprint: String,
    /// Where the alert is seen in the console (absolute URL when the external URL is known, else a path).
    pub generator_url: String,
}

/// One notification for one alert group (Alertmanager's webhook body without the receiver, which is the channel).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    /// Identifies the group across sends (`{cluster_id}:{alertname}` plus the group-by labels).
    pub group_key: String,
    pub status: NoticeStatus,
    /// The cluster the alerts belong to (every alert of a group is of one cluster).
    pub cluster_id: i64,
    pub cluster_name: String,
    /// The labels the group is formed by (`alertname`, `cluster`, and the rule's group_by).
    pub group_labels: BTreeMap<String, String>,
    /// Labels every alert of the group shares.
    pub common_labels: BTreeMap<String, String>,
    /// Annotations every alert of the group shares.
    pub common_annotations: BTreeMap<String, String>,
    /// The highest severity among the alerts (`critical`, `warning`, `info`), for channel filters.
    pub severity: String,
    pub alerts: Vec<NoticeAlert>,
    /// Set when the notice announces a cluster's maintenance (issue 18) rather than alerts: its one alert
    /// (`KubedeckMaintenance`, firing at the start, resolved at the end) stands for the window, and the
    /// channels write its summary in their language ([`MaintenanceNotice::summary`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<MaintenanceNotice>,
}

/// A maintenance announcement: which window, and whether it starts or ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MaintenanceNotice {
    /// The window (`cluster_maintenance` id).
    pub window_id: i64,
    /// `started` or `ended`.
    pub event: String,
    pub reason: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Who scheduled the window, or who ended it early.
    pub by: String,
}

impl MaintenanceNotice {
    /// The announcement in a channel's language (`zh-CN` or English).
    pub fn summary(&self, zh: bool, cluster: &str) -> String {
        let t = |d: &DateTime<Utc>| d.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        match (zh, self.event.as_str()) {
            (true, "started") => format!(
                "集群 {cluster} 进入维护模式（{} 至 {}），原因：{}。维护期间写操作将被拒绝，告警通知已静默。发起人：{}",
                t(&self.starts_at),
                t(&self.ends_at),
                self.reason,
                self.by
            ),
            (true, _) => format!(
                "集群 {cluster} 的维护已结束（{}），原因：{}。写操作和告警通知已恢复。操作人：{}",
                t(&self.ends_at),
                self.reason,
                self.by
            ),
            (false, "started") => format!(
                "Cluster {cluster} is in maintenance from {} to {}: {}. Changes are refused and alert notifications are silenced meanwhile. Started by {}.",
                t(&self.starts_at),
                t(&self.ends_at),
                self.reason,
                self.by
            ),
            (false, _) => format!(
                "The maintenance of cluster {cluster} ended at {} ({}). Changes and alert notifications are back. Ended by {}.",
                t(&self.ends_at),
                self.reason,
                self.by
            ),
        }
    }

    /// The title in a channel's language: `[维护开始] 集群 prod` / `[MAINTENANCE STARTED] prod`.
    pub fn title(&self, zh: bool, cluster: &str) -> String {
        match (zh, self.event.as_str()) {
            (true, "started") => format!("[维护开始] 集群 {cluster}"),
            (true, _) => format!("[维护结束] 集群 {cluster}"),
            (false, "started") => format!("[MAINTENANCE STARTED] {cluster}"),
            (false, _) => format!("[MAINTENANCE ENDED] {cluster}"),
        }
    }
}

impl Notice {
    /// The notice as a channel in `language` sends it: a maintenance announcement's text is written in that
    /// language (alert notices carry the rules' own text and are unchanged).
    pub fn in_language(mut self, zh: bool) -> Self {
        if let Some(m) = &self.maintenance {
            let summary = m.summary(zh, &self.cluster_name);
            self.common_annotations
                .insert("summary".into(), summary.clone());
            for a in &mut self.alerts {
                a.annotations.insert("summary".into(), summary.clone());
            }
        }
        self
    }
}

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
}

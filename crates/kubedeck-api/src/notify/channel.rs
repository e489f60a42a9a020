//! What a channel is, apart from how it sends: its kinds, languages, filters and rate limit defaults.

use super::Notice;
use kubedeck_store::notify::Channel;

/// The kinds of channel.
pub const KINDS: [&str; 6] = ["webhook", "email", "dingtalk", "wecom", "feishu", "slack"];

/// The languages a channel's messages are written in.
pub const LANGUAGES: [&str; 2] = ["zh-CN", "en"];

/// Severities, lowest first.
pub const SEVERITIES: [&str; 3] = ["info", "warning", "critical"];

/// The rank of a severity for the minimum-severity filter; a severity Kubedeck does not know (Prometheus rules
/// may say `none` or `page`) counts as `info`, so it still reaches channels that take everything.
pub fn severity_rank(severity: &str) -> u8 {
    match severity {
        "critical" => 2,
        "warning" => 1,
        _ => 0,
    }
}

/// The messages a minute a kind's receiver accepts, when the operator sets none: DingTalk robots allow 20 a
/// minute (then throttle for 10 minutes); WeCom group robots are documented at 20 a minute; Feishu bots at 100 a
/// minute (5 a second); Slack at about one a second. Webhooks and email have no limit of their own.
pub fn default_rate_per_minute(kind: &str) -> Option<i32> {
    match kind {
        "dingtalk" | "wecom" => Some(20),
        "feishu" => Some(100),
        "slack" => Some(60),
        _ => None,
    }
}

/// A channel's filters: which notices it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    /// Only these clusters (empty: every cluster).
    pub cluster_ids: Vec<i64>,
    /// Notices below this severity are not sent.
    pub min_severity: String,
}

impl Filters {
    /// The filters of a stored channel.
    pub fn of(c: &Channel) -> Self {
        Self {
            cluster_ids: serde_json::from_str(&c.cluster_ids).unwrap_or_default(),
            min_severity: c.min_severity.clone(),
        }
    }

    /// Whether the channel takes `notice`.
    pub fn matches(&self, notice: &Notice) -> bool {
        // a maintenance announcement goes to every channel of its cluster, whatever its minimum severity
        (self.cluster_ids.is_empty() || self.cluster_ids.contains(&notice.cluster_id))
            && (notice.maintenance.is_some()
                || severity_rank(&notice.severity) >= severity_rank(&self.min_severity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::NoticeStatus;

    fn notice(cluster_id: i64, severity: &str) -> Notice {
        Notice {
            group_key: "g".into(),
            status: NoticeStatus::Firing,
            cluster_id,
            cluster_name: "prod".into(),
            group_labels: Default::default(),
            common_labels: Default::default(),
            common_annotations: Default::default(),
            severity: severity.into(),
            alerts: vec![],
            maintenance: None,
        }
    }

    #[test]
    fn filters_take_listed_clusters_at_or_above_the_minimum_severity() {
        let f = Filters {
            cluster_ids: vec![1],
            min_severity: "warning".into(),
        };
        assert!(f.matches(&notice(1, "warning")));
        assert!(f.matches(&notice(1, "critical")));
        assert!(!f.matches(&notice(1, "info")));
        assert!(!f.matches(&notice(2, "critical")));
        let all = Filters {
            cluster_ids: vec![],
            min_severity: "info".into(),
        };
        assert!(all.matches(&notice(9, "none")));
    }
}

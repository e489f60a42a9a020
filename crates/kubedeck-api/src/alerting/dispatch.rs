//! When a group of alerts is notified, with Alertmanager's semantics: a new group waits `group_wait` (so alerts
//! that start together go out together), a changed group (new firing or resolved alerts) waits `group_interval`
//! after its last notice, an unchanged firing group is notified again every `repeat_interval`. Silenced alerts are
//! left out of notices (they stay visible with `silenced_by`); a resolution is sent once, for alerts whose firing
//! was notified. What was sent is kept on the alert rows (`notified_state`, `last_notified_at`), so a restarted
//! or new lease holder does not send it again. Pure: the loop hands the notices to `notify::enqueue`.

use super::lifecycle::group_labels;
use super::rules::severity_rank;
use crate::notify::{Notice, NoticeAlert, NoticeStatus};
use chrono::{DateTime, Utc};
use kubedeck_store::alerts::{Alert, notified, state};
use std::collections::BTreeMap;
use std::time::Duration;

/// Notification timing (Alertmanager's route settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub group_wait: Duration,
    pub group_interval: Duration,
    pub repeat_interval: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            group_wait: Duration::from_secs(30),
            group_interval: Duration::from_secs(300),
            repeat_interval: Duration::from_secs(4 * 3600),
        }
    }
}

/// A notice to queue, and the alerts to mark notified once it is queued.
#[derive(Debug, Clone)]
pub struct Send {
    pub notice: Notice,
    pub firing: Vec<i64>,
    pub resolved: Vec<i64>,
}

fn after(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(3650))
}

fn map(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The notices due now for a cluster's tracked alerts, one per group (`timing` and `group_by` per rule name).
pub fn due(
    cluster_id: i64,
    cluster_name: &str,
    tracked: &[Alert],
    timing: &dyn Fn(&str) -> Timing,
    group_by: &dyn Fn(&str) -> Vec<String>,
    now: DateTime<Utc>,
) -> Vec<Send> {
    let mut groups: BTreeMap<&str, Vec<&Alert>> = BTreeMap::new();
    for a in tracked {
        groups.entry(&a.group_key).or_default().push(a);
    }
    let mut out = Vec::new();
    for (key, alerts) in groups {
        let t = timing(&alerts[0].rule);
        let firing: Vec<&Alert> = alerts
            .iter()
            .copied()
            .filter(|a| a.state == state::FIRING && a.silenced_by.is_none())
            .collect();
        let new: Vec<&&Alert> = firing
            .iter()
            .filter(|a| a.notified_state != notified::FIRING)
            .collect();
        let resolved: Vec<&Alert> = alerts
            .iter()
            .copied()
            .filter(|a| a.state == state::RESOLVED && a.notified_state == notified::FIRING)
            .collect();
        let last_sent = alerts.iter().filter_map(|a| a.last_notified_at).max();
        let group_notified = alerts.iter().any(|a| a.notified_state == notified::FIRING);
        let when = if !new.is_empty() || !resolved.is_empty() {
            if group_notified {
                last_sent.map(|t0| after(t0, t.group_interval))
            } else {
                new.iter()
                    .filter_map(|a| a.starts_at)
                    .min()
                    .map(|t0| after(t0, t.group_wait))
            }
        } else if !firing.is_empty() {
            last_sent.map(|t0| after(t0, t.repeat_interval))
        } else {
            None
        };
        if !when.is_some_and(|w| w <= now) {
            continue;
        }
        out.push(Send {
            notice: notice(
                cluster_id,
                cluster_name,
                key,
                &group_by(&alerts[0].rule),
                &firing,
                &resolved,
            ),
            firing: firing.iter().map(|a| a.id).collect(),
            resolved: resolved.iter().map(|a| a.id).collect(),
        });
    }
    out
}

/// Where the console lists the alert: its cluster's Alerts page filtered to its rule (and namespace).
fn console_link(cluster_id: i64, a: &Alert) -> String {
    let mut link = format!("/clusters/{cluster_id}/alerts?rule={}", a.rule);
    if !a.namespace.is_empty() {
        link.push_str(&format!("&namespace={}", a.namespace));
    }
    link
}

fn common(maps: &[BTreeMap<String, String>]) -> BTreeMap<String, String> {
    let Some((first, rest)) = maps.split_first() else {
        return BTreeMap::new();
    };
    first
        .iter()
        .filter(|(k, v)| rest.iter().all(|m| m.get(*k) == Some(*v)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// One group's notice (Alertmanager's webhook shape).
pub fn notice(
    cluster_id: i64,
    cluster_name: &str,
    key: &str,
    group_by: &[String],
    firing: &[&Alert],
    resolved: &[&Alert],
) -> Notice {
    let alerts: Vec<NoticeAlert> = firing
        .iter()
        .chain(resolved)
        .map(|a| NoticeAlert {
            alert_id: a.id,
            status: if a.state == state::FIRING {
                NoticeStatus::Firing
            } else {
                NoticeStatus::Resolved
            },
            labels: map(&a.labels),
            annotations: map(&a.annotations),
            starts_at: a.starts_at.unwrap_or(a.active_at),
            ends_at: a.ends_at,
            fingerprint: a.fingerprint.clone(),
            generator_url: console_link(cluster_id, a),
        })
        .collect();
    let labels: Vec<_> = alerts.iter().map(|a| a.labels.clone()).collect();
    let annotations: Vec<_> = alerts.iter().map(|a| a.annotations.clone()).collect();
    let rule = firing
        .iter()
        .chain(resolved)
        .next()
        .map(|a| a.rule.clone())
        .unwrap_or_default();
    Notice {
        group_key: key.to_owned(),
        status: if firing.is_empty() {
            NoticeStatus::Resolved
        } else {
            NoticeStatus::Firing
        },
        cluster_id,
        cluster_name: cluster_name.to_owned(),
        // every alert of a group has the same values of its group_by labels: the first one's name the group
        group_labels: group_labels(
            &rule,
            cluster_name,
            group_by,
            &labels.first().cloned().unwrap_or_default(),
        ),
        common_labels: common(&labels),
        common_annotations: common(&annotations),
        severity: firing
            .iter()
            .chain(resolved)
            .map(|a| a.severity.as_str())
            .max_by_key(|s| severity_rank(s))
            .unwrap_or("info")
            .to_owned(),
        alerts,
        maintenance: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerting::lifecycle::{
        step,
        tests::{at, row},
    };
    use crate::alerting::rules::{Finding, Rule, builtin};

    fn timing(_: &str) -> Timing {
        Timing {
            group_wait: Duration::from_secs(30),
            group_interval: Duration::from_secs(300),
            repeat_interval: Duration::from_secs(3600),
        }
    }

    fn firing(pods: &[&str], t: i64) -> Vec<Alert> {
        let rule = Rule {
            for_secs: 0,
            ..Rule::default_of(builtin("KubePodCrashLooping").unwrap())
        };
        let findings: Vec<Finding> = pods
            .iter()
            .map(|p| Finding {
                rule: rule.name.clone(),
                labels: [
                    ("namespace".to_string(), "shop".to_string()),
                    ("pod".to_string(), p.to_string()),
                ]
                .into(),
                summary: "s".into(),
                description: "d".into(),
                value: None,
            })
            .collect();
        let c = step(
            1,
            "prod",
            &[],
            &findings,
            std::slice::from_ref(&rule),
            &[],
            &[],
            at(t),
        );
        c.insert
            .iter()
            .enumerate()
            .map(|(i, am)| row(am, i as i64 + 1))
            .collect()
    }

    fn sent(mut alerts: Vec<Alert>, s: &Send, t: i64) -> Vec<Alert> {
        for a in &mut alerts {
            if s.firing.contains(&a.id) {
                a.notified_state = "firing".into();
                a.last_notified_at = Some(at(t));
            }
            if s.resolved.contains(&a.id) {
                a.notified_state = "resolved".into();
                a.last_notified_at = Some(at(t));
            }
        }
        alerts
    }

    #[test]
    fn group_by_namespace_sends_a_notice_per_namespace_named_by_it() {
        let mut rule = Rule {
            for_secs: 0,
            ..Rule::default_of(builtin("KubePodCrashLooping").unwrap())
        };
        let finding = |ns: &str, pod: &str| Finding {
            rule: rule.name.clone(),
            labels: [
                ("namespace".to_string(), ns.to_string()),
                ("pod".to_string(), pod.to_string()),
            ]
            .into(),
            summary: "s".into(),
            description: "d".into(),
            value: None,
        };
        let findings = [finding("shop", "a"), finding("shop", "b"), finding("pay", "c")];
        let pass = |rule: &Rule, tracked: &[Alert]| {
            step(1, "prod", tracked, &findings, std::slice::from_ref(rule), &[], &[], at(0))
        };
        // one group per rule and cluster: a single notice for the three
        let alerts: Vec<Alert> = pass(&rule, &[])
            .insert
            .iter()
            .enumerate()
            .map(|(i, am)| row(am, i as i64 + 1))
            .collect();
        let none = |_: &str| Vec::new();
        assert_eq!(due(1, "prod", &alerts, &timing, &none, at(30)).len(), 1);
        // grouped by namespace: the open alerts move to their namespace's group, a notice each
        rule.group_by = vec!["namespace".into()];
        let moved = pass(&rule, &alerts).update;
        assert_eq!(moved.len(), 3, "every open alert changes group");
        let by_ns = |_: &str| vec!["namespace".to_string()];
        let mut sends = due(1, "prod", &moved, &timing, &by_ns, at(30));
        sends.sort_by_key(|s| s.notice.group_labels["namespace"].clone());
        let got: Vec<(String, usize)> = sends
            .iter()
            .map(|s| (s.notice.group_labels["namespace"].clone(), s.notice.alerts.len()))
            .collect();
        assert_eq!(got, [("pay".to_string(), 1), ("shop".to_string(), 2)]);
        assert_eq!(sends[0].notice.group_labels["alertname"], "KubePodCrashLooping");
        assert_eq!(sends[0].notice.group_labels["cluster"], "prod");
        assert_ne!(sends[0].notice.group_key, sends[1].notice.group_key);
        assert!(sends[0].notice.group_key.len() < 64, "{}", sends[0].notice.group_key);
    }

    #[test]
    fn a_new_group_waits_group_wait_then_sends_once_then_repeats() {
        let alerts = firing(&["a", "b"], 0);
        assert!(due(1, "prod", &alerts, &timing, &|_| Vec::new(), at(29)).is_empty());
        let s = due(1, "prod", &alerts, &timing, &|_| Vec::new(), at(30));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].notice.alerts.len(), 2);
        assert_eq!(s[0].notice.status, NoticeStatus::Firing);
        assert_eq!(s[0].notice.group_labels["alertname"], "KubePodCrashLooping");
        assert_eq!(s[0].notice.common_labels.get("pod"), None);
        assert_eq!(s[0].notice.common_labels["namespace"], "shop");
        assert_eq!(
            s[0].notice.alerts[0].generator_url,
            "/clusters/1/alerts?rule=KubePodCrashLooping&namespace=shop"
        );
        let alerts = sent(alerts, &s[0], 30);
        assert!(
            due(1, "prod", &alerts, &timing, &|_| Vec::new(), at(600)).is_empty(),
            "nothing new: no send before repeat_interval"
        );
        assert_eq!(
            due(1, "prod", &alerts, &timing, &|_| Vec::new(), at(3630)).len(),
            1,
            "repeat"
        );
    }

    #[test]
    fn a_resolution_waits_group_interval_and_is_sent_once() {
        let alerts = firing(&["a"], 0);
        let s = due(1, "prod", &alerts, &timing, &|_| Vec::new(), at(30));
        let mut alerts = sent(alerts, &s[0], 30);
        alerts[0].state = "resolved".into();
        alerts[0].ends_at = Some(at(40));
        assert!(due(1, "prod", &alerts, &timing, &|_| Vec::new(), at(100)).is_empty());
        let s = due(1, "prod", &alerts, &timing, &|_| Vec::new(), at(330));
        assert_eq!(
            (s.len(), s[0].notice.status, s[0].resolved.clone()),
            (1, NoticeStatus::Resolved, vec![1])
        );
        let alerts = sent(alerts, &s[0], 330);
        assert!(due(1, "prod", &alerts, &timing, &|_| Vec::new(), at(99_999)).is_empty());
    }

    #[test]
    fn silenced_alerts_are_not_notified() {
        let mut alerts = firing(&["a"], 0);
        alerts[0].silenced_by = Some(3);
        assert!(due(1, "prod", &alerts, &timing, &|_| Vec::new(), at(100)).is_empty());
        // and its resolution is not sent either: its firing never was
        alerts[0].state = "resolved".into();
        assert!(due(1, "prod", &alerts, &timing, &|_| Vec::new(), at(1000)).is_empty());
    }
}

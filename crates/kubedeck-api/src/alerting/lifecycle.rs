//! An alert's life, decided without I/O: pending (the condition holds, its `for` has not passed) → firing →
//! resolved (the condition cleared; `ends_at` set). Alerts are deduplicated by fingerprint (sha256 of the sorted
//! labels); what exists is whatever the database holds, so a restarted or new lease holder carries on from it and
//! fires nothing twice.

use super::rules::{Finding, LabelMatcher, Matcher, Rule, matches_all};
use chrono::{DateTime, Utc};
use kubedeck_store::alerts::{Alert, AlertChanges, Silence, notified, source, state};
use kubedeck_store::entity::alert;
use sea_orm::Set;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// sha256 of the labels sorted by name (`name=value` lines), hex.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (k, v) in labels {
        h.update(k.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The group an alert is notified in: by alertname and cluster, and by the values of the rule's `group_by`
/// labels (Alertmanager's route `group_by`; a label the alert lacks counts as empty, as there). Those values are
/// hashed so the key stays short whatever they hold: `1:KubePodCrashLooping` or `1:KubePodCrashLooping:3fa9…`.
pub fn group_key(
    cluster_id: i64,
    rule: &str,
    group_by: &[String],
    labels: &BTreeMap<String, String>,
) -> String {
    if group_by.is_empty() {
        return format!("{cluster_id}:{rule}");
    }
    let by: BTreeMap<&str, &str> = group_by
        .iter()
        .map(|k| {
            (
                k.as_str(),
                labels.get(k).map(String::as_str).unwrap_or_default(),
            )
        })
        .collect();
    let mut h = Sha256::new();
    for (k, v) in by {
        h.update(k.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
        h.update(b"\n");
    }
    format!("{cluster_id}:{rule}:{}", &hex(&h.finalize())[..16])
}

/// The labels a group's notice names it by (Alertmanager's `groupLabels`): alertname, cluster and the rule's
/// `group_by` labels with the group's values.
pub fn group_labels(
    rule: &str,
    cluster_name: &str,
    group_by: &[String],
    labels: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut g: BTreeMap<String, String> = group_by
        .iter()
        .map(|k| (k.clone(), labels.get(k).cloned().unwrap_or_default()))
        .collect();
    g.insert("alertname".into(), rule.to_owned());
    g.insert("cluster".into(), cluster_name.to_owned());
    g
}

/// A finding's full labels: its object's, with `alertname`, `severity` and `cluster`.
pub fn full_labels(f: &Finding, rule: &Rule, cluster_name: &str) -> BTreeMap<String, String> {
    let mut l = f.labels.clone();
    l.insert("alertname".into(), f.rule.clone());
    l.insert("severity".into(), rule.severity.clone());
    l.insert("cluster".into(), cluster_name.to_owned());
    l
}

/// The silences that mute an alert with these labels now: the first one's id.
pub fn silenced_by(
    silences: &[(i64, Vec<LabelMatcher>)],
    labels: &BTreeMap<String, String>,
) -> Option<i64> {
    silences
        .iter()
        .find(|(_, m)| !m.is_empty() && matches_all(m, labels))
        .map(|(id, _)| *id)
}

/// A silence's matchers, compiled (an unreadable one matches nothing: its list is empty). Matchers are checked
/// when a silence is created, so an unreadable one is a row written by hand.
pub fn silence_matchers(s: &Silence) -> (i64, Vec<LabelMatcher>) {
    let matchers: Vec<Matcher> = serde_json::from_str(&s.matchers).unwrap_or_default();
    let compiled: Result<Vec<_>, _> = matchers.iter().map(Matcher::compile).collect();
    (s.id, compiled.unwrap_or_default())
}

fn labels_of(a: &Alert) -> BTreeMap<String, String> {
    serde_json::from_str(&a.labels).unwrap_or_default()
}

/// One pass over a cluster's tracked alerts and this pass's findings: what to insert, update and delete.
/// `skipped` rules (facts unknown this pass) keep their alerts as they are.
pub fn step(
    cluster_id: i64,
    cluster_name: &str,
    tracked: &[Alert],
    findings: &[Finding],
    rules: &[Rule],
    skipped: &[String],
    silences: &[(i64, Vec<LabelMatcher>)],
    now: DateTime<Utc>,
) -> AlertChanges {
    let rules: HashMap<&str, &Rule> = rules.iter().map(|r| (r.name.as_str(), r)).collect();
    let mut open: HashMap<&str, &Alert> = HashMap::new();
    let mut held: HashMap<&str, &Alert> = HashMap::new();
    for a in tracked.iter().filter(|a| a.source == source::KUBEDECK) {
        if a.state != state::RESOLVED {
            open.insert(&a.fingerprint, a);
        } else if a.held_until_clear {
            held.insert(&a.fingerprint, a);
        }
    }
    let mut changes = AlertChanges::default();
    let mut seen: HashMap<String, ()> = HashMap::new();
    for f in findings {
        let Some(rule) = rules.get(f.rule.as_str()) else {
            continue;
        };
        let labels = full_labels(f, rule, cluster_name);
        let fp = fingerprint(&labels);
        if seen.insert(fp.clone(), ()).is_some() {
            continue;
        }
        let muted = silenced_by(silences, &labels);
        if let Some(a) = open.get(fp.as_str()) {
            let mut next = (*a).clone();
            if a.state == state::PENDING && (now - a.active_at).num_seconds() >= rule.for_secs {
                next.state = state::FIRING.into();
                next.starts_at = Some(now);
            }
            next.silenced_by = muted;
            // the rule's grouping changed: the open alert moves to its new group
            next.group_key = group_key(cluster_id, &f.rule, &rule.group_by, &labels);
            if next != **a {
                next.last_evaluated_at = now;
                changes.update.push(next);
            }
            continue;
        }
        if held.contains_key(fp.as_str()) {
            // resolved by hand while it held: it comes back only after it has cleared
            continue;
        }
        let firing = rule.for_secs <= 0;
        let annotations: BTreeMap<&str, &str> = [
            ("summary", f.summary.as_str()),
            ("description", f.description.as_str()),
        ]
        .into();
        changes.insert.push(alert::ActiveModel {
            cluster_id: Set(cluster_id),
            rule: Set(f.rule.clone()),
            severity: Set(rule.severity.clone()),
            fingerprint: Set(fp),
            group_key: Set(group_key(cluster_id, &f.rule, &rule.group_by, &labels)),
            namespace: Set(f.labels.get("namespace").cloned().unwrap_or_default()),
            labels: Set(serde_json::to_string(&labels).unwrap_or_default()),
            annotations: Set(serde_json::to_string(&annotations).unwrap_or_default()),
            state: Set(if firing {
                state::FIRING
            } else {
                state::PENDING
            }
            .into()),
            source: Set(source::KUBEDECK.into()),
            value: Set(f.value),
            active_at: Set(now),
            starts_at: Set(firing.then_some(now)),
            ends_at: Set(None),
            last_evaluated_at: Set(now),
            acknowledged_by: Set(None),
            acknowledged_at: Set(None),
            resolved_by: Set(None),
            resolved_why: Set(None),
            held_until_clear: Set(false),
            silenced_by: Set(muted),
            notified_state: Set(notified::NONE.into()),
            last_notified_at: Set(None),
            ..Default::default()
        });
    }
    let kept = |a: &Alert| skipped.iter().any(|s| *s == a.rule);
    for a in open.values() {
        if seen.contains_key(&a.fingerprint) || kept(a) {
            continue;
        }
        if a.state == state::PENDING {
            changes.delete.push(a.id);
        } else {
            let mut next = (*a).clone();
            next.state = state::RESOLVED.into();
            next.ends_at = Some(now);
            next.last_evaluated_at = now;
            next.silenced_by = silenced_by(silences, &labels_of(a));
            changes.update.push(next);
        }
    }
    for a in held.values() {
        if !seen.contains_key(&a.fingerprint) && !kept(a) {
            let mut next = (*a).clone();
            next.held_until_clear = false;
            changes.update.push(next);
        }
    }
    changes
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::alerting::rules::{Rule, builtin};
    use chrono::TimeZone;
    use sea_orm::ActiveValue;

    pub fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    fn crash_rule(for_secs: i64) -> Rule {
        Rule {
            for_secs,
            ..Rule::default_of(builtin("KubePodCrashLooping").unwrap())
        }
    }

    fn finding(pod: &str) -> Finding {
        Finding {
            rule: "KubePodCrashLooping".into(),
            labels: [
                ("namespace".to_string(), "shop".to_string()),
                ("pod".to_string(), pod.to_string()),
            ]
            .into(),
            summary: "s".into(),
            description: "d".into(),
            value: None,
        }
    }

    /// The row an insert would make, with an id.
    pub fn row(am: &alert::ActiveModel, id: i64) -> Alert {
        let v = |x: &ActiveValue<String>| x.clone().unwrap();
        Alert {
            id,
            cluster_id: am.cluster_id.clone().unwrap(),
            rule: v(&am.rule),
            severity: v(&am.severity),
            fingerprint: v(&am.fingerprint),
            group_key: v(&am.group_key),
            namespace: v(&am.namespace),
            labels: v(&am.labels),
            annotations: v(&am.annotations),
            state: v(&am.state),
            source: v(&am.source),
            value: am.value.clone().unwrap(),
            active_at: am.active_at.clone().unwrap(),
            starts_at: am.starts_at.clone().unwrap(),
            ends_at: None,
            last_evaluated_at: am.last_evaluated_at.clone().unwrap(),
            acknowledged_by: None,
            acknowledged_at: None,
            resolved_by: None,
            resolved_why: None,
            held_until_clear: false,
            silenced_by: am.silenced_by.clone().unwrap(),
            notified_state: v(&am.notified_state),
            last_notified_at: None,
        }
    }

    #[test]
    fn fingerprints_ignore_label_order_and_differ_by_value() {
        let a: BTreeMap<String, String> =
            [("b".into(), "2".into()), ("a".into(), "1".into())].into();
        let b: BTreeMap<String, String> =
            [("a".into(), "1".into()), ("b".into(), "2".into())].into();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a).len(), 64);
        let c: BTreeMap<String, String> =
            [("a".into(), "1".into()), ("b".into(), "3".into())].into();
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    #[test]
    fn pending_fires_after_for_and_resolves_when_cleared() {
        let rules = [crash_rule(60)];
        let c = step(1, "prod", &[], &[finding("web")], &rules, &[], &[], at(0));
        assert_eq!(c.insert.len(), 1);
        let a = row(&c.insert[0], 7);
        assert_eq!(a.state, "pending");
        // the same finding again: one alert, still pending before its for
        let c = step(
            1,
            "prod",
            std::slice::from_ref(&a),
            &[finding("web")],
            &rules,
            &[],
            &[],
            at(30),
        );
        assert!(c.is_empty(), "{c:?}");
        let c = step(
            1,
            "prod",
            std::slice::from_ref(&a),
            &[finding("web")],
            &rules,
            &[],
            &[],
            at(60),
        );
        assert_eq!(
            (
                c.update.len(),
                c.update[0].state.as_str(),
                c.update[0].starts_at
            ),
            (1, "firing", Some(at(60)))
        );
        let firing = c.update[0].clone();
        // cleared: resolved with ends_at
        let c = step(
            1,
            "prod",
            std::slice::from_ref(&firing),
            &[],
            &rules,
            &[],
            &[],
            at(90),
        );
        assert_eq!(
            (c.update[0].state.as_str(), c.update[0].ends_at),
            ("resolved", Some(at(90)))
        );
        // a pending alert that clears before its for is forgotten
        let c = step(
            1,
            "prod",
            std::slice::from_ref(&a),
            &[],
            &rules,
            &[],
            &[],
            at(10),
        );
        assert_eq!(c.delete, vec![7]);
    }

    #[test]
    fn skipped_rules_keep_their_alerts() {
        let rules = [crash_rule(0)];
        let c = step(1, "prod", &[], &[finding("web")], &rules, &[], &[], at(0));
        let a = row(&c.insert[0], 1);
        assert_eq!(a.state, "firing");
        let c = step(
            1,
            "prod",
            std::slice::from_ref(&a),
            &[],
            &rules,
            &["KubePodCrashLooping".into()],
            &[],
            at(10),
        );
        assert!(c.is_empty());
    }

    #[test]
    fn a_manual_resolve_holds_until_the_condition_clears() {
        let rules = [crash_rule(0)];
        let c = step(1, "prod", &[], &[finding("web")], &rules, &[], &[], at(0));
        let mut a = row(&c.insert[0], 1);
        a.state = "resolved".into();
        a.held_until_clear = true;
        let c = step(
            1,
            "prod",
            std::slice::from_ref(&a),
            &[finding("web")],
            &rules,
            &[],
            &[],
            at(10),
        );
        assert!(c.is_empty(), "no new alert while it still holds");
        let c = step(
            1,
            "prod",
            std::slice::from_ref(&a),
            &[],
            &rules,
            &[],
            &[],
            at(20),
        );
        assert_eq!((c.update.len(), c.update[0].held_until_clear), (1, false));
        let mut cleared = c.update[0].clone();
        cleared.notified_state = "resolved".into();
        let c = step(1, "prod", &[], &[finding("web")], &rules, &[], &[], at(30));
        assert_eq!(c.insert.len(), 1, "fires again after clearing");
    }

    #[test]
    fn silences_mark_alerts_they_match() {
        let rules = [crash_rule(0)];
        let m = vec![Matcher::equal("pod", "web").compile().unwrap()];
        let c = step(
            1,
            "prod",
            &[],
            &[finding("web"), finding("db")],
            &rules,
            &[],
            &[(5, m)],
            at(0),
        );
        let by: Vec<_> = c
            .insert
            .iter()
            .map(|a| a.silenced_by.clone().unwrap())
            .collect();
        assert_eq!(by, vec![Some(5), None]);
    }
}

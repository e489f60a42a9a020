//! The webhook channel's body: Alertmanager's webhook payload, version 4, so receivers written for
//! Alertmanager (PagerDuty bridges, chat relays, custom handlers) take Kubedeck's notices as they are.

use super::{Notice, NoticeStatus};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Alertmanager writes the zero time as `endsAt` while an alert fires.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

fn status(s: NoticeStatus) -> &'static str {
    match s {
        NoticeStatus::Firing => "firing",
        NoticeStatus::Resolved => "resolved",
    }
}

/// The labels, or annotations, every map has with the same value.
fn common(maps: &[&BTreeMap<String, String>]) -> BTreeMap<String, String> {
    let Some((first, rest)) = maps.split_first() else {
        return BTreeMap::new();
    };
    first
        .iter()
        .filter(|(k, v)| rest.iter().all(|m| m.get(*k) == Some(*v)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The v4 payload for `notices` (one notice, or the notices a digest merged) to receiver `receiver` (the
/// channel's name). `external_url` is where Kubedeck is seen (may be empty).
pub fn payload(notices: &[Notice], receiver: &str, external_url: &str) -> Value {
    let alerts: Vec<Value> = notices
        .iter()
        .flat_map(|n| &n.alerts)
        .map(|a| {
            json!({
                "status": status(a.status),
                "labels": a.labels,
                "annotations": a.annotations,
                "startsAt": a.starts_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "endsAt": a.ends_at
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                    .unwrap_or_else(|| ZERO_TIME.to_owned()),
                "generatorURL": a.generator_url,
                "fingerprint": a.fingerprint,
            })
        })
        .collect();
    let any_firing = notices.iter().any(|n| n.status == NoticeStatus::Firing);
    let (group_key, group_labels, common_labels, common_annotations) = match notices {
        [one] => (
            one.group_key.clone(),
            one.group_labels.clone(),
            one.common_labels.clone(),
            one.common_annotations.clone(),
        ),
        many => {
            let labels: Vec<&BTreeMap<String, String>> = many
                .iter()
                .flat_map(|n| n.alerts.iter().map(|a| &a.labels))
                .collect();
            let annotations: Vec<&BTreeMap<String, String>> = many
                .iter()
                .flat_map(|n| n.alerts.iter().map(|a| &a.annotations))
                .collect();
            (
                format!(
                    "digest:{}",
                    many.iter()
                        .map(|n| n.group_key.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                BTreeMap::new(),
                common(&labels),
                common(&annotations),
            )
        }
    };
    json!({
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": if any_firing { "firing" } else { "resolved" },
        "receiver": receiver,
        "groupLabels": group_labels,
        "commonLabels": common_labels,
        "commonAnnotations": common_annotations,
        "externalURL": external_url,
        "alerts": alerts,
    })
}

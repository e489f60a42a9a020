//! Node-metrics retention as the running collector applies it, with retentions of seconds: raw samples older
//! than the raw retention are replaced by bucket averages of exactly those samples, and averages older than
//! the downsampled retention disappear, while the app keeps collecting.

use crate::helpers::*;
use chrono::{DateTime, Utc};
use kubedeck_store::node_metrics::bucket_start;
use kubedeck_testbed::Testbed;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

const INTERVAL: Duration = Duration::from_secs(2);
const RAW_RETENTION: Duration = Duration::from_secs(8);
const BUCKET: Duration = Duration::from_secs(4);
const DOWNSAMPLED_RETENTION: Duration = Duration::from_secs(20);
/// The resolution of a 4-second average.
const LABEL: &str = "4s";
/// Generous: two noisy cores run the control plane, the simulator and parallel tests.
const DEADLINE: Duration = Duration::from_secs(120);

fn ts(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

fn secs(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap()
}

/// The node's stored history over the last ten minutes (rows as stored: raw samples and averages).
async fn history(app: &TestApp, token: &str, id: i64, node: &str) -> Vec<Value> {
    let from = (Utc::now() - chrono::Duration::minutes(10))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let r = app
        .get(
            &format!("/api/v1/k8s/cluster/{id}/nodes/{node}/metrics/history?from={from}"),
            token,
        )
        .await;
    if r.status == StatusCode::NOT_FOUND {
        return Vec::new(); // the node is known once the watcher has synced
    }
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["step"].is_null(), "rows as stored: {}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn the_running_collector_folds_old_raw_samples_into_averages_and_expires_old_averages() {
    let tb = Testbed::from_env();
    let mut opts = AppOptions::default();
    opts.settings.node_metrics.interval = INTERVAL;
    opts.settings.node_metrics.raw_retention = RAW_RETENTION;
    opts.settings.node_metrics.bucket = BUCKET;
    opts.settings.node_metrics.downsampled_retention = DOWNSAMPLED_RETENTION;
    let app = spawn_app_with(opts).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let node = "worker-1";
    let bucket = secs(BUCKET);

    // Every raw sample seen, by timestamp; the first complete bucket is the one to follow.
    let mut raw_seen: BTreeMap<DateTime<Utc>, Value> = BTreeMap::new();
    let mut first: Option<DateTime<Utc>> = None;
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let (start, avg, items) = loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {DEADLINE:?} waiting for the raw samples of the bucket at {first:?} to be \
             replaced by their average; raw samples seen: {:?}",
            raw_seen.keys().collect::<Vec<_>>()
        );
        let items = history(&app, &admin, id, node).await;
        let now = Utc::now();
        for i in &items {
            if i["resolution"] == "raw" {
                let t = ts(&i["timestamp"]);
                // A raw sample older than the raw retention (plus the bucket it waits to complete and a
                // retention pass or two) must have been folded already.
                assert!(
                    t >= now - secs(RAW_RETENTION) - bucket * 2 - secs(INTERVAL) * 3,
                    "raw sample at {t} outlived the raw retention at {now}: {items:?}"
                );
                raw_seen.insert(t, i.clone());
            }
        }
        if first.is_none() {
            // The bucket after the one holding the collector's first sample: complete.
            first = raw_seen
                .keys()
                .next()
                .map(|t0| bucket_start(*t0, bucket) + bucket);
        }
        if let Some(start) = first
            && let Some(avg) = items
                .iter()
                .find(|i| i["resolution"] == LABEL && ts(&i["timestamp"]) == start)
        {
            break (start, avg.clone(), items);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let end = start + bucket;
    // The bucket's raw samples are gone; its average is theirs.
    assert!(
        !items
            .iter()
            .any(|i| i["resolution"] == "raw" && (start..end).contains(&ts(&i["timestamp"]))),
        "raw samples and the average of their bucket are never both kept: {items:?}"
    );
    let folded: Vec<&Value> = raw_seen.range(start..end).map(|(_, v)| v).collect();
    assert!(
        !folded.is_empty(),
        "raw samples of the bucket at {start} were seen before they were folded"
    );
    for field in ["cpu_usage", "memory_usage", "disk_usage"] {
        let mean = folded
            .iter()
            .map(|v| v[field].as_f64().unwrap())
            .sum::<f64>()
            / folded.len() as f64;
        let got = avg[field].as_f64().unwrap();
        assert!(
            (got - mean).abs() < 1e-6,
            "{field}: the average {got} is the mean {mean} of the {} raw samples",
            folded.len()
        );
    }
    assert!(
        items.iter().any(|i| i["resolution"] == "raw"),
        "recent samples stay raw: {items:?}"
    );

    // Later the average outlives the downsampled retention and disappears, while newer rows remain.
    let items = eventually("the first average to expire", DEADLINE, || async {
        let items = history(&app, &admin, id, node).await;
        let now = Utc::now();
        for i in &items {
            let t = ts(&i["timestamp"]);
            assert!(
                t >= now - secs(DOWNSAMPLED_RETENTION) - bucket * 2 - secs(INTERVAL) * 3,
                "{} row at {t} outlived the downsampled retention at {now}: {items:?}",
                i["resolution"]
            );
        }
        (!items.iter().any(|i| ts(&i["timestamp"]) <= start)).then_some(items)
    })
    .await;
    assert!(
        items.iter().any(|i| i["resolution"] == LABEL),
        "newer averages remain: {items:?}"
    );
    assert!(
        items.iter().any(|i| i["resolution"] == "raw"),
        "recent raw samples remain: {items:?}"
    );
    for i in items.iter().filter(|i| i["resolution"] == LABEL) {
        let t = ts(&i["timestamp"]);
        assert_eq!(bucket_start(t, bucket), t, "averages sit at bucket starts");
    }
    app.stop().await;
}
on_every_backend!(
    the_running_collector_folds_old_raw_samples_into_averages_and_expires_old_averages
);

//! Node metrics history on SQLite and every reachable server backend: samples round-trip, history reads,
//! and retention folds raw samples into averages so the table stays within its budget.

use chrono::{DateTime, Duration, TimeZone, Utc};
use kubedeck_store::node_metrics::{NodeSample, RAW, RetentionPolicy};
use kubedeck_store::testing::TestDb;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

/// A deterministic sample: figures follow the time so any bucket's average can be computed independently.
fn sample(cluster_id: i64, node: &str, secs: i64) -> NodeSample {
    let i = secs / 30;
    NodeSample {
        cluster_id,
        node_name: node.into(),
        cpu_usage: (i % 100) as f64 + 0.25,
        memory_usage: 40.0 + (i % 7) as f64,
        disk_usage: 12.5,
        // Every 10th sample has an unknown rate (counter reset), which must not pull averages down.
        network_in: (i % 10 != 0).then_some(1000 + i % 13),
        network_out: (i % 10 != 0).then_some(500),
        pod_count: (3 + i % 4) as i32,
        resolution: RAW.into(),
        timestamp: at(secs),
    }
}

#[tokio::test]
async fn samples_round_trip_with_unknown_rates_and_latest_is_newest() {
    for db in TestDb::all().await {
        let s = &db.store;
        let base = 1_790_000_010;
        let rows: Vec<_> = (0..5)
            .map(|k| sample(7, "worker-1", base + 30 * k))
            .collect();
        s.insert_node_samples(&rows).await.unwrap();
        s.insert_node_samples(&[sample(7, "worker-2", base + 1000)])
            .await
            .unwrap();
        let latest = s.latest_node_sample(7, "worker-1").await.unwrap().unwrap();
        assert_eq!(latest, rows[4], "{}", db.backend);
        assert!(s.latest_node_sample(7, "nobody").await.unwrap().is_none());
        let got = s
            .node_samples(7, "worker-1", at(base + 30), at(base + 90), 1000)
            .await
            .unwrap();
        assert_eq!(
            got,
            rows[1..4].to_vec(),
            "{}: inclusive range, oldest first",
            db.backend
        );
        assert_eq!(
            s.count_node_samples(7, "worker-1", at(base), at(base + 1000))
                .await
                .unwrap(),
            5
        );
        let newest = s.newest_node_samples_since(7, at(base + 60)).await.unwrap();
        assert_eq!(
            newest,
            vec![rows[4].clone(), sample(7, "worker-2", base + 1000)],
            "{}: one newest sample per node",
            db.backend
        );
        assert!(
            s.newest_node_samples_since(7, at(base + 1001))
                .await
                .unwrap()
                .is_empty()
        );
        // Sub-second times are stored as whole seconds on every backend.
        let mut odd = sample(7, "worker-3", base);
        odd.timestamp = at(base) + Duration::milliseconds(700);
        odd.network_in = None;
        s.insert_node_samples(&[odd]).await.unwrap();
        let back = s.latest_node_sample(7, "worker-3").await.unwrap().unwrap();
        assert_eq!(back.timestamp, at(base), "{}", db.backend);
        assert_eq!(
            back.network_in, None,
            "{}: an unknown rate reads back as unknown",
            db.backend
        );
        s.insert_node_samples(&[sample(8, "worker-1", base)])
            .await
            .unwrap();
        let mut ids = s.node_metrics_cluster_ids().await.unwrap();
        ids.sort();
        assert_eq!(ids, vec![7, 8], "{}", db.backend);
        assert_eq!(s.delete_cluster_node_metrics(7).await.unwrap(), 7);
        assert_eq!(
            s.node_metrics_cluster_ids().await.unwrap(),
            vec![8],
            "{}",
            db.backend
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn downsampling_keeps_the_table_bounded_and_averages_right() {
    let interval = Duration::seconds(30);
    let policy = RetentionPolicy {
        raw_retention: Duration::hours(1),
        bucket: Duration::minutes(5),
        downsampled_retention: Duration::hours(6),
    };
    let nodes = ["master-1", "worker-1", "worker-2"];
    let budget = policy.rows_per_node(interval) * nodes.len() as u64;
    for db in TestDb::all().await {
        let s = &db.store;
        // Ten simulated hours of 30-second samples from three nodes, inserted an hour at a time with a
        // retention pass after each hour, as the collector and the retention job would do.
        let start = 1_790_000_000 - 1_790_000_000 % 300;
        let mut inserted = 0u64;
        let mut now = start;
        for _hour in 0..10 {
            let rows: Vec<_> = (0..120)
                .flat_map(|k| nodes.map(|n| sample(1, n, now + 30 * k)))
                .collect();
            inserted += rows.len() as u64;
            s.insert_node_samples(&rows).await.unwrap();
            now += 3600;
            let report = s
                .apply_node_metrics_retention(policy, at(now))
                .await
                .unwrap();
            let total = s.count_node_metric_rows(None).await.unwrap();
            assert!(
                total <= budget,
                "{}: {total} rows after {report:?}, budget {budget}",
                db.backend
            );
        }
        assert_eq!(inserted, 10 * 120 * 3);
        let raw = s.count_node_metric_rows(Some(RAW)).await.unwrap();
        let avg = s.count_node_metric_rows(Some("5m")).await.unwrap();
        assert!(raw <= 3 * (120 + 10), "{}: {raw} raw rows left", db.backend);
        assert!(avg <= 3 * (72 + 1), "{}: {avg} averages", db.backend);
        assert!(
            avg >= 3 * 60,
            "{}: averages were expired too early ({avg})",
            db.backend
        );

        // Every average equals the mean of the raw samples of its bucket, computed here independently.
        let history = s
            .node_samples(1, "worker-1", at(now - 6 * 3600), at(now), 10_000)
            .await
            .unwrap();
        let averages: Vec<_> = history.iter().filter(|r| r.resolution == "5m").collect();
        assert!(!averages.is_empty());
        for a in &averages {
            let t0 = a.timestamp.timestamp();
            assert_eq!(t0 % 300, 0, "bucket start");
            let inputs: Vec<_> = (0..10)
                .map(|k| sample(1, "worker-1", t0 + 30 * k))
                .collect();
            let mean = |f: &dyn Fn(&NodeSample) -> f64| {
                inputs.iter().map(f).sum::<f64>() / inputs.len() as f64
            };
            assert!(
                (a.cpu_usage - mean(&|x| x.cpu_usage)).abs() < 1e-6,
                "{}: cpu at {t0}: {} vs {}",
                db.backend,
                a.cpu_usage,
                mean(&|x| x.cpu_usage)
            );
            assert!(
                (a.memory_usage - mean(&|x| x.memory_usage)).abs() < 1e-6,
                "{}",
                db.backend
            );
            assert!((a.disk_usage - 12.5).abs() < 1e-9);
            let known: Vec<i64> = inputs.iter().filter_map(|x| x.network_in).collect();
            let rx = (known.iter().sum::<i64>() as f64 / known.len() as f64).round() as i64;
            assert_eq!(
                a.network_in,
                Some(rx),
                "{}: unknown rates are left out of the average",
                db.backend
            );
            assert_eq!(a.network_out, Some(500));
            let pods =
                (inputs.iter().map(|x| x.pod_count as f64).sum::<f64>() / 10.0).round() as i32;
            assert_eq!(a.pod_count, pods);
        }
        // Raw rows and averages never overlap in time: the newest average ends where raw rows begin.
        let first_raw = history
            .iter()
            .find(|r| r.resolution == RAW)
            .unwrap()
            .timestamp;
        let last_avg = averages.last().unwrap().timestamp;
        assert!(
            last_avg + Duration::minutes(5) <= first_raw,
            "{}",
            db.backend
        );
        // A second pass changes nothing.
        let again = s
            .apply_node_metrics_retention(policy, at(now))
            .await
            .unwrap();
        assert_eq!(again, Default::default(), "{}", db.backend);
        db.drop_db().await;
    }
}

//! Volume usage history on SQLite and every reachable server backend: samples round-trip in order per claim, and
//! expire by age and with their cluster.

use chrono::{DateTime, TimeZone, Utc};
use kubedeck_store::testing::TestDb;
use kubedeck_store::volume_metrics::VolumeSample;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

fn sample(cluster_id: i64, claim: &str, secs: i64, used: i64) -> VolumeSample {
    VolumeSample {
        cluster_id,
        namespace: "shop".into(),
        claim: claim.into(),
        used_bytes: used,
        capacity_bytes: 10 << 30,
        inodes_used: used / 65_536,
        inodes: 655_360,
        timestamp: at(secs),
    }
}

#[tokio::test]
async fn a_claims_history_reads_back_in_order_and_expires() {
    for db in TestDb::all().await {
        let s = &db.store;
        let base = 1_790_000_000;
        s.insert_volume_samples(&[sample(1, "data", base + 60, 3 << 30), sample(1, "data", base, 2 << 30), sample(1, "logs", base + 30, 5), sample(2, "data", base, 7)])
            .await
            .unwrap();
        let got = s.volume_samples(1, "shop", "data", at(base), at(base + 1000), 100).await.unwrap();
        assert_eq!(got, vec![sample(1, "data", base, 2 << 30), sample(1, "data", base + 60, 3 << 30)], "{}", db.backend);
        assert_eq!(s.volume_samples(1, "shop", "data", at(base + 1), at(base + 1000), 100).await.unwrap().len(), 1, "{}", db.backend);
        assert_eq!(s.latest_volume_sample(1, "shop", "data").await.unwrap(), Some(sample(1, "data", base + 60, 3 << 30)), "{}", db.backend);
        assert_eq!(s.latest_volume_sample(1, "shop", "none").await.unwrap(), None);
        // older than the cutoff, and every sample of cluster 2 (deleted)
        assert_eq!(s.expire_volume_metrics(at(base + 1), &[1]).await.unwrap(), 2, "{}", db.backend);
        assert_eq!(s.volume_samples(1, "shop", "logs", at(base), at(base + 1000), 100).await.unwrap().len(), 1, "{}", db.backend);
        assert!(s.volume_samples(2, "shop", "data", at(0), at(base + 1000), 100).await.unwrap().is_empty(), "{}", db.backend);
    }
}

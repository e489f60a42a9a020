//! The event archive's figures (issue 16): how many events a second `upsert_events` writes (the archive writer's
//! one statement path, through a fenced store as the lease holder writes), and search latency over a large archive.
//!
//! `cargo run --release -p kubedeck-store --example event_archive_bench -- BACKEND [EVENTS] [SAMPLES]` with BACKEND
//! `sqlite`, `postgres` or `mysql` (a fresh database, as the tests make them: KUBEDECK_TEST_POSTGRES_URL ...;
//! KUBEDECK_TEST_BACKENDS must select it). Writes EVENTS events (default 1,000,000: 200 namespaces, 14 days, one
//! in five a Warning) in batches of 1,000, then writes 10% of them again with a higher count (repeats), then times
//! SAMPLES (default 100) runs of each search on the API's first page (50 rows, with its total).

use chrono::{Duration, TimeZone, Utc};
use kubedeck_core::credential::{CredentialKey, KeyRing};
use kubedeck_store::PageRequest;
use kubedeck_store::clusters::ClusterFacts;
use kubedeck_store::kube_events::{EventFilter, EventRecord};
use kubedeck_store::leases::Fence;
use kubedeck_store::testing::TestDb;
use std::time::Instant;

const REASONS: [&str; 10] = [
    "Scheduled",
    "Pulled",
    "Created",
    "Started",
    "Killing",
    "BackOff",
    "Unhealthy",
    "FailedScheduling",
    "SuccessfulCreate",
    "ScalingReplicaSet",
];
const KINDS: [&str; 4] = ["Pod", "ReplicaSet", "Deployment", "Node"];

fn event(cluster_id: i64, i: u64, n: u64) -> EventRecord {
    let start = Utc.with_ymd_and_hms(2026, 11, 16, 0, 0, 0).unwrap();
    let at = start + Duration::seconds((i * 14 * 86_400 / n.max(1)) as i64);
    let ns = format!("team-{}", i % 200);
    let kind = KINDS[(i % 4) as usize];
    let reason = REASONS[(i % 10) as usize];
    let warning = i.is_multiple_of(5);
    EventRecord {
        cluster_id,
        uid: format!("00000000-0000-4000-8000-{i:012}"),
        namespace: ns.clone(),
        name: format!("web-{}.{i:x}", i % 5000),
        involved_kind: kind.into(),
        involved_name: format!("web-{}", i % 5000),
        involved_namespace: ns,
        reason: reason.into(),
        event_type: if warning { "Warning" } else { "Normal" }.into(),
        message: format!(
            "{reason}: container app of pod web-{} in node worker-{} {}",
            i % 5000,
            i % 50,
            if i % 1000 == 7 {
                "was OOMKilled"
            } else {
                "is doing what it should"
            }
        ),
        source_component: "kubelet".into(),
        source_host: format!("worker-{}", i % 50),
        reporting_component: String::new(),
        count: 1,
        series_count: None,
        first_timestamp: at,
        last_timestamp: at,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let backend = args.get(1).map(String::as_str).unwrap_or("sqlite");
    let n: u64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let samples: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(100);
    let db = TestDb::on(backend).await;
    let s = &db.store;
    let facts = ClusterFacts {
        kubeconfig: "apiVersion: v1\nkind: Config\n".into(),
        server_url: "https://bench.example:6443".into(),
        identity_hash: "identity-bench".into(),
        ..Default::default()
    };
    let c = s
        .insert_cluster(
            "bench",
            "",
            &facts,
            &KeyRing::new(CredentialKey::generate(), []),
        )
        .await
        .unwrap()
        .id;
    let lease = format!("sync:cluster:{c}");
    let token = s
        .try_acquire_lease(&lease, "bench", Duration::hours(1))
        .await
        .unwrap()
        .unwrap();
    let fenced = s.fenced(Fence {
        lease,
        holder: "bench".into(),
        token,
    });

    let t0 = Instant::now();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..n {
        batch.push(event(c, i, n));
        if batch.len() == 1000 {
            fenced.upsert_events(&batch).await.unwrap();
            batch.clear();
        }
    }
    fenced.upsert_events(&batch).await.unwrap();
    let insert = t0.elapsed().as_secs_f64();
    println!(
        "{backend}: {n} new events written in {insert:.1} s: {:.0} events/s",
        n as f64 / insert
    );

    let t0 = Instant::now();
    let repeats: Vec<EventRecord> = (0..n / 10)
        .map(|k| {
            let mut e = event(c, k * 10, n);
            e.count = 5;
            e.last_timestamp += Duration::minutes(3);
            e
        })
        .collect();
    for chunk in repeats.chunks(1000) {
        fenced.upsert_events(chunk).await.unwrap();
    }
    let update = t0.elapsed().as_secs_f64();
    println!(
        "{backend}: {} repeats (same uid, count raised) written in {update:.1} s: {:.0} events/s",
        repeats.len(),
        repeats.len() as f64 / update
    );
    let total = {
        use kubedeck_store::entity::kube_event;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        kube_event::Entity::find()
            .filter(kube_event::Column::ClusterId.eq(c))
            .count(s.conn())
            .await
            .unwrap()
    };
    assert_eq!(total, n, "one row per event");
    // the planner's statistics as autovacuum keeps them on a running server: right after a bulk load it has none,
    // and PostgreSQL then plans the trigram search as a scan of every row
    {
        use sea_orm::{ConnectionTrait, DbBackend, Statement};
        let conn = s.conn();
        let sql = match conn.get_database_backend() {
            DbBackend::Postgres => Some("ANALYZE kube_event"),
            DbBackend::MySql => Some("ANALYZE TABLE kube_event"),
            _ => None,
        };
        if let Some(sql) = sql {
            let t = Instant::now();
            conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql))
                .await
                .unwrap();
            println!("{backend}: {sql} in {:.1} s", t.elapsed().as_secs_f64());
        }
    }

    let day = |d: i64| Utc.with_ymd_and_hms(2026, 11, 16, 0, 0, 0).unwrap() + Duration::days(d);
    let searches: Vec<(&str, EventFilter)> = vec![
        ("cluster, newest first", EventFilter::default()),
        (
            "namespace",
            EventFilter {
                namespaces: Some(vec!["team-42".into()]),
                ..Default::default()
            },
        ),
        (
            "object kind + name",
            EventFilter {
                involved_kind: Some("Pod".into()),
                involved_name: Some("web-4240".into()),
                ..Default::default()
            },
        ),
        (
            "reason + type",
            EventFilter {
                reason: Some("BackOff".into()),
                event_type: Some("Warning".into()),
                ..Default::default()
            },
        ),
        (
            "one hour",
            EventFilter {
                from: Some(day(7)),
                to: Some(day(7) + Duration::hours(1)),
                ..Default::default()
            },
        ),
        (
            "message text (oomkilled)",
            EventFilter {
                text: Some("oomkilled".into()),
                ..Default::default()
            },
        ),
        (
            "message text, part of a word (OOMKil)",
            EventFilter {
                text: Some("OOMKil".into()),
                ..Default::default()
            },
        ),
        (
            "message text, a name in it (pod web-4242 in)",
            EventFilter {
                text: Some("pod web-4242 in".into()),
                ..Default::default()
            },
        ),
        (
            "message text, in nearly every event (doing what)",
            EventFilter {
                text: Some("doing what".into()),
                ..Default::default()
            },
        ),
        (
            "message text in a namespace",
            EventFilter {
                text: Some("oomkilled".into()),
                namespaces: Some(vec!["team-7".into()]),
                ..Default::default()
            },
        ),
    ];
    let page = PageRequest {
        page: 1,
        page_size: 50,
    };
    for (what, f) in &searches {
        let mut ms = Vec::with_capacity(samples);
        let mut found = 0;
        for _ in 0..samples {
            let t = Instant::now();
            found = s.search_events(c, f, page).await.unwrap().total;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "{backend}: search {what:<28} ({found:>7} match): p50 {:>7.1} ms, p99 {:>7.1} ms",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99)
        );
    }
    let mut ms = Vec::new();
    for _ in 0..samples.min(20) {
        let t = Instant::now();
        s.warning_timeline(c, None, day(6), day(7)).await.unwrap();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "{backend}: warnings timeline, 24 h: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&ms, 0.5),
        percentile(&ms, 0.99)
    );
    let t0 = Instant::now();
    let pruned = s.prune_events(day(7), 5000).await.unwrap();
    println!(
        "{backend}: retention deleted {pruned} events (the older half) in {:.1} s: {:.0} events/s",
        t0.elapsed().as_secs_f64(),
        pruned as f64 / t0.elapsed().as_secs_f64()
    );
    db.drop_db().await;
}

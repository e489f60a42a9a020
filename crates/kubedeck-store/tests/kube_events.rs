//! The event archive's table (issue 16) on every selected backend: an upsert by (cluster, uid) keeps one row per
//! event however often it is written (a repeat updates count and last seen); only the lease holder's fenced writes
//! go through; searches filter by each field, newest first; retention deletes in batches only what is older than
//! its cut; a deleted cluster's events go with it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use kubedeck_core::credential::{CredentialKey, KeyRing};
use kubedeck_store::clusters::ClusterFacts;
use kubedeck_store::kube_events::{EventFilter, EventRecord};
use kubedeck_store::leases::{Fence, is_lease_lost};
use kubedeck_store::testing::TestDb;
use kubedeck_store::{PageRequest, Store};

async fn cluster(s: &Store, name: &str) -> i64 {
    let facts = ClusterFacts {
        kubeconfig: "apiVersion: v1\nkind: Config\n".into(),
        server_url: format!("https://{name}.example:6443"),
        identity_hash: format!("identity-{name}"),
        ..Default::default()
    };
    s.insert_cluster(
        name,
        "",
        &facts,
        &KeyRing::new(CredentialKey::generate(), []),
    )
    .await
    .unwrap()
    .id
}

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap() + Duration::minutes(minute)
}

#[allow(clippy::too_many_arguments)]
fn event(
    cluster_id: i64,
    uid: &str,
    kind: &str,
    name: &str,
    reason: &str,
    type_: &str,
    message: &str,
    minute: i64,
) -> EventRecord {
    EventRecord {
        cluster_id,
        uid: uid.into(),
        namespace: "shop".into(),
        name: format!("{name}.{uid}"),
        involved_kind: kind.into(),
        involved_name: name.into(),
        involved_namespace: "shop".into(),
        reason: reason.into(),
        event_type: type_.into(),
        message: message.into(),
        source_component: "kubelet".into(),
        source_host: "node-1".into(),
        reporting_component: String::new(),
        count: 1,
        series_count: None,
        first_timestamp: at(minute),
        last_timestamp: at(minute),
    }
}

const ALL: PageRequest = PageRequest {
    page: 1,
    page_size: 100,
};

async fn uids(s: &Store, c: i64, f: EventFilter) -> Vec<String> {
    s.search_events(c, &f, ALL)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.uid)
        .collect()
}

#[tokio::test]
async fn an_event_is_one_row_however_often_it_is_written() {
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let c = cluster(s, "events").await;
        let mut e = event(
            c,
            "u1",
            "Pod",
            "web",
            "BackOff",
            "Warning",
            "Back-off restarting",
            0,
        );
        s.upsert_events(std::slice::from_ref(&e)).await.unwrap();
        e.count = 7;
        e.last_timestamp = at(30);
        // a relist writes it again, with another event
        s.upsert_events(&[
            e.clone(),
            event(c, "u2", "Pod", "api", "Pulled", "Normal", "pulled", 5),
        ])
        .await
        .unwrap();
        s.upsert_events(std::slice::from_ref(&e)).await.unwrap();
        let page = s
            .search_events(c, &EventFilter::default(), ALL)
            .await
            .unwrap();
        assert_eq!(page.total, 2, "{b}");
        let row = &page.items[0];
        assert_eq!(
            (
                row.uid.as_str(),
                row.count,
                row.first_timestamp,
                row.last_timestamp
            ),
            ("u1", 7, at(0), at(30)),
            "{b}"
        );
        // a long message and a long reason are cut to fit, not refused
        let mut long = event(
            c,
            "u3",
            "Pod",
            "web",
            &"R".repeat(300),
            "Warning",
            &"m".repeat(20_000),
            1,
        );
        long.involved_name = "n".repeat(400);
        s.upsert_events(&[long]).await.unwrap();
        // a deleted cluster's events go with it
        s.delete_cluster(c).await.unwrap();
        assert_eq!(
            s.search_events(c, &EventFilter::default(), ALL)
                .await
                .unwrap()
                .total,
            0,
            "{b}"
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn only_the_lease_holder_writes_events() {
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let c = cluster(s, "fenced-events").await;
        let lease = format!("sync:cluster:{c}");
        let token = s
            .try_acquire_lease(&lease, "a", Duration::seconds(20))
            .await
            .unwrap()
            .unwrap();
        let a = s.fenced(Fence {
            lease: lease.clone(),
            holder: "a".into(),
            token,
        });
        a.upsert_events(&[event(c, "u1", "Pod", "web", "BackOff", "Warning", "x", 0)])
            .await
            .unwrap();
        // b takes the expired lease over
        s.release_lease(&lease, "a").await.unwrap();
        let tb = s
            .try_acquire_lease(&lease, "b", Duration::seconds(20))
            .await
            .unwrap()
            .unwrap();
        let err = a
            .upsert_events(&[event(c, "u2", "Pod", "web", "BackOff", "Warning", "x", 1)])
            .await
            .unwrap_err();
        assert!(is_lease_lost(&err), "{b}: {err}");
        let bs = s.fenced(Fence {
            lease,
            holder: "b".into(),
            token: tb,
        });
        bs.upsert_events(&[event(c, "u3", "Pod", "web", "BackOff", "Warning", "x", 2)])
            .await
            .unwrap();
        assert_eq!(
            uids(s, c, EventFilter::default()).await,
            ["u3", "u1"],
            "{b}"
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn searches_filter_by_each_field_newest_first() {
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let c = cluster(s, "search").await;
        let other = cluster(s, "other").await;
        let mut in_kube_system = event(
            c,
            "u4",
            "Node",
            "node-1",
            "NodeNotReady",
            "Warning",
            "Node is not ready",
            40,
        );
        in_kube_system.namespace = "default".into();
        in_kube_system.involved_namespace = String::new();
        s.upsert_events(&[
            event(
                c,
                "u1",
                "Pod",
                "web-1",
                "BackOff",
                "Warning",
                "Back-off pulling image \"shop:50%_off\"",
                10,
            ),
            event(
                c,
                "u2",
                "Pod",
                "web-2",
                "BackOff",
                "Warning",
                "Back-off restarting failed container",
                20,
            ),
            event(
                c,
                "u3",
                "ConfigMap",
                "settings",
                "Updated",
                "Normal",
                "settings RELOADED",
                30,
            ),
            in_kube_system,
            event(
                other,
                "x1",
                "Pod",
                "web-1",
                "BackOff",
                "Warning",
                "elsewhere",
                50,
            ),
        ])
        .await
        .unwrap();
        let f = |g: fn(&mut EventFilter)| {
            let mut f = EventFilter::default();
            g(&mut f);
            f
        };
        assert_eq!(
            uids(s, c, EventFilter::default()).await,
            ["u4", "u3", "u2", "u1"],
            "{b}"
        );
        assert_eq!(
            uids(s, c, f(|f| f.involved_kind = Some("Pod".into()))).await,
            ["u2", "u1"],
            "{b}"
        );
        assert_eq!(
            uids(s, c, f(|f| f.involved_name = Some("web-1".into()))).await,
            ["u1"],
            "{b}"
        );
        assert_eq!(
            uids(s, c, f(|f| f.involved_kind = Some("pod".into()))).await,
            Vec::<String>::new(),
            "{b}: kinds compare exactly"
        );
        assert_eq!(
            uids(s, c, f(|f| f.reason = Some("BackOff".into()))).await,
            ["u2", "u1"],
            "{b}"
        );
        assert_eq!(
            uids(s, c, f(|f| f.event_type = Some("Normal".into()))).await,
            ["u3"],
            "{b}"
        );
        assert_eq!(
            uids(s, c, f(|f| f.namespaces = Some(vec!["default".into()]))).await,
            ["u4"],
            "{b}"
        );
        assert_eq!(
            uids(
                s,
                c,
                f(|f| f.namespaces = Some(vec!["default".into(), "shop".into()]))
            )
            .await
            .len(),
            4,
            "{b}"
        );
        assert_eq!(
            uids(s, c, f(|f| f.text = Some("reloaded".into()))).await,
            ["u3"],
            "{b}: any case"
        );
        assert_eq!(
            uids(s, c, f(|f| f.text = Some("50%_OFF".into()))).await,
            ["u1"],
            "{b}"
        );
        assert_eq!(
            uids(s, c, f(|f| f.text = Some("50%off".into()))).await,
            Vec::<String>::new(),
            "{b}: % is no wildcard"
        );
        assert_eq!(
            uids(s, c, f(|f| f.text = Some("back_off".into()))).await,
            Vec::<String>::new(),
            "{b}: _ is no wildcard"
        );
        assert_eq!(
            uids(
                s,
                c,
                f(|f| {
                    f.from = Some(at(15));
                    f.to = Some(at(30));
                })
            )
            .await,
            ["u3", "u2"],
            "{b}"
        );
        // paging
        let p = s
            .search_events(
                c,
                &EventFilter::default(),
                PageRequest {
                    page: 2,
                    page_size: 3,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (
                p.total,
                p.items.iter().map(|e| e.uid.as_str()).collect::<Vec<_>>()
            ),
            (4, vec!["u1"]),
            "{b}"
        );
        // warnings per hour
        let t = s.warning_timeline(c, None, at(0), at(60)).await.unwrap();
        assert_eq!(t.len(), 1, "{b}");
        assert_eq!(
            (t[0].hour, t[0].events, t[0].occurrences),
            (at(0), 3, 3),
            "{b}"
        );
        let one = ["default".to_owned()];
        let t = s
            .warning_timeline(c, Some(&one), at(0), at(60))
            .await
            .unwrap();
        assert_eq!(
            (t.len(), t[0].events),
            (1, 1),
            "{b}: one namespace's warnings"
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn retention_deletes_in_batches_only_what_is_older_than_its_cut() {
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let c = cluster(s, "retention").await;
        let rows: Vec<EventRecord> = (0..25)
            .map(|i| {
                event(
                    c,
                    &format!("u{i:02}"),
                    "Pod",
                    "web",
                    "BackOff",
                    "Warning",
                    "x",
                    i,
                )
            })
            .collect();
        s.upsert_events(&rows).await.unwrap();
        // 20 rows last seen before minute 20, deleted 7 at a time
        assert_eq!(s.prune_events(at(20), 7).await.unwrap(), 20, "{b}");
        let left = uids(s, c, EventFilter::default()).await;
        assert_eq!(left, ["u24", "u23", "u22", "u21", "u20"], "{b}");
        assert_eq!(s.prune_events(at(20), 7).await.unwrap(), 0, "{b}");
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_broad_search_counts_up_to_the_cap_and_a_narrow_one_exactly() {
    use kubedeck_store::kube_events::COUNT_CAP;
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let c = cluster(s, "cap").await;
        let rows: Vec<EventRecord> = (0..COUNT_CAP as i64 + 50)
            .map(|i| {
                let reason = if i % 100 == 0 { "Killing" } else { "Pulled" };
                event(
                    c,
                    &format!("u{i:05}"),
                    "Pod",
                    "web",
                    reason,
                    "Normal",
                    "x",
                    i % 600,
                )
            })
            .collect();
        s.upsert_events(&rows).await.unwrap();
        let all = s
            .search_events(
                c,
                &EventFilter::default(),
                PageRequest {
                    page: 1,
                    page_size: 10,
                },
            )
            .await
            .unwrap();
        assert_eq!((all.total, all.items.len()), (COUNT_CAP, 10), "{b}");
        let killing = EventFilter {
            reason: Some("Killing".into()),
            ..Default::default()
        };
        assert_eq!(
            s.search_events(c, &killing, ALL).await.unwrap().total,
            101,
            "{b}"
        );
        db.drop_db().await;
    }
}

/// A search by message text finds any part of it (three or more characters go through SQLite's and PostgreSQL's
/// trigram indexes, shorter text through a scan), in any case, and follows the archive: a message rewritten by a
/// later version of the event is found by its new text only, a pruned event is gone, and SQLite's index holds
/// exactly the archive's messages afterwards.
#[tokio::test]
async fn a_message_search_finds_any_part_of_the_text_and_follows_rewrites_and_pruning() {
    for db in TestDb::all().await {
        let (s, b) = (&db.store, db.backend);
        let c = cluster(s, "text").await;
        let msg = |uid: &str, message: &str, minute: i64| {
            event(c, uid, "Pod", uid, "Any", "Warning", message, minute)
        };
        s.upsert_events(&[
            msg(
                "pull",
                "Back-off pulling image \"registry.local/shop:v2\"",
                40,
            ),
            msg("cpu", "0/3 nodes are available: 3 Insufficient cpu.", 41),
            msg("scaled", "Scaled up replica set web-7d9f to 3", 42),
            msg("zh", "无法拉取镜像 nginx:latest", 43),
            // the newest row, but the oldest event: pruned below
            msg("old", "MountVolume.SetUp failed for volume \"certs\"", 1),
        ])
        .await
        .unwrap();
        let text = |t: &str| {
            let mut f = EventFilter::default();
            f.text = Some(t.into());
            f
        };
        for (query, want) in [
            ("ulling ima", vec!["pull"]),
            ("INSUFFICIENT CPU", vec!["cpu"]),
            ("\"registry.local/", vec!["pull"]),
            ("web-7d9f to 3", vec!["scaled"]),
            ("拉取镜像", vec!["zh"]),
            ("拉取", vec!["zh"]),
            ("3 ", vec!["cpu"]),
            ("pu", vec!["cpu", "pull"]),
            ("volume \"certs", vec!["old"]),
            ("no such text", vec![]),
        ] {
            assert_eq!(uids(s, c, text(query)).await, want, "{b}: {query:?}");
        }
        // a repeat with the same message changes nothing found; a new message replaces the old one
        let mut pulled = msg(
            "pull",
            "Back-off pulling image \"registry.local/shop:v2\"",
            44,
        );
        pulled.count = 5;
        s.upsert_events(std::slice::from_ref(&pulled))
            .await
            .unwrap();
        assert_eq!(uids(s, c, text("shop:v2")).await, ["pull"], "{b}: repeat");
        pulled.message = "Successfully pulled image \"registry.local/shop:v3\"".into();
        s.upsert_events(std::slice::from_ref(&pulled))
            .await
            .unwrap();
        assert_eq!(
            uids(s, c, text("shop:v2")).await,
            Vec::<String>::new(),
            "{b}: old text"
        );
        assert_eq!(uids(s, c, text("shop:v3")).await, ["pull"], "{b}: new text");
        // prune the oldest event, then archive another
        assert_eq!(s.prune_events(at(10), 100).await.unwrap(), 1, "{b}");
        s.upsert_events(&[msg("next", "Created container app", 45)])
            .await
            .unwrap();
        assert_eq!(
            uids(s, c, text("volume \"certs")).await,
            Vec::<String>::new(),
            "{b}: a pruned event's text"
        );
        assert_eq!(uids(s, c, text("ated contai")).await, ["next"], "{b}");
        // a text in more messages than SQLite's trigram table answers for goes the LIKE way: same answers
        use kubedeck_store::kube_events::TRIGRAM_MAX_MATCHES;
        let many = TRIGRAM_MAX_MATCHES as i64 + 100;
        let common: Vec<EventRecord> = (0..many)
            .map(|i| msg(&format!("c{i:05}"), "Started container app", 100 + i))
            .collect();
        s.upsert_events(&common).await.unwrap();
        let mut f = text("started CONTAINER");
        f.from = Some(at(100));
        let page = s
            .search_events(
                c,
                &f,
                PageRequest {
                    page: 1,
                    page_size: 3,
                },
            )
            .await
            .unwrap();
        let newest: Vec<String> = (1..=3).map(|k| format!("c{:05}", many - k)).collect();
        let got: Vec<String> = page.items.iter().map(|e| e.uid.clone()).collect();
        assert_eq!(
            (page.total, got),
            (many as u64, newest),
            "{b}: a common text"
        );
        assert_eq!(
            uids(s, c, text("ated contai")).await,
            ["next"],
            "{b}: a rare text beside it"
        );
        if b == "sqlite" {
            // the trigram index holds exactly the archive's messages: FTS5's own check compares every entry with
            // the rows (a missing delete or update trigger leaves entries of rows pruned or rewritten)
            use sea_orm::{ConnectionTrait, Statement};
            s.conn()
                .execute_raw(Statement::from_string(
                    sea_orm::DbBackend::Sqlite,
                    "INSERT INTO kube_event_text(kube_event_text, rank) VALUES ('integrity-check', 1)",
                ))
                .await
                .unwrap_or_else(|e| panic!("{b}: the text index does not match the archive: {e}"));
        }
        if b == "postgres" {
            // the index the text search relies on exists (the migration leaves it out only with a warning)
            use sea_orm::{ConnectionTrait, Statement};
            let row = s
                .conn()
                .query_one_raw(Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT count(*) AS n FROM pg_indexes WHERE indexname = 'idx_kube_event_message_trgm'",
                ))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                row.try_get::<i64>("", "n").unwrap(),
                1,
                "{b}: trigram index"
            );
        }
        db.drop_db().await;
    }
}

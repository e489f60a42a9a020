//! Node metrics against the real testbed: the collector fills history from the simulated kubelets' summaries
//! while their figures move; latest agrees with history; bad parameters and unknown names are clear 4xx; a node
//! that stops reporting shows `stale` with its last timestamp, never an old figure as current.

use crate::helpers::*;
use chrono::{DateTime, Utc};
use kubedeck_testbed::{Testbed, unique_name};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Generous: two noisy cores run the control plane, the simulator and parallel tests.
const DEADLINE: Duration = Duration::from_secs(120);

fn ts(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

fn q(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Waits until the node has a current sample and returns the latest answer.
async fn fresh_latest(app: &TestApp, token: &str, id: i64, node: &str) -> Value {
    eventually(&format!("a current sample of {node}"), DEADLINE, || async {
        let r = app
            .get(
                &format!("/api/v1/k8s/cluster/{id}/nodes/{node}/metrics"),
                token,
            )
            .await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND,
            "{} {}",
            r.status,
            r.body
        );
        (r.status == StatusCode::OK && r.body["stale"] == false).then_some(r.body)
    })
    .await
}

/// A worker of its own, tainted so no other test's pods land on it; removed on drop.
struct OwnNode {
    tb: Testbed,
    name: String,
}

impl OwnNode {
    async fn add(tb: &Testbed) -> OwnNode {
        let name = unique_name("metrics-node");
        let group = unique_name("g");
        let body = json!({"name": name, "role": "worker", "labels": {"sim.kubedeck.io/dedicated": group},
                          "taints": [{"key": "sim.kubedeck.io/dedicated", "value": group, "effect": "NoSchedule"}]});
        let tb2 = tb.clone();
        let (code, resp) =
            tokio::task::spawn_blocking(move || tb2.sim("POST", "/nodes", Some(&body)))
                .await
                .unwrap();
        assert_eq!(code, 201, "adding node {name}: {resp}");
        OwnNode {
            tb: tb.clone(),
            name,
        }
    }

    async fn ready(&self) -> Option<bool> {
        let (tb, name) = (self.tb.clone(), self.name.clone());
        tokio::task::spawn_blocking(move || {
            let out = tb.kubectl(&["get", "node", &name, "-o", "json"]);
            let node: Value = serde_json::from_slice(&out.stdout).ok()?;
            let cond = node["status"]["conditions"]
                .as_array()?
                .iter()
                .find(|c| c["type"] == "Ready")?
                .clone();
            Some(cond["status"] == "True")
        })
        .await
        .unwrap()
    }

    async fn sim(&self, path: &str) {
        let (tb, path) = (self.tb.clone(), format!("/nodes/{}/{path}", self.name));
        let (code, body) = tokio::task::spawn_blocking(move || tb.sim("POST", &path, None))
            .await
            .unwrap();
        assert_eq!(code, 200, "{body}");
    }
}

impl Drop for OwnNode {
    fn drop(&mut self) {
        let _ = self
            .tb
            .sim("DELETE", &format!("/nodes/{}", self.name), None);
    }
}

async fn history_fills_while_the_simulator_varies_its_figures_and_latest_matches_history() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let node = "worker-1";
    let base = format!("/api/v1/k8s/cluster/{id}/nodes/{node}/metrics");
    let started = Utc::now();
    // The node is known once the cluster's watcher has synced (404 until then).
    fresh_latest(&app, &admin, id, node).await;

    // History fills: several samples, with figures that move between them and network rates from counters.
    let history = eventually("history to fill with moving figures", DEADLINE, || async {
        let r = app
            .get(
                &format!(
                    "{base}/history?from={}",
                    q(started - chrono::Duration::minutes(1))
                ),
                &admin,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let items = r.body["items"].as_array().unwrap().clone();
        let mut cpus: Vec<f64> = items
            .iter()
            .map(|i| i["cpu_usage"].as_f64().unwrap())
            .collect();
        cpus.dedup();
        let rates = items.iter().filter(|i| i["network_in"].is_i64()).count();
        (items.len() >= 5 && cpus.len() >= 3 && rates >= 2).then_some(items)
    })
    .await;
    assert!(
        history.iter().all(|i| i["resolution"] == "raw"),
        "recent history is raw samples"
    );
    for w in history.windows(2) {
        assert!(
            ts(&w[0]["timestamp"]) < ts(&w[1]["timestamp"]),
            "oldest first, one sample per scrape"
        );
    }
    for i in &history {
        let cpu = i["cpu_usage"].as_f64().unwrap();
        let mem = i["memory_usage"].as_f64().unwrap();
        let disk = i["disk_usage"].as_f64().unwrap();
        assert!(cpu > 0.0 && cpu < 100.0, "cpu {cpu}% of allocatable");
        assert!(mem > 0.0 && mem < 100.0, "memory {mem}% of allocatable");
        assert!(disk > 0.0 && disk < 100.0, "disk {disk}% of capacity");
        assert!(i["pod_count"].as_i64().unwrap() >= 0);
        if let Some(rx) = i["network_in"].as_i64() {
            // The simulator's pods and system traffic add up to kilobytes to a few megabytes per second.
            assert!((1_000..100_000_000).contains(&rx), "rx {rx} B/s");
            assert!(i["network_out"].as_i64().unwrap() > 0);
        }
    }

    // Latest is the newest stored sample, presented as current.
    let latest = fresh_latest(&app, &admin, id, node).await;
    assert_eq!(latest["node_name"], node);
    assert_eq!(latest["interval_seconds"], 2);
    let data = &latest["data"];
    let t = ts(&data["timestamp"]);
    assert_eq!(ts(&latest["last_timestamp"]), t);
    let around = app
        .get(
            &format!(
                "{base}/history?from={}&to={}",
                q(t - chrono::Duration::seconds(30)),
                q(t)
            ),
            &admin,
        )
        .await;
    assert_eq!(around.status, StatusCode::OK, "{}", around.body);
    let last = around.body["items"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .expect("history holds the latest sample");
    assert_eq!(&last, data, "latest and history agree");

    // A step averages the stored samples of each step-long interval.
    let to = t;
    let from = t - chrono::Duration::seconds(60);
    let raw = app
        .get(
            &format!("{base}/history?from={}&to={}", q(from), q(to)),
            &admin,
        )
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .clone();
    let stepped = app
        .get(
            &format!("{base}/history?from={}&to={}&step=10", q(from), q(to)),
            &admin,
        )
        .await;
    assert_eq!(stepped.status, StatusCode::OK, "{}", stepped.body);
    assert_eq!(stepped.body["step"], 10);
    let points = stepped.body["items"].as_array().unwrap();
    assert!(
        !points.is_empty() && points.len() < raw.len(),
        "{} points from {} samples",
        points.len(),
        raw.len()
    );
    for p in points {
        let start = ts(&p["timestamp"]);
        assert_eq!(start.timestamp() % 10, 0, "steps are aligned");
        let inside: Vec<f64> = raw
            .iter()
            .filter(|r| {
                let rt = ts(&r["timestamp"]);
                rt >= start && rt < start + chrono::Duration::seconds(10)
            })
            .map(|r| r["cpu_usage"].as_f64().unwrap())
            .collect();
        let mean = inside.iter().sum::<f64>() / inside.len() as f64;
        assert!(
            (p["cpu_usage"].as_f64().unwrap() - mean).abs() < 1e-9,
            "step average at {start}"
        );
    }

    // Bad parameters are 400 naming the field.
    let now = Utc::now();
    for (query, field) in [
        ("from=yesterday".to_owned(), "from"),
        ("to=2026-13-45T00:00:00Z".to_owned(), "to"),
        (
            format!("from={}&to={}", q(now), q(now - chrono::Duration::hours(1))),
            "from",
        ),
        ("step=0".to_owned(), "step"),
        ("step=-5".to_owned(), "step"),
        ("step=often".to_owned(), "step"),
        ("step=9223372036854775807".to_owned(), "step"),
        (
            format!("from={}&step=1", q(now - chrono::Duration::days(30))),
            "step",
        ),
    ] {
        let r = app.get(&format!("{base}/history?{query}"), &admin).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.body);
        assert_eq!(r.body["field"], field, "{query}: {}", r.body);
    }

    // Unknown node and unknown cluster are 404.
    for path in [
        format!("/api/v1/k8s/cluster/{id}/nodes/no-such-node/metrics"),
        format!("/api/v1/k8s/cluster/{id}/nodes/no-such-node/metrics/history"),
        "/api/v1/k8s/cluster/999999/nodes/worker-1/metrics".to_owned(),
        "/api/v1/k8s/cluster/999999/nodes/worker-1/metrics/history".to_owned(),
    ] {
        let r = app.get(&path, &admin).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        let expected = if path.contains("/999999/") {
            "cluster_not_found"
        } else {
            "node_not_found"
        };
        assert_eq!(r.body["code"], expected, "{path}: {}", r.body);
    }
    app.stop().await;
}
on_every_backend!(history_fills_while_the_simulator_varies_its_figures_and_latest_matches_history);

async fn a_node_that_stops_reporting_shows_stale_with_its_last_timestamp() {
    let tb = Testbed::from_env();
    let own = OwnNode::add(&tb).await;
    eventually("the new node Ready", DEADLINE, || async {
        (own.ready().await == Some(true)).then_some(())
    })
    .await;
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}/nodes/{}/metrics", own.name);
    let before = fresh_latest(&app, &admin, id, &own.name).await;
    assert!(before["data"]["cpu_usage"].is_f64());

    // The node stops reporting: no number is presented as current, the last timestamp is kept.
    own.sim("not-ready").await;
    let stale = eventually("the node's metrics to turn stale", DEADLINE, || async {
        let r = app.get(&base, &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        (r.body["stale"] == true).then_some(r.body)
    })
    .await;
    assert_eq!(
        stale["data"],
        Value::Null,
        "a stale figure is not shown: {stale}"
    );
    let last = ts(&stale["last_timestamp"]);
    assert!(last >= ts(&before["data"]["timestamp"]));
    assert!(
        Utc::now() - last > chrono::Duration::seconds(6),
        "stale means older than three 2 s intervals"
    );
    let history = app.get(&format!("{base}/history"), &admin).await;
    let newest = history.body["items"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(
        ts(&newest["timestamp"]),
        last,
        "last_timestamp is the newest sample in history"
    );
    assert_eq!(
        own.ready().await,
        Some(false),
        "kubectl sees the node NotReady"
    );

    // Reporting again brings current figures back.
    own.sim("ready").await;
    let back = fresh_latest(&app, &admin, id, &own.name).await;
    assert!(ts(&back["data"]["timestamp"]) > last);
    app.stop().await;
}
on_every_backend!(a_node_that_stops_reporting_shows_stale_with_its_last_timestamp);

async fn an_unreachable_node_turns_stale_once_the_control_plane_stops_trusting_it() {
    let tb = Testbed::from_env();
    let own = OwnNode::add(&tb).await;
    eventually("the new node Ready", DEADLINE, || async {
        (own.ready().await == Some(true)).then_some(())
    })
    .await;
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}/nodes/{}/metrics", own.name);
    fresh_latest(&app, &admin, id, &own.name).await;

    // Heartbeats stop; after the node monitor grace period (40 s in the testbed) the node's Ready condition
    // turns Unknown, and from then on no sample is taken.
    own.sim("unreachable").await;
    let stale = eventually(
        "the unreachable node's metrics to turn stale",
        DEADLINE * 2,
        || async {
            let r = app.get(&base, &admin).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            (r.body["stale"] == true).then_some(r.body)
        },
    )
    .await;
    assert_eq!(stale["data"], Value::Null, "{stale}");
    assert!(stale["last_timestamp"].is_string(), "{stale}");
    assert_eq!(
        own.ready().await,
        Some(false),
        "kubectl no longer sees the node Ready"
    );
    app.stop().await;
}
on_every_backend!(an_unreachable_node_turns_stale_once_the_control_plane_stops_trusting_it);

/// A second replica on the same database: its own hub, sync loop and collector (no HTTP server needed).
struct Replica {
    state: kubedeck_api::state::AppState,
    cancel: CancellationToken,
}

impl Replica {
    async fn start(app: &TestApp, id: &str) -> Replica {
        let store = kubedeck_store::Store::connect(app.db_url()).await.unwrap();
        let (hub, events) = kubedeck_kube::hub::ClusterHub::new();
        let state = kubedeck_api::state::AppState(Arc::new(kubedeck_api::state::Inner {
            store,
            settings: app.state.settings.clone(),
            keyring: RwLock::new(app.state.keyring()),
            hub,
            replica_id: id.to_owned(),
            rate: Default::default(),
            shared: None,
            catalogs: Default::default(),
            certificates: Default::default(),
            key_dir: None,
            metrics: None,
        }));
        let cancel = CancellationToken::new();
        tokio::spawn(kubedeck_api::sync::run(
            state.clone(),
            Duration::from_secs(2),
            events,
            cancel.clone(),
        ));
        tokio::spawn(kubedeck_api::metrics_collector::run(
            state.clone(),
            state.settings.node_metrics,
            cancel.clone(),
        ));
        Replica { state, cancel }
    }
}

/// Samples of a node since `since`, oldest first.
async fn samples_since(
    app: &TestApp,
    id: i64,
    node: &str,
    since: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let rows = app
        .state
        .store
        .node_samples(
            id,
            node,
            since,
            Utc::now() + chrono::Duration::hours(1),
            100_000,
        )
        .await
        .unwrap();
    rows.into_iter().map(|r| r.timestamp).collect()
}

/// At most one sample per 2 s interval (plus slack for whole-second timestamps): two replicas scraping the same
/// cluster would give about twice as many.
fn assert_one_scraper(times: &[DateTime<Utc>], what: &str) {
    let span = (*times.last().unwrap() - times[0]).num_seconds();
    let most = span / 2 + 3;
    assert!(
        (times.len() as i64) <= most,
        "{what}: {} samples in {span} s (at most {most} from one replica): {times:?}",
        times.len()
    );
}

async fn one_replica_scrapes_a_cluster_at_a_time_and_the_lease_moves_the_scraping() {
    use kubedeck_store::entity::lease;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let b = Replica::start(&app, "replica-b").await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let node = "worker-2";
    fresh_latest(&app, &admin, id, node).await;
    let started = Utc::now();

    // Both replicas run sync loops on one database; one holds the cluster's lease and only it scrapes.
    let runs = |s: &kubedeck_api::state::AppState| s.hub.running().contains(&id);
    let times = eventually("ten samples from one replica", DEADLINE, || async {
        let t = samples_since(&app, id, node, started).await;
        (t.len() >= 10).then_some(t)
    })
    .await;
    assert_one_scraper(&times, "one lease holder");
    assert!(
        runs(&app.state) != runs(&b.state),
        "exactly one replica runs the cluster"
    );
    let lease_name = format!("sync:cluster:{id}");
    let holder = app
        .state
        .store
        .lease_holder(&lease_name)
        .await
        .unwrap()
        .expect("a live lease");
    let (old, new) = if holder == app.state.replica_id {
        (&app.state, &b.state)
    } else {
        (&b.state, &app.state)
    };
    assert_eq!(holder, old.replica_id);
    assert!(runs(old));

    // The lease moves to the other replica (as when the holder stalls and its lease is taken over): the new
    // holder starts scraping, the old one stops, and the history goes on without double samples.
    let moved_at = Utc::now();
    lease::Entity::update_many()
        .col_expr(lease::Column::Holder, Expr::value(new.replica_id.clone()))
        .col_expr(
            lease::Column::ExpiresAt,
            Expr::value(Utc::now() + chrono::Duration::seconds(30)),
        )
        .filter(lease::Column::Name.eq(lease_name.as_str()))
        .exec(app.state.store.conn())
        .await
        .unwrap();
    eventually(
        "the new holder to run the cluster and the old one to stop",
        DEADLINE,
        || async { (runs(new) && !runs(old)).then_some(()) },
    )
    .await;
    let after = eventually("ten samples after the hand-over", DEADLINE, || async {
        let t = samples_since(&app, id, node, moved_at).await;
        (t.len() >= 10).then_some(t)
    })
    .await;
    assert_one_scraper(&after, "after the hand-over");
    assert_one_scraper(
        &samples_since(&app, id, node, started).await,
        "across the hand-over",
    );
    b.cancel.cancel();
    app.stop().await;
}
on_every_backend!(one_replica_scrapes_a_cluster_at_a_time_and_the_lease_moves_the_scraping);

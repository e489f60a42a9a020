//! An API server that goes away and comes back: the cluster turns to error within a minute and recovers by
//! itself. A second kube-apiserver (same etcd, own port) plays the victim, so other tests keep theirs.

use crate::apiserver::SecondApiserver;
use crate::helpers::*;
use kubedeck_testbed::Testbed;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

async fn a_stopped_apiserver_turns_the_cluster_to_error_within_a_minute_and_it_recovers() {
    let tb = Testbed::from_env();
    let mut apiserver = SecondApiserver::start(&tb);
    let kubeconfig = apiserver.admin_kubeconfig().to_owned();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_kubeconfig(&app, &admin, "flaky", &kubeconfig).await;
    let status_path = format!("/api/v1/k8s/cluster/{id}/status");
    let nodes_path = format!("/api/v1/k8s/cluster/{id}/nodes");
    let before = eventually(
        "the node list to be live",
        Duration::from_secs(30),
        || async {
            let l = app.get(&nodes_path, &admin).await.body;
            (l["source"] == "live" && l["stale"] == false).then_some(l)
        },
    )
    .await;

    apiserver.stop();
    let stopped = Instant::now();
    let s = eventually(
        "the cluster to turn to error",
        Duration::from_secs(60),
        || async {
            let s = app.get(&status_path, &admin).await.body;
            (s["status"] == 4).then_some(s)
        },
    )
    .await;
    assert_eq!(s["reason"], "unreachable", "{s}");
    assert!(
        s["last_error"].as_str().unwrap().contains("unreachable"),
        "{s}"
    );
    assert!(stopped.elapsed() < Duration::from_secs(60));
    // Lists still answer from what was synced, flagged stale with the time of the last sync.
    let during = app.get(&nodes_path, &admin).await;
    assert_eq!(during.status, StatusCode::OK);
    assert_eq!(during.body["stale"], true, "{}", during.body);
    assert_eq!(during.body["total"], before["total"]);
    assert!(during.body["last_sync_at"].is_string());

    apiserver.spawn();
    let s = eventually(
        "the cluster to recover",
        Duration::from_secs(90),
        || async {
            let s = app.get(&status_path, &admin).await.body;
            (s["status"] == 2).then_some(s)
        },
    )
    .await;
    assert_eq!(s["last_error"], "", "{s}");
    app.stop().await;
}
on_every_backend!(a_stopped_apiserver_turns_the_cluster_to_error_within_a_minute_and_it_recovers);

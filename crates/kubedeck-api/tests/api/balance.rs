//! Cluster work spread evenly over the live replicas (issue 17): six clusters (the testbed imported six times,
//! each with a ServiceAccount of its own) on one replica, then two (three each), then three (two each), and when one
//! leaves, the other two take its clusters over (three each again). Each replica's watchers run for exactly the
//! clusters whose leases it holds.

use crate::helpers::*;
use std::time::Duration;

/// The clusters whose leases `app` holds now.
async fn held(app: &TestApp) -> usize {
    app.state
        .store
        .held_leases(&app.state.replica_id, "sync:cluster:")
        .await
        .unwrap()
        .len()
}

/// Waits until the replicas hold `want` clusters each (in order) and each one's watchers run for as many.
async fn split(replicas: &[&TestApp], want: &[usize], what: &str) {
    eventually(what, Duration::from_secs(60), || async {
        let mut now = Vec::new();
        for r in replicas {
            now.push((held(r).await, r.state.hub.running().len()));
        }
        let expected: Vec<(usize, usize)> = want.iter().map(|w| (*w, *w)).collect();
        (now == expected).then_some(())
    })
    .await;
}

async fn clusters_are_shared_evenly_and_move_when_a_replica_joins_or_leaves() {
    let tb = kubedeck_testbed::Testbed::from_env();
    let ns = kubedeck_testbed::Namespace::create_in(&tb, "balance");
    let a = spawn_app().await;
    let admin = a.admin_token().await;
    for i in 0..6 {
        let kubeconfig = tb.service_account_kubeconfig(ns.name(), &format!("importer-{i}"));
        import_kubeconfig(&a, &admin, "balance", &kubeconfig).await;
    }
    split(&[&a], &[6], "one replica to hold all six clusters").await;

    let b = a.replica().await;
    split(&[&a, &b], &[3, 3], "a second replica to take half of the clusters").await;

    let c = a.replica().await;
    split(&[&a, &b, &c], &[2, 2, 2], "a third replica to take a third").await;

    // b leaves (a graceful stop gives its leases up): a and c take its clusters over
    b.stop().await;
    split(&[&a, &c], &[3, 3], "the two replicas left to take over b's clusters").await;

    // every cluster is held by exactly one replica: a's and c's watchers together cover all six
    let mut running: Vec<i64> = a.state.hub.running().into_iter().chain(c.state.hub.running()).collect();
    running.sort_unstable();
    running.dedup();
    assert_eq!(running.len(), 6, "{running:?}");
    c.stop().await;
    a.stop().await;
}

on_one_backend!(clusters_are_shared_evenly_and_move_when_a_replica_joins_or_leaves);

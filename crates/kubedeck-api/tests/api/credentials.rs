//! A cluster's credential over its life: replaced with `PUT` (watchers restart with the new one), revoked at the
//! API server (status and requests say `credential_rejected`), and recovered by replacing it.

use crate::apiserver::SecondApiserver;
use crate::helpers::*;
use kubedeck_testbed::{Testbed, unique_name};
use reqwest::StatusCode;
use std::time::Duration;

/// A pod of the testbed's `demo-ops` namespace, which the restricted user may not read.
fn demo_ops_pod(tb: &Testbed) -> String {
    tb.kubectl_ok(&[
        "-n",
        "demo-ops",
        "get",
        "pods",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ])
}

async fn replacing_the_credential_restarts_the_watchers_with_the_new_permissions() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // The restricted user may read pods in two namespaces and nothing else: no nodes.
    let id = import_kubeconfig(&app, &admin, "recred", &tb.restricted_kubeconfig()).await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    let kubectl_nodes = tb.kubectl_json(&["get", "nodes", "-o", "json"])["items"]
        .as_array()
        .unwrap()
        .len() as u64;
    // Give the restricted watchers time to start and fail, then check they found no node.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let before = app.get(&format!("{base}/nodes"), &admin).await;
    assert!(
        before.body["total"].as_u64().unwrap_or(0) == 0 || before.status != StatusCode::OK,
        "a credential that may not list nodes shows none: {}",
        before.body
    );

    // The admin credential: the watchers restart with it and the nodes arrive.
    replace_credential(&app, &admin, id, &tb.admin_kubeconfig()).await;
    let live = eventually(
        "the node list to fill with the new credential",
        Duration::from_secs(60),
        || async {
            let l = app
                .get(&format!("{base}/nodes?page_size=500"), &admin)
                .await;
            (l.status == StatusCode::OK
                && l.body["source"] == "live"
                && l.body["total"].as_u64() >= Some(kubectl_nodes.min(8)))
            .then_some(l.body)
        },
    )
    .await;
    assert!(live["total"].as_u64().unwrap() >= 8, "{live}");
    let ops_pod = demo_ops_pod(&tb);
    let read = app
        .get(
            &format!("{base}/namespaces/demo-ops/pods/{ops_pod}"),
            &admin,
        )
        .await;
    assert_eq!(
        read.status,
        StatusCode::OK,
        "admin may read demo-ops: {}",
        read.body
    );

    // And back to the restricted one: the cluster itself now refuses what it may not do.
    replace_credential(&app, &admin, id, &tb.restricted_kubeconfig()).await;
    let refused = app
        .get(
            &format!("{base}/namespaces/demo-ops/pods/{ops_pod}"),
            &admin,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(
        refused.body["code"], "cluster_forbidden",
        "{}",
        refused.body
    );
    let allowed = app
        .get(
            &format!("{base}/namespaces/demo-shop/pods?page_size=1"),
            &admin,
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    app.stop().await;
}
on_every_backend!(replacing_the_credential_restarts_the_watchers_with_the_new_permissions);

async fn a_revoked_token_shows_credential_rejected_until_the_credential_is_replaced() {
    let tb = Testbed::from_env();
    let user = unique_name("rotating");
    let old_token = format!("{}-old", unique_name("tok"));
    let new_token = format!("{}-new", unique_name("tok"));
    let line = |token: &str| format!("{token},{user},{user}-uid,\"system:masters\"\n");
    let mut server = SecondApiserver::with_tokens(&tb, &line(&old_token));
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_kubeconfig(
        &app,
        &admin,
        "revoked",
        &server.token_kubeconfig(&user, &old_token),
    )
    .await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    eventually("the cluster to run", Duration::from_secs(60), || async {
        let s = app.get(&format!("{base}/status"), &admin).await.body;
        (s["status_text"] == "running").then_some(())
    })
    .await;
    let ops_pod = demo_ops_pod(&tb);
    let pod_path = format!("{base}/namespaces/demo-ops/pods/{ops_pod}");
    assert_eq!(app.get(&pod_path, &admin).await.status, StatusCode::OK);

    // The token is revoked: the API server restarts without it.
    server.stop();
    server.set_tokens(&line(&new_token));
    server.spawn();
    let s = eventually(
        "the status to say the credential was rejected",
        Duration::from_secs(120),
        || async {
            let s = app.get(&format!("{base}/status"), &admin).await.body;
            (s["reason_code"] == "credential_rejected").then_some(s)
        },
    )
    .await;
    assert_eq!(
        s["reason"], "credential rejected (expired or revoked)",
        "{s}"
    );
    assert!(!s["last_error"].as_str().unwrap().is_empty(), "{s}");
    // The cluster list says the same as a code the console words in the user's language.
    let listed = app.get(&base, &admin).await.body;
    assert_eq!(
        listed["status_reason_code"], "credential_rejected",
        "{listed}"
    );
    let refused = app.get(&pod_path, &admin).await;
    assert_eq!(
        refused.body["code"], "credential_rejected",
        "{}",
        refused.body
    );
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "{}", refused.body);

    // Replacing it with the new token brings the cluster back.
    replace_credential(
        &app,
        &admin,
        id,
        &server.token_kubeconfig(&user, &new_token),
    )
    .await;
    let s = eventually(
        "the cluster to recover",
        Duration::from_secs(90),
        || async {
            let s = app.get(&format!("{base}/status"), &admin).await.body;
            (s["status_text"] == "running" && s["reason_code"] != "credential_rejected")
                .then_some(s)
        },
    )
    .await;
    assert_eq!(s["last_error"], "", "{s}");
    assert_eq!(app.get(&pod_path, &admin).await.status, StatusCode::OK);
    app.stop().await;
}
on_every_backend!(a_revoked_token_shows_credential_rejected_until_the_credential_is_replaced);

//! A user bound to one namespace: works there (REST and WebSocket), is refused with 403 everywhere else, and
//! lists across namespaces show that namespace only.

use crate::helpers::*;
use crate::log_stream::{refused_status, ws_request};
use futures::StreamExt;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_testbed::{Namespace, Testbed};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

fn busybox_pods(tb: &Testbed, ns: &str, names: &[&str]) {
    let manifests: Vec<String> = names
        .iter()
        .map(|name| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, labels: {{app: nsaccess}}}}\nspec:\n  containers: [{{name: app, image: busybox}}]\n"
            )
        })
        .collect();
    apply(tb, &manifests.join("---\n"));
}

fn names(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|p| {
            format!(
                "{}/{}",
                p["namespace"].as_str().unwrap(),
                p["name"].as_str().unwrap()
            )
        })
        .collect();
    v.sort();
    v
}

fn assert_forbidden(r: &Resp, what: &str) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", r.body);
    assert_eq!(r.body["code"], "forbidden", "{what}: {}", r.body);
    assert!(
        r.body.get("items").is_none() && r.body.get("object").is_none(),
        "{what}: a refusal carries no data: {}",
        r.body
    );
}

async fn an_operator_bound_to_one_namespace_works_there_and_gets_403_elsewhere() {
    let tb = Testbed::from_env();
    let mine = Namespace::create_in(&tb, "mine");
    let theirs = Namespace::create_in(&tb, "theirs");
    let (m, t) = (mine.name(), theirs.name());
    busybox_pods(&tb, m, &["mine-a", "mine-b"]);
    busybox_pods(&tb, t, &["theirs-a"]);
    kubedeck_testbed::wait_until("the pods to run", Duration::from_secs(90), || {
        [m, t]
            .iter()
            .all(|ns| {
                let v = tb.kubectl_json(&["-n", ns, "get", "pods", "-o", "json"]);
                let items = v["items"].as_array().unwrap();
                !items.is_empty() && items.iter().all(|p| p["status"]["phase"] == "Running")
            })
            .then_some(())
    });
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    eventually("the pods in the list", Duration::from_secs(60), || async {
        let l = app
            .get(
                &format!("{base}/pods?label_selector=app%3Dnsaccess&namespace={m},{t}"),
                &admin,
            )
            .await
            .body;
        (l["total"] == 3).then_some(())
    })
    .await;
    let op = app
        .user_token(
            "ns-operator",
            &[Binding {
                role: Role::Operator,
                cluster_id: Some(id),
                namespace: Some(m.to_owned()),
            }],
        )
        .await;

    // Its namespace: list, read, logs.
    let own = app.get(&format!("{base}/namespaces/{m}/pods"), &op).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(
        names(&own.body),
        [format!("{m}/mine-a"), format!("{m}/mine-b")]
    );
    let detail = app
        .get(&format!("{base}/namespaces/{m}/pods/mine-a"), &op)
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    assert_eq!(detail.body["object"]["metadata"]["name"], "mine-a");
    let logs = app
        .http
        .get(format!(
            "{}{base}/namespaces/{m}/pods/mine-a/logs?tailLines=2",
            app.base
        ))
        .bearer_auth(&op)
        .send()
        .await
        .unwrap();
    assert_eq!(logs.status(), StatusCode::OK);
    let text = logs.text().await.unwrap();
    assert!(text.contains("pod=mine-a"), "{text}");

    // The cluster-wide list and the search show its namespace only.
    let all = app
        .get(&format!("{base}/pods?label_selector=app%3Dnsaccess"), &op)
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(
        names(&all.body),
        [format!("{m}/mine-a"), format!("{m}/mine-b")]
    );
    assert_eq!(all.body["total"], 2);
    let everything = app
        .get(&format!("{base}/pods?page_size=500"), &op)
        .await
        .body;
    assert!(
        everything["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["namespace"] == m),
        "only its namespace: {everything}"
    );
    let found = app.get("/api/v1/k8s/pods?q=app%3Dnsaccess", &op).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.body["total"], 2, "{}", found.body);

    // Anywhere else: 403, no data.
    assert_forbidden(
        &app.get(&format!("{base}/namespaces/{t}/pods"), &op).await,
        "another namespace's list",
    );
    assert_forbidden(
        &app.get(&format!("{base}/pods?namespace={t}"), &op).await,
        "a cluster-wide list filtered to another namespace",
    );
    assert_forbidden(
        &app.get(&format!("{base}/pods?namespace={m},{t}"), &op)
            .await,
        "a filter naming its namespace and another",
    );
    assert_forbidden(
        &app.get(&format!("{base}/namespaces/{t}/pods/theirs-a"), &op)
            .await,
        "another namespace's pod",
    );
    assert_forbidden(
        &app.get(&format!("{base}/namespaces/{t}/pods/theirs-a/logs"), &op)
            .await,
        "another namespace's logs",
    );
    assert_forbidden(
        &app.get(&format!("{base}/nodes"), &op).await,
        "nodes are cluster-scoped",
    );
    let refused = app
        .request(
            "DELETE",
            &format!("{base}/namespaces/{t}/pods/theirs-a"),
            Some(&op),
            None,
        )
        .await;
    assert_forbidden(&refused, "deleting another namespace's pod");
    assert!(
        tb.kubectl(&["-n", t, "get", "pod", "theirs-a"])
            .status
            .success(),
        "a refused delete left the pod alone"
    );

    // WebSocket logs: followed in its namespace, refused in the other before anything streams.
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(
        &app,
        &format!("/ws/k8s/cluster/{id}/namespaces/{m}/pods/mine-b/logs?tailLines=1"),
        &op,
        None,
    ))
    .await
    .expect("its own namespace's stream opens");
    let first = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) if t.contains("pod=mine-b") => return t.to_string(),
                Some(Ok(_)) => continue,
                other => panic!("the stream ended before a line: {other:?}"),
            }
        }
    })
    .await
    .expect("a log line within 30 s");
    assert!(first.contains("pod=mine-b"), "{first}");
    let other = tokio_tungstenite::connect_async(ws_request(
        &app,
        &format!("/ws/k8s/cluster/{id}/namespaces/{t}/pods/theirs-a/logs"),
        &op,
        None,
    ))
    .await
    .expect_err("another namespace's stream is refused");
    assert_eq!(refused_status(other), 403);

    // Delete in its namespace: done, as kubectl sees.
    let deleted = app
        .request(
            "DELETE",
            &format!("{base}/namespaces/{m}/pods/mine-a"),
            Some(&op),
            None,
        )
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.body);
    kubedeck_testbed::wait_until(
        "kubectl to see the pod gone",
        Duration::from_secs(60),
        || {
            let out = tb.kubectl(&[
                "-n",
                m,
                "get",
                "pod",
                "mine-a",
                "--ignore-not-found",
                "-o",
                "name",
            ]);
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .is_empty()
                .then_some(())
        },
    );
    app.stop().await;
}
on_every_backend!(an_operator_bound_to_one_namespace_works_there_and_gets_403_elsewhere);

//! The event archive (issue 16, Events) against the testbed: events created with kubectl are archived by the
//! lease holder's watcher; a repeat (same uid, count raised with kubectl) stays one row with its count; a restart
//! of Kubedeck on the same database (a fresh watcher listing every event again) adds no row; an event deleted
//! from the cluster with kubectl (what the apiserver's `--event-ttl` does when it expires one) is still listed and
//! searchable, also after a relist (`POST .../events/sync`); every search filter narrows as it says; bad query
//! parameters are 400 naming the field.

use crate::helpers::*;
use chrono::{Duration as Age, SecondsFormat, Utc};
use kubedeck_testbed::{Namespace, Testbed, unique_name};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

on_every_backend!(events_outlive_the_cluster_and_are_searchable);

const WAIT: Duration = Duration::from_secs(60);

fn time(ago: Age) -> String {
    (Utc::now() - ago).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Creates a core/v1 Event with kubectl.
#[allow(clippy::too_many_arguments)]
fn create_event(
    tb: &Testbed,
    ns: &str,
    name: &str,
    kind: &str,
    object: &str,
    reason: &str,
    type_: &str,
    message: &str,
    ago: Age,
) {
    let event = json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": ns},
        "involvedObject": {"kind": kind, "name": object, "namespace": ns, "apiVersion": "v1"},
        "reason": reason, "type": type_, "message": message, "count": 1,
        "firstTimestamp": time(ago), "lastTimestamp": time(ago),
        "source": {"component": "kubedeck-test", "host": "worker-1"},
    });
    let path = std::env::temp_dir().join(format!("{}.json", unique_name("event")));
    std::fs::write(&path, event.to_string()).unwrap();
    tb.kubectl_ok(&["create", "-f", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
}

/// The reasons of a list's items, in order.
fn reasons(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}/{}",
                e["involved_object"].as_str().unwrap_or("-"),
                e["reason"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

async fn search(app: &TestApp, token: &str, base: &str, query: &str) -> Value {
    let r = app
        .get(&format!("{base}/events/search?{query}"), token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "search {query}: {}", r.body);
    r.body
}

async fn events_outlive_the_cluster_and_are_searchable() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    let ns = Namespace::create_in(&tb, "events");
    let n = ns.name();
    tb.kubectl_ok(&[
        "-n",
        n,
        "create",
        "configmap",
        "settings",
        "--from-literal=a=1",
    ]);
    create_event(
        &tb,
        n,
        "web-1.backoff",
        "Pod",
        "web-1",
        "BackOff",
        "Warning",
        "Back-off restarting failed container",
        Age::hours(2),
    );
    create_event(
        &tb,
        n,
        "settings.updated",
        "ConfigMap",
        "settings",
        "Updated",
        "Normal",
        "settings reloaded",
        Age::minutes(10),
    );
    create_event(
        &tb,
        n,
        "web-2.backoff",
        "Pod",
        "web-2",
        "BackOff",
        "Warning",
        "Back-off pulling image \"shop:50%_off\"",
        Age::seconds(5),
    );
    let uid = tb.kubectl_ok(&[
        "-n",
        n,
        "get",
        "event",
        "web-1.backoff",
        "-o",
        "jsonpath={.metadata.uid}",
    ]);

    // archived by the watcher, newest first
    let all = eventually("the three events in the archive", WAIT, || async {
        let l = search(&app, &admin, &base, &format!("namespace={n}")).await;
        (l["total"] == 3).then_some(l)
    })
    .await;
    assert_eq!(
        reasons(&all),
        [
            "Pod/web-2/BackOff",
            "ConfigMap/settings/Updated",
            "Pod/web-1/BackOff"
        ]
    );
    let first = all["items"][2].clone();
    assert_eq!(first["uid"], uid.trim());
    assert_eq!(first["type"], "Warning");
    assert_eq!(first["count"], 1);
    assert_eq!(first["source"], "kubedeck-test on worker-1");
    assert_eq!(first["involved_kind"], "Pod");
    assert_eq!(first["involved_namespace"], n);

    // a repeat: the same event's count and last timestamp raised
    let now = time(Age::zero());
    tb.kubectl_ok(&[
        "-n",
        n,
        "patch",
        "event",
        "web-1.backoff",
        "--type=merge",
        "-p",
        &json!({"count": 5, "lastTimestamp": now}).to_string(),
    ]);
    let repeated = eventually("the repeat's count in the archive", WAIT, || async {
        let l = search(&app, &admin, &base, &format!("namespace={n}&name=web-1")).await;
        (l["items"][0]["count"] == 5).then_some(l)
    })
    .await;
    assert_eq!(repeated["total"], 1, "a repeat is one row: {repeated}");
    assert_eq!(repeated["items"][0]["last_seen"], now.as_str());
    assert_eq!(
        repeated["items"][0]["first_seen"], first["first_seen"],
        "first seen stays"
    );
    // a relist now writes the same rows
    let r = app
        .post(&format!("{base}/events/sync"), &admin, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["listed"].as_u64().unwrap() >= 3, "{}", r.body);
    assert_eq!(
        search(&app, &admin, &base, &format!("namespace={n}")).await["total"],
        3
    );

    // a restart on the same database: the new watcher lists every event again, and no row is added
    let cluster_rows = search(&app, &admin, &base, "page_size=1").await["total"]
        .as_u64()
        .unwrap();
    let app = app.restart().await;
    let admin = app.admin_token().await;
    eventually(
        "the restarted app to watch and archive the cluster's events",
        WAIT,
        || async {
            let h = app.state.hub.get(id)?;
            (h.events.listed() && h.events.waiting() == 0).then_some(())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = search(&app, &admin, &base, &format!("namespace={n}")).await;
    assert_eq!(after["total"], 3, "no duplicates after a restart: {after}");
    assert_eq!(
        after["items"][0]["count"], 5,
        "the repeat is the newest: {after}"
    );
    let cluster_rows_after = search(&app, &admin, &base, "page_size=1").await["total"]
        .as_u64()
        .unwrap();
    assert!(
        cluster_rows_after >= cluster_rows,
        "{cluster_rows_after} < {cluster_rows}"
    );
    let dup = app
        .state
        .store
        .search_events(
            id,
            &kubedeck_store::kube_events::EventFilter {
                namespaces: Some(vec![n.to_owned()]),
                ..Default::default()
            },
            kubedeck_store::PageRequest {
                page: 1,
                page_size: 100,
            },
        )
        .await
        .unwrap();
    let mut uids: Vec<String> = dup.items.iter().map(|e| e.uid.clone()).collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), 3);

    // deleted from the cluster (what --event-ttl does when it expires): still in the archive
    tb.kubectl_ok(&["-n", n, "delete", "event", "settings.updated"]);
    let gone = tb.kubectl(&["-n", n, "get", "event", "settings.updated"]);
    assert!(!gone.status.success(), "kubectl no longer finds the event");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let r = app
        .post(&format!("{base}/events/sync"), &admin, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let kept = search(
        &app,
        &admin,
        &base,
        &format!("namespace={n}&kind=ConfigMap"),
    )
    .await;
    assert_eq!(reasons(&kept), ["ConfigMap/settings/Updated"], "{kept}");
    // ... and on the object's own events, which every detail page shows
    let of_object = app
        .get(
            &format!("{base}/namespaces/{n}/configmaps/settings/events"),
            &admin,
        )
        .await;
    assert_eq!(of_object.status, StatusCode::OK, "{}", of_object.body);
    assert_eq!(reasons(&of_object.body), ["ConfigMap/settings/Updated"]);
    let of_pod = app
        .get(&format!("{base}/namespaces/{n}/pods/web-1/events"), &admin)
        .await;
    assert_eq!(
        reasons(&of_pod.body),
        ["Pod/web-1/BackOff"],
        "{}",
        of_pod.body
    );
    // the namespace's events and the cluster's
    let in_ns = app
        .get(&format!("{base}/namespaces/{n}/events"), &admin)
        .await;
    assert_eq!(in_ns.status, StatusCode::OK, "{}", in_ns.body);
    assert_eq!(in_ns.body["total"], 3, "{}", in_ns.body);
    let cluster = app
        .get(&format!("{base}/events?page_size=500"), &admin)
        .await;
    assert_eq!(cluster.status, StatusCode::OK, "{}", cluster.body);
    let in_cluster: Vec<&Value> = cluster.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["namespace"] == n)
        .collect();
    assert_eq!(in_cluster.len(), 3);
    let stamps: Vec<&str> = cluster.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["last_seen"].as_str().unwrap())
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {stamps:?}"
    );

    // every filter narrows
    let q = |extra: &str| format!("namespace={n}&{extra}");
    for (query, want) in [
        ("kind=ConfigMap", vec!["ConfigMap/settings/Updated"]),
        ("name=web-2", vec!["Pod/web-2/BackOff"]),
        ("kind=Pod&name=web-1", vec!["Pod/web-1/BackOff"]),
        (
            "reason=BackOff",
            vec!["Pod/web-1/BackOff", "Pod/web-2/BackOff"],
        ),
        ("type=Normal", vec!["ConfigMap/settings/Updated"]),
        ("type=Warning&reason=Updated", vec![]),
        ("q=50%25_OFF", vec!["Pod/web-2/BackOff"]),
        ("q=50%25off", vec![]),
        ("q=RELOADED", vec!["ConfigMap/settings/Updated"]),
    ] {
        let l = search(&app, &admin, &base, &q(query)).await;
        assert_eq!(reasons(&l), want, "{query}");
        assert_eq!(l["total"], want.len(), "{query}");
    }
    // a time range is of when each was last seen (web-1 was repeated just now)
    let from = time(Age::minutes(30)).replace('+', "%2B");
    let to = time(Age::minutes(5));
    let l = search(&app, &admin, &base, &q(&format!("from={from}&to={to}"))).await;
    assert_eq!(reasons(&l), ["ConfigMap/settings/Updated"]);
    let l = search(
        &app,
        &admin,
        &base,
        &q(&format!("to={}", time(Age::minutes(8)))),
    )
    .await;
    assert_eq!(reasons(&l), ["ConfigMap/settings/Updated"]);
    // paging: newest first, one a page
    let p2 = search(&app, &admin, &base, &q("page=2&page_size=1")).await;
    assert_eq!(
        (p2["total"].as_u64(), p2["items"].as_array().unwrap().len()),
        (Some(3), 1)
    );
    let l = search(&app, &admin, &base, &format!("namespace={n}-none,{n}x")).await;
    assert_eq!(l["total"], 0);

    // the warnings timeline: an entry per hour, counting web-1 (5 times, last seen now) and web-2
    let r = app
        .get(
            &format!("{base}/events/timeline?from={}", time(Age::hours(3))),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let hours = r.body["items"].as_array().unwrap();
    assert!((3..=5).contains(&hours.len()), "{}", r.body);
    let sum = |k: &str| hours.iter().map(|h| h[k].as_u64().unwrap()).sum::<u64>();
    assert!(sum("events") >= 2 && sum("occurrences") >= 6, "{}", r.body);

    // a node's detail shows its archived events
    let node = tb.kubectl_ok(&["get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"]);
    let node = node.trim();
    create_event(
        &tb,
        n,
        "node.pressure",
        "Node",
        node,
        "KdNodePressure",
        "Warning",
        "disk pressure",
        Age::zero(),
    );
    let detail = eventually("the node's event on its detail", WAIT, || async {
        let d = app.get(&format!("{base}/nodes/{node}"), &admin).await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.body);
        d.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["reason"] == "KdNodePressure")
            .then_some(d.body)
    })
    .await;
    assert!(
        detail["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["involved_object"] == format!("Node/{node}")),
        "{detail}"
    );

    // bad query parameters: 400 naming the field
    for (query, field, code) in [
        ("type=Critical", "type", "not_one_of"),
        ("from=yesterday", "from", "invalid_time"),
        ("to=2026-13-01T00:00:00Z", "to", "invalid_time"),
        (
            "from=2026-11-30T10:00:00Z&to=2026-11-30T09:00:00Z",
            "from",
            "invalid_time_range",
        ),
        ("page_size=100000", "page_size", "out_of_range"),
    ] {
        let r = app
            .get(&format!("{base}/events/search?{query}"), &admin)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.body);
        assert_eq!(r.body["field"], field, "{query}: {}", r.body);
        assert_eq!(r.body["code"], code, "{query}: {}", r.body);
    }
    let r = app
        .get(
            &format!("{base}/events/timeline?from=2026-01-01T00:00:00Z&to=2026-11-30T00:00:00Z"),
            &admin,
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("from")),
        "{}",
        r.body
    );
    let r = app.get("/api/v1/k8s/cluster/999999/events", &admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    app.stop().await;
}

/// The API server's own `--event-ttl` (issue 16): a cluster of its own whose API server keeps events 15 s. An event
/// and its repeat are archived; once the API server has expired it (kubectl no longer lists it), Kubedeck still
/// finds it, as one row with its count, also after a restart of Kubedeck (whose new watcher lists the cluster's
/// events again and adds nothing).
async fn events_the_api_server_expired_with_its_event_ttl_are_still_archived() {
    let tb = Testbed::from_env();
    let server = crate::apiserver::SecondApiserver::private_with(&tb, &[("--event-ttl", "15s")]);
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_kubeconfig(&app, &admin, "short-ttl", server.admin_kubeconfig()).await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    eventually("the cluster's event watcher", WAIT, || async {
        app.state.hub.get(id).filter(|h| h.events.listed()).map(|_| ())
    })
    .await;
    let event = json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "ghost.ttl", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "ghost", "namespace": "default", "apiVersion": "v1"},
        "reason": "ShortLived", "type": "Warning", "message": "kept for 15 s by the API server", "count": 1,
        "firstTimestamp": time(Age::seconds(2)), "lastTimestamp": time(Age::seconds(2)),
        "source": {"component": "kubedeck-test"},
    });
    let path = std::env::temp_dir().join(format!("{}.json", unique_name("ttl-event")));
    std::fs::write(&path, event.to_string()).unwrap();
    server.kubectl_ok(&["create", "-f", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    eventually("the event in the archive", WAIT, || async {
        let l = search(&app, &admin, &base, "reason=ShortLived").await;
        (l["items"][0]["count"] == 1).then_some(())
    })
    .await;
    // a repeat, written before the first one expires (which gives it 15 s again)
    server.kubectl_ok(&[
        "-n",
        "default",
        "patch",
        "event",
        "ghost.ttl",
        "--type=merge",
        "-p",
        &json!({"count": 3, "lastTimestamp": time(Age::zero())}).to_string(),
    ]);
    eventually("the repeat in the archive", WAIT, || async {
        let l = search(&app, &admin, &base, "reason=ShortLived").await;
        (l["items"][0]["count"] == 3).then_some(())
    })
    .await;
    // the API server expires it (its etcd lease runs out): kubectl no longer lists it
    eventually("the API server to expire the event", Duration::from_secs(90), || async {
        let out = server.kubectl(&["-n", "default", "get", "event", "ghost.ttl", "-o", "name"]);
        (!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("NotFound")).then_some(())
    })
    .await;
    let kept = search(&app, &admin, &base, "reason=ShortLived").await;
    assert_eq!(kept["total"], 1, "one row for the event and its repeat: {kept}");
    assert_eq!(kept["items"][0]["count"], 3, "{kept}");
    assert_eq!(kept["items"][0]["message"], "kept for 15 s by the API server");
    // a restart: the new watcher lists the cluster's events (the expired one is not among them) and adds nothing
    let app = app.restart().await;
    let admin = app.admin_token().await;
    eventually("the restarted app's event watcher", WAIT, || async {
        app.state.hub.get(id).filter(|h| h.events.listed()).map(|_| ())
    })
    .await;
    let after = search(&app, &admin, &base, "reason=ShortLived").await;
    assert_eq!(after["total"], 1, "{after}");
    assert_eq!(after["items"][0]["count"], 3, "{after}");
    app.stop().await;
}

on_one_backend!(events_the_api_server_expired_with_its_event_ttl_are_still_archived);

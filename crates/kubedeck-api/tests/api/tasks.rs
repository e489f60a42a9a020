//! The task history: newest first, filtered, paged, without progress documents, and only the tasks of clusters
//! the caller may read tasks of.

use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

async fn the_task_history_shows_what_the_caller_may_see_newest_first() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let store = &app.state.store;
    // A drain's progress holds every pod of its node: the list must not carry it.
    let big = json!({"node": "n", "pods": vec![json!({"namespace": "ns", "name": "p", "state": "evicted"}); 500]});
    let mut made = Vec::new();
    for (cluster, kind, target) in [
        (Some(1), "node.drain", "node-a"),
        (Some(2), "node.drain", "node-b"),
        (Some(1), "cluster.sync", "cluster-1"),
        (None, "maintenance", "everything"),
    ] {
        let t = store
            .create_task(kind, cluster, target, "admin", "replica-x", &big)
            .await
            .unwrap();
        made.push(t.id);
    }
    store
        .finish_task(made[0], "succeeded", &big, None)
        .await
        .unwrap();

    let all = app.get("/api/v1/tasks", &admin).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let mut newest_first = made.clone();
    newest_first.reverse();
    assert_eq!(ids(&all.body), newest_first, "{}", all.body);
    assert_eq!(all.body["total"], 4);
    for t in all.body["items"].as_array().unwrap() {
        assert!(
            t.get("progress").is_none(),
            "the list carries no progress: {t}"
        );
    }
    assert_eq!(all.body["items"][3]["status"], "succeeded");
    assert_eq!(all.body["items"][3]["target"], "node-a");
    assert_eq!(all.body["items"][3]["created_by"], "admin");

    // Filters and pages.
    let c1 = app.get("/api/v1/tasks?cluster_id=1", &admin).await;
    assert_eq!(ids(&c1.body), vec![made[2], made[0]]);
    let drains = app.get("/api/v1/tasks?kind=node.", &admin).await;
    assert_eq!(ids(&drains.body), vec![made[1], made[0]]);
    let running = app.get("/api/v1/tasks?status=running", &admin).await;
    assert_eq!(ids(&running.body), vec![made[3], made[2], made[1]]);
    let page2 = app.get("/api/v1/tasks?page=2&page_size=3", &admin).await;
    assert_eq!(ids(&page2.body), vec![made[0]]);
    assert_eq!(page2.body["total"], 4);
    let bad = app.get("/api/v1/tasks?status=done", &admin).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["code"], "not_one_of");
    assert_eq!(bad.body["field"], "status");
    assert_eq!(bad.body["params"]["value"], "done");

    // An operator of cluster 1 sees cluster 1's tasks only (not cluster 2's, not the global one).
    let op = app
        .user_token(
            "tasks-op",
            &[Binding {
                role: Role::Operator,
                cluster_id: Some(1),
                namespace: None,
            }],
        )
        .await;
    let mine = app.get("/api/v1/tasks", &op).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(ids(&mine.body), vec![made[2], made[0]]);
    assert_eq!(mine.body["total"], 2);
    let other = app.get("/api/v1/tasks?cluster_id=2", &op).await;
    assert_eq!(ids(&other.body), Vec::<i64>::new());
    app.stop().await;
}
on_every_backend!(the_task_history_shows_what_the_caller_may_see_newest_first);

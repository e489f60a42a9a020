//! Deleting an account ends its sessions at once; the audit list's filters return exactly what they name; an
//! audit entry says who did what to which object with what outcome, and never carries a secret sent with the
//! request.

use crate::helpers::*;
use chrono::{DateTime, SubsecRound, Utc};
use kubedeck_core::password::hash_password;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_store::users::NewUser;
use kubedeck_testbed::{Namespace, Testbed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

/// Logs in and returns (access token, refresh token).
async fn session(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let r = app.login(username, password).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (
        r.body["access_token"].as_str().unwrap().to_owned(),
        r.body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn refresh(app: &TestApp, refresh_token: &str) -> crate::helpers::Resp {
    app.request(
        "POST",
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": refresh_token})),
    )
    .await
}

async fn a_deleted_user_loses_every_session_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let password = "carol-password-123";
    let carol = app
        .state
        .store
        .create_user(
            NewUser {
                username: "carol",
                display_name: "Carol",
                password_hash: hash_password(password),
                must_change_password: false,
            },
            &[Binding::global(Role::Viewer)],
        )
        .await
        .unwrap()
        .id;
    // Two sessions (two browsers), one of them already refreshed once.
    let laptop = session(&app, "carol", password).await;
    let phone = session(&app, "carol", password).await;
    let r = refresh(&app, &phone.1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let phone = (
        r.body["access_token"].as_str().unwrap().to_owned(),
        r.body["refresh_token"].as_str().unwrap().to_owned(),
    );
    for (access, _) in [&laptop, &phone] {
        let r = app.get("/api/v1/k8s/cluster", access).await;
        assert_eq!(r.status, StatusCode::OK, "before the delete: {}", r.body);
    }
    let listed = app.get("/api/v1/users?q=carol", &admin).await;
    assert_eq!(listed.body["total"], 1, "{}", listed.body);

    let r = app
        .request(
            "DELETE",
            &format!("/api/v1/users/{carol}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // Every session is over: access tokens (still unexpired) and refresh tokens alike, and the password.
    let check_sessions_dead = |when: &'static str| {
        let app = &app;
        let sessions = [laptop.clone(), phone.clone()];
        async move {
            for (access, refresh_token) in &sessions {
                for path in ["/api/v1/auth/me", "/api/v1/k8s/cluster"] {
                    let r = app.get(path, access).await;
                    assert_eq!(
                        r.status,
                        StatusCode::UNAUTHORIZED,
                        "{when}: GET {path} with a deleted user's token: {}",
                        r.body
                    );
                }
                let r = refresh(app, refresh_token).await;
                assert_eq!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{when}: a deleted user's refresh token: {}",
                    r.body
                );
            }
        }
    };
    check_sessions_dead("right after the delete").await;
    let r = app.login("carol", password).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);

    // Gone from the list and from its own address.
    let listed = app.get("/api/v1/users?page_size=500", &admin).await;
    assert_eq!(listed.status, StatusCode::OK);
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin"], "{}", listed.body);
    assert_eq!(listed.body["total"], 1);
    let r = app.get(&format!("/api/v1/users/{carol}"), &admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // A new account under the same name is someone else: the old sessions stay dead.
    let r = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "carol", "password": "another-carol-password-456", "bindings": [{"role": "viewer"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_ne!(r.body["id"], carol, "a deleted account's id is not reused");
    check_sessions_dead("after a new account took the name").await;

    // Audited: who deleted which account, and that it worked.
    let r = app.get("/api/v1/audit?action=user.delete", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["total"], 1, "{}", r.body);
    let e = &r.body["items"][0];
    let admin_id = app.get("/api/v1/auth/me", &admin).await.body["id"].clone();
    assert_eq!(e["username"], "admin");
    assert_eq!(e["user_id"], admin_id);
    assert_eq!(e["method"], "DELETE");
    assert_eq!(e["path"], format!("/api/v1/users/{carol}"));
    assert_eq!(e["resource"], "users/carol");
    assert_eq!(e["outcome"], "success");
    assert_eq!(e["status_code"], 204);
    app.stop().await;
}
on_every_backend!(a_deleted_user_loses_every_session_at_once);

/// The ids of an audit answer's items, after checking that `total` counts them all.
async fn audit_ids(app: &TestApp, token: &str, query: &str) -> BTreeSet<i64> {
    let r = app
        .get(&format!("/api/v1/audit?page_size=500&{query}"), token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(
        r.body["total"].as_u64().unwrap(),
        items.len() as u64,
        "{query}: {}",
        r.body
    );
    items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

fn at(e: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(e["at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

async fn each_audit_filter_returns_exactly_the_matching_entries() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let eve = app
        .user_token("eve", &[Binding::global(Role::Viewer)])
        .await;
    let dave = json!({"username": "dave", "password": "dave-initial-password-42"});
    let r = app.post("/api/v1/users", &admin, dave.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let dave_id = r.body["id"].as_i64().unwrap();
    let r = app.post("/api/v1/users", &admin, dave.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = app
        .post(
            "/api/v1/users",
            &eve,
            json!({"username": "x", "password": "x-password-123456"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app.login("dave", "not-daves-password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);

    // A mark between two batches, whole seconds away from both (MySQL keeps whole seconds).
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let mark = Utc::now().trunc_subsecs(0);
    tokio::time::sleep(Duration::from_millis(2100)).await;

    for (token, cluster, status) in [
        (&admin, 424242, StatusCode::NOT_FOUND),
        (&admin, 434343, StatusCode::NOT_FOUND),
        (&eve, 424242, StatusCode::FORBIDDEN),
    ] {
        let r = app
            .post(
                &format!("/api/v1/k8s/cluster/{cluster}/sync"),
                token,
                json!({}),
            )
            .await;
        assert_eq!(r.status, status, "{}", r.body);
    }
    let r = app
        .request(
            "PUT",
            &format!("/api/v1/users/{dave_id}/bindings"),
            Some(&admin),
            Some(json!([])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let everything = app.get("/api/v1/audit?page_size=500", &admin).await;
    let all: Vec<Value> = everything.body["items"].as_array().unwrap().clone();
    assert_eq!(
        all.len(),
        10,
        "3 logins, 3 user creations, 3 syncs, 1 binding change: {}",
        everything.body
    );
    let ids = |pred: &dyn Fn(&Value) -> bool| -> BTreeSet<i64> {
        all.iter()
            .filter(|e| pred(e))
            .map(|e| e["id"].as_i64().unwrap())
            .collect()
    };
    let cases: Vec<(String, BTreeSet<i64>, usize)> = vec![
        ("username=eve".into(), ids(&|e| e["username"] == "eve"), 3),
        ("username=dave".into(), ids(&|e| e["username"] == "dave"), 1),
        // Exact, not a substring.
        ("username=dav".into(), BTreeSet::new(), 0),
        (
            "action=user.".into(),
            ids(&|e| e["action"].as_str().unwrap().starts_with("user.")),
            3,
        ),
        (
            "action=user.create".into(),
            ids(&|e| e["action"] == "user.create"),
            2,
        ),
        (
            "action=auth.login".into(),
            ids(&|e| e["action"] == "auth.login"),
            3,
        ),
        (
            "outcome=success".into(),
            ids(&|e| e["outcome"] == "success"),
            4,
        ),
        (
            "outcome=denied".into(),
            ids(&|e| e["outcome"] == "denied"),
            3,
        ),
        (
            "outcome=failure".into(),
            ids(&|e| e["outcome"] == "failure"),
            3,
        ),
        (
            "cluster_id=424242".into(),
            ids(&|e| e["cluster_id"] == 424242),
            2,
        ),
        (
            format!("from={}", enc(&mark.to_rfc3339())),
            ids(&|e| at(e) >= mark),
            4,
        ),
        (
            format!("to={}", enc(&mark.to_rfc3339())),
            ids(&|e| at(e) < mark),
            6,
        ),
        (
            "username=admin&outcome=failure".into(),
            ids(&|e| e["username"] == "admin" && e["outcome"] == "failure"),
            3,
        ),
        (
            format!(
                "from={}&cluster_id=424242&outcome=denied",
                enc(&mark.to_rfc3339())
            ),
            ids(&|e| at(e) >= mark && e["cluster_id"] == 424242 && e["outcome"] == "denied"),
            1,
        ),
    ];
    for (query, expected, n) in cases {
        assert_eq!(
            expected.len(),
            n,
            "{query}: the scenario made {n} such entries"
        );
        assert_eq!(
            audit_ids(&app, &admin, &query).await,
            expected,
            "GET /api/v1/audit?{query}"
        );
    }

    // Pages count every match.
    let r = app
        .get("/api/v1/audit?action=user.&page_size=2&page=2", &admin)
        .await;
    assert_eq!(r.body["total"], 3, "{}", r.body);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.body);
    // A filter value that matches nothing by mistake is refused, not silently empty.
    let r = app.get("/api/v1/audit?outcome=succeeded", &admin).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["field"], "outcome");
    // Only platform admins read the audit log.
    let r = app.get("/api/v1/audit", &eve).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    app.stop().await;
}
on_every_backend!(each_audit_filter_returns_exactly_the_matching_entries);

async fn an_audit_entry_says_who_did_what_to_which_object_and_how_it_ended_without_secrets() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let admin_id = app.get("/api/v1/auth/me", &admin).await.body["id"].clone();
    let started = Utc::now().trunc_subsecs(0);
    let id = import_testbed(&app, &admin, &tb).await;
    let ns = Namespace::create_in(&tb, "audited");
    let n = ns.name().to_owned();
    apply(
        &tb,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: doomed, namespace: {n}}}\nspec:\n  containers: [{{name: c, image: busybox}}]\n"
        ),
    );
    let r = app
        .request(
            "DELETE",
            &format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/pods/doomed"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);

    // Passwords travel in several requests; none may be recorded.
    let planted = [
        "Planted-Initial-Password-81",
        "Planted-Reset-Password-82",
        "Planted-Wrong-Password-83",
        "Planted-New-Password-84",
    ];
    let r = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "frank", "password": planted[0]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let frank = r.body["id"].as_i64().unwrap();
    let r = app
        .request(
            "PUT",
            &format!("/api/v1/users/{frank}"),
            Some(&admin),
            Some(json!({"password": planted[1]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.login("frank", planted[2]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let (frank_token, _) = session(&app, "frank", planted[1]).await;
    let r = app
        .post(
            "/api/v1/auth/password",
            &frank_token,
            json!({"current_password": planted[1], "new_password": planted[3]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    let r = app.get("/api/v1/audit?page_size=500", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let items = r.body["items"].as_array().unwrap().clone();
    let find = |action: &str| -> Value {
        items
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} entry in {items:?}"))
            .clone()
    };

    // Who, what, which object, how it ended.
    let e = find("pod.delete");
    assert_eq!(e["username"], "admin");
    assert_eq!(e["user_id"], admin_id);
    assert_eq!(e["source_ip"], "127.0.0.1");
    assert_eq!(e["method"], "DELETE");
    assert_eq!(
        e["path"],
        format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/pods/doomed")
    );
    assert_eq!(e["cluster_id"], id);
    assert_eq!(e["namespace"], n.as_str());
    assert_eq!(e["resource"], "pods/doomed");
    assert_eq!(e["outcome"], "success");
    assert_eq!(e["status_code"], 202);
    assert!(
        e["request_id"].as_str().is_some_and(|s| !s.is_empty()),
        "{e}"
    );
    let when = at(&e);
    assert!(
        when >= started && when <= Utc::now() + chrono::Duration::seconds(1),
        "{when} vs {started}"
    );
    let detail: Value = serde_json::from_str(e["detail"].as_str().unwrap()).unwrap();
    assert_eq!(
        detail,
        json!({"grace_period_seconds": null, "force": false})
    );

    // The import's summary names the cluster and shows the redaction marker where the kubeconfig was.
    let e = find("cluster.import");
    assert_eq!(e["cluster_id"], id);
    assert_eq!(e["outcome"], "success");
    assert_eq!(e["status_code"], 201);
    let detail: Value = serde_json::from_str(e["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["credential"], "[redacted]", "{detail}");
    assert!(
        detail["name"].as_str().unwrap().starts_with("testbed"),
        "{detail}"
    );

    let e = find("user.update");
    assert_eq!(e["resource"], "users/frank");
    let detail: Value = serde_json::from_str(e["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["password_reset"], true, "{detail}");
    let e = find("auth.password_change");
    assert_eq!(
        (e["username"].as_str(), e["status_code"].as_i64()),
        (Some("frank"), Some(204))
    );

    // Nothing secret anywhere in the log: no password, no key or certificate of the kubeconfig.
    let text = r.body.to_string();
    for p in planted {
        assert!(!text.contains(p), "a password reached the audit log: {p}");
    }
    let kubeconfig = tb.admin_kubeconfig();
    for line in kubeconfig.lines() {
        if let Some((key, value)) = line.trim().split_once(": ")
            && key.ends_with("-data")
        {
            let piece = &value.trim()[..40.min(value.trim().len())];
            assert!(!text.contains(piece), "{key} reached the audit log");
        }
    }
    drop(ns);
    app.stop().await;
}
on_every_backend!(
    an_audit_entry_says_who_did_what_to_which_object_and_how_it_ended_without_secrets
);

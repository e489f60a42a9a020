//! Cluster management against the real testbed: import with preflight, refusals, sync, health, counts.

use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_testbed::{Testbed, unique_name};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn import_body(name: &str, kubeconfig: &str) -> Value {
    json!({"name": name, "description": "testbed", "credential": kubeconfig})
}

/// Node counts as kubectl sees them: (total, ready, masters, workers).
fn kubectl_counts(tb: &Testbed) -> (i64, i64, i64, i64) {
    let nodes = tb.kubectl_json(&["get", "nodes", "-o", "json"]);
    let items = nodes["items"].as_array().unwrap();
    let ready = items
        .iter()
        .filter(|n| {
            n["status"]["conditions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
        .count() as i64;
    let masters = items
        .iter()
        .filter(|n| {
            let l = &n["metadata"]["labels"];
            l.get("node-role.kubernetes.io/master").is_some()
                || l.get("node-role.kubernetes.io/control-plane").is_some()
        })
        .count() as i64;
    (
        items.len() as i64,
        ready,
        masters,
        items.len() as i64 - masters,
    )
}

fn counts_of(v: &Value) -> (i64, i64, i64, i64) {
    (
        v["node_count"].as_i64().unwrap(),
        v["ready_nodes"].as_i64().unwrap(),
        v["master_nodes"].as_i64().unwrap(),
        v["worker_nodes"].as_i64().unwrap(),
    )
}

async fn importing_the_admin_kubeconfig_reports_version_nodes_and_full_permissions() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let kubeconfig = tb.admin_kubeconfig();
    let name = unique_name("prod");

    // Other tests add and remove simulated nodes meanwhile: the preflight must match kubectl's count at a moment
    // when the fleet holds still (the same count just before and just after it); a count that never matches fails.
    let mut tries = 0;
    let dry = loop {
        let before = kubectl_counts(&tb);
        let dry = app
            .post(
                "/api/v1/k8s/cluster?dry_run=true",
                &admin,
                import_body(&name, &kubeconfig),
            )
            .await;
        assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
        let after = kubectl_counts(&tb);
        let got = dry.body["preflight"]["nodes"]["node_count"].as_i64();
        if before == after && got == Some(before.0) {
            break dry;
        }
        tries += 1;
        assert!(
            tries < 20,
            "the preflight counted {got:?} nodes, never what kubectl counted around it ({before:?} before, {after:?} after): {}",
            dry.body
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let report = &dry.body["preflight"];
    assert_eq!(report["ok"], true);
    assert_eq!(report["version"]["git_version"], "v1.20.2");
    assert!(
        report["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["allowed"] == true),
        "{report}"
    );
    let client_cert = report["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "client")
        .expect("client cert reported");
    assert!(client_cert["days_left"].as_i64().unwrap() > 30);
    assert_eq!(
        app.get("/api/v1/k8s/cluster", &admin).await.body["total"],
        0,
        "dry run saved something"
    );

    let created = app
        .post(
            "/api/v1/k8s/cluster",
            &admin,
            import_body(&name, &kubeconfig),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let c = &created.body["cluster"];
    assert_eq!(c["status"], 2);
    assert_eq!(c["cluster_type"], 2);
    assert_eq!(c["version"], "v1.20.2");
    assert!(
        c.get("credential").is_none(),
        "credential returned by the API"
    );
    let id = c["id"].as_i64().unwrap();

    // The background sync keeps the spec's counters in line with kubectl.
    eventually(
        "node counts to match kubectl",
        Duration::from_secs(30),
        || async {
            let got = app.get(&format!("/api/v1/k8s/cluster/{id}"), &admin).await;
            let want = kubectl_counts(&tb);
            (counts_of(&got.body) == want && got.body["last_sync_at"].is_string()).then_some(())
        },
    )
    .await;
    let status = app
        .get(&format!("/api/v1/k8s/cluster/{id}/status"), &admin)
        .await;
    assert_eq!(status.body["status_text"], "running", "{}", status.body);
    // What an operator reads on the status: when the cluster last answered (just now) and how fast.
    let healthy_at: chrono::DateTime<chrono::Utc> = status.body["last_healthy_at"]
        .as_str()
        .unwrap_or_else(|| panic!("last_healthy_at: {}", status.body))
        .parse()
        .unwrap();
    let age = chrono::Utc::now() - healthy_at;
    assert!(
        age < chrono::Duration::seconds(60) && age > chrono::Duration::seconds(-5),
        "last healthy {age} ago: {}",
        status.body
    );
    let latency = status.body["api_latency_ms"]
        .as_f64()
        .unwrap_or_else(|| panic!("api_latency_ms: {}", status.body));
    assert!(
        (0.0..10_000.0).contains(&latency),
        "a local API server answers in well under 10 s: {latency} ms"
    );

    // The same credential cannot be imported twice.
    let dup = app
        .post(
            "/api/v1/k8s/cluster",
            &admin,
            import_body(&unique_name("again"), &kubeconfig),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.body);
    assert_eq!(dup.body["preflight"]["duplicate_of"], id);

    // The database holds no readable kubeconfig: not in the rows, not in the SQLite files.
    let row = app.state.store.find_cluster(id).await.unwrap().unwrap();
    let secret_line = kubeconfig
        .lines()
        .find(|l| l.contains("client-key-data"))
        .unwrap()
        .trim()
        .to_owned();
    let key_data = secret_line.split(':').nth(1).unwrap().trim().to_owned();
    assert!(!row.credential.contains(&key_data[..40]));
    let mut raw = Vec::new();
    if let Some(path) = app
        .db_url()
        .strip_prefix("sqlite://")
        .map(|s| s.split('?').next().unwrap().to_owned())
    {
        for suffix in ["", "-wal"] {
            if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                raw.extend(bytes);
            }
        }
        let text = String::from_utf8_lossy(&raw);
        assert!(!raw.is_empty());
        assert!(
            !text.contains(&key_data[..40]),
            "client key found in the raw database"
        );
        assert!(
            // the PEM armour; not "BEGIN" alone, which SQLite's schema holds in every trigger's text
            !text.contains("-----BEGIN"),
            "PEM text found in the raw database"
        );
    }

    // Delete forgets the cluster but leaves the cluster itself alone.
    let del = app
        .request(
            "DELETE",
            &format!("/api/v1/k8s/cluster/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/api/v1/k8s/cluster/{id}"), &admin)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    eventually("watchers to stop", Duration::from_secs(5), || async {
        app.state.hub.get(id).is_none().then_some(())
    })
    .await;
    assert!(tb.kubectl(&["get", "nodes"]).status.success());
    app.stop().await;
}
on_every_backend!(importing_the_admin_kubeconfig_reports_version_nodes_and_full_permissions);

async fn restricted_and_useless_credentials_import_with_a_report_of_what_will_not_work() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for (which, kubeconfig) in [
        ("restricted", tb.restricted_kubeconfig()),
        ("useless", tb.useless_kubeconfig()),
    ] {
        let r = app
            .post(
                "/api/v1/k8s/cluster",
                &admin,
                import_body(&unique_name(which), &kubeconfig),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{which}: {}", r.body);
        let perms = r.body["preflight"]["permissions"].as_array().unwrap();
        let allowed =
            |f: &str| perms.iter().find(|p| p["feature"] == f).unwrap()["allowed"] == true;
        assert!(!allowed("nodes.drain"), "{which} may not drain");
        assert!(!allowed("secrets.read"), "{which} may not read secrets");
        assert!(
            !allowed("pods.read"),
            "{which} may not read pods cluster-wide"
        );
        let warnings = r.body["preflight"]["warnings"].as_array().unwrap();
        assert!(
            warnings
                .iter()
                .any(|w| w.as_str().unwrap().contains("not allowed cluster-wide")),
            "{which}: {warnings:?}"
        );
        // The same warning as a coded finding naming exactly the denied features, for the console's sentence.
        let findings = r.body["preflight"]["findings"].as_array().unwrap();
        let denied = findings
            .iter()
            .find(|f| f["code"] == "features_denied")
            .unwrap_or_else(|| panic!("{which}: {findings:?}"));
        assert_eq!(denied["severity"], "warning");
        let mut named: Vec<&str> = denied["params"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let mut expected: Vec<&str> = perms
            .iter()
            .filter(|p| p["allowed"] == false)
            .map(|p| p["feature"].as_str().unwrap())
            .collect();
        named.sort();
        expected.sort();
        assert_eq!(named, expected, "{which}");
        let detail = app
            .get(
                &format!("/api/v1/k8s/cluster/{}", r.body["cluster"]["id"]),
                &admin,
            )
            .await;
        assert_eq!(
            detail.body["capabilities"].as_array().unwrap().len(),
            perms.len(),
            "capabilities kept with the cluster"
        );
    }
    app.stop().await;
}
on_every_backend!(restricted_and_useless_credentials_import_with_a_report_of_what_will_not_work);

async fn unsafe_broken_and_unreachable_kubeconfigs_are_refused_and_nothing_is_saved() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let good = tb.admin_kubeconfig();
    let cert_line = good
        .lines()
        .find(|l| l.contains("client-certificate-data"))
        .unwrap()
        .to_owned();
    let key_line = good
        .lines()
        .find(|l| l.contains("client-key-data"))
        .unwrap()
        .to_owned();
    let with_exec = good.replace(&key_line, "").replace(
        &cert_line,
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /bin/sh\n      args: [-c, 'touch /tmp/pwned']",
    );
    let ca_line = good
        .lines()
        .find(|l| l.contains("certificate-authority-data"))
        .unwrap()
        .to_owned();
    let other_ca = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .encode(include_str!("../../../kubedeck-kube/testdata/cert.pem"))
    };
    let wrong_ca = good.replace(
        &ca_line,
        &format!("    certificate-authority-data: {other_ca}"),
    );
    let file_ca = good.replace(
        &ca_line,
        "    certificate-authority: /etc/ssl/certs/ca-certificates.crt",
    );
    let server_line = good
        .lines()
        .find(|l| l.trim_start().starts_with("server:"))
        .unwrap()
        .to_owned();
    let unreachable = good.replace(&server_line, "    server: https://127.0.0.1:1");
    let huge = format!("{good}\n# {}", "x".repeat(10 * 1024 * 1024));
    let cases: Vec<(&str, String, u16, &str)> = vec![
        ("exec plugin", with_exec, 400, "kubeconfig_unsafe"),
        ("CA file path", file_ca, 400, "kubeconfig_unsafe"),
        ("wrong CA", wrong_ca, 422, "tls_verification_failed"),
        (
            "unreachable server",
            unreachable,
            422,
            "cluster_unreachable",
        ),
        (
            "garbage",
            "{{{ this is : not yaml".into(),
            400,
            "kubeconfig_invalid",
        ),
        ("10 MB document", huge, 413, "kubeconfig_too_large"),
    ];
    for (what, text, status, code) in cases {
        let r = app
            .post(
                "/api/v1/k8s/cluster",
                &admin,
                import_body(&unique_name("bad"), &text),
            )
            .await;
        assert_eq!(r.status.as_u16(), status, "{what}: {}", r.body);
        assert_eq!(r.body["code"], code, "{what}: {}", r.body);
        assert_eq!(r.body["field"], "credential", "{what}");
        assert!(!r.body["message"].as_str().unwrap().is_empty());
        // The params the console words the refusal with, in the user's language.
        let p = &r.body["params"];
        let named = |k: &str| p[k].as_str().is_some_and(|v| !v.is_empty());
        match what {
            "exec plugin" => assert!(p["rule"] == "exec" && named("user"), "{what}: {p}"),
            "CA file path" => assert!(
                p["rule"] == "certificate-authority" && named("cluster"),
                "{what}: {p}"
            ),
            "unreachable server" => assert!(
                p["server"] == "https://127.0.0.1:1" && named("detail"),
                "{what}: {p}"
            ),
            "wrong CA" => assert!(named("server") && named("detail"), "{what}: {p}"),
            "garbage" => assert!(
                p["rule"] == "yaml"
                    && named("detail")
                    && !p["detail"].as_str().unwrap().contains("failed to parse"),
                "{what}: {p}"
            ),
            "10 MB document" => assert_eq!(p["limit"], 512 * 1024, "{what}: {p}"),
            _ => {}
        }
    }
    assert!(
        !std::path::Path::new("/tmp/pwned").exists(),
        "the exec plugin ran"
    );
    assert_eq!(
        app.get("/api/v1/k8s/cluster", &admin).await.body["total"],
        0,
        "a refused import saved a row"
    );
    let bad_name = app
        .post("/api/v1/k8s/cluster", &admin, import_body("", &good))
        .await;
    assert_eq!(bad_name.body["field"], "name");
    let bad_ctx = app
        .post(
            "/api/v1/k8s/cluster",
            &admin,
            json!({"name": "x", "credential": good, "context": "nope"}),
        )
        .await;
    assert_eq!(bad_ctx.body["code"], "context_not_found");
    assert_eq!(bad_ctx.body["field"], "context");

    // Audit records of the refusals carry no kubeconfig.
    let key = good
        .lines()
        .find(|l| l.contains("client-key-data"))
        .unwrap()
        .split(':')
        .nth(1)
        .unwrap()
        .trim()[..40]
        .to_owned();
    assert!(
        app.audit()
            .await
            .iter()
            .all(|a| !a.detail.contains(&key) && !a.detail.contains("BEGIN"))
    );
    app.stop().await;
}
on_every_backend!(unsafe_broken_and_unreachable_kubeconfigs_are_refused_and_nothing_is_saved);

async fn node_counts_follow_the_simulator_adding_and_removing_nodes() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = app
        .post(
            "/api/v1/k8s/cluster",
            &admin,
            import_body(&unique_name("counts"), &tb.admin_kubeconfig()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["cluster"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/k8s/cluster/{id}");
    let node = unique_name("extra");
    let (code, body) = tb.sim(
        "POST",
        "/nodes",
        // Tainted, so no other test's pod lands on a node this test removes.
        Some(&json!({"name": node, "role": "worker",
                     "taints": [{"key": "kubedeck.test/node", "value": node, "effect": "NoSchedule"}]})),
    );
    assert!(code < 300, "sim refused: {body}");
    eventually(
        "the new node to be counted",
        Duration::from_secs(30),
        || async {
            let want = kubectl_counts(&tb);
            let got = counts_of(&app.get(&path, &admin).await.body);
            (got == want && tb.kubectl(&["get", "node", &node]).status.success()).then_some(())
        },
    )
    .await;
    let (code, body) = tb.sim("DELETE", &format!("/nodes/{node}"), None);
    assert!(code < 300, "sim refused: {body}");
    eventually(
        "the removed node to be uncounted",
        Duration::from_secs(30),
        || async {
            let want = kubectl_counts(&tb);
            let got = counts_of(&app.get(&path, &admin).await.body);
            (got == want && !tb.kubectl(&["get", "node", &node]).status.success()).then_some(())
        },
    )
    .await;
    app.stop().await;
}
on_every_backend!(node_counts_follow_the_simulator_adding_and_removing_nodes);

async fn a_user_bound_to_one_cluster_sees_only_that_cluster() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let a = app
        .post(
            "/api/v1/k8s/cluster",
            &admin,
            import_body(&unique_name("a"), &tb.admin_kubeconfig()),
        )
        .await;
    let b = app
        .post(
            "/api/v1/k8s/cluster",
            &admin,
            import_body(&unique_name("b"), &tb.restricted_kubeconfig()),
        )
        .await;
    let (a, b) = (
        a.body["cluster"]["id"].as_i64().unwrap(),
        b.body["cluster"]["id"].as_i64().unwrap(),
    );
    let token = app
        .user_token(
            "team-a",
            &[Binding {
                role: Role::Operator,
                cluster_id: Some(a),
                namespace: None,
            }],
        )
        .await;
    let list = app.get("/api/v1/k8s/cluster", &token).await;
    assert_eq!(list.body["total"], 1, "{}", list.body);
    assert_eq!(list.body["items"][0]["id"], a);
    assert_eq!(
        app.get(&format!("/api/v1/k8s/cluster/{b}"), &token)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // An operator may look but not re-sync or delete.
    assert_eq!(
        app.request(
            "POST",
            &format!("/api/v1/k8s/cluster/{a}/sync"),
            Some(&token),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.request(
            "DELETE",
            &format!("/api/v1/k8s/cluster/{a}"),
            Some(&token),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let synced = app
        .request(
            "POST",
            &format!("/api/v1/k8s/cluster/{a}/sync"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(synced.status, StatusCode::OK);
    assert_eq!(synced.body["status_text"], "running");
    app.stop().await;
}
on_every_backend!(a_user_bound_to_one_cluster_sees_only_that_cluster);

/// A deleted cluster's sync lease is given back: held, it counted against the replica's share of clusters, and the
/// cluster imported after it was never watched (seen with one replica: delete, import, pods only from the snapshot
/// of the import's one-off sync, nothing collected).
async fn a_cluster_imported_after_one_was_deleted_is_synced() {
    let tb = kubedeck_testbed::Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // the loop holds the cluster's lease and watches it (the import's one-off sync watches it for a moment too,
    // and the loop stops that when the cluster is not its to hold)
    let watched = |id: i64| {
        let (app, admin) = (&app, &admin);
        async move {
            eventually(&format!("cluster {id} held and watched by the replica"), Duration::from_secs(60), || async {
                let held = app
                    .state
                    .store
                    .held_leases(&app.state.replica_id, "sync:cluster:")
                    .await
                    .unwrap();
                let r = app.get(&format!("/api/v1/k8s/cluster/{id}/pods?page_size=1"), admin).await;
                (held.contains(&format!("sync:cluster:{id}")) && r.body["source"] == "live").then_some(held)
            })
            .await
        }
    };
    let first = import_testbed(&app, &admin, &tb).await;
    watched(first).await;
    let r = app.request("DELETE", &format!("/api/v1/k8s/cluster/{first}"), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let second = import_testbed(&app, &admin, &tb).await;
    watched(second).await;
    eventually("the deleted cluster's lease given back", Duration::from_secs(20), || async {
        let held = app.state.store.held_leases(&app.state.replica_id, "sync:cluster:").await.unwrap();
        (!held.contains(&format!("sync:cluster:{first}"))).then_some(())
    })
    .await;
    app.stop().await;
}
on_every_backend!(a_cluster_imported_after_one_was_deleted_is_synced);

//! The `kubedeck` binary as an operator runs it: first start, secrets kept out of logs and the database,
//! key rotation while serving, graceful shutdown.

mod common;

use common::{BIN, Server, call, temp_dir};
use kubedeck_testbed::Testbed;
use serde_json::json;
use std::process::Command;
use std::time::Duration;

/// The SQLite database and its write-ahead log as text; both must exist.
fn raw_database(data: &std::path::Path) -> String {
    let mut db = Vec::new();
    for f in ["kubedeck.db", "kubedeck.db-wal"] {
        match std::fs::read(data.join(f)) {
            Ok(b) => db.extend(b),
            // After a clean stop SQLite folds the log into the database and removes it.
            Err(_) if f.ends_with("-wal") && !data.join("kubedeck.db-shm").exists() => {}
            Err(e) => panic!("{f} in {}: {e}", data.display()),
        }
    }
    assert!(!db.is_empty(), "empty database files");
    String::from_utf8_lossy(&db).into_owned()
}

#[tokio::test]
async fn first_start_prints_a_one_time_password_and_secrets_never_reach_logs_or_the_database() {
    let tb = Testbed::from_env();
    let data = temp_dir("kd-bin");
    let server = Server::start(&data, &[]);
    let password = server
        .output()
        .lines()
        .find_map(|l| l.split("one-time password: ").nth(1))
        .expect("first start prints the admin password")
        .trim()
        .to_owned();
    let base = server.base.clone();

    // Keys were generated into the data directory, readable only by the owner.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(data.join("jwt.secret"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    let (s, login) = call(
        &base,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "admin", "password": password})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(login["must_change_password"], true);
    let token = login["access_token"].as_str().unwrap().to_owned();
    let new_password = "planted-admin-password-42";
    let (s, _) = call(
        &base,
        "POST",
        "/api/v1/auth/password",
        Some(&token),
        Some(json!({"current_password": password, "new_password": new_password})),
    )
    .await;
    assert_eq!(s, 204);
    let (_, login) = call(
        &base,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "admin", "password": new_password})),
    )
    .await;
    let token = login["access_token"].as_str().unwrap().to_owned();

    // Plant secrets everywhere a careless server might echo them.
    let _ = call(
        &base,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "admin", "password": "planted-wrong-password"})),
    )
    .await;
    let (s, _) = call(
        &base,
        "POST",
        "/api/v1/users",
        Some(&token),
        Some(json!({"username": "eve", "password": "planted-user-password"})),
    )
    .await;
    assert_eq!(s, 201);
    let kubeconfig = tb.admin_kubeconfig();
    let (s, created) = call(
        &base,
        "POST",
        "/api/v1/k8s/cluster",
        Some(&token),
        Some(json!({"name": "prod", "credential": kubeconfig})),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    // A cluster imported with a bearer-token kubeconfig (the testbed's restricted user): the token must be
    // sealed like a client key.
    let (s, created) = call(
        &base,
        "POST",
        "/api/v1/k8s/cluster",
        Some(&token),
        Some(json!({"name": "token-user", "credential": tb.restricted_kubeconfig()})),
    )
    .await;
    assert_eq!(s, 201, "a token kubeconfig imports: {created}");
    let token_cluster = created["cluster"]["id"].as_i64().unwrap();
    let status_path = format!("/api/v1/k8s/cluster/{token_cluster}/status");
    // Wait until the token has been used against the cluster (and so could have been logged).
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (_, st) = call(&base, "GET", &status_path, Some(&token), None).await;
        if st["last_healthy_at"].is_string() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the token cluster never synced: {st}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The console is served at / (and for client-side routes): `make test` builds it before the binary.
    let index = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist/index.html");
    let expected = std::fs::read_to_string(&index).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): build the console first (cd web && npm run build)",
            index.display()
        )
    });
    assert!(expected.contains("<div id=\"root\">"), "{expected}");
    for path in ["/", "/clusters/1/nodes"] {
        let page = reqwest::get(format!("{base}{path}"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(page, expected, "{path} does not serve the built console");
    }
    // The raw database files while the server runs (WAL mode: the newest writes are in the -wal file).
    let raw_db_while_running = raw_database(&data);

    // Prometheus metrics count requests by route template and status, without logging in.
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("kubedeck_http_requests_total")
            && metrics.contains("route=\"/api/v1/auth/login\""),
        "{metrics}"
    );
    assert!(metrics.contains("kubedeck_http_request_duration_seconds"));
    assert!(
        !metrics.contains("planted"),
        "metrics must not carry request data"
    );

    let output = server.output.clone();
    let (ok, took) = server.stop();
    assert!(ok, "SIGTERM did not stop kubedeck cleanly");
    assert!(took < Duration::from_secs(15), "shutdown took {took:?}");

    let key_data = kubeconfig
        .lines()
        .find(|l| l.contains("client-key-data"))
        .unwrap()
        .split(':')
        .nth(1)
        .unwrap()
        .trim()[..48]
        .to_owned();
    let bearer_token = tb
        .restricted_kubeconfig()
        .lines()
        .find(|l| l.trim_start().starts_with("token:"))
        .unwrap()
        .split(':')
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    assert!(bearer_token.len() >= 32, "{bearer_token}");
    let logs = output.lock().unwrap().clone();
    assert!(
        logs.contains("DEBUG") || logs.contains("INFO"),
        "debug logging was on"
    );
    let db = raw_db_while_running + &raw_database(&data);
    // The grep can see what is stored in clear: user and cluster names are.
    assert!(
        db.contains("eve") && db.contains("token-user"),
        "the raw database files do not show plain stored data; the secret checks below would prove nothing"
    );
    for (what, secret) in [
        ("admin password", new_password),
        ("wrong password", "planted-wrong-password"),
        ("user password", "planted-user-password"),
        ("client key", key_data.as_str()),
        ("bearer token", bearer_token.as_str()),
    ] {
        assert!(!db.contains(secret), "{what} found in the database");
        assert!(!logs.contains(secret), "{what} found in the logs");
    }
    std::fs::remove_dir_all(&data).ok();
}

#[tokio::test]
async fn rotate_key_reseals_credentials_while_the_server_keeps_syncing() {
    let tb = Testbed::from_env();
    let data = temp_dir("kd-rotate");
    let server = Server::start(&data, &[("KUBEDECK_ADMIN_PASSWORD", "rotation-admin-pass")]);
    let base = server.base.clone();
    let (_, login) = call(
        &base,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "admin", "password": "rotation-admin-pass"})),
    )
    .await;
    assert_eq!(
        login["must_change_password"], false,
        "KUBEDECK_ADMIN_PASSWORD skips the forced change"
    );
    let token = login["access_token"].as_str().unwrap().to_owned();
    let (s, created) = call(
        &base,
        "POST",
        "/api/v1/k8s/cluster",
        Some(&token),
        Some(json!({"name": "prod", "credential": tb.admin_kubeconfig()})),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    let id = created["cluster"]["id"].as_i64().unwrap();

    let key_dir = data.join("keys/credential");
    let before = std::fs::read_to_string(key_dir.join("active")).unwrap();
    let rotate = Command::new(BIN)
        .args(["admin", "rotate-key", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        rotate.status.success(),
        "{}",
        String::from_utf8_lossy(&rotate.stderr)
    );
    let said = String::from_utf8_lossy(&rotate.stdout);
    assert!(said.contains("re-sealed 1 credentials"), "{said}");
    let after = std::fs::read_to_string(key_dir.join("active")).unwrap();
    assert_ne!(before.trim(), after.trim());

    // The running server meets a key id it did not load, reloads the key directory and keeps working.
    let (s, synced) = call(
        &base,
        "POST",
        &format!("/api/v1/k8s/cluster/{id}/sync"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(synced["status_text"], "running", "{synced}");
    assert_eq!(synced["last_error"], "", "{synced}");

    let prune = Command::new(BIN)
        .args(["admin", "rotate-key", "--prune", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(prune.status.success());
    let keys = std::fs::read_dir(&key_dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "key")
        })
        .count();
    assert_eq!(keys, 1, "only the active key is left after --prune");
    let (s, synced) = call(
        &base,
        "POST",
        &format!("/api/v1/k8s/cluster/{id}/sync"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        (s, synced["status_text"].as_str()),
        (200, Some("running")),
        "{synced}"
    );
    let (ok, _) = server.stop();
    assert!(ok);
    std::fs::remove_dir_all(&data).ok();
}

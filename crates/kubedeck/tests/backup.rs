//! `kubedeck admin backup` and `restore` as an operator runs them (issue 17), on every database backend the run
//! selects: a server with an imported cluster and a second account is backed up while it runs; the backup,
//! restored into an empty database and an empty data directory, serves the same accounts and opens the sealed
//! kubeconfig (the cluster's nodes are read live); a restore over existing data is refused and changes nothing.

mod common;

use common::{BIN, Server, ServerDb, call, temp_dir};
use kubedeck_testbed::{Testbed, unique_name};
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const PASSWORD: &str = "backup-admin-password";

/// An empty database on `backend` for this test (SQLite: a file in `dir`): its URL, and the server database.
async fn empty_database(backend: &str, dir: &Path) -> (String, Option<ServerDb>) {
    if backend == "sqlite" {
        return (format!("sqlite://{}?mode=rwc", dir.join("kubedeck.db").display()), None);
    }
    let db = ServerDb::create(backend).await;
    (db.url.clone(), Some(db))
}

/// `kubedeck admin <args>` with the data directory and database of a replica.
fn admin(data: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env("KUBEDECK_DATABASE_URL", url)
        .env_remove("KUBEDECK_JWT_SECRET_FILE")
        .env_remove("KUBEDECK_CREDENTIAL_KEY_DIR")
        .output()
        .unwrap()
}

async fn login(base: &str) -> String {
    let (status, body) =
        call(base, "POST", "/api/v1/auth/login", None, Some(json!({"username": "admin", "password": PASSWORD}))).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn round_trip(tb: &Testbed, backend: &str) {
    let work = temp_dir(&format!("kd-backup-{backend}"));
    let (data_a, data_b, saved) = (work.join("a"), work.join("b"), work.join("backup"));
    let (url_a, server_a) = empty_database(backend, &data_a).await;
    let (url_b, server_b) = empty_database(backend, &data_b).await;

    // a running server with a cluster (its kubeconfig sealed with the credential key) and a second account
    let a = Server::start(&data_a, &[("KUBEDECK_DATABASE_URL", &url_a), ("KUBEDECK_ADMIN_PASSWORD", PASSWORD)]);
    let token = login(&a.base).await;
    let name = unique_name("backed-up");
    let (status, imported) = call(
        &a.base,
        "POST",
        "/api/v1/k8s/cluster",
        Some(&token),
        Some(json!({"name": name, "credential": tb.admin_kubeconfig()})),
    )
    .await;
    assert_eq!(status, 201, "{imported}");
    let id = imported["cluster"]["id"].as_i64().unwrap();
    let (status, user) = call(
        &a.base,
        "POST",
        "/api/v1/users",
        Some(&token),
        Some(json!({"username": "ops-viewer", "password": "ops-viewer-password-1", "bindings": [{"role": "viewer"}]})),
    )
    .await;
    assert_eq!(status, 201, "{user}");

    // backed up while it runs
    let out = admin(&data_a, &url_a, &["backup", "--to", saved.to_str().unwrap()]);
    assert!(out.status.success(), "{backend} backup: {}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("credential key"), "{said}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the backup holds the keys: owner-only");
    }
    a.stop();

    // restored into an empty database and an empty data directory
    let out = admin(&data_b, &url_b, &["restore", "--from", saved.to_str().unwrap()]);
    assert!(out.status.success(), "{backend} restore: {}", String::from_utf8_lossy(&out.stderr));
    let b = Server::start(&data_b, &[("KUBEDECK_DATABASE_URL", &url_b)]);
    let token = login(&b.base).await;
    let (status, users) = call(&b.base, "GET", "/api/v1/users?page_size=100", Some(&token), None).await;
    assert_eq!(status, 200, "{users}");
    assert!(users["items"].as_array().unwrap().iter().any(|u| u["username"] == "ops-viewer"), "{users}");
    // the sealed kubeconfig opens with the restored key: the restored server reaches the cluster
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, nodes) = call(&b.base, "GET", &format!("/api/v1/k8s/cluster/{id}/nodes?page_size=1"), Some(&token), None).await;
        if nodes["source"] == "live" && nodes["total"].as_u64().is_some_and(|n| n > 0) {
            break;
        }
        assert!(Instant::now() < deadline, "{backend}: the restored server never reached cluster {id}: {nodes}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // a restore over existing data is refused, and changes nothing
    let out = admin(&data_b, &url_b, &["restore", "--from", saved.to_str().unwrap()]);
    assert!(!out.status.success(), "{backend}: a restore over existing data was accepted");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("restore into"), "{backend}: {said}");
    let (status, _) = call(&b.base, "GET", &format!("/api/v1/k8s/cluster/{id}"), Some(&token), None).await;
    assert_eq!(status, 200);
    b.stop();

    for db in [server_a, server_b].into_iter().flatten() {
        db.drop_db().await;
    }
    let _ = std::fs::remove_dir_all(&work);
}

#[tokio::test]
async fn a_backup_restored_into_an_empty_database_serves_the_same_accounts_and_clusters() {
    let tb = Testbed::from_env();
    let selected = std::env::var("KUBEDECK_TEST_BACKENDS").unwrap_or_else(|_| "sqlite,postgres,mysql".into());
    for backend in ["sqlite", "postgres", "mysql"].into_iter().filter(|b| selected.contains(b)) {
        round_trip(&tb, backend).await;
    }
}

//! etcd backups (issue 18) against the testbed's real etcd (3.4, plain HTTP): endpoints are checked before they
//! are saved; a snapshot taken through the API reports what `etcdctl snapshot status` reports for the downloaded
//! file, whose SHA-256 is the one the API shows; restored with `etcdctl snapshot restore` into a fresh data dir,
//! with a fresh etcd and kube-apiserver on it, it holds the ConfigMap created before the snapshot and not the one
//! created after. A `* * * * *` schedule makes a snapshot appear on its own, and retention keeps the newest few.

use crate::apiserver::SecondApiserver;
use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// An app whose snapshots go to a directory of its own, with a fast schedule tick.
async fn app_with_own_snapshot_dir() -> (TestApp, PathBuf) {
    let dir = std::env::temp_dir().join(kubedeck_testbed::unique_name("kd-etcd-snaps"));
    let mut opts = AppOptions::default();
    opts.settings.etcd_snapshot_dir = dir.clone();
    opts.settings.schedule_tick = Duration::from_secs(1);
    (spawn_app_with(opts).await, dir)
}

fn etcd_url(tb: &kubedeck_testbed::Testbed) -> String {
    tb.env("ETCD_URL").expect("ETCD_URL in testbed.env").to_owned()
}

/// `etcdctl snapshot status -w json` of a file.
fn etcdctl_status(file: &Path) -> Value {
    let out = Command::new("etcdctl")
        .env("ETCDCTL_API", "3")
        .args(["snapshot", "status", "-w", "json"])
        .arg(file)
        .output()
        .expect("etcdctl (Debian package etcd-client) is installed");
    assert!(out.status.success(), "etcdctl snapshot status: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A fresh etcd on a restored data dir; killed when dropped.
struct RestoredEtcd {
    child: Child,
    dir: PathBuf,
    url: String,
}

impl RestoredEtcd {
    /// `etcdctl snapshot restore` into a new data dir, then etcd on it on free ports.
    fn restore(snapshot: &Path) -> Self {
        let dir = std::env::temp_dir().join(kubedeck_testbed::unique_name("kd-etcd-restore"));
        let data = dir.join("data");
        let (client, peer) = (free_port(), free_port());
        let peer_url = format!("http://127.0.0.1:{peer}");
        let out = Command::new("etcdctl")
            .env("ETCDCTL_API", "3")
            .args(["snapshot", "restore"])
            .arg(snapshot)
            .args(["--data-dir", data.to_str().unwrap(), "--name", "restored"])
            .args(["--initial-cluster", &format!("restored={peer_url}")])
            .args(["--initial-advertise-peer-urls", &peer_url])
            .output()
            .unwrap();
        assert!(out.status.success(), "etcdctl snapshot restore: {}", String::from_utf8_lossy(&out.stderr));
        let url = format!("http://127.0.0.1:{client}");
        let child = Command::new("etcd")
            .args(["--data-dir", data.to_str().unwrap(), "--name", "restored"])
            .args(["--listen-client-urls", &url, "--advertise-client-urls", &url])
            .args(["--listen-peer-urls", &peer_url, "--initial-advertise-peer-urls", &peer_url])
            .args(["--initial-cluster", &format!("restored={peer_url}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        kubedeck_testbed::wait_until("the restored etcd answers", Duration::from_secs(30), || {
            Command::new("etcdctl")
                .env("ETCDCTL_API", "3")
                .args(["--endpoints", &url, "endpoint", "health"])
                .output()
                .ok()
                .filter(|o| o.status.success())
        });
        RestoredEtcd { child, dir, url }
    }
}

impl Drop for RestoredEtcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn download(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn a_snapshot_restores_the_objects_of_its_time_and_matches_etcdctl() {
    let tb = kubedeck_testbed::Testbed::from_env();
    let ns = kubedeck_testbed::Namespace::create_in(&tb, "etcd-backup");
    let (app, dir) = app_with_own_snapshot_dir().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}/etcd");

    // nothing set yet
    let r = app.get(&base, &admin).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("etcd_not_configured")), "{}", r.body);
    let r = app.post(&format!("{base}/snapshots"), &admin, json!({})).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("etcd_not_configured")), "{}", r.body);

    // wrong settings are refused, naming the field; an endpoint that does not answer is refused too
    let put = |body: Value| {
        let app = &app;
        let admin = &admin;
        let base = &base;
        async move { app.request("PUT", base, Some(admin), Some(body)).await }
    };
    let r = put(json!({"endpoints": ["ftp://127.0.0.1:2379"]})).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_url"), Some("endpoints")), "{}", r.body);
    let r = put(json!({"endpoints": [etcd_url(&tb)], "schedule": "61 * * * *"})).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_cron"), Some("schedule")), "{}", r.body);
    let r = put(json!({"endpoints": [etcd_url(&tb)], "schedule": "0 0 3 * * *"})).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_cron"), Some("schedule")), "{}", r.body);
    let r = put(json!({"endpoints": [etcd_url(&tb)], "keep_count": 0})).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("out_of_range"), Some("keep_count")), "{}", r.body);
    let r = put(json!({"endpoints": [etcd_url(&tb)], "client_cert": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"})).await;
    assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("client_key")), "{}", r.body);
    let dead = format!("http://127.0.0.1:{}", free_port());
    let r = put(json!({"endpoints": [dead]})).await;
    assert_eq!(
        (r.status, r.body["code"].as_str(), r.body["field"].as_str(), r.body["params"]["endpoint"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("etcd_unreachable"), Some("endpoints"), Some(dead.as_str())),
        "{}", r.body
    );
    // the testbed's API server is HTTPS but not etcd
    let r = put(json!({"endpoints": [tb.apiserver_url()]})).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("etcd_unreachable")), "{}", r.body);

    let r = put(json!({"endpoints": [format!("{}/", etcd_url(&tb))]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["endpoints"], json!([etcd_url(&tb)]), "{}", r.body);
    assert!(r.body["members"][0]["version"].as_str().unwrap().starts_with("3."), "{}", r.body);
    assert!(r.body["members"][0]["revision"].as_i64().unwrap() > 0, "{}", r.body);
    assert_eq!(r.body["client_cert_set"], false);
    let r = app.get(&base, &admin).await;
    assert_eq!((r.status, r.body["members"].is_null()), (StatusCode::OK, true), "{}", r.body);

    // only etcd.admin: an operator may not take or download snapshots
    let operator = app.user_token("etcd-operator", &[Binding::global(Role::Operator)]).await;
    let r = app.post(&format!("{base}/snapshots"), &operator, json!({})).await;
    assert_eq!((r.status, r.body["params"]["permission"].as_str()), (StatusCode::FORBIDDEN, Some("etcd.admin")), "{}", r.body);

    // A before the snapshot, B after
    tb.kubectl_ok(&["-n", ns.name(), "create", "configmap", "before-snapshot", "--from-literal=k=a"]);
    let r = app.post(&format!("{base}/snapshots"), &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let snap = r.body;
    assert_eq!((snap["status"].as_str(), snap["trigger"].as_str(), snap["requested_by"].as_str()), (Some("succeeded"), Some("manual"), Some("admin")), "{snap}");
    tb.kubectl_ok(&["-n", ns.name(), "create", "configmap", "after-snapshot", "--from-literal=k=b"]);
    let sid = snap["id"].as_i64().unwrap();
    let r = app.get(&format!("{base}/snapshots"), &admin).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1, "{}", r.body);
    assert_eq!(r.body[0]["id"], sid);

    // the download: the bytes whose SHA-256 the API shows, with the status etcdctl reads from them
    let resp = download(&app, &operator, &format!("{base}/snapshots/{sid}/download")).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = download(&app, &admin, &format!("{base}/snapshots/{sid}/download")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let disposition = resp.headers()[reqwest::header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=") && disposition.ends_with(".db\""), "{disposition}");
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(bytes.len() as i64, snap["size_bytes"].as_i64().unwrap());
    assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), snap["sha256"].as_str().unwrap());
    let file = std::env::temp_dir().join(format!("{}.db", kubedeck_testbed::unique_name("kd-etcd-download")));
    std::fs::write(&file, &bytes).unwrap();
    let status = etcdctl_status(&file);
    assert_eq!(
        (snap["hash"].as_i64(), snap["revision"].as_i64(), snap["total_keys"].as_i64(), snap["total_size"].as_i64()),
        (status["hash"].as_i64(), status["revision"].as_i64(), status["totalKey"].as_i64(), status["totalSize"].as_i64()),
        "API {snap} vs etcdctl {status}"
    );
    assert!(status["totalKey"].as_i64().unwrap() > 100, "a Kubernetes cluster's etcd: {status}");
    // the download is in the audit log, by whom
    let audit = app.audit().await;
    assert!(
        audit.iter().any(|a| a.action == "etcd.snapshot.download" && a.username == "admin" && a.cluster_id == Some(id)),
        "no download in the audit log"
    );

    // restored into a fresh etcd with a fresh API server on it: A is there, B is not
    let etcd = RestoredEtcd::restore(&file);
    let server = SecondApiserver::on_etcd(&tb, &etcd.url);
    let out = server.kubectl(&["-n", ns.name(), "get", "configmap", "before-snapshot", "-o", "jsonpath={.data.k}"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a");
    let out = server.kubectl(&["-n", ns.name(), "get", "configmap", "after-snapshot"]);
    assert!(!out.status.success(), "the ConfigMap created after the snapshot is in the restore");
    assert!(String::from_utf8_lossy(&out.stderr).contains("NotFound"), "{}", String::from_utf8_lossy(&out.stderr));
    // while the testbed has both
    tb.kubectl_ok(&["-n", ns.name(), "get", "configmap", "before-snapshot", "after-snapshot"]);
    drop(server);
    drop(etcd);

    // delete: row and file gone
    let r = app.request("DELETE", &format!("{base}/snapshots/{sid}"), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(std::fs::read_dir(dir.join(id.to_string())).unwrap().count(), 0);
    let r = app.get(&format!("{base}/snapshots/{sid}"), &admin).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("etcd_snapshot_not_found")), "{}", r.body);
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await;
}

async fn a_scheduled_snapshot_appears_and_retention_keeps_the_newest() {
    let tb = kubedeck_testbed::Testbed::from_env();
    let (app, dir) = app_with_own_snapshot_dir().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}/etcd");
    let r = app
        .request("PUT", &base, Some(&admin), Some(json!({"endpoints": [etcd_url(&tb)], "keep_count": 2})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // one snapshot of a cluster at a time: one another replica is taking (its row `running`) refuses a second
    let other = app
        .state
        .store
        .start_etcd_snapshot(id, "manual", "another replica", &etcd_url(&tb))
        .await
        .unwrap();
    let r = app.post(&format!("{base}/snapshots"), &admin, json!({})).await;
    assert_eq!(
        (r.status, r.body["code"].as_str(), r.body["params"]["snapshot"].as_i64()),
        (StatusCode::CONFLICT, Some("etcd_snapshot_running"), Some(other.id)),
        "{}",
        r.body
    );
    app.state.store.delete_etcd_snapshot(other.id).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let r = app.post(&format!("{base}/snapshots"), &admin, json!({})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    // keep_count 2: the oldest is gone, row and file
    let r = app.get(&format!("{base}/snapshots"), &admin).await;
    let listed: Vec<i64> = r.body.as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(listed, vec![ids[2], ids[1]], "{}", r.body);
    assert_eq!(std::fs::read_dir(dir.join(id.to_string())).unwrap().count(), 2);
    let resp = download(&app, &admin, &format!("{base}/snapshots/{}/download", ids[0])).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // every minute: the loop (one replica, under a lease) takes one on its own
    let r = app
        .request("PUT", &base, Some(&admin), Some(json!({"endpoints": [etcd_url(&tb)], "keep_count": 2, "schedule": "* * * * *"})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["next_run_at"].is_string(), "{}", r.body);
    let cancel = tokio_util::sync::CancellationToken::new();
    let scheduler = tokio::spawn(kubedeck_api::etcd_backup::run(app.state.clone(), cancel.clone()));
    let scheduled = eventually("a scheduled snapshot", Duration::from_secs(100), || async {
        let r = app.get(&format!("{base}/snapshots"), &admin).await;
        r.body
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["trigger"] == "schedule" && s["status"] == "succeeded")
            .cloned()
    })
    .await;
    assert_eq!(scheduled["requested_by"], "schedule");
    assert!(scheduled["revision"].as_i64().unwrap() > 0, "{scheduled}");
    cancel.cancel();
    scheduler.await.unwrap();
    // retention runs right after the new snapshot is recorded: the oldest of the three goes
    let listed = eventually("retention after the scheduled snapshot", Duration::from_secs(10), || async {
        let r = app.get(&format!("{base}/snapshots"), &admin).await;
        let ids: Vec<i64> = r.body.as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
        (ids.len() == 2).then_some(ids)
    })
    .await;
    assert_eq!(listed, vec![scheduled["id"].as_i64().unwrap(), ids[2]], "retention holds for scheduled ones too");
    // the cluster forgotten: its snapshot files (every Secret it had) are removed with it
    assert!(dir.join(id.to_string()).exists());
    let r = app.request("DELETE", &format!("/api/v1/k8s/cluster/{id}"), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert!(!dir.join(id.to_string()).exists(), "snapshot files left after the cluster was deleted");
    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await;
}

on_every_backend!(
    a_snapshot_restores_the_objects_of_its_time_and_matches_etcdctl,
    a_scheduled_snapshot_appears_and_retention_keeps_the_newest
);

//! A rolling upgrade on a server database (issue 17): replicas that start together migrate the database once
//! (one takes the migration lock, the others wait and find nothing left), and replicas of the previous version stop
//! cleanly, with their own exit status, once a newer version migrated the database under them; started again, the
//! old version refuses.

mod common;

use common::{BIN, Server, ServerDb, temp_dir};
use sea_orm::{ConnectionTrait, Database, Statement};
use std::time::{Duration, Instant};

/// `kubedeck serve`'s exit status when a newer Kubedeck migrated its database (crates/kubedeck/src/serve.rs).
const SCHEMA_MOVED_EXIT: i32 = 3;
/// The name a newer Kubedeck's migration could have.
const FUTURE: &str = "m29990101_000001_from_a_newer_kubedeck";

#[tokio::test]
async fn replicas_migrate_once_and_the_previous_version_stops_when_the_schema_moves_ahead() {
    let selected = std::env::var("KUBEDECK_TEST_BACKENDS").unwrap_or_else(|_| "postgres,mysql".into());
    let backends: Vec<&str> = ["postgres", "mysql"].into_iter().filter(|b| selected.contains(b)).collect();
    assert!(!backends.is_empty(), "several replicas need a server database: select postgres or mysql in KUBEDECK_TEST_BACKENDS");
    for backend in backends {
        rolling_upgrade(backend).await;
    }
}

async fn count(url: &str, sql: &str) -> i64 {
    let db = Database::connect(url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get_by_index(0).unwrap();
    let _ = db.close().await;
    n
}

async fn readyz(base: &str) -> Option<(u16, serde_json::Value)> {
    let resp = reqwest::get(format!("{base}/readyz")).await.ok()?;
    let status = resp.status().as_u16();
    Some((status, resp.json().await.unwrap_or_default()))
}

async fn rolling_upgrade(backend: &str) {
    let db = ServerDb::create(backend).await;
    // three replicas of this version start at once on the empty database: their migrations race for the lock
    let servers: Vec<Server> = std::thread::scope(|s| {
        let started: Vec<_> = (0..3)
            .map(|i| {
                let url = db.url.clone();
                s.spawn(move || Server::start(&temp_dir(&format!("kd-upgrade-{i}")), &[("KUBEDECK_DATABASE_URL", &url)]))
            })
            .collect();
        started.into_iter().map(|h| h.join().expect("a replica did not start")).collect()
    });
    for (i, server) in servers.iter().enumerate() {
        let (status, body) = readyz(&server.base).await.expect("readyz answers");
        assert_eq!((status, body["migrations"].as_str()), (200, Some("applied")), "{backend}: replica {i}: {body}");
    }
    let known = count(&db.url, "SELECT COUNT(*) FROM seaql_migrations").await;
    assert!(known >= 7, "{backend}: {known} migrations recorded");
    // the migrations ran once: one replica applied them, the others found them applied
    let applied_by: Vec<usize> = servers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.output().contains("database migrations applied"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(applied_by.len(), 1, "{backend}: replicas {applied_by:?} each applied migrations");
    // and one of them created the first admin account and showed its one-time password; the others did not
    let shown = servers.iter().filter(|s| s.output().contains("one-time password")).count();
    assert_eq!(shown, 1, "{backend}: {shown} replicas showed a one-time admin password");

    // a newer version migrates the database: every replica of this version stops on its own, cleanly
    let db_conn = Database::connect(&db.url).await.unwrap();
    db_conn
        .execute_raw(Statement::from_string(
            db_conn.get_database_backend(),
            format!("INSERT INTO seaql_migrations (version, applied_at) VALUES ('{FUTURE}', 0)"),
        ))
        .await
        .unwrap();
    let _ = db_conn.close().await;
    // until it stops, a replica tells the balancer it is not ready (it may already have stopped: then it is gone)
    let (status, body) = readyz(&servers[0].base).await.unwrap_or((503, serde_json::json!({"migrations": "ahead"})));
    assert_eq!((status, body["migrations"].as_str()), (503, Some("ahead")), "{backend}: {body}");
    for (i, mut server) in servers.into_iter().enumerate() {
        let deadline = Instant::now() + Duration::from_secs(40);
        let status = loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "{backend}: replica {i} still runs 40 s after the schema moved ahead:\n{}", server.output());
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let out = server.output();
        assert_eq!(status.code(), Some(SCHEMA_MOVED_EXIT), "{backend}: replica {i}:\n{out}");
        assert!(out.contains(FUTURE) && out.contains("a newer Kubedeck migrated the database"), "{backend}: replica {i}:\n{out}");
    }
    // the replicas gave their leases up as they stopped (replica and cluster leases: the hourly retention jobs'
    // leases only say when the job last ran, and are left to lapse)
    let held = count(
        &db.url,
        &format!(
            "SELECT COUNT(*) FROM leases WHERE (name LIKE 'replica:%' OR name LIKE 'sync:%') AND expires_at > {}",
            if backend == "postgres" { "NOW()" } else { "UTC_TIMESTAMP()" }
        ),
    )
    .await;
    assert_eq!(held, 0, "{backend}: leases still held after every replica stopped");

    // started again, this version refuses the database and says why
    let out = std::process::Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(temp_dir("kd-upgrade-again"))
        .env("KUBEDECK_DATABASE_URL", &db.url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{backend}: the old version started on a newer schema:\n{text}");
    assert!(text.contains("newer than this Kubedeck") && text.contains(FUTURE), "{backend}:\n{text}");
    db.drop_db().await;
}

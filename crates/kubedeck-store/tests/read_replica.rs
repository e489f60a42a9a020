//! The read replica (`--database-read-url`, issue 17) against a real PostgreSQL streaming replica and a real MariaDB
//! replica. For PostgreSQL the test starts
//! a primary of its own and a replica made from it with `pg_basebackup`, on free ports. Reads that tolerate lag
//! are answered by the replica while it keeps up (a record the paused replica has not replayed is not seen), by
//! the primary once it lags more than allowed or stops (no error), and by the replica again once it caught up.

use kubedeck_store::audit::{AuditFilter, NewAuditRecord};
use kubedeck_store::{PageRequest, Store};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A PostgreSQL primary and its streaming replica, run as the `postgres` user in a directory of their own.
struct Pair {
    dir: PathBuf,
    primary: u16,
    replica: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn as_postgres(tool: &str, args: &[&str]) {
    let out = Command::new("runuser")
        .args(["-u", "postgres", "--", &format!("{BIN}/{tool}")])
        .args(args)
        .output()
        .expect("runuser and PostgreSQL's server binaries (Debian's postgresql package)");
    assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

impl Pair {
    fn start() -> Pair {
        let dir = std::env::temp_dir().join(format!("kd-pg-pair-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert!(Command::new("chown").arg("postgres").arg(&dir).status().unwrap().success());
        let (primary, replica) = (free_port(), free_port());
        let d = dir.to_str().unwrap();
        as_postgres("initdb", &["-D", &format!("{d}/primary"), "-A", "trust", "-U", "postgres"]);
        let opts = |port: u16, extra: &str| {
            format!("-p {port} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off -c wal_level=replica -c max_wal_senders=4 {extra}")
        };
        as_postgres("pg_ctl", &["-D", &format!("{d}/primary"), "-o", &opts(primary, ""), "-l", &format!("{d}/primary.log"), "-w", "start"]);
        as_postgres(
            "pg_basebackup",
            &["-h", "127.0.0.1", "-p", &primary.to_string(), "-U", "postgres", "-D", &format!("{d}/replica"), "-R", "-X", "stream"],
        );
        as_postgres(
            "pg_ctl",
            &["-D", &format!("{d}/replica"), "-o", &opts(replica, "-c hot_standby=on"), "-l", &format!("{d}/replica.log"), "-w", "start"],
        );
        Pair { dir, primary, replica }
    }

    fn url(&self, port: u16) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/kd")
    }

    fn try_sql(&self, port: u16, db: &str, sql: &str) -> std::process::Output {
        Command::new("psql")
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres", "-d", db, "-Atc", sql])
            .output()
            .unwrap()
    }

    fn sql(&self, port: u16, db: &str, sql: &str) {
        let out = self.try_sql(port, db, sql);
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn stop(&self, which: &str) {
        let d = self.dir.to_str().unwrap();
        as_postgres("pg_ctl", &["-D", &format!("{d}/{which}"), "-m", "immediate", "-w", "stop"]);
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        let d = self.dir.to_str().unwrap().to_owned();
        for which in ["replica", "primary"] {
            let _ = Command::new("runuser")
                .args(["-u", "postgres", "--", &format!("{BIN}/pg_ctl"), "-D", &format!("{d}/{which}"), "-m", "immediate", "stop"])
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn record(action: &str) -> NewAuditRecord {
    NewAuditRecord {
        user_id: None,
        username: "replica-test".into(),
        source_ip: "127.0.0.1".into(),
        action: action.into(),
        method: "POST".into(),
        path: "/".into(),
        cluster_id: None,
        namespace: None,
        resource: None,
        outcome: "success".into(),
        status_code: 200,
        detail: String::new(),
        request_id: action.into(),
    }
}

/// The audit actions a read that tolerates lag sees now.
async fn seen(store: &Store) -> Vec<String> {
    let page = PageRequest { page: 1, page_size: 100 };
    let p = store.list_audit(&AuditFilter::default(), page).await.expect("a read never fails because of the replica");
    p.items.into_iter().map(|r| r.action).collect()
}

async fn eventually(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_tolerant_reads_use_the_replica_while_it_keeps_up_and_the_primary_otherwise() {
    let pg = Pair::start();
    pg.sql(pg.primary, "postgres", "CREATE DATABASE kd");
    let store = Store::connect(&pg.url(pg.primary)).await.unwrap();
    store.migrate().await.unwrap();
    // (a replica that answers with an error is left alone for a while: start once it has the schema)
    eventually("the replica to have the schema", Duration::from_secs(10), async || {
        pg.try_sql(pg.replica, "kd", "SELECT count(*) FROM seaql_migrations").status.success()
    })
    .await;
    let store = store.with_read_replica(&pg.url(pg.replica), Duration::from_secs(2)).await.unwrap();

    eventually("the replica's first good lag reading", Duration::from_secs(10), async || {
        store.read_replica_in_use() == Some(true)
    })
    .await;
    // written on the primary, read on the replica once it replayed it
    store.insert_audit(record("first")).await.unwrap();
    eventually("the replica to replay the first record", Duration::from_secs(10), async || {
        seen(&store).await.contains(&"first".to_owned())
    })
    .await;
    assert_eq!(store.read_replica_in_use(), Some(true));

    // replay paused: the second record is on the primary only, and the replica (lagging less than 2 s) answers
    pg.sql(pg.replica, "kd", "SELECT pg_wal_replay_pause()");
    store.insert_audit(record("second")).await.unwrap();
    let now = seen(&store).await;
    assert!(now.contains(&"first".to_owned()) && !now.contains(&"second".to_owned()), "read on the replica: {now:?}");

    // more than 2 s behind: the primary answers, with the second record
    eventually("reads to move to the primary", Duration::from_secs(15), async || {
        seen(&store).await.contains(&"second".to_owned())
    })
    .await;
    assert_eq!(store.read_replica_in_use(), Some(false));

    // caught up again: back on the replica
    pg.sql(pg.replica, "kd", "SELECT pg_wal_replay_resume()");
    eventually("reads to come back to the replica", Duration::from_secs(15), async || {
        seen(&store).await;
        store.read_replica_in_use() == Some(true)
    })
    .await;

    // the replica gone: every read is answered by the primary, none fails
    pg.stop("replica");
    store.insert_audit(record("third")).await.unwrap();
    let now = seen(&store).await;
    assert!(now.contains(&"third".to_owned()), "{now:?}");
    assert_eq!(store.read_replica_in_use(), Some(false));
    let _ = store.close().await;
}

/// A MariaDB primary and its replica (binary log, GTID), each a `mariadbd` of the test's own.
struct MariaPair {
    dir: PathBuf,
    primary: u16,
    replica: u16,
}

impl MariaPair {
    fn start() -> MariaPair {
        let dir = std::env::temp_dir().join(format!("kd-maria-pair-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert!(Command::new("chown").arg("mysql").arg(&dir).status().unwrap().success());
        let pair = MariaPair { primary: free_port(), replica: free_port(), dir };
        for (name, port, id) in [("primary", pair.primary, "1"), ("replica", pair.replica, "2")] {
            let data = pair.dir.join(name);
            let out = Command::new("mariadb-install-db")
                .args(["--no-defaults", "--user=mysql", "--auth-root-authentication-method=normal", "--skip-test-db"])
                .arg(format!("--datadir={}", data.display()))
                .output()
                .expect("mariadb-install-db (Debian's mariadb-server package)");
            assert!(out.status.success(), "mariadb-install-db: {}", String::from_utf8_lossy(&out.stderr));
            let log = std::fs::File::create(pair.dir.join(format!("{name}.log"))).unwrap();
            Command::new("/usr/sbin/mariadbd")
                .args(["--no-defaults", "--user=mysql", "--bind-address=127.0.0.1", "--skip-name-resolve"])
                .arg(format!("--datadir={}", data.display()))
                .arg(format!("--port={port}"))
                .arg(format!("--socket={}", pair.dir.join(format!("{name}.sock")).display()))
                .arg(format!("--pid-file={}", pair.dir.join(format!("{name}.pid")).display()))
                .arg(format!("--server-id={id}"))
                .arg(format!("--log-bin={}", data.join("bin").display()))
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while !(pair.try_sql(pair.primary, "SELECT 1").status.success() && pair.try_sql(pair.replica, "SELECT 1").status.success()) {
            assert!(Instant::now() < deadline, "the MariaDB pair did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
        pair.sql(
            pair.replica,
            &format!(
                "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={}, MASTER_USER='root', MASTER_PASSWORD='', \
                 MASTER_USE_GTID=slave_pos; START SLAVE",
                pair.primary
            ),
        );
        pair
    }

    fn url(&self, port: u16) -> String {
        format!("mysql://root@127.0.0.1:{port}/kd")
    }

    fn try_sql(&self, port: u16, sql: &str) -> std::process::Output {
        Command::new("mysql")
            .args(["-h", "127.0.0.1", "-P", &port.to_string(), "-u", "root", "-e", sql])
            .output()
            .unwrap()
    }

    fn sql(&self, port: u16, sql: &str) {
        let out = self.try_sql(port, sql);
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn kill(&self, name: &str) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.join(format!("{name}.pid"))) {
            let _ = Command::new("kill").args(["-9", pid.trim()]).status();
        }
    }
}

impl Drop for MariaPair {
    fn drop(&mut self) {
        self.kill("replica");
        self.kill("primary");
        std::thread::sleep(Duration::from_millis(300));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_tolerant_reads_use_a_mariadb_replica_while_it_replicates_and_the_primary_otherwise() {
    let my = MariaPair::start();
    my.sql(my.primary, "CREATE DATABASE kd");
    let store = Store::connect(&my.url(my.primary)).await.unwrap();
    store.migrate().await.unwrap();
    eventually("the replica to have the schema", Duration::from_secs(10), async || {
        my.try_sql(my.replica, "SELECT COUNT(*) FROM kd.seaql_migrations").status.success()
    })
    .await;
    let store = store.with_read_replica(&my.url(my.replica), Duration::from_secs(30)).await.unwrap();
    eventually("the replica's first good lag reading", Duration::from_secs(10), async || {
        store.read_replica_in_use() == Some(true)
    })
    .await;
    store.insert_audit(record("first")).await.unwrap();
    eventually("the replica to apply the first record", Duration::from_secs(10), async || {
        seen(&store).await.contains(&"first".to_owned())
    })
    .await;
    // The record removed on the replica alone (outside replication): a read that no longer sees it was answered
    // there, not by the primary.
    my.sql(my.replica, "SET sql_log_bin = 0; DELETE FROM kd.audit_log WHERE action = 'first'");
    assert!(!seen(&store).await.contains(&"first".to_owned()), "read on the replica");

    // replication stopped (its lag unknown): the primary answers
    my.sql(my.replica, "STOP SLAVE");
    eventually("reads to move to the primary", Duration::from_secs(15), async || {
        seen(&store).await.contains(&"first".to_owned())
    })
    .await;
    assert_eq!(store.read_replica_in_use(), Some(false));
    // replicating again: back on the replica
    my.sql(my.replica, "START SLAVE");
    eventually("reads to come back to the replica", Duration::from_secs(15), async || {
        !seen(&store).await.contains(&"first".to_owned())
    })
    .await;
    // the replica gone: the primary answers, nothing fails
    my.kill("replica");
    eventually("reads to move to the primary", Duration::from_secs(15), async || {
        seen(&store).await.contains(&"first".to_owned())
    })
    .await;
    let _ = store.close().await;
}

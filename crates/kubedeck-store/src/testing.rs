//! Test databases: a fresh, migrated database per test on each selected backend.
//!
//! The backends are `KUBEDECK_TEST_BACKENDS` (comma-separated; default `sqlite,postgres,mysql`). A selected
//! backend that does not answer fails the test: nothing is skipped silently. `scripts/test.sh` decides the
//! selection (it drops an unreachable server only when `KUBEDECK_REQUIRE_ALL_DATABASES` is not `1`, and says so).
//! Server URLs: `KUBEDECK_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`) and
//! `KUBEDECK_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/test`).
//!
//! Every connection is written to the ledger file `KUBEDECK_TEST_LEDGER` when set (backend, server version,
//! address), so the run's summary reports what the tests really connected to rather than which ports were open.

use crate::Store;
use rand::Rng;
use sea_orm::{ConnectionTrait, Database, Statement};

/// One test database; call [`TestDb::drop_db`] at the end of the test to remove it.
pub struct TestDb {
    /// `sqlite`, `postgres` or `mysql`.
    pub backend: &'static str,
    /// The URL of the fresh database.
    pub url: String,
    /// Connected and migrated.
    pub store: Store,
    admin_url: Option<String>,
    name: String,
    _dir: Option<TempDir>,
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn random_name() -> String {
    let mut rng = rand::rng();
    format!("kdtest_{:012x}", rng.random::<u64>() & 0xffff_ffff_ffff)
}

/// Every backend the tests know, in the order they run.
pub const BACKENDS: [&str; 3] = ["sqlite", "postgres", "mysql"];

/// The backends this run tests (`KUBEDECK_TEST_BACKENDS`, default all of [`BACKENDS`]).
pub fn selected_backends() -> Vec<&'static str> {
    match std::env::var("KUBEDECK_TEST_BACKENDS") {
        Ok(list) => {
            let wanted: Vec<&str> = list.split(',').map(str::trim).collect();
            for w in &wanted {
                assert!(
                    w.is_empty() || BACKENDS.contains(w),
                    "KUBEDECK_TEST_BACKENDS names an unknown backend {w:?} (known: {BACKENDS:?})"
                );
            }
            BACKENDS
                .into_iter()
                .filter(|b| wanted.contains(b))
                .collect()
        }
        Err(_) => BACKENDS.to_vec(),
    }
}

/// Appends one line to the run's ledger: which backend, which server version, where.
async fn record_connection(backend: &str, store: &Store, url: &str) {
    let Ok(ledger) = std::env::var("KUBEDECK_TEST_LEDGER") else {
        return;
    };
    let db = store.conn();
    let sql = match backend {
        "sqlite" => "SELECT 'SQLite ' || sqlite_version() AS v",
        _ => "SELECT version() AS v",
    };
    let version: String = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("ask the test database for its version")
        .expect("a version row")
        .try_get("", "v")
        .expect("the version as text");
    // Only the host part of a server URL: no credentials in the ledger.
    let place = match url.split_once('@') {
        Some((_, rest)) => rest.split('/').next().unwrap_or(""),
        None => "file",
    };
    let line = format!(
        "{backend}\t{place}\t{}\n",
        version.lines().next().unwrap_or("")
    );
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&ledger)
        .expect("open the test ledger");
    f.write_all(line.as_bytes()).expect("write the test ledger");
}

/// The base URLs of the server backends.
pub fn server_urls() -> [(&'static str, String); 2] {
    [
        (
            "postgres",
            std::env::var("KUBEDECK_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        ),
        (
            "mysql",
            std::env::var("KUBEDECK_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
        ),
    ]
}

impl TestDb {
    /// A fresh migrated SQLite database in a temporary directory (not recorded in the ledger: use
    /// [`TestDb::on`] for tests that stand for a backend).
    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(random_name());
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("kubedeck.db").display());
        let store = Store::connect(&url).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        TestDb {
            backend: "sqlite",
            url,
            store,
            admin_url: None,
            name: String::new(),
            _dir: Some(TempDir(dir)),
        }
    }

    /// A fresh migrated database on `backend` (one of [`BACKENDS`]); panics when it cannot be had.
    pub async fn on(backend: &str) -> TestDb {
        assert!(
            selected_backends().contains(&backend),
            "backend {backend} is not selected for this run (KUBEDECK_TEST_BACKENDS)"
        );
        let db = match backend {
            "sqlite" => TestDb::sqlite().await,
            _ => {
                let (name, url) = server_urls()
                    .into_iter()
                    .find(|(b, _)| *b == backend)
                    .unwrap_or_else(|| panic!("unknown test backend {backend}"));
                TestDb::server(name, &url).await
            }
        };
        record_connection(db.backend, &db.store, &db.url).await;
        db
    }

    /// A fresh database on a server backend; panics (naming the URL and the way out) when it is unreachable.
    async fn server(backend: &'static str, base_url: &str) -> TestDb {
        let admin = Database::connect(base_url).await.unwrap_or_else(|e| {
            panic!(
                "{backend} at {base_url} is selected for this run but unreachable: {e} \
                 (start it, or leave it out with KUBEDECK_TEST_BACKENDS)"
            )
        });
        let name = random_name();
        admin
            .execute_raw(Statement::from_string(
                admin.get_database_backend(),
                format!("CREATE DATABASE {name}"),
            ))
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let url = match base_url.rfind('/') {
            Some(i) => format!("{}/{name}", &base_url[..i]),
            None => panic!("database URL {base_url} has no database part"),
        };
        let store = Store::connect(&url)
            .await
            .expect("connect to test database");
        store.migrate().await.expect("migrate test database");
        TestDb {
            backend,
            url,
            store,
            admin_url: Some(base_url.to_owned()),
            name,
            _dir: None,
        }
    }

    /// A fresh database on every selected backend.
    pub async fn all() -> Vec<TestDb> {
        let mut dbs = Vec::new();
        for backend in selected_backends() {
            dbs.push(TestDb::on(backend).await);
        }
        dbs
    }

    /// Removes the database (server backends) or its directory (SQLite).
    pub async fn drop_db(self) {
        let TestDb {
            store,
            admin_url,
            name,
            ..
        } = self;
        let _ = store.close().await;
        // One connection, so that MySQL's session setting below applies to the DROP.
        let mut opts = sea_orm::ConnectOptions::new(admin_url.clone().unwrap_or_default());
        opts.max_connections(1).sqlx_logging(false);
        if admin_url.is_some()
            && let Ok(admin) = Database::connect(opts).await
        {
            let backend = admin.get_database_backend();
            if backend == sea_orm::DatabaseBackend::MySql {
                // A DROP waits for every metadata lock on the database's tables, by default for a day: a
                // transaction left open somewhere must show up as an error here, not as a hung test.
                let _ = admin
                    .execute_raw(Statement::from_string(
                        backend,
                        "SET SESSION lock_wait_timeout = 20",
                    ))
                    .await;
            }
            if let Err(e) = admin
                .execute_raw(Statement::from_string(
                    backend,
                    format!("DROP DATABASE IF EXISTS {name}"),
                ))
                .await
            {
                eprintln!("test database {name} not dropped: {e}");
            }
            let _ = admin.close().await;
        }
    }
}

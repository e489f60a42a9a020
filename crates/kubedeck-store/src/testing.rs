//! Test databases: a fresh, migrated database per test on each backend this machine offers.
//!
//! SQLite always runs. PostgreSQL and MySQL/MariaDB run when reachable at their URLs
//! (`KUBEDECK_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`;
//! `KUBEDECK_TEST_MYSQL_URL`, default `mysql://root@127.0.0.1:3306/test`). An unreachable backend is reported
//! on stderr as NOT TESTED; with `KUBEDECK_REQUIRE_ALL_DATABASES=1` (what CI sets) it fails the test instead.

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

fn require_all() -> bool {
    std::env::var("KUBEDECK_REQUIRE_ALL_DATABASES").is_ok_and(|v| v == "1")
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
    /// A fresh migrated SQLite database in a temporary directory.
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

    /// A fresh database on a server backend, or `None` (with a NOT TESTED note) when it is unreachable.
    pub async fn server(backend: &'static str, base_url: &str) -> Option<TestDb> {
        let admin = match Database::connect(base_url).await {
            Ok(c) => c,
            Err(e) => {
                if require_all() {
                    panic!(
                        "{backend} at {base_url} is required (KUBEDECK_REQUIRE_ALL_DATABASES=1) but unreachable: {e}"
                    );
                }
                eprintln!("NOT TESTED on {backend}: {base_url} unreachable ({e})");
                return None;
            }
        };
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
        Some(TestDb {
            backend,
            url,
            store,
            admin_url: Some(base_url.to_owned()),
            name,
            _dir: None,
        })
    }

    /// SQLite plus every reachable server backend.
    pub async fn all() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite().await];
        for (backend, url) in server_urls() {
            if let Some(db) = TestDb::server(backend, &url).await {
                dbs.push(db);
            }
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
        if let Some(admin_url) = admin_url
            && let Ok(admin) = Database::connect(&admin_url).await
        {
            let _ = admin
                .execute_raw(Statement::from_string(
                    admin.get_database_backend(),
                    format!("DROP DATABASE IF EXISTS {name}"),
                ))
                .await;
            let _ = admin.close().await;
        }
    }
}

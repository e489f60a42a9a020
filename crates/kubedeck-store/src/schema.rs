//! Upgrades: migrations run by one replica at a time, and a replica that learns the schema moved past it.
//!
//! Several replicas of a new version start together in a rolling upgrade. Each calls [`Store::migrate`]; the
//! first takes the database's migration lock and applies what is pending, the others wait for the lock and then
//! find nothing left to do. The lock is the database's own (PostgreSQL `pg_advisory_lock`, MySQL/MariaDB
//! `GET_LOCK`) rather than a row in `leases`: the `leases` table is itself made by a migration, and a session
//! lock ends with its connection, so a replica killed mid-migration holds nobody up for a lease's TTL. SQLite is
//! one process's file (one replica), and its writes are serialised anyway.
//!
//! Replicas of the previous version keep serving while the schema only grew; when it has migrations they do not
//! know, [`Store::schema_state`] says so, and `kubedeck serve` stops cleanly (see its schema watcher).

use crate::{MigrateError, Store, migration};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// PostgreSQL's advisory lock key for migrations (any constant shared by every Kubedeck; "kubedeck" in ASCII).
const PG_LOCK_KEY: i64 = 0x6b75_6265_6465_636b;
/// MySQL/MariaDB's named lock for migrations. Named locks are server-wide (PostgreSQL's advisory locks are per
/// database), so the name carries the database's: Kubedecks on other databases of the same server do not wait.
const MYSQL_GET_LOCK: &str = "SELECT GET_LOCK(LEFT(CONCAT('kubedeck.migrate:', DATABASE()), 64), ?)";
const MYSQL_RELEASE_LOCK: &str = "SELECT RELEASE_LOCK(LEFT(CONCAT('kubedeck.migrate:', DATABASE()), 64))";
/// How long one wait for the lock lasts before the waiting replica says again that it waits.
const WAIT_STEP: Duration = Duration::from_secs(5);

/// Where the database's schema stands for this build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// Every migration this build knows is applied, and no other.
    Current,
    /// Some of this build's migrations are not applied yet (their names).
    Pending(Vec<String>),
    /// The database has migrations this build does not know (their names): a newer Kubedeck migrated it.
    Ahead(Vec<String>),
}

impl Store {
    /// Where the schema stands: read from the migration table alone (cheap; `/readyz` and the schema watcher ask
    /// often). A database without the table is wholly pending.
    pub async fn schema_state(&self) -> Result<SchemaState, DbErr> {
        let known: Vec<String> = migration::Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let rows = self
            .conn()
            .query_all_raw(Statement::from_string(
                self.backend(),
                "SELECT version FROM seaql_migrations",
            ))
            .await;
        let applied: Vec<String> = match rows {
            Ok(rows) => rows
                .iter()
                .filter_map(|r| r.try_get_by_index::<String>(0).ok())
                .collect(),
            // no migration table yet: a fresh database
            Err(e) if missing_table(&e) => Vec::new(),
            Err(e) => return Err(e),
        };
        let ahead: Vec<String> = applied
            .iter()
            .filter(|v| !known.contains(v))
            .cloned()
            .collect();
        if !ahead.is_empty() {
            return Ok(SchemaState::Ahead(ahead));
        }
        let pending: Vec<String> = known.into_iter().filter(|k| !applied.contains(k)).collect();
        Ok(if pending.is_empty() {
            SchemaState::Current
        } else {
            SchemaState::Pending(pending)
        })
    }

    /// Applies pending migrations under the database's migration lock; refuses a schema written by a newer
    /// Kubedeck. Returns how many were applied (0 when another replica applied them first).
    pub async fn migrate(&self) -> Result<usize, MigrateError> {
        let lock = MigrationLock::take(self).await?;
        let result = self.migrate_locked().await;
        lock.release().await;
        result
    }

    async fn migrate_locked(&self) -> Result<usize, MigrateError> {
        match self.schema_state().await? {
            SchemaState::Ahead(names) => Err(MigrateError::NewerSchema(format!(
                "it has migrations this build does not know: {}",
                names.join(", ")
            ))),
            SchemaState::Current => Ok(0),
            SchemaState::Pending(names) => {
                migration::Migrator::up(self.conn(), None).await?;
                Ok(names.len())
            }
        }
    }
}

fn missing_table(e: &DbErr) -> bool {
    let text = e.to_string();
    // SQLite: "no such table", PostgreSQL: "does not exist", MySQL/MariaDB: "doesn't exist"
    text.contains("no such table")
        || text.contains("does not exist")
        || text.contains("doesn't exist")
}

/// The migration lock, held on a connection of its own for as long as the migrations run. The connection is
/// detached from the pool, so the migrations still have the pool's every connection (even a pool of one) and the
/// lock goes with the connection when the process dies.
enum MigrationLock {
    None,
    Postgres(sea_orm::sqlx::postgres::PgConnection),
    MySql(sea_orm::sqlx::mysql::MySqlConnection),
}

impl MigrationLock {
    async fn take(store: &Store) -> Result<MigrationLock, DbErr> {
        use sea_orm::sqlx::{Row, query};
        let err = |e: sea_orm::sqlx::Error| DbErr::Custom(format!("the migration lock: {e}"));
        match store.backend() {
            DatabaseBackend::Sqlite => Ok(MigrationLock::None),
            DatabaseBackend::Postgres => {
                let mut conn = store
                    .conn()
                    .get_postgres_connection_pool()
                    .acquire()
                    .await
                    .map_err(err)?
                    .detach();
                loop {
                    let got: bool = query("SELECT pg_try_advisory_lock($1)")
                        .bind(PG_LOCK_KEY)
                        .fetch_one(&mut conn)
                        .await
                        .map_err(err)?
                        .try_get(0)
                        .map_err(err)?;
                    if got {
                        return Ok(MigrationLock::Postgres(conn));
                    }
                    tracing::info!("another replica is migrating the database; waiting for it");
                    tokio::time::sleep(WAIT_STEP).await;
                }
            }
            _ => {
                let mut conn = store
                    .conn()
                    .get_mysql_connection_pool()
                    .acquire()
                    .await
                    .map_err(err)?
                    .detach();
                loop {
                    // GET_LOCK waits up to its timeout itself: 1 when taken, 0 when the wait ran out
                    let got: Option<i64> = query(MYSQL_GET_LOCK)
                        .bind(WAIT_STEP.as_secs() as i64)
                        .fetch_one(&mut conn)
                        .await
                        .map_err(err)?
                        .try_get(0)
                        .map_err(err)?;
                    if got == Some(1) {
                        return Ok(MigrationLock::MySql(conn));
                    }
                    tracing::info!("another replica is migrating the database; waiting for it");
                }
            }
        }
    }

    /// Releases the lock and closes its connection (closing alone would release it too; saying so is quicker for
    /// the replicas waiting).
    async fn release(self) {
        use sea_orm::sqlx::{Connection, query};
        match self {
            MigrationLock::None => {}
            MigrationLock::Postgres(mut c) => {
                let _ = query("SELECT pg_advisory_unlock($1)")
                    .bind(PG_LOCK_KEY)
                    .execute(&mut c)
                    .await;
                let _ = c.close().await;
            }
            MigrationLock::MySql(mut c) => {
                let _ = query(MYSQL_RELEASE_LOCK)
                    .execute(&mut c)
                    .await;
                let _ = c.close().await;
            }
        }
    }
}

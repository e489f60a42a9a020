//! Kubedeck's storage: SeaORM entities, the one migration set, and repositories in the operator's words.
//!
//! The same code runs on SQLite (embedded default), PostgreSQL and MySQL/MariaDB, chosen by the URL.

pub mod audit;
pub mod clusters;
pub mod entity;
pub mod kube_nodes;
pub mod kube_objects;
pub mod kube_pods;
pub mod leases;
pub mod login_limits;
pub mod migration;
pub mod node_metrics;
pub mod snapshot;
pub mod tasks;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tokens;
pub mod users;
pub mod volume_metrics;

use sea_orm::{
    ConnectOptions, Database, DatabaseBackend, DatabaseConnection, DbErr, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

pub use sea_orm::DbErr as StoreError;

/// A page request as the API receives it: 1-based page number and a capped page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based.
    pub page: u64,
    /// Rows per page.
    pub page_size: u64,
}

/// One page of rows plus the total across all pages.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Rows across all pages.
    pub total: u64,
}

/// Why the schema cannot be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The database was migrated by a newer Kubedeck: running older code against it could corrupt data.
    #[error(
        "the database schema is newer than this Kubedeck ({0}); upgrade Kubedeck or point it at another database"
    )]
    NewerSchema(String),
    /// Any database error.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The database handle every repository takes.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    /// Set on a fenced view ([`Store::fenced`]): every write transaction it begins first checks this lease.
    fence: Option<std::sync::Arc<leases::Fence>>,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc`, `postgres://...`, `mysql://...`).
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(if url.starts_with("sqlite") { 4 } else { 16 });
        // SQLite: WAL lets readers run while a writer commits; the busy timeout waits for a lock instead of failing.
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
        let db = Database::connect(opts).await?;
        Ok(Self { db, fence: None })
    }

    /// The underlying connection, for repositories.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.db
    }

    /// A transaction that will write. On SQLite it takes the write lock at `BEGIN IMMEDIATE`: a deferred
    /// transaction that reads and then writes fails at once with "database is locked" (the busy timeout does not
    /// apply) when another connection wrote in between. Other backends ignore the mode.
    /// On a fenced view, the transaction first checks that the fence's lease is still held with its token, and
    /// fails with [`leases::is_lease_lost`] otherwise.
    pub async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        let txn = self
            .db
            .begin_with_options(sea_orm::TransactionOptions {
                sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        if let Some(f) = &self.fence {
            leases::check_fence(&txn, f).await?;
        }
        Ok(txn)
    }

    /// The same database, for the holder of a lease: each write transaction begun through it (the snapshot
    /// writes) goes on only while `fence` still holds the lease with the same token. A replica that stalled
    /// (a paused process, a lost network) past its lease therefore cannot overwrite what the new holder wrote.
    pub fn fenced(&self, fence: leases::Fence) -> Store {
        Store {
            db: self.db.clone(),
            fence: Some(std::sync::Arc::new(fence)),
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    /// Applies pending migrations; refuses a schema written by a newer Kubedeck.
    pub async fn migrate(&self) -> Result<usize, MigrateError> {
        let applied = migration::Migrator::get_migration_with_status(&self.db)
            .await
            .map_err(|e| {
                let text = e.to_string();
                if text.contains("missing") {
                    MigrateError::NewerSchema(text)
                } else {
                    MigrateError::Db(e)
                }
            })?;
        let pending = applied
            .iter()
            .filter(|m| m.status() == sea_orm_migration::MigrationStatus::Pending)
            .count();
        migration::Migrator::up(&self.db, None).await?;
        Ok(pending)
    }

    /// Whether every migration this build knows has been applied (for `/readyz`).
    pub async fn schema_ready(&self) -> Result<bool, DbErr> {
        let status = migration::Migrator::get_migration_with_status_read_only(&self.db).await?;
        Ok(status
            .iter()
            .all(|m| m.status() == sea_orm_migration::MigrationStatus::Applied))
    }

    /// A cheap round trip (for `/readyz`).
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.db.ping().await
    }

    /// Closes the pool (graceful shutdown).
    pub async fn close(self) -> Result<(), DbErr> {
        self.db.close().await
    }
}

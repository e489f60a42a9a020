//! Kubedeck's storage: SeaORM entities, the one migration set, and repositories in the operator's words.
//!
//! The same code runs on SQLite (embedded default), PostgreSQL and MySQL/MariaDB, chosen by the URL.

pub mod alerts;
pub mod app_backups;
pub mod app_backup_schedules;
pub mod audit;
pub mod cluster_metrics;
pub mod clusters;
pub mod entity;
pub mod etcd_backups;
pub mod kube_events;
pub mod kube_nodes;
pub mod kube_objects;
pub mod kube_pods;
pub mod leases;
pub mod login_limits;
pub mod maintenance;
pub mod metric_history;
pub mod migration;
pub mod read_replica;
pub mod schema;
pub mod node_metrics;
pub mod notify;
pub mod prometheus;
pub mod pod_metrics;
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

/// A connection pool's state, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open (in use or idle).
    pub open: u32,
    /// Of those, idle.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// The database handle every repository takes.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    /// Set on a fenced view ([`Store::fenced`]): every write transaction it begins first checks this lease.
    fence: Option<std::sync::Arc<leases::Fence>>,
    /// The read replica, when configured ([`Store::with_read_replica`]).
    replica: Option<std::sync::Arc<read_replica::Replica>>,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc`, `postgres://...`, `mysql://...`) with the default pool size.
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        Self::connect_with(url, None).await
    }

    /// The pool size when none is given: SQLite has one writer, so a few connections serve it best; a server
    /// database takes more (each replica's pool counts against the server's `max_connections`).
    pub fn default_pool_size(url: &str) -> u32 {
        if url.starts_with("sqlite") { 4 } else { 16 }
    }

    /// Connects to `url` with at most `max_connections` pooled connections (`None`: [`Store::default_pool_size`]).
    pub async fn connect_with(url: &str, max_connections: Option<u32>) -> Result<Self, DbErr> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(max_connections.unwrap_or_else(|| Self::default_pool_size(url)).max(1));
        // SQLite: WAL lets readers run while a writer commits; the busy timeout waits for a lock instead of failing.
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
        let db = Database::connect(opts).await?;
        Ok(Self { db, fence: None, replica: None })
    }

    /// The connection pool now: (open connections, of which idle, the most it opens).
    pub fn pool_stats(&self) -> PoolStats {
        fn of<DB: sea_orm::sqlx::Database>(p: &sea_orm::sqlx::Pool<DB>) -> PoolStats {
            PoolStats { open: p.size(), idle: p.num_idle() as u32, max: p.options().get_max_connections() }
        }
        match self.db.get_database_backend() {
            DatabaseBackend::Sqlite => of(self.db.get_sqlite_connection_pool()),
            DatabaseBackend::Postgres => of(self.db.get_postgres_connection_pool()),
            _ => of(self.db.get_mysql_connection_pool()),
        }
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
            replica: self.replica.clone(),
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    /// Whether every migration this build knows has been applied (for `/readyz`).
    pub async fn schema_ready(&self) -> Result<bool, DbErr> {
        Ok(self.schema_state().await? == schema::SchemaState::Current)
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

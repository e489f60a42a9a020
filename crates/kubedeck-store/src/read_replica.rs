//! A read replica (`--database-read-url`, the spec's 读写分离) for the reads that tolerate lag: lists answered
//! from snapshots, the audit log, metrics history. Writes, and reads that must see them, stay on the primary.
//!
//! The replica is only ever a help: a background task reads its lag (every `max_lag / 2`, at most every 5 s), and
//! while it lags more than `max_lag`, answers with an error or cannot be reached, reads go to the primary, with
//! one warning when that starts and one when it ends. A read that fails on the replica is answered by the primary
//! at once. No request waits for the replica's health, so one that falls behind or goes away slows nothing down
//! and fails nothing. Until its first good reading, reads go to the primary.

use crate::Store;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr, Statement};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long one lag reading may take.
const LAG_QUERY: Duration = Duration::from_secs(2);
/// After an error, the replica is left alone for this long.
const AFTER_ERROR: Duration = Duration::from_secs(10);

/// The replica's connection and what is known of it.
#[derive(Debug)]
pub struct Replica {
    db: DatabaseConnection,
    max_lag: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Whether reads go to the replica now.
    usable: bool,
    /// Not before this instant does a good lag reading bring the replica back (after a failed read).
    quiet_until: Instant,
}

impl Replica {
    /// How often the lag is read.
    fn check_every(&self) -> Duration {
        (self.max_lag / 2).clamp(Duration::from_millis(200), Duration::from_secs(5))
    }

    /// The lag in seconds as the replica reports it; an error when it cannot say (not replicating).
    async fn lag(&self) -> Result<f64, DbErr> {
        let backend = self.db.get_database_backend();
        let sql = match backend {
            // caught up when everything received is replayed; otherwise the age of the last replayed commit
            DatabaseBackend::Postgres => {
                "SELECT (CASE WHEN NOT pg_is_in_recovery() THEN 0 \
                 WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
                 ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END)::float8 AS lag"
            }
            _ => "SHOW SLAVE STATUS",
        };
        let query = self.db.query_one_raw(Statement::from_string(backend, sql));
        let row = tokio::time::timeout(LAG_QUERY, query)
            .await
            .map_err(|_| DbErr::Custom("the read replica did not say its lag in time".into()))??;
        match (backend, row) {
            (DatabaseBackend::Postgres, Some(r)) => r.try_get::<f64>("", "lag"),
            // a server that replicates nothing is as fresh as it gets
            (_, None) => Ok(0.0),
            // MySQL/MariaDB: NULL while replication is stopped or broken
            (_, Some(r)) => r
                .try_get::<Option<u64>>("", "Seconds_Behind_Master")?
                .map(|s| s as f64)
                .ok_or_else(|| DbErr::Custom("replication is not running on the read replica".into())),
        }
    }

    /// Marks the replica usable or not, with a warning when that changes; `quiet`: not usable again before then.
    fn settle(&self, usable: bool, why: &str, quiet: Option<Duration>) {
        let mut s = self.state.lock().expect("replica state");
        let now = Instant::now();
        if usable && now < s.quiet_until {
            return;
        }
        if let Some(q) = quiet {
            s.quiet_until = now + q;
        }
        if s.usable != usable {
            if usable {
                tracing::warn!("the read replica is back in use");
            } else {
                tracing::warn!("reads go to the primary database: the read replica {why}");
            }
        }
        s.usable = usable;
    }

    /// Reads the lag and settles, again and again, while the store holding the replica exists.
    async fn watch(me: std::sync::Weak<Replica>) {
        loop {
            let Some(r) = me.upgrade() else { return };
            let wait = match r.lag().await {
                Ok(lag) if lag <= r.max_lag.as_secs_f64() => {
                    r.settle(true, "", None);
                    r.check_every()
                }
                Ok(lag) => {
                    r.settle(false, &format!("lags {lag:.0} s behind"), None);
                    r.check_every()
                }
                Err(e) => {
                    r.settle(false, &format!("cannot be read ({e})"), None);
                    AFTER_ERROR.min(r.check_every() * 4)
                }
            };
            drop(r);
            tokio::time::sleep(wait).await;
        }
    }
}

impl Store {
    /// Sends the reads that tolerate lag to the replica at `url` while it lags at most `max_lag`. Connecting is
    /// lazy: a replica that is down at start is only a warning later. SQLite has no replicas.
    pub async fn with_read_replica(mut self, url: &str, max_lag: Duration) -> Result<Store, DbErr> {
        if url.starts_with("sqlite") || self.backend() == DatabaseBackend::Sqlite {
            return Err(DbErr::Custom("a read replica needs PostgreSQL or MySQL/MariaDB, not SQLite".into()));
        }
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .connect_lazy(true)
            .connect_timeout(Duration::from_secs(3))
            .acquire_timeout(Duration::from_secs(3))
            .max_connections(8);
        let db = Database::connect(opts).await?;
        let replica = std::sync::Arc::new(Replica {
            db,
            max_lag,
            state: Mutex::new(State { usable: false, quiet_until: Instant::now() }),
        });
        tokio::spawn(Replica::watch(std::sync::Arc::downgrade(&replica)));
        self.replica = Some(replica);
        Ok(self)
    }

    /// The replica's connection when reads may go there now, or `None` (no I/O: the watcher decides).
    pub(crate) fn replica_conn(&self) -> Option<&DatabaseConnection> {
        let r = self.replica.as_ref()?;
        let usable = r.state.lock().expect("replica state").usable;
        usable.then_some(&r.db)
    }

    /// Whether reads go to the read replica now (`None`: there is none), for `/metrics`.
    pub fn read_replica_in_use(&self) -> Option<bool> {
        self.replica.as_ref().map(|r| r.state.lock().expect("replica state").usable)
    }

    /// After a read on the replica failed: reads go to the primary for a while.
    pub(crate) fn replica_failed(&self, e: &DbErr) {
        if let Some(r) = &self.replica {
            r.settle(false, &format!("failed a read ({e})"), Some(AFTER_ERROR));
        }
    }
}

/// Runs a read that tolerates lag on the read replica when one is in use, and on the primary otherwise or when
/// the replica fails it: `lagging_read!(self, |db| query.all(db).await)`.
#[macro_export]
macro_rules! lagging_read {
    ($store:expr, |$db:ident| $body:expr) => {{
        let store: &$crate::Store = $store;
        match store.replica_conn() {
            Some($db) => match $body {
                Ok(v) => Ok(v),
                Err(e) => {
                    store.replica_failed(&e);
                    let $db = store.conn();
                    $body
                }
            },
            None => {
                let $db = store.conn();
                $body
            }
        }
    }};
}

//! What replicas share through Redis when `--redis-url` is set:
//! - each user's API rate limit, counted once for all replicas instead of once per replica (behind a round-robin
//!   balancer, N replicas would otherwise allow N times the limit);
//! - change notices: the replica that watches a cluster publishes which kinds changed (channel
//!   `kubedeck:changes:{cluster id}`, at most every half second), and every replica's live pages
//!   (`GET .../changes`) pass them on, so a browser behind a round-robin balancer gets live lists whichever
//!   replica it reached. Without Redis, a replica that does not watch the cluster tells the page to poll.
//!
//! - who a user is: authenticating a request reads the account (disabled, session generation, must change
//!   password) and its role bindings, two database queries per request; with Redis it is one Redis round trip
//!   (see [`Shared::principal`]), invalidated explicitly on every change of the account or its bindings.
//!
//! Redis is optional and never something a request waits on: connecting is bounded (1 s), every reply is bounded
//! (500 ms), a failure makes the caller do what it does without Redis (the replica's own limiter), and after a
//! failure Redis is left alone for a few seconds, so an outage or a stalled server costs requests no latency. The
//! change is logged once when Redis goes and once when it comes back, and `kubedeck_redis_up` says which; `/readyz`
//! reports it without failing (a replica without Redis still serves everything).

use crate::state::AppState;
use redis::aio::MultiplexedConnection;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one command may take.
const REPLY_TIMEOUT: Duration = Duration::from_millis(500);
/// After a failure, Redis is not tried again for this long.
const RETRY_AFTER: Duration = Duration::from_secs(3);

/// The Redis connection of one replica (cheap to share: one multiplexed connection).
pub struct Shared {
    client: redis::Client,
    /// The connection while Redis answers; `None` after a failure (reconnected on the next use after
    /// [`RETRY_AFTER`]).
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    /// Not before this instant is Redis tried again.
    quiet_until: Mutex<Option<Instant>>,
    /// Whether the last use of Redis worked (for the log lines, `/readyz` and the gauge).
    up: AtomicBool,
    /// Change notices received, once this replica's subscription runs (see [`Shared::notices`]).
    notices: broadcast::Sender<Notice>,
    /// Whether the subscription is in place (notices can arrive).
    listening: watch::Sender<bool>,
    /// The subscription, started on first use.
    subscribed: std::sync::Once,
    /// Ends the subscription with the handle.
    cancel: CancellationToken,
}

/// Kinds of a cluster whose objects changed (their URL names: `pods`, `deployments`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The cluster.
    pub cluster_id: i64,
    /// The kinds that changed.
    pub kinds: Vec<String>,
}

/// Where a cluster's change notices are published, and the pattern that receives every cluster's.
const NOTICES: &str = "kubedeck:changes:";
/// A user's cached [`Principal`] (with the epoch it was read under) and the user's epoch, raised on every change.
const PRINCIPAL: &str = "kubedeck:user:";
const PRINCIPAL_EPOCH: &str = "kubedeck:user-epoch:";
/// How long a cached principal lives: the bound on staleness should an invalidation be lost (Redis unreachable
/// at the moment of a change, a change made by `kubedeck admin` without Redis).
pub const PRINCIPAL_TTL: Duration = Duration::from_secs(30);

/// What authenticating a request needs of a user.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Principal {
    pub username: String,
    pub disabled: bool,
    pub session_generation: i32,
    pub must_change_password: bool,
    pub bindings: Vec<kubedeck_core::rbac::Binding>,
}

/// A cached principal, or the epoch to store a fresh one under.
#[derive(Debug)]
pub enum CachedPrincipal {
    /// Still valid: no change of the user since it was cached.
    Hit(Principal),
    /// Not cached, or cached before the user's last change: read the database and keep it under `epoch`.
    Miss { epoch: i64 },
}

#[derive(serde::Serialize, serde::Deserialize)]
struct PrincipalEntry {
    epoch: i64,
    principal: Principal,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the URL: it may carry a password
        f.debug_struct("Shared").field("up", &self.is_up()).finish()
    }
}

impl Shared {
    /// A handle on the Redis at `url` (`redis://[:password@]host:port[/db]`); nothing is connected yet. An
    /// invalid URL is a configuration error, said without the URL (it may carry a password).
    pub fn open(url: &str) -> Result<Shared, String> {
        let client = redis::Client::open(url)
            .map_err(|e| format!("--redis-url is not a Redis URL ({:?})", e.kind()))?;
        Ok(Shared {
            client,
            conn: tokio::sync::Mutex::new(None),
            quiet_until: Mutex::new(None),
            up: AtomicBool::new(false),
            notices: broadcast::channel(256).0,
            listening: watch::channel(false).0,
            subscribed: std::sync::Once::new(),
            cancel: CancellationToken::new(),
        })
    }

    /// Tells the other replicas that `kinds` of a cluster changed (best effort: lost while Redis is down, when
    /// their pages poll).
    pub async fn publish(&self, cluster_id: i64, kinds: &[String]) {
        let Some(mut c) = self.connection().await else {
            return;
        };
        let payload = serde_json::to_string(kinds).unwrap_or_default();
        let sent: redis::RedisResult<i64> = bounded(
            redis::cmd("PUBLISH")
                .arg(format!("{NOTICES}{cluster_id}"))
                .arg(payload)
                .query_async(&mut c),
        )
        .await;
        self.settle(sent).await;
    }

    /// The change notices every replica publishes, and whether they can arrive now (the subscription is in
    /// place). The replica's one subscription starts on first use and comes back by itself after Redis does.
    pub fn notices(&self) -> (broadcast::Receiver<Notice>, watch::Receiver<bool>) {
        self.subscribed.call_once(|| {
            tokio::spawn(subscribe(
                self.client.clone(),
                self.notices.clone(),
                self.listening.clone(),
                self.cancel.clone(),
            ));
        });
        (self.notices.subscribe(), self.listening.subscribe())
    }

    /// The handle for `--redis-url`, if set (see [`Shared::open`]).
    pub fn configured(url: Option<&str>) -> Result<Option<std::sync::Arc<Shared>>, String> {
        url.map(|u| Shared::open(u).map(std::sync::Arc::new))
            .transpose()
    }

    /// Whether the last use of Redis worked.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Asks Redis for a PONG now (at start, and for `/readyz`), ignoring the quiet period after a failure.
    pub async fn check(&self) -> bool {
        *self.quiet_until.lock().expect("redis quiet lock") = None;
        let Some(mut c) = self.connection().await else {
            return false;
        };
        let pong: Result<String, _> = bounded(redis::cmd("PING").query_async(&mut c)).await;
        self.settle(pong).await.is_some()
    }

    /// Counts one API call of `user_id` against `per_minute` in the current minute, for every replica at once:
    /// `Some(Err(seconds until the next minute))` when over it, `None` when Redis cannot say (the caller counts
    /// on its own).
    pub async fn count_call(&self, user_id: i64, per_minute: u32) -> Option<Result<(), u64>> {
        let mut c = self.connection().await?;
        let now = chrono::Utc::now().timestamp();
        let minute = now.div_euclid(60);
        let key = format!("kubedeck:rate:{user_id}:{minute}");
        // the key outlives its minute a little, so that replicas whose clocks differ by seconds share it
        let counted: Result<(u64,), _> = bounded(
            redis::pipe()
                .incr(&key, 1)
                .expire(&key, 120)
                .ignore()
                .query_async(&mut c),
        )
        .await;
        let (calls,) = self.settle(counted).await?;
        Some(if calls > u64::from(per_minute) {
            Err((60 - now.rem_euclid(60)).max(1) as u64)
        } else {
            Ok(())
        })
    }

    /// The user as cached, `None` when Redis cannot say. Race-free without locks: the entry carries the user's
    /// epoch read *before* the database was, and every change raises the epoch *after* its commit, so an entry read
    /// from the database before a change is always older than the epoch and never used.
    pub async fn principal(&self, user_id: i64) -> Option<CachedPrincipal> {
        let mut c = self.connection().await?;
        let got: redis::RedisResult<(Option<i64>, Option<String>)> = bounded(
            redis::cmd("MGET")
                .arg(format!("{PRINCIPAL_EPOCH}{user_id}"))
                .arg(format!("{PRINCIPAL}{user_id}"))
                .query_async(&mut c),
        )
        .await;
        let (epoch, entry) = self.settle(got).await?;
        let epoch = epoch.unwrap_or(0);
        Some(
            match entry.and_then(|e| serde_json::from_str::<PrincipalEntry>(&e).ok()) {
                Some(e) if e.epoch == epoch => CachedPrincipal::Hit(e.principal),
                _ => CachedPrincipal::Miss { epoch },
            },
        )
    }

    /// Keeps `principal`, read from the database after [`Shared::principal`] gave `epoch`.
    pub async fn keep_principal(&self, user_id: i64, epoch: i64, principal: &Principal) {
        let Some(mut c) = self.connection().await else {
            return;
        };
        let entry = serde_json::to_string(&PrincipalEntry { epoch, principal: principal.clone() })
            .expect("a principal serialises");
        let set: redis::RedisResult<()> = bounded(
            redis::cmd("SET")
                .arg(format!("{PRINCIPAL}{user_id}"))
                .arg(entry)
                .arg("EX")
                .arg(PRINCIPAL_TTL.as_secs())
                .query_async(&mut c),
        )
        .await;
        self.settle(set).await;
    }

    /// Says that the user's account or bindings changed (after the change is committed): every replica's next
    /// request of that user reads the database again.
    pub async fn user_changed(&self, user_id: i64) {
        let raised = match self.connection().await {
            Some(mut c) => {
                let key = format!("{PRINCIPAL_EPOCH}{user_id}");
                // the epoch outlives every entry cached under it by far: an expired epoch reads as 0, and an entry
                // of epoch 0 is then long gone
                let r: redis::RedisResult<()> =
                    bounded(redis::pipe().incr(&key, 1).ignore().expire(&key, 86_400).ignore().query_async(&mut c))
                        .await;
                self.settle(r).await.is_some()
            }
            None => false,
        };
        if !raised {
            tracing::warn!(
                user_id,
                "Redis is unreachable: other replicas may use this user's cached roles for up to {} s",
                PRINCIPAL_TTL.as_secs()
            );
        }
    }

    /// The connection, connecting when there is none; `None` while Redis is being left alone after a failure
    /// or when connecting fails.
    async fn connection(&self) -> Option<MultiplexedConnection> {
        if self
            .quiet_until
            .lock()
            .expect("redis quiet lock")
            .is_some_and(|t| Instant::now() < t)
        {
            return None;
        }
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref() {
            return Some(c.clone());
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(REPLY_TIMEOUT));
        let connected = bounded(
            self.client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await;
        match connected {
            Ok(c) => {
                *slot = Some(c.clone());
                Some(c)
            }
            Err(e) => {
                drop(slot);
                self.went_down(&e).await;
                None
            }
        }
    }

    /// The value of a command that worked (Redis is up), or `None` after noting the failure.
    async fn settle<T>(&self, r: redis::RedisResult<T>) -> Option<T> {
        match r {
            Ok(v) => {
                if !self.up.swap(true, Ordering::Relaxed) {
                    tracing::info!("Redis answers: rate limits are shared by the replicas");
                }
                metrics::gauge!("kubedeck_redis_up").set(1.0);
                Some(v)
            }
            Err(e) => {
                self.went_down(&e).await;
                None
            }
        }
    }

    async fn went_down(&self, e: &redis::RedisError) {
        *self.conn.lock().await = None;
        *self.quiet_until.lock().expect("redis quiet lock") = Some(Instant::now() + RETRY_AFTER);
        metrics::gauge!("kubedeck_redis_up").set(0.0);
        metrics::counter!("kubedeck_redis_errors_total").increment(1);
        if self.up.swap(false, Ordering::Relaxed) {
            tracing::warn!(
                "Redis does not answer ({:?}): each replica counts rate limits on its own until it is back",
                e.kind()
            );
        } else {
            tracing::debug!("Redis still unreachable: {:?}", e.kind());
        }
    }
}

/// After a change of a user's account or role bindings is committed: tells every replica (when Redis is shared)
/// to stop using what it cached of that user.
pub async fn user_changed(state: &AppState, user_id: i64) {
    if let Some(redis) = &state.shared {
        redis.user_changed(user_id).await;
    }
}

/// This replica's subscription to every cluster's notices: passes them to `tx` while it runs, and says in
/// `listening` whether it does; after a failure it subscribes again (Redis back) until `cancel`.
async fn subscribe(
    client: redis::Client,
    tx: broadcast::Sender<Notice>,
    listening: watch::Sender<bool>,
    cancel: CancellationToken,
) {
    use futures::StreamExt;
    while !cancel.is_cancelled() {
        let connected = tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub()).await;
        if let Ok(Ok(mut pubsub)) = connected
            && pubsub.psubscribe(format!("{NOTICES}*")).await.is_ok()
        {
            listening.send_replace(true);
            let mut messages = pubsub.on_message();
            loop {
                let msg = tokio::select! {
                    _ = cancel.cancelled() => return,
                    m = messages.next() => m,
                };
                let Some(msg) = msg else { break };
                let cluster_id = msg
                    .get_channel_name()
                    .strip_prefix(NOTICES)
                    .and_then(|id| id.parse().ok());
                let kinds: Option<Vec<String>> =
                    serde_json::from_slice(msg.get_payload_bytes()).ok();
                if let (Some(cluster_id), Some(kinds)) = (cluster_id, kinds) {
                    let _ = tx.send(Notice { cluster_id, kinds });
                }
            }
        }
        listening.send_replace(false);
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(RETRY_AFTER) => {}
        }
    }
}

/// On the replica that watches clusters: publishes, every half second, which kinds of each watched cluster
/// changed (from the stores' change counters, as the live pages of this replica read them), until `cancel`.
pub async fn publish_changes(state: AppState, cancel: CancellationToken) {
    let Some(redis) = state.shared.clone() else {
        return;
    };
    let mut seen: HashMap<(i64, String), u64> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        let running = state.hub.running();
        seen.retain(|(id, _), _| running.contains(id));
        for id in running {
            let Some(h) = state.hub.get(id) else { continue };
            let mut generations = vec![("pods".to_owned(), h.pods.generation())];
            generations.extend(
                h.resources
                    .stores()
                    .iter()
                    .map(|s| (s.served.name.clone(), s.rows.generation())),
            );
            // a kind seen for the first time is a baseline, not a change
            let changed: Vec<String> = generations
                .into_iter()
                .filter(|(kind, g)| {
                    seen.insert((id, kind.clone()), *g)
                        .is_some_and(|before| before != *g)
                })
                .map(|(kind, _)| kind)
                .collect();
            if !changed.is_empty() {
                redis.publish(id, &changed).await;
            }
        }
    }
}

/// `f`, or a timeout error after the reply timeout (the connection's own timeout does not cover every step,
/// such as a server that accepted the connection and stopped).
async fn bounded<T>(f: impl Future<Output = redis::RedisResult<T>>) -> redis::RedisResult<T> {
    match tokio::time::timeout(CONNECT_TIMEOUT, f).await {
        Ok(r) => r,
        Err(_) => Err(redis::RedisError::from(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "Redis did not answer in time",
        ))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_url_that_is_not_redis_is_refused_without_being_echoed() {
        let e = super::Shared::open("http://:s3cret@example.com").unwrap_err();
        assert!(e.contains("--redis-url"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
        assert!(super::Shared::open("redis://:s3cret@127.0.0.1:6379/0").is_ok());
    }
}

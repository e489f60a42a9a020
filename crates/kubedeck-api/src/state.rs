//! Shared state of the HTTP server: the database, settings, keys, the cluster hub.

use kubedeck_core::credential::{CredentialError, KeyRing};
use kubedeck_kube::hub::ClusterHub;
use kubedeck_store::Store;
use kubedeck_store::login_limits::LockoutPolicy;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Settings the API needs (the binary builds them from its configuration).
#[derive(Clone)]
pub struct Settings {
    /// HS256 signing secret for access tokens (at least 32 bytes).
    pub jwt_secret: Vec<u8>,
    /// Lifetime of access tokens.
    pub access_ttl: Duration,
    /// Lifetime of refresh tokens.
    pub refresh_ttl: Duration,
    /// Lockout per account.
    pub login_account_policy: LockoutPolicy,
    /// Lockout per client address.
    pub login_address_policy: LockoutPolicy,
    /// API calls per user per minute: counted by each replica, or once for all of them through Redis.
    pub api_rate_per_minute: u32,
    /// The alert engine's evaluation interval and default notification timing.
    pub alerting: crate::alerting::AlertSettings,
    /// Redis (`--redis-url`), shared by the replicas (see [`crate::shared`]); `None`: each replica on its own.
    pub redis_url: Option<String>,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Whether `X-Forwarded-For` names the client (see [`crate::audit::client_ip`]).
    pub trust_forwarded_for: bool,
    /// With `trust_forwarded_for`, the only peers whose `X-Forwarded-For` is believed (empty: every peer, and
    /// the first address is the client: only behind a proxy that overwrites the header).
    pub trusted_proxies: Vec<crate::audit::TrustedProxy>,
    /// Whether this replica serves HTTPS itself (`--tls-cert`): every answer then reached the browser over HTTPS.
    pub serves_tls: bool,
    /// HSTS `max-age` on answers that reached the browser over HTTPS (see [`crate::edge::protect`]; zero: none).
    pub hsts_max_age: Duration,
    /// Node metrics collection and retention (the latest-sample API needs the interval to judge staleness).
    pub node_metrics: crate::metrics_collector::MetricsSettings,
    /// How long archived events are kept after they were last seen (default 14 days).
    pub event_retention: Duration,
    /// How notifications are paced: rate-limit window, retries, timeouts (see [`crate::notify`]).
    pub notify: crate::notify::NotifySettings,
    /// Where etcd snapshots are written (the binary: `<data dir>/etcd-snapshots`).
    pub etcd_snapshot_dir: std::path::PathBuf,
    /// How often the backup schedulers (etcd snapshots, application backups) look for due runs.
    pub schedule_tick: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("api_rate_per_minute", &self.api_rate_per_minute)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Defaults with the given signing secret.
    pub fn with_secret(jwt_secret: Vec<u8>) -> Self {
        Self {
            jwt_secret,
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(7 * 24 * 3600),
            login_account_policy: LockoutPolicy {
                max_failures: 5,
                window: chrono::Duration::minutes(15),
                lockout: chrono::Duration::minutes(15),
            },
            login_address_policy: LockoutPolicy {
                max_failures: 30,
                window: chrono::Duration::minutes(15),
                lockout: chrono::Duration::minutes(15),
            },
            api_rate_per_minute: 1200,
            alerting: Default::default(),
            redis_url: None,
            max_body_bytes: 12 * 1024 * 1024,
            trust_forwarded_for: false,
            trusted_proxies: Vec::new(),
            serves_tls: false,
            hsts_max_age: Duration::from_secs(365 * 24 * 3600),
            node_metrics: Default::default(),
            event_retention: crate::event_archive::DEFAULT_RETENTION,
            notify: Default::default(),
            etcd_snapshot_dir: std::env::temp_dir().join("kubedeck-etcd-snapshots"),
            schedule_tick: Duration::from_secs(20),
        }
    }
}

/// Everything handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

/// The shared parts.
pub struct Inner {
    /// The database.
    pub store: Store,
    /// API settings.
    pub settings: Settings,
    /// Credential keys; replaced as a whole on rotation.
    pub keyring: RwLock<KeyRing>,
    /// Live connections to the clusters.
    pub hub: ClusterHub,
    /// This replica's id (for leases and task ownership).
    pub replica_id: String,
    /// Per-user API rate limiter (this replica's count; used without Redis, or while it is down).
    pub rate: crate::auth::RateLimiter,
    /// Redis, when configured: what the replicas share.
    pub shared: Option<Arc<crate::shared::Shared>>,
    /// Kind catalogs of clusters another replica syncs (discovered on demand, kept a minute).
    pub catalogs: crate::connection::CatalogCache,
    /// Certificate readings of the clusters (the dashboard and the expiry alert).
    pub certificates: crate::certificates::Cache,
    /// Where the credential keys live, for reloading after a rotation by another process.
    pub key_dir: Option<crate::keys::KeyDir>,
    /// Renders `/metrics`.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// A snapshot of the key ring.
    pub fn keyring(&self) -> KeyRing {
        self.keyring.read().expect("key ring lock").clone()
    }

    /// Opens a cluster's stored kubeconfig. A key id this process does not know means a rotation happened
    /// elsewhere: reload the key directory once and retry.
    pub fn open_credential(
        &self,
        cluster: &kubedeck_store::clusters::Cluster,
    ) -> Result<String, CredentialError> {
        match self.store.open_cluster_credential(cluster, &self.keyring()) {
            Err(CredentialError::UnknownKey(id)) => {
                let Some(Ok(ring)) = self.key_dir.as_ref().map(|d| d.load()) else {
                    return Err(CredentialError::UnknownKey(id));
                };
                *self.keyring.write().expect("key ring lock") = ring.clone();
                self.store.open_cluster_credential(cluster, &ring)
            }
            other => other,
        }
    }
}

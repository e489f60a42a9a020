//! Configuration: command-line flags, then `KUBEDECK_*` environment variables, then a TOML file, then defaults.
//! Secrets also come as `*_FILE` paths so they never need to sit in the environment or the file itself.

use clap::Args;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Settings every subcommand that touches the database shares.
#[derive(Args, Debug, Clone, Default)]
pub struct CommonArgs {
    /// TOML configuration file (keys are the long flag names with '_' for '-').
    #[arg(long, env = "KUBEDECK_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory for the SQLite database and generated keys [default: ./data].
    #[arg(long, env = "KUBEDECK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH?mode=rwc, postgres://USER@HOST:PORT/DB, mysql://USER:PASS@HOST:PORT/DB
    /// [default: SQLite in the data directory].
    #[arg(long, env = "KUBEDECK_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// File holding the database URL (when it carries a password).
    #[arg(long, env = "KUBEDECK_DATABASE_URL_FILE")]
    pub database_url_file: Option<PathBuf>,
    /// Directory of credential-encryption keys [default: DATA_DIR/keys/credential].
    #[arg(long, env = "KUBEDECK_CREDENTIAL_KEY_DIR")]
    pub credential_key_dir: Option<PathBuf>,
    /// Log format: text or json [default: text].
    #[arg(long, env = "KUBEDECK_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Log filter, e.g. info or kubedeck=debug,info [default: info].
    #[arg(long, env = "KUBEDECK_LOG")]
    pub log: Option<String>,
}

/// `kubedeck serve` settings.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "KUBEDECK_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// File with the JWT signing secret [default: DATA_DIR/jwt.secret, generated on first start].
    #[arg(long, env = "KUBEDECK_JWT_SECRET_FILE")]
    pub jwt_secret_file: Option<PathBuf>,
    /// Seconds between cluster health checks and syncs [default: 15].
    #[arg(long, env = "KUBEDECK_SYNC_INTERVAL_SECS")]
    pub sync_interval_secs: Option<u64>,
    /// Lifetime of access tokens in seconds [default: 900].
    #[arg(long, env = "KUBEDECK_ACCESS_TOKEN_TTL_SECS")]
    pub access_token_ttl_secs: Option<u64>,
    /// API calls per user per minute, per replica [default: 1200].
    #[arg(long, env = "KUBEDECK_API_RATE_PER_MINUTE")]
    pub api_rate_per_minute: Option<u32>,
    /// Failed logins per account before a 15-minute lock [default: 5].
    #[arg(long, env = "KUBEDECK_LOGIN_MAX_FAILURES")]
    pub login_max_failures: Option<i32>,
    /// Trust the first X-Forwarded-For address (only behind a proxy that overwrites it) [default: false].
    #[arg(long, env = "KUBEDECK_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: Option<bool>,
    /// With --trust-forwarded-for, the only proxies whose X-Forwarded-For is believed: addresses or networks,
    /// comma-separated (e.g. 10.0.0.0/8,fd00::1) [default: any peer, first address].
    #[arg(long, env = "KUBEDECK_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Option<Vec<String>>,
    /// Database connections this replica keeps at most [default: 4 for SQLite, 16 otherwise].
    #[arg(long, env = "KUBEDECK_DATABASE_MAX_CONNECTIONS")]
    pub database_max_connections: Option<u32>,
    /// A read replica of the database (PostgreSQL or MySQL/MariaDB) for reads that tolerate lag: lists from
    /// snapshots, the audit log, metrics history. While it lags more than --database-read-max-lag-secs or fails,
    /// those reads go to the primary [default: none].
    #[arg(long, env = "KUBEDECK_DATABASE_READ_URL", hide_env_values = true)]
    pub database_read_url: Option<String>,
    /// The most the read replica may lag behind before reads go to the primary [default: 30].
    #[arg(long, env = "KUBEDECK_DATABASE_READ_MAX_LAG_SECS")]
    pub database_read_max_lag_secs: Option<u64>,
    /// Redis shared by the replicas, redis://[:PASSWORD@]HOST:PORT[/DB]: per-user rate limits counted once for
    /// all of them, and live pages on every replica. Optional; while it is down each replica counts on its own and
    /// pages of clusters another replica watches poll [default: none].
    #[arg(long, env = "KUBEDECK_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Serve HTTPS with this PEM certificate (chain) file; needs --tls-key. Read again when it changes.
    #[arg(long, env = "KUBEDECK_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "KUBEDECK_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// With --tls-cert: also listen here for plain HTTP and redirect every request to HTTPS (308) instead of
    /// refusing it, e.g. 0.0.0.0:80 [default: none].
    #[arg(long, env = "KUBEDECK_HTTP_REDIRECT_LISTEN")]
    pub http_redirect_listen: Option<SocketAddr>,
    /// HSTS max-age in seconds, sent on answers that reached the browser over HTTPS (served directly, or through a
    /// trusted proxy's X-Forwarded-Proto: https); 0 sends none [default: 31536000, one year].
    #[arg(long, env = "KUBEDECK_HSTS_MAX_AGE_SECS")]
    pub hsts_max_age_secs: Option<u64>,
    /// Days archived Kubernetes events are kept after they were last seen [default: 14].
    #[arg(long, env = "KUBEDECK_EVENT_RETENTION_DAYS")]
    pub event_retention_days: Option<u64>,
    /// Seconds between node metrics scrapes (kubelet summary through the API server) [default: 30].
    #[arg(long, env = "KUBEDECK_METRICS_INTERVAL_SECS")]
    pub metrics_interval_secs: Option<u64>,
    /// Seconds raw node metrics are kept before they are folded into averages [default: 86400].
    #[arg(long, env = "KUBEDECK_METRICS_RAW_RETENTION_SECS")]
    pub metrics_raw_retention_secs: Option<u64>,
    /// Length in seconds of a downsampled node metrics bucket [default: 300].
    #[arg(long, env = "KUBEDECK_METRICS_BUCKET_SECS")]
    pub metrics_bucket_secs: Option<u64>,
    /// Seconds node metrics averages are kept [default: 2592000, 30 days].
    #[arg(long, env = "KUBEDECK_METRICS_DOWNSAMPLED_RETENTION_SECS")]
    pub metrics_downsampled_retention_secs: Option<u64>,
    /// Seconds between two pod history samples, rounded up to the node scrape interval (a cluster has far more
    /// pods than nodes) [default: 60].
    #[arg(long, env = "KUBEDECK_POD_METRICS_INTERVAL_SECS")]
    pub pod_metrics_interval_secs: Option<u64>,
    /// Days pod history (hourly averages) is kept, and so a deleted pod's [default: 7].
    #[arg(long, env = "KUBEDECK_POD_METRICS_RETENTION_DAYS")]
    pub pod_metrics_retention_days: Option<u64>,
    /// Seconds between evaluations of a cluster's alert rules [default: 30].
    #[arg(long, env = "KUBEDECK_ALERT_EVAL_INTERVAL_SECS")]
    pub alert_eval_interval_secs: Option<u64>,
    /// Seconds a new alert group waits before its first notice (Alertmanager's group_wait) [default: 30].
    #[arg(long, env = "KUBEDECK_ALERT_GROUP_WAIT_SECS")]
    pub alert_group_wait_secs: Option<u64>,
    /// Seconds between notices of a changed alert group (group_interval) [default: 300].
    #[arg(long, env = "KUBEDECK_ALERT_GROUP_INTERVAL_SECS")]
    pub alert_group_interval_secs: Option<u64>,
    /// Seconds before an unchanged firing group is notified again (repeat_interval) [default: 14400].
    #[arg(long, env = "KUBEDECK_ALERT_REPEAT_INTERVAL_SECS")]
    pub alert_repeat_interval_secs: Option<u64>,
    /// Where operators reach this Kubedeck (https://kubedeck.example.com): alert links in notifications and the
    /// webhook payload's externalURL are made from it [default: none, messages carry no links].
    #[arg(long, env = "KUBEDECK_EXTERNAL_URL")]
    pub external_url: Option<String>,
}

/// The TOML file: every key optional.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_url_file: Option<PathBuf>,
    credential_key_dir: Option<PathBuf>,
    log_format: Option<String>,
    log: Option<String>,
    listen: Option<SocketAddr>,
    jwt_secret_file: Option<PathBuf>,
    sync_interval_secs: Option<u64>,
    access_token_ttl_secs: Option<u64>,
    api_rate_per_minute: Option<u32>,
    login_max_failures: Option<i32>,
    trust_forwarded_for: Option<bool>,
    trusted_proxies: Option<Vec<String>>,
    database_max_connections: Option<u32>,
    database_read_url: Option<String>,
    database_read_max_lag_secs: Option<u64>,
    redis_url: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    http_redirect_listen: Option<SocketAddr>,
    hsts_max_age_secs: Option<u64>,
    event_retention_days: Option<u64>,
    metrics_interval_secs: Option<u64>,
    metrics_raw_retention_secs: Option<u64>,
    metrics_bucket_secs: Option<u64>,
    metrics_downsampled_retention_secs: Option<u64>,
    pod_metrics_interval_secs: Option<u64>,
    pod_metrics_retention_days: Option<u64>,
    alert_eval_interval_secs: Option<u64>,
    alert_group_wait_secs: Option<u64>,
    alert_group_interval_secs: Option<u64>,
    alert_repeat_interval_secs: Option<u64>,
    external_url: Option<String>,
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub credential_key_dir: PathBuf,
    pub log_json: bool,
    pub log: String,
    pub listen: SocketAddr,
    pub jwt_secret_file: PathBuf,
    pub sync_interval_secs: u64,
    pub access_token_ttl_secs: u64,
    pub api_rate_per_minute: u32,
    pub login_max_failures: i32,
    pub trust_forwarded_for: bool,
    pub trusted_proxies: Vec<kubedeck_api::audit::TrustedProxy>,
    /// HTTPS: the certificate and key files (None: plain HTTP).
    pub tls: Option<crate::tls::CertFiles>,
    /// With TLS: where plain HTTP is answered with a redirect to HTTPS (None: plain HTTP is refused).
    pub http_redirect_listen: Option<SocketAddr>,
    /// HSTS max-age for answers that reached the browser over HTTPS (0: none).
    pub hsts_max_age_secs: u64,
    /// The database pool's size (None: the store's default for the backend).
    pub database_max_connections: Option<u32>,
    /// Days archived events are kept.
    pub event_retention_days: u64,
    /// Redis shared by the replicas (None: none).
    pub redis_url: Option<String>,
    /// The database's read replica (None: none) and the lag it may have.
    pub database_read_url: Option<String>,
    pub database_read_max_lag_secs: u64,
    pub metrics_interval_secs: u64,
    pub metrics_raw_retention_secs: u64,
    pub metrics_bucket_secs: u64,
    pub metrics_downsampled_retention_secs: u64,
    pub pod_metrics_interval_secs: u64,
    pub pod_metrics_retention_days: u64,
    /// The alert engine: evaluation interval and default notification timing, seconds.
    pub alert_eval_interval_secs: u64,
    pub alert_group_wait_secs: u64,
    pub alert_group_interval_secs: u64,
    pub alert_repeat_interval_secs: u64,
    /// Where operators reach Kubedeck (links in notifications); empty: unknown.
    pub external_url: String,
}

/// The database URL, or the URL read from the file that holds it.
fn url_or_file(url: Option<String>, file: Option<PathBuf>) -> anyhow::Result<Option<String>> {
    match (url, file) {
        (Some(u), _) => Ok(Some(u)),
        (None, Some(p)) => Ok(Some(
            std::fs::read_to_string(&p)
                .map_err(|e| anyhow::anyhow!("cannot read database URL file {}: {e}", p.display()))?
                .trim()
                .to_owned(),
        )),
        (None, None) => Ok(None),
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read config file {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))
}

impl Settings {
    /// Settings for subcommands that only need the database.
    pub fn load(common: &CommonArgs) -> anyhow::Result<Settings> {
        Self::resolve(common, None)
    }

    /// Settings for `serve`.
    pub fn load_serve(args: &ServeArgs) -> anyhow::Result<Settings> {
        Self::resolve(&args.common, Some(args))
    }

    fn resolve(c: &CommonArgs, s: Option<&ServeArgs>) -> anyhow::Result<Settings> {
        let f = match &c.config {
            Some(p) => read_file(p)?,
            None => FileConfig::default(),
        };
        let data_dir = c
            .data_dir
            .clone()
            .or(f.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        // Flags and the environment come before the TOML file, whichever of the URL and the URL file each
        // sets: a KUBEDECK_DATABASE_URL_FILE in the environment beats a database_url in the file.
        let database_url = match url_or_file(c.database_url.clone(), c.database_url_file.clone())? {
            Some(u) => u,
            None => url_or_file(f.database_url, f.database_url_file)?.unwrap_or_else(|| {
                format!(
                    "sqlite://{}?mode=rwc",
                    data_dir.join("kubedeck.db").display()
                )
            }),
        };
        let log_format = c
            .log_format
            .clone()
            .or(f.log_format)
            .unwrap_or_else(|| "text".into());
        anyhow::ensure!(
            log_format == "text" || log_format == "json",
            "log format must be text or json, not '{log_format}'"
        );
        let trusted_proxies = s
            .and_then(|s| s.trusted_proxies.clone())
            .or(f.trusted_proxies)
            .unwrap_or_default()
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                p.parse()
                    .map_err(|e| anyhow::anyhow!("trusted proxies: {e}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let tls = match (
            s.and_then(|s| s.tls_cert.clone()).or(f.tls_cert),
            s.and_then(|s| s.tls_key.clone()).or(f.tls_key),
        ) {
            (Some(cert), Some(key)) => Some(crate::tls::CertFiles { cert, key }),
            (None, None) => None,
            (Some(_), None) => anyhow::bail!("--tls-cert needs --tls-key (the certificate's private key)"),
            (None, Some(_)) => anyhow::bail!("--tls-key needs --tls-cert (the certificate it belongs to)"),
        };
        let http_redirect_listen = s.and_then(|s| s.http_redirect_listen).or(f.http_redirect_listen);
        if http_redirect_listen.is_some() && tls.is_none() {
            anyhow::bail!("--http-redirect-listen redirects to the HTTPS this server serves: it needs --tls-cert and --tls-key");
        }
        let pick =
            |flag: Option<u64>, file: Option<u64>, default: u64| flag.or(file).unwrap_or(default);
        let settings = Settings {
            credential_key_dir: c
                .credential_key_dir
                .clone()
                .or(f.credential_key_dir)
                .unwrap_or_else(|| data_dir.join("keys/credential")),
            log_json: log_format == "json",
            log: c.log.clone().or(f.log).unwrap_or_else(|| "info".into()),
            listen: s
                .and_then(|s| s.listen)
                .or(f.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".parse().expect("valid")),
            jwt_secret_file: s
                .and_then(|s| s.jwt_secret_file.clone())
                .or(f.jwt_secret_file)
                .unwrap_or_else(|| data_dir.join("jwt.secret")),
            sync_interval_secs: pick(
                s.and_then(|s| s.sync_interval_secs),
                f.sync_interval_secs,
                15,
            )
            .max(1),
            access_token_ttl_secs: pick(
                s.and_then(|s| s.access_token_ttl_secs),
                f.access_token_ttl_secs,
                900,
            )
            .max(10),
            api_rate_per_minute: s
                .and_then(|s| s.api_rate_per_minute)
                .or(f.api_rate_per_minute)
                .unwrap_or(1200)
                .max(1),
            login_max_failures: s
                .and_then(|s| s.login_max_failures)
                .or(f.login_max_failures)
                .unwrap_or(5)
                .max(1),
            trust_forwarded_for: s
                .and_then(|s| s.trust_forwarded_for)
                .or(f.trust_forwarded_for)
                .unwrap_or(false),
            trusted_proxies,
            tls,
            http_redirect_listen,
            hsts_max_age_secs: pick(s.and_then(|s| s.hsts_max_age_secs), f.hsts_max_age_secs, 365 * 24 * 3600),
            database_max_connections: s.and_then(|s| s.database_max_connections).or(f.database_max_connections),
            event_retention_days: pick(
                s.and_then(|s| s.event_retention_days),
                f.event_retention_days,
                14,
            )
            .max(1),
            redis_url: s.and_then(|s| s.redis_url.clone()).or(f.redis_url).filter(|u| !u.trim().is_empty()),
            database_read_url: s
                .and_then(|s| s.database_read_url.clone())
                .or(f.database_read_url)
                .filter(|u| !u.trim().is_empty()),
            database_read_max_lag_secs: pick(
                s.and_then(|s| s.database_read_max_lag_secs),
                f.database_read_max_lag_secs,
                30,
            )
            .max(1),
            metrics_interval_secs: pick(
                s.and_then(|s| s.metrics_interval_secs),
                f.metrics_interval_secs,
                30,
            )
            .max(1),
            metrics_raw_retention_secs: pick(
                s.and_then(|s| s.metrics_raw_retention_secs),
                f.metrics_raw_retention_secs,
                24 * 3600,
            ),
            metrics_bucket_secs: pick(
                s.and_then(|s| s.metrics_bucket_secs),
                f.metrics_bucket_secs,
                300,
            )
            .max(1),
            metrics_downsampled_retention_secs: pick(
                s.and_then(|s| s.metrics_downsampled_retention_secs),
                f.metrics_downsampled_retention_secs,
                30 * 24 * 3600,
            ),
            pod_metrics_interval_secs: pick(
                s.and_then(|s| s.pod_metrics_interval_secs),
                f.pod_metrics_interval_secs,
                60,
            )
            .max(1),
            pod_metrics_retention_days: pick(
                s.and_then(|s| s.pod_metrics_retention_days),
                f.pod_metrics_retention_days,
                7,
            )
            .max(1),
            alert_eval_interval_secs: pick(s.and_then(|s| s.alert_eval_interval_secs), f.alert_eval_interval_secs, 30).max(1),
            alert_group_wait_secs: pick(s.and_then(|s| s.alert_group_wait_secs), f.alert_group_wait_secs, 30),
            alert_group_interval_secs: pick(s.and_then(|s| s.alert_group_interval_secs), f.alert_group_interval_secs, 300),
            alert_repeat_interval_secs: pick(s.and_then(|s| s.alert_repeat_interval_secs), f.alert_repeat_interval_secs, 4 * 3600),
            external_url: s
                .and_then(|s| s.external_url.clone())
                .or(f.external_url)
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .unwrap_or_default(),
            data_dir,
            database_url,
        };
        Ok(settings)
    }
}

/// Sets up `tracing` once.
pub fn init_logging(cfg: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&cfg.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if cfg.log_json {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

//! `kubedeck serve`: start-up, the first admin account, background jobs, graceful shutdown.

use crate::config::{ServeArgs, Settings, init_logging};
use kubedeck_api::keys::{KeyDir, load_or_create_jwt_secret};
use kubedeck_api::state::{AppState, Inner};
use kubedeck_core::password::{generate_password, hash_password, password_problem};
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_kube::hub::ClusterHub;
use kubedeck_store::Store;
use kubedeck_store::users::NewUser;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Opens the database and brings its schema up to date.
pub async fn open_store(cfg: &Settings) -> anyhow::Result<Store> {
    if cfg.database_url.starts_with("sqlite:") {
        create_private_dir(&cfg.data_dir)?;
    }
    let store = Store::connect_with(&cfg.database_url, cfg.database_max_connections)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    let applied = store.migrate().await?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(store)
}

fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create data directory {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Creates the `admin` account on an empty database. Returns the one-time password when one was generated.
async fn ensure_first_admin(store: &Store) -> anyhow::Result<Option<String>> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let (password, generated) = match std::env::var("KUBEDECK_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => {
            if let Some(problem) = password_problem(&p, "admin") {
                anyhow::bail!("KUBEDECK_ADMIN_PASSWORD is not acceptable: {problem}");
            }
            (p, false)
        }
        _ => (generate_password(), true),
    };
    let pw = password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw)).await?;
    let created = store
        .create_user(
            NewUser {
                username: "admin",
                display_name: "Administrator",
                password_hash: hash,
                must_change_password: generated,
            },
            &[Binding::global(Role::PlatformAdmin)],
        )
        .await;
    match created {
        Ok(_) => Ok(generated.then_some(password)),
        // replicas started together on an empty database: another one created the account first (and printed its
        // one-time password); this replica's password was never stored, so it must not be shown
        Err(e) if store.find_user_by_name("admin").await.ok().flatten().is_some() => {
            tracing::info!("another replica created the first admin account ({e})");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Runs the server until SIGINT/SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let cfg = Settings::load_serve(&args)?;
    init_logging(&cfg);
    let mut store = open_store(&cfg).await?;
    if let Some(url) = &cfg.database_read_url {
        let max_lag = Duration::from_secs(cfg.database_read_max_lag_secs);
        store = store
            .with_read_replica(url, max_lag)
            .await
            .map_err(|e| anyhow::anyhow!("--database-read-url: {e}"))?;
        tracing::info!(replica = %redact_url(url), "reads that tolerate {}s of lag go to the read replica", max_lag.as_secs());
    }
    let key_dir = KeyDir::new(&cfg.credential_key_dir);
    let keyring = key_dir.load_or_create()?;
    let jwt = load_or_create_jwt_secret(&cfg.jwt_secret_file)?;
    let first_password = ensure_first_admin(&store).await?;

    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .ok();
    let (hub, hub_events) = ClusterHub::new();
    let mut settings = kubedeck_api::state::Settings::with_secret(jwt);
    settings.access_ttl = Duration::from_secs(cfg.access_token_ttl_secs);
    settings.api_rate_per_minute = cfg.api_rate_per_minute;
    settings.login_account_policy.max_failures = cfg.login_max_failures;
    settings.trust_forwarded_for = cfg.trust_forwarded_for;
    settings.trusted_proxies = cfg.trusted_proxies.clone();
    settings.serves_tls = cfg.tls.is_some();
    settings.hsts_max_age = Duration::from_secs(cfg.hsts_max_age_secs);
    settings.event_retention = Duration::from_secs(cfg.event_retention_days.saturating_mul(24 * 3600));
    settings.notify.external_url = cfg.external_url.clone();
    // etcd snapshots hold every Secret of a cluster: kept in the private data directory
    settings.etcd_snapshot_dir = cfg.data_dir.join("etcd-snapshots");
    settings.redis_url = cfg.redis_url.clone();
    let shared = kubedeck_api::shared::Shared::configured(cfg.redis_url.as_deref()).map_err(anyhow::Error::msg)?;
    if let Some(redis) = &shared
        && !redis.check().await
    {
        tracing::warn!("Redis does not answer: each replica counts rate limits on its own until it does");
    }
    let node_metrics = kubedeck_api::metrics_collector::MetricsSettings {
        interval: Duration::from_secs(cfg.metrics_interval_secs),
        raw_retention: Duration::from_secs(cfg.metrics_raw_retention_secs),
        bucket: Duration::from_secs(cfg.metrics_bucket_secs),
        downsampled_retention: Duration::from_secs(cfg.metrics_downsampled_retention_secs),
        pods: kubedeck_api::pod_history::PodHistorySettings {
            interval: Duration::from_secs(cfg.pod_metrics_interval_secs),
            retention: Duration::from_secs(cfg.pod_metrics_retention_days.saturating_mul(24 * 3600)),
            ..Default::default()
        },
        ..Default::default()
    };
    settings.node_metrics = node_metrics;
    settings.alerting = kubedeck_api::alerting::AlertSettings {
        eval_interval: Duration::from_secs(cfg.alert_eval_interval_secs),
        timing: kubedeck_api::alerting::dispatch::Timing {
            group_wait: Duration::from_secs(cfg.alert_group_wait_secs),
            group_interval: Duration::from_secs(cfg.alert_group_interval_secs),
            repeat_interval: Duration::from_secs(cfg.alert_repeat_interval_secs),
        },
    };
    let replica_id = format!("{}-{}", std::process::id(), &uuid_like());
    let state = AppState(Arc::new(Inner {
        store: store.clone(),
        settings,
        keyring: RwLock::new(keyring),
        hub,
        replica_id: replica_id.clone(),
        rate: Default::default(),
        shared,
        catalogs: Default::default(),
        certificates: Default::default(),
        key_dir: Some(key_dir),
        metrics,
    }));

    let interrupted = store.interrupt_orphaned_tasks(&replica_id).await?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "tasks left running by a stopped replica were marked interrupted"
        );
    }
    let interrupted = store.interrupt_orphaned_app_backups(&replica_id).await?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "application backups left running by a stopped replica were marked interrupted"
        );
    }

    let cancel = CancellationToken::new();
    let sync = tokio::spawn(kubedeck_api::sync::run(
        state.clone(),
        Duration::from_secs(cfg.sync_interval_secs),
        hub_events,
        cancel.clone(),
    ));
    let metrics_collector = tokio::spawn(kubedeck_api::metrics_collector::run(
        state.clone(),
        node_metrics,
        cancel.clone(),
    ));
    let etcd_schedules = tokio::spawn(kubedeck_api::etcd_backup::run(state.clone(), cancel.clone()));
    let app_backup_schedules =
        tokio::spawn(kubedeck_api::app_backup::schedule::run(state.clone(), cancel.clone()));

    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if cfg.tls.is_some() { "https" } else { "http" };
    println!("Kubedeck is running at {scheme}://{addr}/  (API docs: {scheme}://{addr}/api/docs)");
    if let Some(pw) = first_password {
        println!("First start: log in as 'admin' with the one-time password: {pw}");
        println!("(you will be asked to change it; this password is not shown again)");
    }
    tracing::info!(%addr, database = %redact_url(&cfg.database_url), "serving");

    // a newer Kubedeck that migrated the database ends this replica cleanly (see watch_schema)
    let schema_moved = CancellationToken::new();
    let schema_watch = tokio::spawn(watch_schema(store.clone(), schema_moved.clone(), cancel.clone()));
    let stop = {
        let moved = schema_moved.clone();
        async move { tokio::select! { _ = shutdown_signal() => {}, _ = moved.cancelled() => {} } }
    };
    let router = kubedeck_api::router(state.clone());
    match cfg.tls.clone() {
        None => {
            let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app).with_graceful_shutdown(stop).await?;
        }
        Some(files) => {
            use axum::serve::ListenerExt;
            // (HSTS: every answer carries it, see kubedeck_api::edge::protect)
            let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            if let Some(plain) = cfg.http_redirect_listen {
                let plain = tokio::net::TcpListener::bind(plain)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen on {plain}: {e}"))?;
                println!("Plain HTTP at http://{} is redirected to HTTPS", plain.local_addr()?);
                tokio::spawn(crate::tls::redirect_to_https(plain, addr.port()));
            }
            // (tap_io: axum then gives the handlers the peer's address, as for plain TCP)
            let tls = crate::tls::TlsListener::new(listener, files)?.tap_io(|_| {});
            axum::serve(tls, app).with_graceful_shutdown(stop).await?;
        }
    }
    tracing::info!("shutting down: stopping background jobs");
    cancel.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(10), sync).await;
    let _ = tokio::time::timeout(Duration::from_secs(10), metrics_collector).await;
    let _ = tokio::time::timeout(Duration::from_secs(10), etcd_schedules).await;
    let _ = tokio::time::timeout(Duration::from_secs(10), app_backup_schedules).await;
    schema_watch.abort();
    store.close().await?;
    if schema_moved.is_cancelled() {
        // a distinct exit status, so a supervisor can tell an upgrade from a crash (deploy/systemd does not
        // restart on it: RestartPreventExitStatus)
        eprintln!(
            "kubedeck: stopped: a newer Kubedeck migrated the database; start the new version instead"
        );
        std::process::exit(SCHEMA_MOVED_EXIT);
    }
    Ok(())
}

/// How `kubedeck serve` exits when a newer version migrated its database under it.
pub const SCHEMA_MOVED_EXIT: i32 = 3;
/// How often a replica checks whether a newer version migrated the database.
const SCHEMA_CHECK_EVERY: Duration = Duration::from_secs(10);

/// Rolling upgrades: the new version's first replica migrates the database while this one serves. Migrations only
/// add, so this replica keeps working while they run; once the database has migrations this build does not know,
/// its code may no longer match the tables, so it stops taking work (its loops end and release their leases, for a
/// new-version replica to take over at once), finishes the requests in flight and exits with
/// [`SCHEMA_MOVED_EXIT`]. `/readyz` already says `migrations: ahead`, so a balancer has stopped sending to it.
async fn watch_schema(store: Store, moved: CancellationToken, background: CancellationToken) {
    let mut tick = tokio::time::interval(SCHEMA_CHECK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match store.schema_state().await {
            Ok(kubedeck_store::schema::SchemaState::Ahead(names)) => {
                tracing::error!(
                    migrations = %names.join(", "),
                    "a newer Kubedeck migrated the database; this replica stops (exit status {SCHEMA_MOVED_EXIT})"
                );
                background.cancel();
                moved.cancel();
                return;
            }
            Ok(_) => {}
            // a database that does not answer is the sync loop's and readyz's business, not a reason to stop
            Err(e) => tracing::debug!("schema check: {e}"),
        }
    }
}

fn uuid_like() -> String {
    use rand::Rng;
    format!("{:08x}", rand::rng().random::<u32>())
}

/// The database URL without its password, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_passwords_are_hidden_in_logs() {
        assert_eq!(
            super::redact_url("mysql://root:hunter2@db:3306/k"),
            "mysql://root:***@db:3306/k"
        );
        assert_eq!(
            super::redact_url("sqlite://data/k.db?mode=rwc"),
            "sqlite://data/k.db?mode=rwc"
        );
    }
}

//! `kubedeck admin`: account and key chores that work on the database directly (no server needed).

use crate::config::{CommonArgs, Settings, init_logging};
use crate::serve::open_store;
use clap::Subcommand;
use kubedeck_api::keys::KeyDir;
use kubedeck_core::credential::CredentialKey;
use kubedeck_core::password::{generate_password, hash_password, password_problem};
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_store::users::{NewUser, UserChanges};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an account. The password is read from KUBEDECK_NEW_PASSWORD or generated and printed.
    CreateUser {
        #[command(flatten)]
        common: CommonArgs,
        /// Login name.
        #[arg(long)]
        username: String,
        /// Global role: platform-admin, cluster-admin, operator or viewer.
        #[arg(long, default_value = "viewer")]
        role: String,
    },
    /// Reset a password to a generated one-time password (printed); the user must change it at next login.
    ResetPassword {
        #[command(flatten)]
        common: CommonArgs,
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Back up the database and the keys (credential keys, JWT secret) into a new directory, while servers run.
    Backup {
        #[command(flatten)]
        common: CommonArgs,
        /// The JWT secret file, when not DATA_DIR/jwt.secret.
        #[arg(long, env = "KUBEDECK_JWT_SECRET_FILE")]
        jwt_secret_file: Option<std::path::PathBuf>,
        /// The new directory to write (owner-only: it holds the keys).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Restore a backup into an empty database of the same kind and a data directory without keys (never over
    /// existing data), then apply this build's migrations.
    Restore {
        #[command(flatten)]
        common: CommonArgs,
        /// Where the JWT secret goes, when not DATA_DIR/jwt.secret.
        #[arg(long, env = "KUBEDECK_JWT_SECRET_FILE")]
        jwt_secret_file: Option<std::path::PathBuf>,
        /// The backup directory.
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Re-encrypt every stored kubeconfig under a new key, while servers keep running.
    RotateKey {
        #[command(flatten)]
        common: CommonArgs,
        /// Also delete key files no credential uses any more.
        #[arg(long)]
        prune: bool,
    },
}

pub async fn run(cmd: AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::CreateUser {
            common,
            username,
            role,
        } => {
            let cfg = Settings::load(&common)?;
            init_logging(&cfg);
            let role: Role = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let store = open_store(&cfg).await?;
            anyhow::ensure!(
                store.find_user_by_name(&username).await?.is_none(),
                "user '{username}' already exists"
            );
            let (password, show) = match std::env::var("KUBEDECK_NEW_PASSWORD") {
                Ok(p) if !p.is_empty() => (p, false),
                _ => (generate_password(), true),
            };
            if let Some(p) = password_problem(&password, &username) {
                anyhow::bail!("KUBEDECK_NEW_PASSWORD: {p}");
            }
            let hash = tokio::task::spawn_blocking({
                let p = password.clone();
                move || hash_password(&p)
            })
            .await?;
            store
                .create_user(
                    NewUser {
                        username: &username,
                        display_name: &username,
                        password_hash: hash,
                        must_change_password: show,
                    },
                    &[Binding::global(role)],
                )
                .await?;
            println!("created user '{username}' with global role {role}");
            if show {
                println!("one-time password: {password}");
            }
        }
        AdminCommand::ResetPassword { common, username } => {
            let cfg = Settings::load(&common)?;
            init_logging(&cfg);
            let store = open_store(&cfg).await?;
            let user = store
                .find_user_by_name(&username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user '{username}'"))?;
            let password = generate_password();
            let p = password.clone();
            let hash = tokio::task::spawn_blocking(move || hash_password(&p)).await?;
            store
                .update_user(
                    user.id,
                    UserChanges {
                        password: Some((hash, true)),
                        ..Default::default()
                    },
                )
                .await?;
            store.revoke_user_tokens(user.id).await?;
            println!("one-time password for '{username}': {password}");
        }
        AdminCommand::Backup { common, jwt_secret_file, to } => {
            let mut cfg = Settings::load(&common)?;
            init_logging(&cfg);
            if let Some(f) = jwt_secret_file {
                cfg.jwt_secret_file = f;
            }
            crate::backup::backup(&cfg, &to).await?;
        }
        AdminCommand::Restore { common, jwt_secret_file, from } => {
            let mut cfg = Settings::load(&common)?;
            init_logging(&cfg);
            if let Some(f) = jwt_secret_file {
                cfg.jwt_secret_file = f;
            }
            crate::backup::restore(&cfg, &from).await?;
        }
        AdminCommand::RotateKey { common, prune } => {
            let cfg = Settings::load(&common)?;
            init_logging(&cfg);
            let store = open_store(&cfg).await?;
            let dir = KeyDir::new(&cfg.credential_key_dir);
            let before = dir.load_or_create()?;
            let key = CredentialKey::generate();
            // Add the key first so running servers can open rows sealed with it, then make it active, then re-seal.
            dir.add(&key)?;
            dir.set_active(key.id())?;
            let ring = dir.load()?;
            match store.reseal_cluster_credentials(&ring).await? {
                Ok(n) => println!(
                    "re-sealed {n} credentials: key {} -> {}",
                    before.active_key_id(),
                    key.id()
                ),
                Err((id, e)) => anyhow::bail!(
                    "cluster {id}: {e}; the new key is active, fix the row and run rotate-key again"
                ),
            }
            // notification channels' configurations (webhook tokens, robot secrets) are sealed with the same keys
            match store.reseal_notify_configs(&ring).await? {
                Ok(n) => println!("re-sealed {n} notification channel configurations"),
                Err((id, e)) => anyhow::bail!(
                    "notification channel {id}: {e}; the new key is active, fix the row and run rotate-key again"
                ),
            }
            // etcd client keys (issue 18) too
            match store.reseal_etcd_identities(&ring).await? {
                Ok(n) => println!("re-sealed {n} etcd client identities"),
                Err((id, e)) => anyhow::bail!(
                    "etcd settings of cluster {id}: {e}; the new key is active, fix the row and run rotate-key again"
                ),
            }
            // linked Prometheus passwords and tokens too
            match store.reseal_prometheus_links(&ring).await? {
                Ok(n) => println!("re-sealed {n} Prometheus link credentials"),
                Err((id, e)) => anyhow::bail!(
                    "Prometheus link of cluster {id}: {e}; the new key is active, fix the row and run rotate-key again"
                ),
            }
            // application backups' Secrets (issue 18) too
            match store.reseal_app_backups(&ring).await? {
                Ok(n) => println!("re-sealed the Secrets of {n} application backups"),
                Err((id, e)) => anyhow::bail!(
                    "application backup {id}: {e}; the new key is active, fix the row and run rotate-key again"
                ),
            }
            if prune {
                let mut in_use = store.credential_key_ids_in_use().await?;
                in_use.extend(store.app_backup_key_ids_in_use().await?);
                in_use.extend(store.notify_config_key_ids_in_use().await?);
                in_use.extend(store.prometheus_key_ids_in_use().await?);
                in_use.extend(store.etcd_identity_key_ids_in_use().await?);
                let removed = dir.prune(&in_use)?;
                println!(
                    "removed unused keys: {}",
                    if removed.is_empty() {
                        "none".into()
                    } else {
                        removed.join(", ")
                    }
                );
            }
        }
    }
    Ok(())
}

//! `kubedeck admin backup` and `kubedeck admin restore`: Kubedeck's own data, which is the database and the keys
//! without which it is useless (the credential keys seal every kubeconfig; the JWT secret signs the sessions).
//!
//! A backup is a directory (owner-only, as it holds the keys): `database.sqlite` (SQLite, a consistent copy made
//! with `VACUUM INTO` while servers run) or `database.sql` (PostgreSQL's `pg_dump`, MySQL/MariaDB's `mysqldump
//! --single-transaction`: consistent while servers run), `jwt.secret`, `credential/` and `manifest.json`. A
//! restore goes into an empty database of the same backend and a data directory without keys, never over
//! existing data, and then applies the migrations this build has (a backup of an older Kubedeck comes up to
//! date). Database passwords go to the tools through their environment, never on a command line others can read.

use crate::config::Settings;
use anyhow::{Context, bail, ensure};
use kubedeck_store::Store;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a backup directory says about itself.
#[derive(Serialize, Deserialize)]
struct Manifest {
    /// This layout's version.
    format: u32,
    kubedeck_version: String,
    /// `sqlite`, `postgres` or `mysql`.
    backend: String,
    created_at: chrono::DateTime<chrono::Utc>,
    /// The database file in the directory.
    database: String,
    /// How many credential key files.
    credential_keys: usize,
}

const FORMAT: u32 = 1;

fn backend_of(url: &str) -> anyhow::Result<&'static str> {
    Ok(match url.split("://").next().unwrap_or_default() {
        "sqlite" => "sqlite",
        "postgres" | "postgresql" => "postgres",
        "mysql" | "mariadb" => "mysql",
        other => bail!("database URL scheme '{other}' is not sqlite, postgres or mysql"),
    })
}

/// A server database's connection parts, as the client tools take them (the password for their environment).
struct Server {
    host: String,
    port: Option<u16>,
    user: String,
    password: Option<String>,
    database: String,
}

fn server_parts(url: &str) -> anyhow::Result<Server> {
    let u = url::Url::parse(url).context("the database URL does not parse")?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Server {
        host: u.host_str().unwrap_or("localhost").to_owned(),
        port: u.port(),
        user: decode(u.username()),
        password: u.password().map(decode),
        database: u.path().trim_start_matches('/').to_owned(),
    })
}

/// The file of a `sqlite://PATH?mode=rwc` URL.
fn sqlite_path(url: &str) -> PathBuf {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

/// `tool` with the server's connection in its environment (PostgreSQL's `PG*`, MySQL's `MYSQL_PWD`) and, for
/// MySQL, its host, port and user as arguments.
fn tool(name: &str, s: &Server, backend: &str) -> Command {
    let mut c = Command::new(name);
    match backend {
        "postgres" => {
            c.env("PGHOST", &s.host).env("PGUSER", &s.user).env("PGDATABASE", &s.database);
            if let Some(p) = s.port {
                c.env("PGPORT", p.to_string());
            }
            if let Some(p) = &s.password {
                c.env("PGPASSWORD", p);
            }
        }
        _ => {
            c.args(["-h", &s.host, "-u", &s.user]);
            if let Some(p) = s.port {
                c.arg(format!("-P{p}"));
            }
            match &s.password {
                Some(p) => c.env("MYSQL_PWD", p),
                None => c.env_remove("MYSQL_PWD"),
            };
        }
    }
    c
}

/// Runs `c`; its stderr in the error when it fails.
fn run(mut c: Command, what: &str) -> anyhow::Result<()> {
    let out = c
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("could not run {what} (is it installed?)"))?;
    ensure!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

#[cfg(unix)]
fn private(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}
#[cfg(not(unix))]
fn private(_: &Path, _: u32) -> anyhow::Result<()> {
    Ok(())
}

/// Copies every file of `from` into `to` (created), owner-only; how many.
fn copy_keys(from: &Path, to: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(to)?;
    private(to, 0o700)?;
    let mut n = 0;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let dest = to.join(entry.file_name());
            std::fs::copy(entry.path(), &dest)?;
            private(&dest, 0o600)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Writes a backup of `cfg`'s database and keys into the new directory `to`.
pub async fn backup(cfg: &Settings, to: &Path) -> anyhow::Result<()> {
    ensure!(
        !to.exists() || std::fs::read_dir(to)?.next().is_none(),
        "{} is not empty: a backup goes into a new directory",
        to.display()
    );
    let backend = backend_of(&cfg.database_url)?;
    std::fs::create_dir_all(to)?;
    private(to, 0o700)?;
    let database = match backend {
        "sqlite" => {
            let file = to.join("database.sqlite");
            let store = Store::connect(&cfg.database_url).await?;
            let path = file.to_string_lossy().replace('\'', "''");
            store
                .conn()
                .execute_raw(Statement::from_string(DatabaseBackend::Sqlite, format!("VACUUM INTO '{path}'")))
                .await
                .context("copying the SQLite database")?;
            let _ = store.close().await;
            file
        }
        _ => {
            let file = to.join("database.sql");
            let s = server_parts(&cfg.database_url)?;
            let mut c = if backend == "postgres" {
                let mut c = tool("pg_dump", &s, backend);
                c.args(["--no-owner", "--no-privileges", "--file"]).arg(&file);
                c
            } else {
                let mut c = tool("mysqldump", &s, backend);
                c.args(["--single-transaction", "--skip-lock-tables", "--no-tablespaces"])
                    .arg(format!("--result-file={}", file.display()))
                    .arg(&s.database);
                c
            };
            c.stdin(Stdio::null());
            run(c, if backend == "postgres" { "pg_dump" } else { "mysqldump" })?;
            file
        }
    };
    private(&database, 0o600)?;
    let jwt = to.join("jwt.secret");
    std::fs::copy(&cfg.jwt_secret_file, &jwt)
        .with_context(|| format!("copying the JWT secret {}", cfg.jwt_secret_file.display()))?;
    private(&jwt, 0o600)?;
    let keys = copy_keys(&cfg.credential_key_dir, &to.join("credential"))?;
    ensure!(keys > 0, "{} holds no credential key", cfg.credential_key_dir.display());
    let manifest = Manifest {
        format: FORMAT,
        kubedeck_version: env!("CARGO_PKG_VERSION").into(),
        backend: backend.into(),
        created_at: chrono::Utc::now(),
        database: database.file_name().unwrap().to_string_lossy().into_owned(),
        credential_keys: keys,
    };
    std::fs::write(to.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    let size = std::fs::metadata(&database)?.len();
    println!(
        "backup written to {}: the {backend} database ({size} bytes), the JWT secret and {keys} credential key(s)",
        to.display()
    );
    Ok(())
}

/// Whether the database already holds Kubedeck's tables.
async fn holds_kubedeck(store: &Store) -> anyhow::Result<bool> {
    let db = store.conn();
    let sql = match db.get_database_backend() {
        DatabaseBackend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'seaql_migrations'",
        DatabaseBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'seaql_migrations'"
        }
        _ => "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'seaql_migrations'",
    };
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .context("no answer")?;
    Ok(row.try_get::<i64>("", "n")? > 0)
}

/// Restores the backup in `from` into `cfg`'s database (empty, same backend) and key files (absent).
pub async fn restore(cfg: &Settings, from: &Path) -> anyhow::Result<()> {
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(from.join("manifest.json"))
            .with_context(|| format!("{} is not a Kubedeck backup (no manifest.json)", from.display()))?,
    )?;
    ensure!(
        manifest.format == FORMAT,
        "the backup's format {} is not the one this Kubedeck reads ({FORMAT})",
        manifest.format
    );
    let backend = backend_of(&cfg.database_url)?;
    ensure!(
        manifest.backend == backend,
        "the backup holds a {} database; restore it into a {} database (--database-url), not {backend}",
        manifest.backend,
        manifest.backend
    );
    // Nothing is overwritten: every check comes before the first write.
    ensure!(
        !cfg.jwt_secret_file.exists(),
        "{} exists: restore into a data directory without keys",
        cfg.jwt_secret_file.display()
    );
    ensure!(
        !cfg.credential_key_dir.exists() || std::fs::read_dir(&cfg.credential_key_dir)?.next().is_none(),
        "{} holds keys: restore into a data directory without keys",
        cfg.credential_key_dir.display()
    );
    let database = from.join(&manifest.database);
    if backend == "sqlite" {
        let target = sqlite_path(&cfg.database_url);
        ensure!(!target.exists(), "{} exists: restore into a new SQLite file", target.display());
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(&database, &target)?;
        private(&target, 0o600)?;
    } else {
        let store = Store::connect(&cfg.database_url).await?;
        let taken = holds_kubedeck(&store).await?;
        let _ = store.close().await;
        ensure!(
            !taken,
            "the database already holds Kubedeck's tables: restore into a new, empty database (nothing was changed)"
        );
        let s = server_parts(&cfg.database_url)?;
        let c = if backend == "postgres" {
            let mut c = tool("psql", &s, backend);
            c.args(["-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f"]).arg(&database);
            c.stdin(Stdio::null());
            c
        } else {
            let mut c = tool("mysql", &s, backend);
            c.arg(&s.database).stdin(std::fs::File::open(&database)?);
            c
        };
        run(c, if backend == "postgres" { "psql" } else { "mysql" })?;
    }
    if let Some(dir) = cfg.jwt_secret_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(from.join("jwt.secret"), &cfg.jwt_secret_file)?;
    private(&cfg.jwt_secret_file, 0o600)?;
    let keys = copy_keys(&from.join("credential"), &cfg.credential_key_dir)?;
    let store = Store::connect(&cfg.database_url).await?;
    let migrated = store.migrate().await?;
    let _ = store.close().await;
    println!(
        "restored the {backend} database of {} (Kubedeck {}), the JWT secret and {keys} credential key(s); \
         migrations applied since: {migrated}",
        manifest.created_at.to_rfc3339(),
        manifest.kubedeck_version
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn connection_parts_come_from_the_url_and_the_password_stays_out_of_arguments() {
        let s = super::server_parts("postgres://kd%40ops:p%3Ass@db.example:5433/kubedeck").unwrap();
        assert_eq!((s.host.as_str(), s.port, s.user.as_str()), ("db.example", Some(5433), "kd@ops"));
        assert_eq!((s.password.as_deref(), s.database.as_str()), (Some("p:ss"), "kubedeck"));
        let c = super::tool("mysqldump", &s, "mysql");
        assert!(c.get_args().all(|a| !a.to_string_lossy().contains("p:ss")));
        assert_eq!(
            super::sqlite_path("sqlite:///var/lib/kubedeck/kubedeck.db?mode=rwc"),
            std::path::PathBuf::from("/var/lib/kubedeck/kubedeck.db")
        );
    }
}

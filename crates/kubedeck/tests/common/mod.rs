//! What the binary tests share: the real `kubedeck` server started as an operator starts it, and HTTP calls to it.

#![allow(dead_code)] // each test file uses its own part

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_kubedeck");

pub struct Server {
    pub child: Child,
    pub base: String,
    pub output: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(data: &std::path::Path, envs: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .args(["--sync-interval-secs", "2"])
            .env("KUBEDECK_LOG", "debug")
            .env_remove("KUBEDECK_ADMIN_PASSWORD")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start kubedeck");
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let out = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut o = out.lock().unwrap();
                    o.push_str(&line);
                    o.push('\n');
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let base = loop {
            let text = output.lock().unwrap().clone();
            if let Some(line) = text.lines().find(|l| l.contains("Kubedeck is running at ")) {
                let url = line
                    .split("running at ")
                    .nth(1)
                    .unwrap()
                    .split_whitespace()
                    .next()
                    .unwrap();
                break url.trim_end_matches('/').to_owned();
            }
            assert!(Instant::now() < deadline, "kubedeck did not start:\n{text}");
            std::thread::sleep(Duration::from_millis(100));
        };
        Server {
            child,
            base,
            output,
        }
    }

    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// SIGTERM, then wait: a graceful stop exits 0.
    pub fn stop(mut self) -> (bool, Duration) {
        let started = Instant::now();
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.success(), started.elapsed());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return (false, started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A server the test did not stop (it failed part-way) is not left running.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub async fn call(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut req = client.request(method.parse().unwrap(), format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

pub fn temp_dir(prefix: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        % 1_000_000_007
}

/// A database of a test's own on a server backend (`postgres` or `mysql`, at `KUBEDECK_TEST_POSTGRES_URL` /
/// `KUBEDECK_TEST_MYSQL_URL` or the machine's defaults); [`ServerDb::drop_db`] removes it.
pub struct ServerDb {
    admin_url: String,
    name: String,
    /// The new database's URL.
    pub url: String,
}

impl ServerDb {
    pub async fn create(backend: &str) -> ServerDb {
        use sea_orm::{ConnectionTrait, Database, Statement};
        let (var, default) = match backend {
            "postgres" => ("KUBEDECK_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"),
            "mysql" => ("KUBEDECK_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
            other => panic!("{other} is not a server backend"),
        };
        let admin_url = std::env::var(var).unwrap_or_else(|_| default.into());
        let name = format!("kd_bin_{}_{}", std::process::id(), rand_suffix());
        let admin = Database::connect(&admin_url).await.expect("the test database server");
        admin
            .execute_raw(Statement::from_string(admin.get_database_backend(), format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let _ = admin.close().await;
        let url = format!("{}/{name}", &admin_url[..admin_url.rfind('/').unwrap()]);
        ServerDb { admin_url, name, url }
    }

    pub async fn drop_db(self) {
        use sea_orm::{ConnectionTrait, Database, Statement};
        if let Ok(admin) = Database::connect(&self.admin_url).await {
            let force = if self.admin_url.starts_with("postgres") { " WITH (FORCE)" } else { "" };
            let _ = admin
                .execute_raw(Statement::from_string(
                    admin.get_database_backend(),
                    format!("DROP DATABASE IF EXISTS {}{force}", self.name),
                ))
                .await;
            let _ = admin.close().await;
        }
    }
}

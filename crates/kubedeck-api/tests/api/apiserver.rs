//! A second kube-apiserver for tests that must stop, restart or re-credential an API server without
//! disturbing the shared testbed: same binary and flags as the testbed's, on its own port.
//!
//! `SecondApiserver::start` serves the testbed's cluster (same etcd data). `private` serves an empty cluster of
//! its own (its own etcd prefix, no nodes, no controllers), for tests that need exact counts no other test can
//! disturb. `with_tokens` replaces the static token file, so a test can revoke a token by restarting.

use kubedeck_testbed::Testbed;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct SecondApiserver {
    args: Vec<String>,
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
    admin_kubeconfig: String,
}

/// Sets `flag`'s value in an argument list that uses `--flag value` or `--flag=value`; adds it when absent.
fn set_flag(args: &mut Vec<String>, flag: &str, value: &str) {
    match args
        .iter()
        .position(|a| a == flag || a.starts_with(&format!("{flag}=")))
    {
        Some(at) if args[at].contains('=') => args[at] = format!("{flag}={value}"),
        Some(at) => args[at + 1] = value.to_owned(),
        None => {
            args.push(flag.to_owned());
            args.push(value.to_owned());
        }
    }
}

impl SecondApiserver {
    /// Serves the testbed's own cluster on another port.
    pub fn start(tb: &Testbed) -> Self {
        let mut s = Self::build(tb, &[]);
        s.spawn();
        s
    }

    /// Serves an empty cluster of its own (an etcd prefix nobody else uses).
    pub fn private(tb: &Testbed) -> Self {
        let prefix = format!("/{}", kubedeck_testbed::unique_name("kd-private"));
        let mut s = Self::build(tb, &[("--etcd-prefix", prefix.as_str())]);
        s.spawn();
        s
    }

    /// Like [`SecondApiserver::private`], with other flags of its own (`("--event-ttl", "15s")`).
    pub fn private_with(tb: &Testbed, flags: &[(&str, &str)]) -> Self {
        let prefix = format!("/{}", kubedeck_testbed::unique_name("kd-private"));
        let mut all = vec![("--etcd-prefix", prefix.as_str())];
        all.extend_from_slice(flags);
        let mut s = Self::build(tb, &all);
        s.spawn();
        s
    }

    /// Serves whatever the etcd at `etcd_url` holds (a restored snapshot), with the testbed's certificates.
    pub fn on_etcd(tb: &Testbed, etcd_url: &str) -> Self {
        let mut s = Self::build(tb, &[("--etcd-servers", etcd_url)]);
        s.spawn();
        s
    }

    /// Serves the testbed's cluster and accepts exactly these static tokens (`token,user,uid,"group"` lines).
    pub fn with_tokens(tb: &Testbed, tokens_csv: &str) -> Self {
        let mut s = Self::build(tb, &[]);
        s.set_tokens(tokens_csv);
        s.spawn();
        s
    }

    fn build(tb: &Testbed, flags: &[(&str, &str)]) -> Self {
        let pid = tb
            .env("APISERVER_PID")
            .expect("APISERVER_PID in testbed.env");
        let raw = std::fs::read(format!("/proc/{pid}/cmdline"))
            .expect("read the testbed apiserver's command line");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut args: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        set_flag(&mut args, "--secure-port", &port.to_string());
        for (flag, value) in flags {
            set_flag(&mut args, flag, value);
        }
        let dir = std::env::temp_dir().join(kubedeck_testbed::unique_name("kd-apiserver"));
        std::fs::create_dir_all(&dir).unwrap();
        let admin_kubeconfig = tb
            .admin_kubeconfig()
            .replace(tb.apiserver_url(), &format!("https://127.0.0.1:{port}"));
        SecondApiserver {
            args,
            child: None,
            port,
            dir,
            admin_kubeconfig,
        }
    }

    /// Replaces the static token file (takes effect at the next start: kube-apiserver reads it once).
    pub fn set_tokens(&mut self, tokens_csv: &str) {
        let path = self.dir.join("tokens.csv");
        std::fs::write(&path, tokens_csv).unwrap();
        set_flag(&mut self.args, "--token-auth-file", path.to_str().unwrap());
    }

    /// Starts the process and waits until it answers /readyz.
    pub fn spawn(&mut self) {
        let child = Command::new(&self.args[0])
            .args(&self.args[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let kubeconfig = self.admin_kubeconfig_path();
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let ready = Command::new("kubectl")
                .args(["--kubeconfig", kubeconfig.to_str().unwrap()])
                .args(["get", "--raw", "/readyz"])
                .output()
                .is_ok_and(|o| o.status.success());
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "second apiserver not ready in 90 s"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The testbed's admin kubeconfig (client certificate, system:masters) pointed at this server.
    pub fn admin_kubeconfig(&self) -> &str {
        &self.admin_kubeconfig
    }

    fn admin_kubeconfig_path(&self) -> PathBuf {
        let path = self.dir.join("admin.kubeconfig");
        if !path.exists() {
            std::fs::write(&path, &self.admin_kubeconfig).unwrap();
        }
        path
    }

    /// A kubeconfig for this server with a bearer token instead of the admin certificate.
    pub fn token_kubeconfig(&self, user: &str, token: &str) -> String {
        let ca = self
            .admin_kubeconfig
            .lines()
            .find_map(|l| l.trim().strip_prefix("certificate-authority-data:"))
            .expect("the admin kubeconfig carries its CA inline")
            .trim()
            .to_owned();
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: second\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: {user}\n  user:\n    token: {token}\ncontexts:\n- name: second\n  context: {{cluster: second, user: {user}}}\ncurrent-context: second\n",
            self.url()
        )
    }

    /// `kubectl` as the admin against this server.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .args([
                "--kubeconfig",
                self.admin_kubeconfig_path().to_str().unwrap(),
            ])
            .args(args)
            .output()
            .expect("run kubectl")
    }

    /// `kubectl` as the admin; panics with its stderr unless it succeeds; its stdout.
    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for SecondApiserver {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

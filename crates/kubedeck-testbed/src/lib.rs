//! Helpers for integration tests that run against the Kubedeck testbed (a real v1.20 control plane
//! and a simulated node fleet, started by `testbed/up` or `testbed/with-testbed`).
//!
//! ```no_run
//! use kubedeck_testbed::{Namespace, Testbed};
//! let tb = Testbed::from_env();
//! let ns = Namespace::create("logs");
//! let out = tb.kubectl(&["-n", ns.name(), "get", "pods"]);
//! assert!(out.status.success());
//! ```
//!
//! One testbed is shared by a whole test run; tests isolate themselves with a [`Namespace`] each
//! and [`unique_name`]s. Only `std` and `serde_json` are used, to keep test builds light.

use std::{
    collections::HashMap,
    hash::{BuildHasher, Hasher},
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use serde_json::Value;

/// The environment variable naming the testbed directory.
pub const DIR_VAR: &str = "KUBEDECK_TESTBED_DIR";

/// A running testbed, as described by the files `testbed/up` writes into its directory.
#[derive(Debug, Clone)]
pub struct Testbed {
    dir: PathBuf,
    env: HashMap<String, String>,
}

impl Testbed {
    /// The testbed named by `KUBEDECK_TESTBED_DIR`.
    ///
    /// # Panics
    /// When the variable is unset or the directory holds no running testbed, with a message saying
    /// how to run the tests.
    pub fn from_env() -> Testbed {
        match Self::try_from_env() {
            Ok(tb) => tb,
            Err(why) => panic!(
                "{why}\n\nIntegration tests need the Kubedeck testbed (a real Kubernetes control plane).\n\
                 Run them with `make test` (which runs `testbed/with-testbed cargo nextest run --workspace`),\n\
                 or start one yourself:  testbed/up  and then  export {DIR_VAR}=/tmp/kubedeck-testbed"
            ),
        }
    }

    /// Like [`Testbed::from_env`], returning why no testbed is available instead of panicking.
    pub fn try_from_env() -> Result<Testbed, String> {
        let dir = std::env::var_os(DIR_VAR).ok_or_else(|| format!("{DIR_VAR} is not set"))?;
        Self::open(PathBuf::from(dir))
    }

    /// The testbed in `dir`.
    pub fn open(dir: PathBuf) -> Result<Testbed, String> {
        let env_file = dir.join("testbed.env");
        let text = std::fs::read_to_string(&env_file).map_err(|e| {
            format!(
                "{DIR_VAR}={} holds no running testbed ({}: {e})",
                dir.display(),
                env_file.display()
            )
        })?;
        let env = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
            .collect();
        Ok(Testbed { dir, env })
    }

    /// The testbed directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A value from `testbed.env` (e.g. `ETCD_PID`).
    pub fn env(&self, key: &str) -> Option<&str> {
        self.env.get(key).map(String::as_str)
    }

    fn required(&self, key: &str) -> &str {
        self.env(key)
            .unwrap_or_else(|| panic!("testbed.env in {} lacks {key}", self.dir.display()))
    }

    /// `https://127.0.0.1:<port>` of the kube-apiserver.
    pub fn apiserver_url(&self) -> &str {
        self.required("APISERVER_URL")
    }

    /// `http://127.0.0.1:<port>` of the simulator's control API.
    pub fn sim_control_url(&self) -> &str {
        self.required("SIM_CONTROL_URL")
    }

    /// Path of the admin kubeconfig (client certificate in `system:masters`).
    pub fn admin_kubeconfig_path(&self) -> PathBuf {
        self.dir.join("admin.kubeconfig")
    }

    /// Path of the restricted kubeconfig (token user, read-only on [`Testbed::restricted_namespaces`]).
    pub fn restricted_kubeconfig_path(&self) -> PathBuf {
        self.dir.join("restricted.kubeconfig")
    }

    /// Path of the useless kubeconfig (valid token user without any permission).
    pub fn useless_kubeconfig_path(&self) -> PathBuf {
        self.dir.join("useless.kubeconfig")
    }

    /// The admin kubeconfig's YAML (credentials inline).
    pub fn admin_kubeconfig(&self) -> String {
        read(&self.admin_kubeconfig_path())
    }

    /// The restricted kubeconfig's YAML.
    pub fn restricted_kubeconfig(&self) -> String {
        read(&self.restricted_kubeconfig_path())
    }

    /// The useless kubeconfig's YAML.
    pub fn useless_kubeconfig(&self) -> String {
        read(&self.useless_kubeconfig_path())
    }

    /// Namespaces the restricted user may read.
    pub fn restricted_namespaces(&self) -> Vec<String> {
        read(&self.dir.join("restricted.namespaces"))
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    }

    /// Runs the real `kubectl` with the admin kubeconfig.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_as(&self.admin_kubeconfig_path(), args)
    }

    /// Runs `kubectl` with the given kubeconfig file.
    pub fn kubectl_as(&self, kubeconfig: &Path, args: &[&str]) -> Output {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .arg("--request-timeout=60s")
            .args(args)
            .output()
            .expect("running kubectl (is it installed? testbed/install.sh installs it)")
    }

    /// Runs `kubectl` as admin, panicking with its stderr unless it succeeds; returns stdout.
    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `kubectl ... -o json` as admin and parses the output.
    pub fn kubectl_json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let text = self.kubectl_ok(&all);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("kubectl {} printed invalid JSON: {e}", args.join(" ")))
    }

    /// A kubeconfig of a new ServiceAccount `name` in `namespace`, allowed to view that namespace: a credential of
    /// its own, so that the one API server can be imported again as another cluster (Kubedeck refuses the same
    /// server and user twice). Goes with the namespace.
    pub fn service_account_kubeconfig(&self, namespace: &str, name: &str) -> String {
        self.kubectl_ok(&["-n", namespace, "create", "serviceaccount", name]);
        self.kubectl_ok(&[
            "-n",
            namespace,
            "create",
            "rolebinding",
            name,
            "--clusterrole=view",
            &format!("--serviceaccount={namespace}:{name}"),
        ]);
        let secret = wait_until(
            &format!("the token of ServiceAccount {namespace}/{name}"),
            Duration::from_secs(60),
            || {
                let out = self.kubectl(&["-n", namespace, "get", "serviceaccount", name, "-o", "jsonpath={.secrets[0].name}"]);
                let s = String::from_utf8_lossy(&out.stdout).trim().to_owned();
                (out.status.success() && !s.is_empty()).then_some(s)
            },
        );
        let token = self.kubectl_ok(&[
            "-n",
            namespace,
            "get",
            "secret",
            &secret,
            "-o",
            "go-template={{.data.token | base64decode}}",
        ]);
        let ca = self.kubectl_ok(&[
            "config",
            "view",
            "--raw",
            "-o",
            "jsonpath={.clusters[0].cluster.certificate-authority-data}",
        ]);
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: testbed\n  cluster:\n    server: {server}\n    \
             certificate-authority-data: {ca}\nusers:\n- name: {name}\n  user:\n    token: {token}\ncontexts:\n\
             - name: {name}\n  context: {{cluster: testbed, user: {name}}}\ncurrent-context: {name}\n",
            server = self.apiserver_url(),
            ca = ca.trim(),
            token = token.trim(),
        )
    }

    /// Calls the simulator's control API: `(status code, JSON body or Null)`.
    pub fn sim(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        http(method, self.sim_control_url(), path, body)
            .unwrap_or_else(|e| panic!("sim control API {method} {path}: {e}"))
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// `prefix-<8 random hex>`: a name no other test (or earlier run) uses.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    format!("{prefix}-{:08x}", h.finish() as u32)
}

/// Polls `check` every 500 ms until it returns `Some`, panicking after `timeout` with `what`.
pub fn wait_until<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A namespace of its own for one test, deleted (best effort, without waiting) on drop.
#[derive(Debug)]
pub struct Namespace {
    name: String,
    testbed: Testbed,
}

impl Namespace {
    /// Creates `prefix-<random>` in the testbed from [`Testbed::from_env`] and waits until pods can
    /// be created in it (its `default` ServiceAccount and token exist).
    pub fn create(prefix: &str) -> Namespace {
        Self::create_in(&Testbed::from_env(), prefix)
    }

    /// Like [`Namespace::create`] in a given testbed.
    pub fn create_in(testbed: &Testbed, prefix: &str) -> Namespace {
        let name = unique_name(prefix);
        testbed.kubectl_ok(&["create", "namespace", &name]);
        let ns = Namespace {
            name,
            testbed: testbed.clone(),
        };
        wait_until(
            &format!("the default ServiceAccount of namespace {}", ns.name),
            Duration::from_secs(90),
            || {
                let out = testbed.kubectl(&[
                    "-n",
                    &ns.name,
                    "get",
                    "serviceaccount",
                    "default",
                    "-o",
                    "jsonpath={.secrets[0].name}",
                ]);
                (out.status.success() && !out.stdout.is_empty()).then_some(())
            },
        );
        ns
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = self.testbed.kubectl(&[
            "delete",
            "namespace",
            &self.name,
            "--wait=false",
            "--ignore-not-found",
        ]);
    }
}

/// The taint every test-owned node carries (`kubedeck.test/node=<name>:NoSchedule`), so that only the pods of
/// the test that owns it, which tolerate it, land there: tests drain and delete their nodes while other tests run.
pub fn own_taint(node: &str) -> Value {
    serde_json::json!({"key": "kubedeck.test/node", "value": node, "effect": "NoSchedule"})
}

/// The toleration of [`own_taint`], as manifest text.
pub fn tolerate(node: &str) -> String {
    format!(
        "tolerations: [{{key: kubedeck.test/node, operator: Equal, value: {node}, effect: NoSchedule}}]"
    )
}

/// A fresh simulated worker for this test, removed on drop.
pub struct SimNode<'a> {
    tb: &'a Testbed,
    /// The node's name.
    pub name: String,
}

impl<'a> SimNode<'a> {
    /// Adds a Ready worker named after `prefix`, tainted with [`own_taint`].
    pub fn add(tb: &'a Testbed, prefix: &str) -> Self {
        let name = unique_name(prefix);
        let (code, body) = tb.sim(
            "POST",
            "/nodes",
            Some(
                &serde_json::json!({"name": name, "role": "worker", "labels": {"kubedeck.test/node": name},
                         "taints": [own_taint(&name)]}),
            ),
        );
        assert!(code < 300, "sim refused: {body}");
        wait_until("the new node to be Ready", std::time::Duration::from_secs(60), || {
            let out = tb.kubectl(&[
                "get",
                "node",
                &name,
                "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}",
            ]);
            (String::from_utf8_lossy(&out.stdout) == "True").then_some(())
        });
        SimNode { tb, name }
    }
}

impl Drop for SimNode<'_> {
    fn drop(&mut self) {
        let _ = self
            .tb
            .sim("DELETE", &format!("/nodes/{}", self.name), None);
        let _ = self.tb.kubectl(&[
            "delete",
            "node",
            &self.name,
            "--ignore-not-found",
            "--wait=false",
        ]);
    }
}

// ---- a minimal HTTP/1.1 client for the simulator's loopback control API

fn http(
    method: &str,
    base: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let host = base
        .strip_prefix("http://")
        .ok_or_else(|| format!("{base} is not an http:// URL"))?;
    let host = host.trim_end_matches('/');
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut stream = TcpStream::connect(host).map_err(|e| format!("connecting to {host}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(180)))
        .map_err(|e| e.to_string())?;
    let content_type = if body.is_some() {
        "Content-Type: application/json\r\n"
    } else {
        ""
    };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{content_type}Content-Length: {}\r\n\r\n{payload}",
        payload.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("malformed HTTP response")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("malformed status line: {head}"))?;
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    let value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    };
    Ok((status, value))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 || data.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[(eol + 4 + size).min(data.len())..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_differ() {
        let a = unique_name("t");
        let b = unique_name("t");
        assert_ne!(a, b);
        assert!(a.starts_with("t-") && a.len() == 10);
    }

    #[test]
    fn dechunks_bodies() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"),
            b"Wikipedia"
        );
    }
}

//! `spawn_app()`: the real application on a free port with its own database, keys and sync loop.
//!
//! Every API test runs once per database backend: write it as a plain `async fn` and register it with
//! [`on_every_backend!`], which makes one test per backend (`<name>::sqlite`, `<name>::postgres`,
//! `<name>::mysql`) so the runner can run them in parallel, each on its own fresh database.

/// Registers API tests to run once on every database backend: `on_every_backend!(my_test, other_test);`
/// after the `async fn`s. Inside them, `spawn_app()` opens a fresh database on that run's backend.
macro_rules! on_every_backend {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::helpers::on_backend("sqlite", super::$name()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                crate::helpers::on_backend("postgres", super::$name()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                crate::helpers::on_backend("mysql", super::$name()).await
            }
        }
    )+};
}

/// Registers database-independent API tests to run once, on the first backend this run selects
/// (`<name>::one_backend`), instead of once per backend.
macro_rules! on_one_backend {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn one_backend() {
                let backend = *kubedeck_store::testing::selected_backends()
                    .first()
                    .expect("KUBEDECK_TEST_BACKENDS selects no backend");
                crate::helpers::on_backend(backend, super::$name()).await
            }
        }
    )+};
}

use kubedeck_api::keys::KeyDir;
use kubedeck_api::state::{AppState, Inner, Settings};
use kubedeck_core::password::hash_password;
use kubedeck_core::rbac::Binding;
use kubedeck_kube::hub::ClusterHub;
use kubedeck_store::testing::TestDb;
use kubedeck_store::users::NewUser;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub state: AppState,
    pub backend: &'static str,
    db: Option<TestDb>,
    cancel: CancellationToken,
    /// The replica's background loops (sync, metrics), awaited when it stops.
    loops: Vec<(&'static str, tokio::task::JoinHandle<()>)>,
    keys: std::path::PathBuf,
    owns_keys: bool,
}

/// Options for the app under test.
pub struct AppOptions {
    pub sync_interval: Duration,
    pub settings: Settings,
    /// Run the background sync loop (health checks, watchers, snapshot writes). Off: only requests and the
    /// check an import starts touch the cluster and the snapshots.
    pub sync_loop: bool,
}

impl Default for AppOptions {
    fn default() -> Self {
        let mut settings = Settings::with_secret(b"test-secret-test-secret-test-secret!!".to_vec());
        // Node metrics every 2 s so history fills and staleness shows within a test's patience.
        settings.node_metrics.interval = Duration::from_secs(2);
        Self {
            sync_interval: Duration::from_secs(2),
            settings,
            sync_loop: true,
        }
    }
}

tokio::task_local! {
    /// The database backend of the running test (set by [`on_every_backend!`]).
    static BACKEND: &'static str;
}

/// Runs one API test with `spawn_app()` bound to `backend`.
pub async fn on_backend(backend: &'static str, test: impl std::future::Future<Output = ()>) {
    BACKEND.scope(backend, test).await
}

/// The backend of the running test.
pub fn current_backend() -> &'static str {
    BACKEND.try_with(|b| *b).expect(
        "API tests are registered with on_every_backend!, which picks their database backend",
    )
}

/// The app on a fresh database of the running test's backend.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

/// Like [`spawn_app`], with other options.
pub async fn spawn_app_with(opts: AppOptions) -> TestApp {
    spawn_app_on(TestDb::on(current_backend()).await, opts).await
}

pub async fn spawn_app_on(db: TestDb, opts: AppOptions) -> TestApp {
    let keys = std::env::temp_dir().join(format!("kd-test-keys-{}", uuid::Uuid::new_v4()));
    let key_dir = KeyDir::new(&keys);
    let ring = key_dir.load_or_create().unwrap();
    let store = db.store.clone();
    let hash = hash_password(ADMIN_PASSWORD);
    store
        .create_user(
            NewUser {
                username: "admin",
                display_name: "Admin",
                password_hash: hash,
                must_change_password: false,
            },
            &[Binding::global(kubedeck_core::rbac::Role::PlatformAdmin)],
        )
        .await
        .unwrap();
    let sync_interval = opts.sync_loop.then_some(opts.sync_interval);
    let (state, base, cancel, loops) =
        start_replica(store, opts.settings, ring, key_dir, sync_interval).await;
    TestApp {
        loops,
        base,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        state,
        backend: db.backend,
        db: Some(db),
        cancel,
        keys,
        owns_keys: true,
    }
}

/// One replica: its own hub, sync loop, metrics collector and HTTP server, on a shared store.
async fn start_replica(
    store: kubedeck_store::Store,
    settings: Settings,
    ring: kubedeck_core::credential::KeyRing,
    key_dir: KeyDir,
    sync_interval: Option<Duration>,
) -> (
    AppState,
    String,
    CancellationToken,
    Vec<(&'static str, tokio::task::JoinHandle<()>)>,
) {
    let metrics_settings = settings.node_metrics;
    let (hub, events) = ClusterHub::new();
    let shared = kubedeck_api::shared::Shared::configured(settings.redis_url.as_deref()).unwrap();
    let state = AppState(Arc::new(Inner {
        store,
        settings,
        keyring: RwLock::new(ring),
        hub,
        replica_id: format!("test-{}", uuid::Uuid::new_v4()),
        rate: Default::default(),
        shared,
        catalogs: Default::default(),
        certificates: Default::default(),
        key_dir: Some(key_dir),
        metrics: None,
    }));
    let cancel = CancellationToken::new();
    let mut loops = Vec::new();
    if let Some(interval) = sync_interval {
        loops.push((
            "the sync loop",
            tokio::spawn(kubedeck_api::sync::run(
                state.clone(),
                interval,
                events,
                cancel.clone(),
            )),
        ));
    }
    loops.push((
        "the metrics collector",
        tokio::spawn(kubedeck_api::metrics_collector::run(
            state.clone(),
            metrics_settings,
            cancel.clone(),
        )),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app =
        kubedeck_api::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let c = cancel.clone();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { c.cancelled().await })
            .await
            .unwrap();
    });
    (state, format!("http://{addr}"), cancel, loops)
}

/// A response: status, JSON body (Null when empty or not JSON), headers.
pub struct Resp {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl TestApp {
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        Resp {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.request("GET", path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.request("POST", path, Some(token), Some(body)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": username, "password": password})),
        )
        .await
    }

    pub async fn admin_token(&self) -> String {
        let r = self.login("admin", ADMIN_PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates a user with these bindings (password already changed) and returns an access token for it.
    pub async fn user_token(&self, username: &str, bindings: &[Binding]) -> String {
        let password = format!("{username}-password-123");
        self.state
            .store
            .create_user(
                NewUser {
                    username,
                    display_name: username,
                    password_hash: hash_password(&password),
                    must_change_password: false,
                },
                bindings,
            )
            .await
            .unwrap();
        let r = self.login(username, &password).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["access_token"].as_str().unwrap().to_owned()
    }

    /// Every audit record, newest first.
    pub async fn audit(&self) -> Vec<kubedeck_store::audit::AuditRecord> {
        self.state
            .store
            .list_audit(
                &Default::default(),
                kubedeck_store::PageRequest {
                    page: 1,
                    page_size: 500,
                },
            )
            .await
            .unwrap()
            .items
    }

    /// The URL of this app's database.
    pub fn db_url(&self) -> &str {
        &self.db.as_ref().expect("database").url
    }

    /// A second replica of this app: same database, keys and settings; its own hub, loops and HTTP server.
    pub async fn replica(&self) -> TestApp {
        let (state, base, cancel, loops) = start_replica(
            self.state.store.clone(),
            self.state.settings.clone(),
            self.state.keyring(),
            KeyDir::new(&self.keys),
            Some(Duration::from_secs(2)),
        )
        .await;
        TestApp {
            loops,
            base,
            http: self.http.clone(),
            state,
            backend: self.backend,
            db: None,
            cancel,
            keys: self.keys.clone(),
            owns_keys: false,
        }
    }

    /// The same app reached through another address (a proxy in front of it and its replicas): every request
    /// helper then goes there. Stopping the view stops nothing.
    pub fn via(&self, base: &str) -> TestApp {
        TestApp {
            base: base.to_owned(),
            http: self.http.clone(),
            state: self.state.clone(),
            backend: self.backend,
            db: None,
            cancel: CancellationToken::new(),
            loops: Vec::new(),
            keys: self.keys.clone(),
            owns_keys: false,
        }
    }

    /// The app stopped (its loops give their leases up) and started again on the same database and keys: a new
    /// hub, new loops, a new server, as after a restart of the process.
    pub async fn restart(mut self) -> TestApp {
        self.end_loops().await;
        let mut next = self.replica().await;
        next.db = self.db.take();
        next.owns_keys = std::mem::take(&mut self.owns_keys);
        next
    }

    /// Cancels the replica's loops and waits until they have ended (given their leases up). A loop that does
    /// not end within 30 s fails the test by name, rather than hang it until the runner's 10-minute limit.
    async fn end_loops(&mut self) {
        self.cancel.cancel();
        for (what, handle) in self.loops.drain(..) {
            match tokio::time::timeout(Duration::from_secs(30), handle).await {
                Ok(_) => {}
                Err(_) => panic!("{what} did not end within 30 s of its replica being stopped"),
            }
        }
    }

    pub async fn stop(mut self) {
        self.end_loops().await;
        if self.owns_keys {
            let _ = std::fs::remove_dir_all(&self.keys);
        }
        if let Some(db) = self.db.take() {
            // The pool closes once every connection is back, so a connection some task still holds would hang
            // the test here until the runner's 10-minute limit: bounded, and said, instead. (What the test checks
            // has been checked by now; a database left behind is only litter.)
            let store = db.store.clone();
            if tokio::time::timeout(Duration::from_secs(30), db.drop_db())
                .await
                .is_err()
            {
                let stats = store.pool_stats();
                eprintln!(
                    "warning: the test database was not closed and dropped within 30 s ({} connections open, {} \
                     idle): a task still holds a connection",
                    stats.open, stats.idle
                );
            }
        }
    }
}

/// Polls `check` until it returns Some, or panics after `timeout` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Imports the testbed with its admin kubeconfig under a fresh name; the cluster id.
pub async fn import_testbed(app: &TestApp, token: &str, tb: &kubedeck_testbed::Testbed) -> i64 {
    import_kubeconfig(app, token, "testbed", &tb.admin_kubeconfig()).await
}

/// Imports `kubeconfig` under a fresh name starting with `prefix`; the cluster id. A freshly started API server
/// may refuse the first tries while it bootstraps, so a refusal is retried for up to a minute (and then shown).
pub async fn import_kubeconfig(app: &TestApp, token: &str, prefix: &str, kubeconfig: &str) -> i64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let body = json!({"name": kubedeck_testbed::unique_name(prefix), "credential": kubeconfig});
        let r = app.post("/api/v1/k8s/cluster", token, body).await;
        if r.status == StatusCode::CREATED {
            return r.body["cluster"]["id"].as_i64().unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "import refused: {} {}",
            r.status,
            r.body
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Replaces cluster `id`'s credential with `kubeconfig` (`PUT`), which must succeed.
pub async fn replace_credential(app: &TestApp, token: &str, id: i64, kubeconfig: &str) {
    let r = app
        .request(
            "PUT",
            &format!("/api/v1/k8s/cluster/{id}"),
            Some(token),
            Some(json!({"credential": kubeconfig})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// `kubectl apply` of a manifest written to a temporary file.
pub fn apply(tb: &kubedeck_testbed::Testbed, yaml: &str) {
    let path = std::env::temp_dir().join(format!(
        "{}.yaml",
        kubedeck_testbed::unique_name("manifest")
    ));
    std::fs::write(&path, yaml).unwrap();
    let out = tb.kubectl(&["apply", "-f", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "kubectl apply: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A server-sent events stream opened through `app`, which must answer 200.
pub async fn events(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    let resp = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp
}

/// The next server-sent event of `event` type within `within`: its data.
pub async fn next_event(
    body: &mut reqwest::Response,
    buf: &mut String,
    event: &str,
    within: Duration,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let kind = frame
                .lines()
                .find_map(|l| l.strip_prefix("event:"))
                .map(str::trim);
            if kind == Some(event) {
                return Some(
                    frame
                        .lines()
                        .filter_map(|l| l.strip_prefix("data:"))
                        .map(str::trim)
                        .collect(),
                );
            }
        }
        let chunk = tokio::time::timeout_at(deadline, body.chunk())
            .await
            .ok()?
            .ok()??;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

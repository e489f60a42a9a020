//! Redis shared by the replicas (`--redis-url`, issue 17), with a real `redis-server` the test starts, kills,
//! stalls and starts again: two replicas count one user's API calls against one limit, and a Redis that is gone
//! or stalled degrades Kubedeck to per-replica limits without failing a request; when it is back, the replicas
//! share again.

use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Role};
use reqwest::StatusCode;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Calls per user per minute in this test.
const BUDGET: u32 = 6;

/// A `redis-server` of the test's own, on a port of its own, keeping nothing on disk.
struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    fn start() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut r = RedisServer { child: None, port };
        r.start_again();
        r
    }

    /// Starts the server on its port (after [`RedisServer::kill`]) and waits until it accepts connections.
    fn start_again(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                &std::env::temp_dir().to_string_lossy(),
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package) runs");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "redis-server did not listen on port {} within 5 s",
            self.port
        );
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn pid(&self) -> String {
        self.child.as_ref().expect("running").id().to_string()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.pid()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig} redis-server");
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.signal("-CONT");
        }
        self.kill();
    }
}

/// Waits, when the current minute is about to end, for the next one: Redis counts calls per calendar minute, and
/// a count that straddles two minutes starts again half way.
async fn a_fresh_minute_ahead() {
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second > 40 {
        tokio::time::sleep(Duration::from_secs((61 - second) as u64)).await;
    }
}

async fn replicas_count_one_rate_limit_through_redis_and_go_on_without_it() {
    let mut redis = RedisServer::start();
    let mut opts = AppOptions::default();
    opts.settings.api_rate_per_minute = BUDGET;
    opts.settings.redis_url = Some(redis.url());
    opts.sync_loop = false;
    let a = spawn_app_with(opts).await;
    let b = a.replica().await;
    let alice = a
        .user_token("alice", &[Binding::global(Role::Viewer)])
        .await;
    let ready = a.get("/readyz", "").await;
    assert_eq!(
        (ready.status, ready.body["redis"].as_str()),
        (StatusCode::OK, Some("ok")),
        "{}",
        ready.body
    );

    // One budget for both replicas: alternating between them, the call after the budget is refused wherever it
    // lands (each replica alone has counted only half of the calls).
    a_fresh_minute_ahead().await;
    for i in 1..=BUDGET {
        let via = if i % 2 == 0 { &a } else { &b };
        let r = via.get("/api/v1/auth/me", &alice).await;
        assert_eq!(r.status, StatusCode::OK, "call {i} of {BUDGET}: {}", r.body);
    }
    for (name, via) in [("a", &a), ("b", &b)] {
        let r = via.get("/api/v1/auth/me", &alice).await;
        assert_eq!(
            r.status,
            StatusCode::TOO_MANY_REQUESTS,
            "over the shared budget on replica {name}: {}",
            r.body
        );
        assert_eq!(r.body["code"], "rate_limited");
        assert!(r.headers.contains_key("retry-after"));
    }

    // Redis gone: requests are answered (each replica counts on its own again), /readyz stays ready and says so.
    redis.kill();
    let r = a.get("/api/v1/auth/me", &alice).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "Redis down is not an outage: {}",
        r.body
    );
    let ready = a.get("/readyz", "").await;
    assert_eq!(
        (ready.status, ready.body["redis"].as_str()),
        (StatusCode::OK, Some("unreachable")),
        "{}",
        ready.body
    );
    // ... and counts on its own: the replica's own budget runs out after its own calls.
    let mut refused_after = None;
    for i in 2..=BUDGET + 1 {
        if a.get("/api/v1/auth/me", &alice).await.status == StatusCode::TOO_MANY_REQUESTS {
            refused_after = Some(i - 1);
            break;
        }
    }
    assert_eq!(
        refused_after,
        Some(BUDGET),
        "without Redis, replica a allows its own {BUDGET} calls"
    );

    // Redis back: shared again. Bob's calls are counted in Redis from the first one on.
    redis.start_again();
    let bob = a.user_token("bob", &[Binding::global(Role::Viewer)]).await;
    eventually(
        "the replicas to use Redis again",
        Duration::from_secs(30),
        || async {
            (a.get("/readyz", "").await.body["redis"] == "ok"
                && b.get("/readyz", "").await.body["redis"] == "ok")
                .then_some(())
        },
    )
    .await;
    a_fresh_minute_ahead().await;
    for i in 1..=BUDGET {
        let via = if i % 2 == 0 { &a } else { &b };
        assert_eq!(
            via.get("/api/v1/auth/me", &bob).await.status,
            StatusCode::OK,
            "bob's call {i}"
        );
    }
    assert_eq!(
        b.get("/api/v1/auth/me", &bob).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Redis stalled (a stopped process keeps its connections open and answers nothing): requests are answered
    // all the same, within the bounded wait for Redis.
    redis.signal("-STOP");
    let carol = a
        .user_token("carol", &[Binding::global(Role::Viewer)])
        .await;
    let r = a.get("/api/v1/auth/me", &carol).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a stalled Redis is not an outage: {}",
        r.body
    );
    let ready = a.get("/readyz", "").await;
    assert_eq!(
        (ready.status, ready.body["redis"].as_str()),
        (StatusCode::OK, Some("unreachable"))
    );
    redis.signal("-CONT");

    b.stop().await;
    a.stop().await;
}
on_one_backend!(replicas_count_one_rate_limit_through_redis_and_go_on_without_it);

async fn a_replica_that_does_not_watch_the_cluster_passes_its_change_notices_on_through_redis() {
    let tb = kubedeck_testbed::Testbed::from_env();
    let ns = kubedeck_testbed::Namespace::create_in(&tb, "relayed");
    let redis = RedisServer::start();
    let mut opts = AppOptions::default();
    opts.settings.redis_url = Some(redis.url());
    let a = spawn_app_with(opts).await;
    let admin = a.admin_token().await;
    let id = import_testbed(&a, &admin, &tb).await;
    eventually(
        "replica a to watch the cluster",
        Duration::from_secs(30),
        || async { a.state.hub.get(id).map(|_| ()) },
    )
    .await;
    let b = a.replica().await;

    // A page on b, which does not watch the cluster (a holds its lease): live all the same, through Redis.
    let mut body = events(
        &b,
        &format!("/api/v1/k8s/cluster/{id}/changes?kinds=configmaps"),
        &admin,
    )
    .await;
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let status = next_event(&mut body, &mut buf, "status", Duration::from_secs(20))
            .await
            .expect("the stream's status");
        if serde_json::from_str::<serde_json::Value>(&status).unwrap()["live"] == true {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "b's page never became live: {status}"
        );
    }
    assert!(
        b.state.hub.get(id).is_none(),
        "b does not watch the cluster"
    );
    tb.kubectl_ok(&[
        "-n",
        ns.name(),
        "create",
        "configmap",
        "relayed",
        "--from-literal=a=b",
    ]);
    let change = next_event(&mut body, &mut buf, "change", Duration::from_secs(10))
        .await
        .expect("the change a saw, passed on by b within 10 s");
    assert!(change.contains("configmaps"), "{change}");
    drop(body);
    b.stop().await;
    a.stop().await;
}
on_one_backend!(
    a_replica_that_does_not_watch_the_cluster_passes_its_change_notices_on_through_redis
);

/// With Redis, authentication reads who a user is (account flags and role bindings) from Redis instead of two
/// database queries per request; a change made through any replica is seen by every other at once.
async fn a_user_change_on_one_replica_voids_what_every_replica_cached() {
    let mut redis = RedisServer::start();
    let mut opts = AppOptions::default();
    opts.settings.redis_url = Some(redis.url());
    opts.sync_loop = false;
    let a = spawn_app_with(opts).await;
    let b = a.replica().await;
    let admin = a.admin_token().await;
    let bob = a.user_token("bob", &[Binding::global(Role::Viewer)]).await;
    let roles = |r: &Resp| -> Vec<String> {
        r.body["bindings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["role"].as_str().unwrap().to_owned())
            .collect()
    };
    let me = b.get("/api/v1/auth/me", &bob).await;
    assert_eq!((me.status, roles(&me)), (StatusCode::OK, vec!["viewer".to_owned()]), "{}", me.body);
    let id = me.body["id"].as_i64().unwrap();

    // the cache is what b reads: a change made behind Kubedeck's back, in the database alone, is not seen yet
    // (an entry lives 30 s at most: the bound should an invalidation ever be lost)
    a.state.store.replace_bindings(id, &[]).await.unwrap();
    let me = b.get("/api/v1/auth/me", &bob).await;
    assert_eq!(roles(&me), vec!["viewer".to_owned()], "b answered from its cache: {}", me.body);

    // a change through replica a reaches b at once
    let r = a
        .request("PUT", &format!("/api/v1/users/{id}/bindings"), Some(&admin), Some(serde_json::json!([{"role": "operator"}])))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let me = b.get("/api/v1/auth/me", &bob).await;
    assert_eq!(roles(&me), vec!["operator".to_owned()], "b saw the new binding: {}", me.body);
    let r = a
        .request("PUT", &format!("/api/v1/users/{id}"), Some(&admin), Some(serde_json::json!({"disabled": true})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let me = b.get("/api/v1/auth/me", &bob).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "a disabled account on b: {}", me.body);
    assert_eq!(me.body["code"], "account_disabled", "{}", me.body);

    // without Redis, every request is still authenticated, from the database
    redis.kill();
    let me = b.get("/api/v1/auth/me", &admin).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let me = b.get("/api/v1/auth/me", &bob).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.body);
    b.stop().await;
    a.stop().await;
}
on_one_backend!(a_user_change_on_one_replica_voids_what_every_replica_cached);

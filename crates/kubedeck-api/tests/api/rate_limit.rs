//! The per-user API rate limit over HTTP (429, `Retry-After`, the stable error body, one budget per user), and
//! which client address login lockouts and audit records use: the peer's own address, unless
//! `trust_forwarded_for` says a proxy in front sets `X-Forwarded-For`, and then, when `trusted_proxies` lists
//! the proxies, only from them.

use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_store::login_limits::LockoutPolicy;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Calls per user per minute in these tests.
const BUDGET: u32 = 5;

async fn limited_app() -> TestApp {
    let mut opts = AppOptions::default();
    opts.settings.api_rate_per_minute = BUDGET;
    spawn_app_with(opts).await
}

async fn a_user_over_the_api_rate_limit_gets_429_with_retry_after_and_others_are_not_limited() {
    let app = limited_app().await;
    let viewer = [Binding::global(Role::Viewer)];
    // Logging in is not an API call under the budget (it has its own lockouts).
    let alice = app.user_token("alice", &viewer).await;
    let bob = app.user_token("bob", &viewer).await;

    for i in 1..=BUDGET {
        let r = app.get("/api/v1/k8s/cluster", &alice).await;
        assert_eq!(r.status, StatusCode::OK, "call {i} of {BUDGET}: {}", r.body);
    }
    let r = app.get("/api/v1/k8s/cluster", &alice).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "call {} is over the budget: {}",
        BUDGET + 1,
        r.body
    );
    let retry = r
        .headers
        .get("retry-after")
        .expect("a 429 says when to retry (Retry-After)")
        .to_str()
        .unwrap()
        .parse::<u64>()
        .expect("Retry-After is a number of seconds");
    assert!(
        (1..=60).contains(&retry),
        "the window is one minute, Retry-After {retry}"
    );
    assert_eq!(r.body["code"], "rate_limited", "{}", r.body);
    assert!(
        r.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        r.body
    );
    // Every route counts, not only the one that ran out.
    let me = app.get("/api/v1/auth/me", &alice).await;
    assert_eq!(me.status, StatusCode::TOO_MANY_REQUESTS, "{}", me.body);
    assert_eq!(me.body["code"], "rate_limited");

    // A refused write is audited as denied, under the user who was refused.
    let w = app
        .post(
            "/api/v1/auth/password",
            &alice,
            json!({"current_password": "alice-password-123", "new_password": "alice-password-456"}),
        )
        .await;
    assert_eq!(w.status, StatusCode::TOO_MANY_REQUESTS, "{}", w.body);
    let audit = app.audit().await;
    let rec = audit
        .iter()
        .find(|a| a.path == "/api/v1/auth/password")
        .expect("the refused write is audited");
    assert_eq!(
        (rec.username.as_str(), rec.status_code, rec.outcome.as_str()),
        ("alice", 429, "denied")
    );

    // Bob has a budget of his own, and so has the admin.
    for i in 1..=BUDGET {
        let r = app.get("/api/v1/k8s/cluster", &bob).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "bob's call {i} while alice is limited: {}",
            r.body
        );
    }
    let admin = app.admin_token().await;
    let r = app.get("/api/v1/users", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.stop().await;
}
on_every_backend!(
    a_user_over_the_api_rate_limit_gets_429_with_retry_after_and_others_are_not_limited
);

/// Failed logins per client address before it is locked, in these tests.
const ADDRESS_FAILURES: i32 = 3;

async fn lockout_app(trust_forwarded_for: bool, trusted_proxies: &[&str]) -> TestApp {
    let mut opts = AppOptions::default();
    opts.settings.trust_forwarded_for = trust_forwarded_for;
    opts.settings.trusted_proxies = trusted_proxies.iter().map(|p| p.parse().unwrap()).collect();
    opts.settings.login_address_policy = LockoutPolicy {
        max_failures: ADDRESS_FAILURES,
        window: chrono::Duration::minutes(15),
        lockout: chrono::Duration::minutes(15),
    };
    spawn_app_with(opts).await
}

/// A login sent with `X-Forwarded-For: forwarded`: (status, body).
async fn login_via(
    app: &TestApp,
    forwarded: &str,
    username: &str,
    password: &str,
) -> (StatusCode, Value) {
    let r = app
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The client addresses audited for login attempts, oldest first.
async fn login_addresses(app: &TestApp) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = app
        .audit()
        .await
        .into_iter()
        .filter(|a| a.action == "auth.login")
        .map(|a| (a.username, a.source_ip))
        .collect();
    v.reverse();
    v
}

async fn a_forged_forwarded_for_is_ignored_unless_a_proxy_is_trusted() {
    forged_addresses_count_as_the_peer(lockout_app(false, &[]).await).await;
}
on_every_backend!(a_forged_forwarded_for_is_ignored_unless_a_proxy_is_trusted);

async fn a_forwarded_for_from_a_peer_that_is_not_a_listed_proxy_is_ignored() {
    // Trusting X-Forwarded-For, but only from 192.0.2.10 (and a network that does not hold 127.0.0.1).
    forged_addresses_count_as_the_peer(lockout_app(true, &["192.0.2.10", "10.0.0.0/8"]).await)
        .await;
}
on_every_backend!(a_forwarded_for_from_a_peer_that_is_not_a_listed_proxy_is_ignored);

/// Failed logins claiming ever new addresses lock the real peer, and are audited with its address.
async fn forged_addresses_count_as_the_peer(app: TestApp) {
    // Each failed attempt claims another address (and another account, so only the address lock can trip).
    for i in 1..=ADDRESS_FAILURES {
        let (s, body) = login_via(
            &app,
            &format!("198.51.100.{i}"),
            &format!("nobody-{i}"),
            "wrong-password-1",
        )
        .await;
        let expected = if i < ADDRESS_FAILURES {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(s, expected, "attempt {i}: {body}");
    }
    // The lock is on the real peer, whatever address the next request claims, even with the right password.
    let (s, body) = login_via(&app, "198.51.100.99", "admin", ADMIN_PASSWORD).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "too_many_attempts", "{body}");

    let seen = login_addresses(&app).await;
    assert_eq!(seen.len() as i32, ADDRESS_FAILURES + 1, "{seen:?}");
    for (user, ip) in &seen {
        assert_eq!(
            ip, "127.0.0.1",
            "{user}'s attempt is audited with the peer's address: {seen:?}"
        );
    }
    app.stop().await;
}

async fn behind_a_trusted_proxy_the_forwarded_client_address_is_locked_and_audited() {
    let app = lockout_app(true, &[]).await;
    let client = "203.0.113.7";
    for i in 1..=ADDRESS_FAILURES {
        // The proxy appended itself; the first hop is the client.
        let (s, body) = login_via(
            &app,
            &format!("{client}, 10.0.0.1"),
            &format!("nobody-{i}"),
            "wrong-password-1",
        )
        .await;
        let expected = if i < ADDRESS_FAILURES {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(s, expected, "attempt {i}: {body}");
    }
    let (s, body) = login_via(&app, client, "admin", ADMIN_PASSWORD).await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "the client's address is locked: {body}"
    );
    // Another client behind the same proxy is not.
    let (s, body) = login_via(&app, "203.0.113.8", "admin", ADMIN_PASSWORD).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "another client behind the proxy logs in: {body}"
    );

    let seen = login_addresses(&app).await;
    let ips: Vec<&str> = seen.iter().map(|(_, ip)| ip.as_str()).collect();
    let mut expected = vec![client; ADDRESS_FAILURES as usize + 1];
    expected.push("203.0.113.8");
    assert_eq!(ips, expected, "{seen:?}");
    app.stop().await;
}
on_every_backend!(behind_a_trusted_proxy_the_forwarded_client_address_is_locked_and_audited);

async fn behind_listed_proxies_the_client_is_the_address_just_before_them() {
    let app = lockout_app(true, &["127.0.0.1", "10.0.0.0/8"]).await;
    let client = "203.0.113.7";
    for i in 1..=ADDRESS_FAILURES {
        // The client forged a first address; its own proxy (10.0.0.1) appended the real one, then itself.
        let chain = format!("198.51.100.{i}, {client}, 10.0.0.1");
        let (s, body) = login_via(&app, &chain, &format!("nobody-{i}"), "wrong-password-1").await;
        let expected = if i < ADDRESS_FAILURES {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(s, expected, "attempt {i}: {body}");
    }
    let (s, body) = login_via(
        &app,
        &format!("198.51.100.99, {client}, 10.0.0.2"),
        "admin",
        ADMIN_PASSWORD,
    )
    .await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "the client's address is locked: {body}"
    );
    let (s, body) = login_via(&app, "203.0.113.8, 10.0.0.2", "admin", ADMIN_PASSWORD).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "another client behind the proxies logs in: {body}"
    );

    let seen = login_addresses(&app).await;
    let ips: Vec<&str> = seen.iter().map(|(_, ip)| ip.as_str()).collect();
    let mut expected = vec![client; ADDRESS_FAILURES as usize + 1];
    expected.push("203.0.113.8");
    assert_eq!(ips, expected, "{seen:?}");
    app.stop().await;
}
on_every_backend!(behind_listed_proxies_the_client_is_the_address_just_before_them);

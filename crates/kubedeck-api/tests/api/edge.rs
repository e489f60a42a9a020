//! The browser protections every response carries, and the bound on request headers (issue 17).

use crate::helpers::*;
use reqwest::StatusCode;

/// What a browser must be told on every answer: the console's page, an API answer, an API error, the API docs,
/// the health check.
async fn every_answer_carries_the_browser_protections() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    for (path, auth) in [
        ("/", None),
        ("/clusters/1/pods", None),
        ("/api/docs/", None),
        ("/api/v1/auth/me", Some(token.as_str())),
        ("/api/v1/auth/me", None),
        ("/api/v1/no-such-route", Some(token.as_str())),
        ("/healthz", None),
    ] {
        let r = app.request("GET", path, auth, None).await;
        let h = |name: &str| {
            r.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let csp = h("content-security-policy");
        // only the console's own scripts: no inline script, no other origin, no eval
        let script = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap_or_default();
        assert_eq!(script, "script-src 'self'", "{path} ({}): {csp}", r.status);
        for d in [
            "default-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(
                csp.split(';').map(str::trim).any(|x| x == d),
                "{path}: no `{d}` in {csp}"
            );
        }
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
    }
}

/// A request with 100 KB of headers is refused with 431 and the stable error body, before it reaches a route;
/// a login with ordinary headers still works.
async fn oversized_headers_are_refused_with_431() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let big = "x".repeat(100 * 1024);
    let r = app
        .http
        .get(format!("{}/api/v1/auth/me", app.base))
        .bearer_auth(&token)
        .header("x-padding", &big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(
        r.headers().get("x-frame-options").unwrap(),
        "DENY",
        "the refusal is protected too"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "headers_too_large", "{body}");
    assert_eq!(body["params"]["limit"], 32 * 1024, "{body}");
    assert!(
        body["params"]["actual"].as_u64().unwrap() > 100 * 1024,
        "{body}"
    );
    assert_eq!(
        body["field"], "x-padding",
        "the largest header is named: {body}"
    );
    assert!(body["request_id"].is_string(), "{body}");
    // many headers that are each small, adding up past the bound, are refused the same way
    let mut req = app
        .http
        .get(format!("{}/api/v1/auth/me", app.base))
        .bearer_auth(&token);
    for i in 0..40 {
        req = req.header(format!("x-pad-{i}"), "y".repeat(1000));
    }
    assert_eq!(
        req.send().await.unwrap().status(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
    // ordinary requests are untouched
    let me = app.get("/api/v1/auth/me", &token).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
}

/// Behind a proxy that ends TLS, the browser's scheme is the proxy's `X-Forwarded-Proto`: answers it says went out
/// over HTTPS carry HSTS, others do not, and nobody but a trusted proxy can claim HTTPS.
async fn hsts_follows_the_scheme_a_trusted_proxy_reports() {
    use kubedeck_api::audit::TrustedProxy;
    let hsts = |app: &TestApp, headers: &'static [(&'static str, &'static str)]| {
        let req = headers
            .iter()
            .fold(app.http.get(format!("{}/healthz", app.base)), |r, (k, v)| r.header(*k, *v));
        async move {
            let r = req.send().await.unwrap();
            r.headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap().to_owned())
        }
    };
    // the test client connects from 127.0.0.1: a trusted proxy when it is listed
    let mut opts = AppOptions::default();
    opts.settings.trust_forwarded_for = true;
    opts.settings.trusted_proxies = vec!["127.0.0.1".parse::<TrustedProxy>().unwrap()];
    opts.settings.hsts_max_age = std::time::Duration::from_secs(600);
    let app = spawn_app_with(opts).await;
    assert_eq!(hsts(&app, &[("x-forwarded-proto", "https")]).await.as_deref(), Some("max-age=600"));
    assert_eq!(hsts(&app, &[("x-forwarded-proto", "HTTPS, http")]).await.as_deref(), Some("max-age=600"));
    assert_eq!(hsts(&app, &[("forwarded", "for=10.0.0.1;proto=https")]).await.as_deref(), Some("max-age=600"));
    assert_eq!(hsts(&app, &[("x-forwarded-proto", "http")]).await, None, "plain HTTP at the proxy");
    assert_eq!(hsts(&app, &[]).await, None, "no word from the proxy: plain HTTP");

    // a peer that is not a trusted proxy cannot claim HTTPS
    let mut opts = AppOptions::default();
    opts.settings.trust_forwarded_for = true;
    opts.settings.trusted_proxies = vec!["10.9.0.0/16".parse::<TrustedProxy>().unwrap()];
    let app = spawn_app_with(opts).await;
    assert_eq!(hsts(&app, &[("x-forwarded-proto", "https")]).await, None, "an untrusted peer");
    // nor anyone when forwarded headers are not trusted at all (the default)
    let app = spawn_app().await;
    assert_eq!(hsts(&app, &[("x-forwarded-proto", "https")]).await, None, "forwarded headers not trusted");
    // HSTS can be turned off (max-age 0) for an installation that must keep plain HTTP reachable
    let mut opts = AppOptions::default();
    opts.settings.trust_forwarded_for = true;
    opts.settings.hsts_max_age = std::time::Duration::ZERO;
    let app = spawn_app_with(opts).await;
    assert_eq!(hsts(&app, &[("x-forwarded-proto", "https")]).await, None, "max-age 0");
}

on_one_backend!(
    every_answer_carries_the_browser_protections,
    oversized_headers_are_refused_with_431,
    hsts_follows_the_scheme_a_trusted_proxy_reports
);

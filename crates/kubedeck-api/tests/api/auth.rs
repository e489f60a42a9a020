//! Accounts and sessions as a user meets them: login, refresh, logout, lockout, forced password change.

use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Role};
use reqwest::StatusCode;
use serde_json::json;

async fn login_refresh_and_logout_on_every_backend() {
    let app = spawn_app().await;
    let b = app.backend;
    let r = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.body);
    assert_eq!(r.body["expires_in"], 900);
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    let refresh = r.body["refresh_token"].as_str().unwrap().to_owned();

    let me = app.get("/api/v1/auth/me", &access).await;
    assert_eq!(me.status, StatusCode::OK, "{b}");
    assert_eq!(me.body["username"], "admin");
    assert!(
        me.body["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "user.admin")
    );

    let r2 = app
        .request(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(r2.status, StatusCode::OK, "{b}: {}", r2.body);
    let refresh2 = r2.body["refresh_token"].as_str().unwrap().to_owned();
    // The old refresh token was rotated away: replaying it fails.
    let replay = app
        .request(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{b}");

    let out = app
        .request(
            "POST",
            "/api/v1/auth/logout",
            None,
            Some(json!({"refresh_token": refresh2})),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = app
        .request(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh2})),
        )
        .await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "{b}: logged-out session still refreshes"
    );
    app.stop().await;
}
on_every_backend!(login_refresh_and_logout_on_every_backend);

async fn twenty_wrong_passwords_lock_the_account_with_retry_after_and_are_audited() {
    let app = spawn_app().await;
    let b = app.backend;
    let mut statuses = Vec::new();
    for _ in 0..20 {
        let r = app.login("admin", "wrong-password-planted-x").await;
        statuses.push(r.status.as_u16());
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(r.body["code"], "too_many_attempts");
            let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
            assert!(retry > 0 && retry <= 15 * 60, "{b}: Retry-After {retry}");
        } else {
            assert_eq!(r.body["code"], "invalid_credentials", "{b}");
        }
    }
    assert_eq!(&statuses[..4], &[401, 401, 401, 401], "{b}");
    assert!(statuses[4..].iter().all(|s| *s == 429), "{b}: {statuses:?}");
    // Even the right password is refused while locked.
    assert_eq!(
        app.login("admin", ADMIN_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{b}"
    );
    // Unknown users get the same answer as wrong passwords.
    assert_eq!(
        app.login("nobody", "whatever-password").await.body["code"],
        "invalid_credentials"
    );

    let audit = app.audit().await;
    let logins: Vec<_> = audit
        .iter()
        .filter(|a| a.action == "auth.login" && a.username == "admin")
        .collect();
    assert_eq!(logins.len(), 21, "{b}: every attempt audited");
    assert!(
        logins
            .iter()
            .all(|a| a.outcome == "denied" || a.outcome == "failure")
    );
    assert!(
        audit
            .iter()
            .all(|a| !a.detail.contains("planted") && !a.path.contains("planted")),
        "{b}: password in audit"
    );
    app.stop().await;
}
on_every_backend!(twenty_wrong_passwords_lock_the_account_with_retry_after_and_are_audited);

async fn a_new_user_must_change_the_password_before_anything_else() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = app
        .post("/api/v1/users", &admin, json!({"username": "dev", "password": "initial-password-1", "bindings": [{"role": "viewer"}]}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(created.body.get("password_hash").is_none());

    let login = app.login("dev", "initial-password-1").await;
    assert_eq!(login.body["must_change_password"], true);
    let token = login.body["access_token"].as_str().unwrap().to_owned();
    let blocked = app.get("/api/v1/k8s/cluster", &token).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert_eq!(blocked.body["code"], "password_change_required");
    assert_eq!(
        app.get("/api/v1/auth/me", &token).await.body["must_change_password"],
        true
    );

    let weak = app
        .post(
            "/api/v1/auth/password",
            &token,
            json!({"current_password": "initial-password-1", "new_password": "short"}),
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert_eq!(weak.body["field"], "new_password");
    let wrong = app
        .post(
            "/api/v1/auth/password",
            &token,
            json!({"current_password": "nope-nope-nope", "new_password": "a-much-better-pass"}),
        )
        .await;
    assert_eq!(wrong.body["field"], "current_password");
    let ok = app
        .post(
            "/api/v1/auth/password",
            &token,
            json!({"current_password": "initial-password-1", "new_password": "a-much-better-pass"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);

    // The change ended the session: the old access token is void at once.
    assert_eq!(
        app.get("/api/v1/auth/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("dev", "initial-password-1").await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = app.login("dev", "a-much-better-pass").await;
    assert_eq!(again.body["must_change_password"], false);
    let t = again.body["access_token"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/k8s/cluster", t).await.status,
        StatusCode::OK
    );
    app.stop().await;
}
on_every_backend!(a_new_user_must_change_the_password_before_anything_else);

async fn a_disabled_user_loses_access_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let token = app
        .user_token("ops", &[Binding::global(Role::Operator)])
        .await;
    assert_eq!(
        app.get("/api/v1/k8s/cluster", &token).await.status,
        StatusCode::OK
    );
    let id = app.get("/api/v1/auth/me", &token).await.body["id"]
        .as_i64()
        .unwrap();
    let r = app
        .request(
            "PUT",
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = app.get("/api/v1/k8s/cluster", &token).await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "disabled user kept access: {}",
        after.body
    );
    assert_eq!(
        app.login("ops", "ops-password-123").await.status,
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}
on_every_backend!(a_disabled_user_loses_access_at_once);

async fn the_last_platform_admin_cannot_be_removed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/auth/me", &admin).await.body["id"]
        .as_i64()
        .unwrap();
    let r = app
        .request(
            "PUT",
            &format!("/api/v1/users/{me}/bindings"),
            Some(&admin),
            Some(json!([{"role": "viewer"}])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = app
        .request(
            "PUT",
            &format!("/api/v1/users/{me}"),
            Some(&admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let bad = app
        .request(
            "PUT",
            &format!("/api/v1/users/{me}/bindings"),
            Some(&admin),
            Some(json!([{"role": "superuser"}])),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    app.stop().await;
}
on_every_backend!(the_last_platform_admin_cannot_be_removed);

async fn forged_unsigned_and_expired_tokens_are_refused() {
    use base64::Engine;
    let app = spawn_app().await;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let now = chrono::Utc::now().timestamp();
    let claims = format!(
        r#"{{"sub":"1","iss":"kubedeck","aud":"kubedeck-api","iat":{now},"exp":{},"generation":0}}"#,
        now + 600
    );
    let alg_none = format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&claims));
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &serde_json::from_str::<serde_json::Value>(&claims).unwrap(),
        &jsonwebtoken::EncodingKey::from_secret(b"not-the-server-secret-not-the-server-secret"),
    )
    .unwrap();
    let expired_claims = json!({"sub": "1", "iss": "kubedeck", "aud": "kubedeck-api", "iat": now - 3600, "exp": now - 1800, "generation": 0});
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &expired_claims,
        &jsonwebtoken::EncodingKey::from_secret(&app.state.settings.jwt_secret),
    )
    .unwrap();
    for (what, token, code) in [
        ("alg none", alg_none.as_str(), "token_invalid"),
        ("forged", &forged, "token_invalid"),
        ("expired", &expired, "token_expired"),
        ("garbage", "abc.def", "token_invalid"),
    ] {
        let r = app.get("/api/v1/auth/me", token).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(r.body["code"], code, "{what}");
    }
    let none = app.request("GET", "/api/v1/users", None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}
on_every_backend!(forged_unsigned_and_expired_tokens_are_refused);

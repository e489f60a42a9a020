//! `/api/v1/auth`: login, refresh, logout, who am I, password change.

use crate::audit::{AuditSlot, client_ip};
use crate::auth::{PendingPasswordUser, hash_refresh_token, new_refresh_token, sign_access_token};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, PeerAddr};
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::Utc;
use kubedeck_core::password::{
    MAX_PASSWORD_LEN, MIN_PASSWORD_LEN, hash_password, password_problem, verify_password,
};
use kubedeck_core::rbac::Binding;
use kubedeck_store::users::UserChanges;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Login request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Tokens returned by login and refresh.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived bearer token for `Authorization: Bearer`.
    pub access_token: String,
    /// Long-lived, single-use token for `/auth/refresh`.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// `Bearer`.
    pub token_type: &'static str,
    /// The user must change the password before using anything else.
    pub must_change_password: bool,
}

/// Refresh or logout request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from login or the last refresh.
    pub refresh_token: String,
}

/// Password change request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use now.
    pub current_password: String,
    /// The new password (at least 10 characters).
    pub new_password: String,
}

/// The caller's identity and what it may do.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// The password must be changed first.
    pub must_change_password: bool,
    /// Role bindings.
    pub bindings: Vec<Binding>,
    /// Permissions granted somewhere (globally or on some cluster), for showing or hiding actions.
    pub permissions: Vec<&'static str>,
}

async fn issue_tokens(
    state: &AppState,
    user: &kubedeck_store::users::User,
) -> ApiResult<TokenResponse> {
    let (refresh, hash) = new_refresh_token();
    let expires = Utc::now()
        + chrono::Duration::from_std(state.settings.refresh_ttl).expect("refresh ttl fits");
    state
        .store
        .insert_refresh_token(user.id, &hash, expires)
        .await?;
    Ok(TokenResponse {
        access_token: sign_access_token(state, user.id, user.session_generation),
        refresh_token: refresh,
        expires_in: state.settings.access_ttl.as_secs(),
        token_type: "Bearer",
        must_change_password: user.must_change_password,
    })
}

fn wrong_password() -> ApiError {
    ApiError::invalid(
        "current_password",
        ErrorCode::WrongPassword,
        "current password is wrong",
    )
}

/// Why `password` cannot be the new password of `username` (length: `invalid_length`; otherwise
/// `weak_password` naming the rule), or `None` when it can.
pub fn weak_password(field: &str, password: &str, username: &str) -> Option<ApiError> {
    let problem = password_problem(password, username)?;
    let len = password.chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&len) {
        let mut e = ApiError::invalid_length(field, MIN_PASSWORD_LEN, MAX_PASSWORD_LEN);
        e.message = problem;
        return Some(e);
    }
    Some(ApiError::invalid(field, ErrorCode::WeakPassword, problem).param("rule", "not_username"))
}

fn too_many(until: chrono::DateTime<Utc>) -> ApiError {
    let wait = (until - Utc::now()).num_seconds().max(1) as u64;
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::TooManyAttempts,
        format!(
            "too many failed logins; try again in {} minutes",
            wait.div_ceil(60)
        ),
    )
    .param("seconds", wait)
    .with_retry_after(wait)
}

// A hash of a random password, verified against when the user does not exist, so the response time does not
// reveal which usernames exist.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&kubedeck_core::password::generate_password()));

/// Log in with username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "wrong username or password"),
        (status = 429, description = "locked after repeated failures; see Retry-After")),
    extensions(("x-permission" = json!("public"))))]
pub async fn login(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<axum::Json<TokenResponse>> {
    audit.action("auth.login");
    let username = body.username.trim().to_owned();
    if username.is_empty() || username.len() > 64 {
        return Err(ApiError::invalid_length("username", 1, 64));
    }
    if body.password.is_empty() || body.password.len() > MAX_PASSWORD_LEN {
        return Err(ApiError::invalid_length("password", 1, MAX_PASSWORD_LEN));
    }
    audit.set_username(&username);
    let ip = client_ip(&headers, peer, &state.settings);
    let keys = [
        format!("user:{}", username.to_lowercase()),
        format!("ip:{ip}"),
    ];
    if let Some(until) = state.store.login_locked_until(&keys).await? {
        return Err(too_many(until));
    }
    let user = state.store.find_user_by_name(&username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let password = body.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)?;
    let Some(user) = user.filter(|_| ok) else {
        let a = state
            .store
            .record_login_failure(&keys[0], state.settings.login_account_policy)
            .await?;
        let b = state
            .store
            .record_login_failure(&keys[1], state.settings.login_address_policy)
            .await?;
        if let Some(until) = a.into_iter().chain(b).max() {
            return Err(too_many(until));
        }
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCredentials,
            "wrong username or password",
        ));
    };
    if user.disabled {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::AccountDisabled,
            "this account is disabled; ask a platform admin",
        ));
    }
    audit.set_user(user.id, &user.username);
    state.store.clear_login_failures(&keys[0]).await?;
    Ok(axum::Json(issue_tokens(&state, &user).await?))
}

/// Trade a refresh token for new tokens. The old refresh token stops working.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "unknown, used, revoked or expired refresh token")),
    extensions(("x-permission" = json!("public"))))]
pub async fn refresh(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<axum::Json<TokenResponse>> {
    audit.action("auth.refresh");
    let user_id = state
        .store
        .consume_refresh_token(&hash_refresh_token(&body.refresh_token))
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized(
                ErrorCode::RefreshInvalid,
                "the refresh token is no longer valid; log in again",
            )
        })?;
    let user = state
        .store
        .find_user(user_id)
        .await?
        .filter(|u| !u.disabled);
    let Some(user) = user else {
        return Err(ApiError::unauthorized(
            ErrorCode::AccountDisabled,
            "the account is disabled or gone",
        ));
    };
    audit.set_user(user.id, &user.username);
    Ok(axum::Json(issue_tokens(&state, &user).await?))
}

/// Revoke a refresh token (log out this session).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204)), extensions(("x-permission" = json!("public"))))]
pub async fn logout(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<StatusCode> {
    audit.action("auth.logout");
    state
        .store
        .revoke_refresh_token(&hash_refresh_token(&body.refresh_token))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who am I, with my bindings and permissions.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Me)),
    extensions(("x-permission" = json!("authenticated"))))]
pub async fn me(
    State(state): State<AppState>,
    PendingPasswordUser(user): PendingPasswordUser,
) -> ApiResult<axum::Json<Me>> {
    let row = state.store.find_user(user.id).await?.ok_or_else(|| {
        ApiError::unauthorized(ErrorCode::AccountGone, "the account no longer exists")
    })?;
    Ok(axum::Json(Me {
        id: user.id,
        username: user.username,
        display_name: row.display_name,
        must_change_password: row.must_change_password,
        permissions: user.bindings.permission_names(),
        bindings: user.bindings.0,
    }))
}

/// Change my password. Every session of the account ends; log in again.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 400, description = "wrong current password or weak new password")),
    extensions(("x-permission" = json!("authenticated"))))]
pub async fn change_password(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    PendingPasswordUser(user): PendingPasswordUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<impl IntoResponse> {
    audit.action("auth.password_change");
    let row = state.store.find_user(user.id).await?.ok_or_else(|| {
        ApiError::unauthorized(ErrorCode::AccountGone, "the account no longer exists")
    })?;
    if body.current_password.len() > MAX_PASSWORD_LEN {
        return Err(wrong_password());
    }
    let (current, hash) = (body.current_password.clone(), row.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || verify_password(&current, &hash))
        .await
        .map_err(ApiError::internal)?;
    if !ok {
        return Err(wrong_password());
    }
    if let Some(e) = weak_password("new_password", &body.new_password, &user.username) {
        return Err(e);
    }
    if body.new_password == body.current_password {
        return Err(ApiError::invalid(
            "new_password",
            ErrorCode::PasswordUnchanged,
            "the new password must differ from the current one",
        ));
    }
    let new = body.new_password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(ApiError::internal)?;
    state
        .store
        .update_user(
            user.id,
            UserChanges {
                password: Some((hash, false)),
                ..Default::default()
            },
        )
        .await?;
    state.store.revoke_user_tokens(user.id).await?;
    crate::shared::user_changed(&state, user.id).await;
    Ok(StatusCode::NO_CONTENT)
}

//! `/api/v1/users`: accounts and role bindings (platform admins only).

use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Pagination};
use crate::routes::Page;
use crate::routes::auth::weak_password;
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kubedeck_core::password::hash_password;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_store::users::{NewUser, User, UserChanges};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// An account as the API shows it (never the password hash).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Disabled accounts cannot log in or use tokens.
    pub disabled: bool,
    /// Must change the password at next login.
    pub must_change_password: bool,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Role bindings.
    pub bindings: Vec<Binding>,
}

fn view(u: User, bindings: Vec<Binding>) -> UserView {
    UserView {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        disabled: u.disabled,
        must_change_password: u.must_change_password,
        created_at: u.created_at,
        bindings,
    }
}

/// Filters for the user list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Substring of the username or display name.
    pub q: Option<String>,
    /// 1-based page.
    pub page: Option<u64>,
    /// Page size (max 500).
    pub page_size: Option<u64>,
}

/// New account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Login name: 1-64 of letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Initial password; the user must change it at first login.
    pub password: String,
    /// Role bindings (default: none, so the account can log in but see nothing).
    #[serde(default)]
    pub bindings: Vec<Binding>,
}

/// Changes to an account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// New display name.
    pub display_name: Option<String>,
    /// Disable (true) or enable (false); disabling ends every session at once.
    pub disabled: Option<bool>,
    /// Reset the password; the user must change it at next login.
    pub password: Option<String>,
}

fn user_not_found(uid: i64) -> ApiError {
    ApiError::not_found(
        ErrorCode::UserNotFound,
        format!("user {uid} does not exist"),
    )
    .param("user", uid)
}

fn check_username(name: &str) -> ApiResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "username",
            ErrorCode::InvalidName,
            "username must be 1-64 letters, digits, '.', '_' or '-'",
        )
        .param("what", "username")
        .param("value", name))
    }
}

fn check_bindings(bindings: &[Binding]) -> ApiResult<()> {
    for (i, b) in bindings.iter().enumerate() {
        if let Some((rule, message)) = b.problem() {
            return Err(ApiError::invalid(
                &format!("bindings[{i}]"),
                ErrorCode::InvalidBinding,
                message,
            )
            .param("rule", rule));
        }
    }
    Ok(())
}

async fn hash(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)
}

/// List accounts.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery), responses((status = 200, body = Page<UserView>)),
    extensions(("x-permission" = json!("user.admin"))))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<perm::UserAdmin>,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> ApiResult<axum::Json<Page<UserView>>> {
    let page = Pagination {
        page: q.page,
        page_size: q.page_size,
    }
    .request()?;
    let rows = state.store.list_users(q.q.as_deref(), page).await?;
    let mut items = Vec::with_capacity(rows.items.len());
    for u in rows.items {
        let b = state.store.bindings_of(u.id).await?;
        items.push(view(u, b.0));
    }
    Ok(axum::Json(Page::new(items, rows.total, page)))
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 409, description = "username taken")),
    extensions(("x-permission" = json!("user.admin"))))]
pub async fn create(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::UserAdmin>,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, axum::Json<UserView>)> {
    audit.action("user.create");
    check_username(&body.username)?;
    if let Some(e) = weak_password("password", &body.password, &body.username) {
        return Err(e);
    }
    check_bindings(&body.bindings)?;
    audit.detail(json!({"username": body.username, "bindings": body.bindings}));
    if state
        .store
        .find_user_by_name(&body.username)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            ErrorCode::UsernameTaken,
            format!("username '{}' is taken", body.username),
        )
        .param("username", &body.username)
        .with_field("username"));
    }
    let display = body
        .display_name
        .clone()
        .unwrap_or_else(|| body.username.clone());
    let new = NewUser {
        username: &body.username,
        display_name: &display,
        password_hash: hash(body.password).await?,
        must_change_password: true,
    };
    let u = state.store.create_user(new, &body.bindings).await?;
    audit.target(None, None, Some(format!("users/{}", u.username)));
    Ok((StatusCode::CREATED, axum::Json(view(u, body.bindings))))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{uid}", tag = "users", params(("uid" = i64, Path)),
    responses((status = 200, body = UserView), (status = 404)), extensions(("x-permission" = json!("user.admin"))))]
pub async fn get(
    State(state): State<AppState>,
    _auth: Authorized<perm::UserAdmin>,
    ApiPath(uid): ApiPath<i64>,
) -> ApiResult<axum::Json<UserView>> {
    let u = state
        .store
        .find_user(uid)
        .await?
        .ok_or_else(|| user_not_found(uid))?;
    let b = state.store.bindings_of(uid).await?;
    Ok(axum::Json(view(u, b.0)))
}

/// Refuses changes that would leave no enabled platform admin.
async fn keep_an_admin(state: &AppState, uid: i64, losing_admin: bool) -> ApiResult<()> {
    if !losing_admin {
        return Ok(());
    }
    let is_admin = state
        .store
        .bindings_of(uid)
        .await?
        .allows_everywhere(kubedeck_core::rbac::Permission::UserAdmin);
    let enabled = state
        .store
        .find_user(uid)
        .await?
        .is_some_and(|u| !u.disabled);
    if is_admin && enabled && state.store.count_active_platform_admins().await? <= 1 {
        return Err(ApiError::conflict(
            ErrorCode::LastAdmin,
            "this is the last enabled platform admin; make another admin first",
        ));
    }
    Ok(())
}

/// Change an account.
#[utoipa::path(put, path = "/api/v1/users/{uid}", tag = "users", params(("uid" = i64, Path)), request_body = UpdateUser,
    responses((status = 200, body = UserView), (status = 404)), extensions(("x-permission" = json!("user.admin"))))]
pub async fn update(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::UserAdmin>,
    ApiPath(uid): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> ApiResult<axum::Json<UserView>> {
    audit.action("user.update");
    audit.detail(json!({"user_id": uid, "display_name": body.display_name, "disabled": body.disabled, "password_reset": body.password.is_some()}));
    let existing = state
        .store
        .find_user(uid)
        .await?
        .ok_or_else(|| user_not_found(uid))?;
    audit.target(None, None, Some(format!("users/{}", existing.username)));
    keep_an_admin(&state, uid, body.disabled == Some(true)).await?;
    let password = match body.password {
        Some(p) => {
            if let Some(e) = weak_password("password", &p, &existing.username) {
                return Err(e);
            }
            Some((hash(p).await?, true))
        }
        None => None,
    };
    let ends_sessions = password.is_some() || body.disabled == Some(true);
    let u = state
        .store
        .update_user(
            uid,
            UserChanges {
                display_name: body.display_name,
                disabled: body.disabled,
                password,
            },
        )
        .await?
        .ok_or_else(|| user_not_found(uid))?;
    if ends_sessions {
        state.store.revoke_user_tokens(uid).await?;
    }
    crate::shared::user_changed(&state, uid).await;
    let b = state.store.bindings_of(uid).await?;
    Ok(axum::Json(view(u, b.0)))
}

/// Delete an account and end its sessions.
#[utoipa::path(delete, path = "/api/v1/users/{uid}", tag = "users", params(("uid" = i64, Path)),
    responses((status = 204), (status = 404), (status = 409, description = "last platform admin")),
    extensions(("x-permission" = json!("user.admin"))))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::UserAdmin>,
    ApiPath(uid): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    audit.action("user.delete");
    let existing = state
        .store
        .find_user(uid)
        .await?
        .ok_or_else(|| user_not_found(uid))?;
    audit.target(None, None, Some(format!("users/{}", existing.username)));
    if uid == auth.id {
        return Err(ApiError::conflict(
            ErrorCode::SelfDelete,
            "you cannot delete your own account",
        ));
    }
    keep_an_admin(&state, uid, true).await?;
    state.store.delete_user(uid).await?;
    crate::shared::user_changed(&state, uid).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace an account's role bindings.
#[utoipa::path(put, path = "/api/v1/users/{uid}/bindings", tag = "users", params(("uid" = i64, Path)), request_body = Vec<Binding>,
    responses((status = 200, body = UserView), (status = 404)), extensions(("x-permission" = json!("user.admin"))))]
pub async fn set_bindings(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    _auth: Authorized<perm::UserAdmin>,
    ApiPath(uid): ApiPath<i64>,
    ApiJson(bindings): ApiJson<Vec<Binding>>,
) -> ApiResult<axum::Json<UserView>> {
    audit.action("user.bindings");
    audit.detail(json!({"user_id": uid, "bindings": bindings}));
    check_bindings(&bindings)?;
    let u = state
        .store
        .find_user(uid)
        .await?
        .ok_or_else(|| user_not_found(uid))?;
    audit.target(None, None, Some(format!("users/{}", u.username)));
    let stays_admin = bindings
        .iter()
        .any(|b| b.role == Role::PlatformAdmin && b.cluster_id.is_none());
    keep_an_admin(&state, uid, !stays_admin).await?;
    state.store.replace_bindings(uid, &bindings).await?;
    crate::shared::user_changed(&state, uid).await;
    Ok(axum::Json(view(u, bindings)))
}

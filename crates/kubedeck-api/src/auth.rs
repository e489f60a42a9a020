//! Authentication (JWT access tokens, hashed refresh tokens) and the permission check every route goes through.

use crate::shared::{CachedPrincipal, Principal};
use crate::audit::AuditSlot;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kubedeck_core::rbac::{Bindings, Permission, Scope};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Mutex;
use std::time::Instant;

const ISSUER: &str = "kubedeck";
const AUDIENCE: &str = "kubedeck-api";

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds).
    pub iat: i64,
    /// Expiry (seconds).
    pub exp: i64,
    /// The account's session generation when issued; a password change or disable bumps it.
    pub generation: i32,
}

/// Signs an access token for `user_id`.
pub fn sign_access_token(state: &AppState, user_id: i64, generation: i32) -> String {
    let now = Utc::now().timestamp();
    let claims = Claims {
        sub: user_id.to_string(),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        exp: now + state.settings.access_ttl.as_secs() as i64,
        generation,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&state.settings.jwt_secret),
    )
    .expect("HS256 signing cannot fail")
}

/// Verifies signature (HS256 only: `alg: none` and every other algorithm are refused), issuer, audience, expiry.
pub fn verify_access_token(state: &AppState, token: &str) -> Result<Claims, ApiError> {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[AUDIENCE]);
    v.leeway = 5;
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(&state.settings.jwt_secret),
        &v,
    )
    .map(|d| d.claims)
    .map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::TokenExpired,
            "the access token has expired; refresh it or log in again",
        ),
        _ => token_invalid(),
    })
}

/// A new random refresh token (returned to the client once) and its hash (stored).
pub fn new_refresh_token() -> (String, String) {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    let token = hex::encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// SHA-256 of a refresh token, as stored.
pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Per-user API call limit over a one-minute window, per replica.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<i64, (Instant, u32)>>,
}

impl RateLimiter {
    /// Counts a call; `Err(seconds to wait)` when over `per_minute`.
    pub fn check(&self, user_id: i64, per_minute: u32) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.windows.lock().expect("rate limiter lock");
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start).as_secs() < 60);
        }
        let entry = map.entry(user_id).or_insert((now, 0));
        if now.duration_since(entry.0).as_secs() >= 60 {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > per_minute {
            Err(60 - now.duration_since(entry.0).as_secs())
        } else {
            Ok(())
        }
    }
}

/// The authenticated caller: checked against the database on every request, so a disabled or deleted
/// account, or a changed password, takes effect at once on every replica.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Role bindings.
    pub bindings: Bindings,
    /// Whether the password must be changed before anything else.
    pub must_change_password: bool,
}

/// 401 `token_invalid`.
fn token_invalid() -> ApiError {
    ApiError::unauthorized(
        ErrorCode::TokenInvalid,
        "the access token is invalid; log in again",
    )
}

impl AuthUser {
    /// Refuses with 403 unless a binding grants `perm` in `scope`.
    pub fn require(&self, perm: Permission, scope: Scope<'_>) -> Result<(), ApiError> {
        if self.bindings.allows(perm, scope) {
            return Ok(());
        }
        let place = match (scope.cluster_id, scope.namespace) {
            (Some(c), Some(ns)) => format!(" in namespace '{ns}' of cluster {c}"),
            (Some(c), None) => format!(" on cluster {c}"),
            _ => String::new(),
        };
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!(
                "user '{}' lacks permission '{perm}'{place}; ask a platform admin for a role that grants it",
                self.username
            ),
        )
        .param("user", &self.username)
        .param("permission", perm.as_str())
        .param("cluster", scope.cluster_id)
        .param("namespace", scope.namespace)
        .with_extra("permission", serde_json::json!(perm.as_str())))
    }

    /// The clusters on which `perm` is granted: `None` means all of them.
    pub fn clusters_with(&self, perm: Permission) -> Option<Vec<i64>> {
        if self.bindings.allows_everywhere(perm) {
            None
        } else {
            Some(self.bindings.clusters_with(perm))
        }
    }
}

/// The access token: `Authorization: Bearer <token>`, or for WebSockets (where browsers cannot set headers)
/// the subprotocol `bearer.<token>` beside `kubedeck`, so it never appears in a URL.
fn bearer(parts: &Parts) -> Option<&str> {
    if let Some(value) = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim());
    }
    let protocols = parts
        .headers
        .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?;
    protocols
        .split(',')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("bearer."))
}

/// The user a token names: from Redis when it is shared and holds an entry no change has voided, otherwise from
/// the database (then kept in Redis for the next request, on any replica).
async fn principal(state: &AppState, id: i64) -> Result<Option<Principal>, ApiError> {
    let cached = match &state.shared {
        Some(redis) => redis.principal(id).await,
        None => None,
    };
    let epoch = match cached {
        Some(CachedPrincipal::Hit(p)) => return Ok(Some(p)),
        Some(CachedPrincipal::Miss { epoch }) => Some(epoch),
        None => None,
    };
    let Some(user) = state.store.find_user(id).await? else {
        return Ok(None);
    };
    let bindings = state.store.bindings_of(id).await?;
    let p = Principal {
        username: user.username,
        disabled: user.disabled,
        session_generation: user.session_generation,
        must_change_password: user.must_change_password,
        bindings: bindings.0,
    };
    if let (Some(redis), Some(epoch)) = (&state.shared, epoch) {
        redis.keep_principal(id, epoch, &p).await;
    }
    Ok(Some(p))
}

async fn authenticate(
    parts: &mut Parts,
    state: &AppState,
    allow_pending_password: bool,
) -> Result<AuthUser, ApiError> {
    if let Some(user) = parts.extensions.get::<AuthUser>() {
        return Ok(user.clone());
    }
    let token = bearer(parts).ok_or_else(|| {
        ApiError::unauthorized(
            ErrorCode::MissingToken,
            "missing 'Authorization: Bearer <token>' header; log in first",
        )
    })?;
    let claims = verify_access_token(state, token)?;
    let id: i64 = claims.sub.parse().map_err(|_| token_invalid())?;
    let user = principal(state, id).await?.ok_or_else(|| {
        ApiError::unauthorized(ErrorCode::AccountGone, "the account no longer exists")
    })?;
    if user.disabled {
        return Err(ApiError::unauthorized(
            ErrorCode::AccountDisabled,
            "the account is disabled",
        ));
    }
    // Tokens issued before the password changed or the account was disabled are void.
    if claims.generation != user.session_generation {
        return Err(ApiError::unauthorized(
            ErrorCode::SessionEnded,
            "the session ended because the account changed; log in again",
        ));
    }
    let auth = AuthUser {
        id,
        username: user.username,
        bindings: Bindings(user.bindings),
        must_change_password: user.must_change_password,
    };
    if let Some(slot) = parts.extensions.get::<AuthSlotRef>() {
        slot.0.set_user(auth.id, &auth.username);
    }
    if auth.must_change_password && !allow_pending_password {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::PasswordChangeRequired,
            "change your password first (POST /api/v1/auth/password)",
        ));
    }
    let per_minute = state.settings.api_rate_per_minute;
    let counted = match &state.shared {
        Some(redis) => redis.count_call(id, per_minute).await,
        None => None,
    };
    if let Err(wait) = counted.unwrap_or_else(|| state.rate.check(id, per_minute)) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many requests; slow down",
        )
        .param("seconds", wait)
        .with_retry_after(wait));
    }
    parts.extensions.insert(auth.clone());
    Ok(auth)
}

/// The audit slot as seen by the auth extractor.
#[derive(Clone)]
pub struct AuthSlotRef(pub AuditSlot);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state, false).await
    }
}

/// An authenticated caller who may still have to change the password (for `/auth/me`, `/auth/password`, logout).
pub struct PendingPasswordUser(pub AuthUser);

impl FromRequestParts<AppState> for PendingPasswordUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state, true)
            .await
            .map(PendingPasswordUser)
    }
}

/// A permission as a type, so a handler's signature states what it needs: `Authorized<perm::NodeWrite>`.
pub trait Needs: Send + Sync + 'static {
    /// The permission required.
    const PERMISSION: Permission;
}

/// Permission marker types.
pub mod perm {
    use super::Needs;
    use kubedeck_core::rbac::Permission;
    macro_rules! marker {
        ($($name:ident),*) => {$(
            #[doc = concat!("Requires `", stringify!($name), "`.")]
            pub struct $name;
            impl Needs for $name { const PERMISSION: Permission = Permission::$name; }
        )*};
    }
    marker!(
        ClusterRead,
        ClusterWrite,
        NodeRead,
        NodeWrite,
        PodRead,
        PodWrite,
        PodLogs,
        PodExec,
        SecretRead,
        TaskRead,
        ResourceRead,
        ResourceWrite,
        ResourceDelete,
        PlatformWrite,
        UserAdmin,
        AuditRead,
        CredentialRead,
        AlertRead,
        AlertWrite,
        AlertAdmin,
        ChannelAdmin,
        EtcdAdmin,
        BackupAdmin,
        MaintenanceAdmin
    );
}

/// An authenticated caller holding permission `P` in the scope named by the route's `{id}` and `{ns}`.
pub struct Authorized<P: Needs>(pub AuthUser, PhantomData<P>);

impl<P: Needs> std::ops::Deref for Authorized<P> {
    type Target = AuthUser;
    fn deref(&self) -> &AuthUser {
        &self.0
    }
}

impl<P: Needs> FromRequestParts<AppState> for Authorized<P> {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = authenticate(parts, state, false).await?;
        let (cluster_id, namespace) = route_scope(parts, state).await?;
        let scope = Scope {
            cluster_id,
            namespace: namespace.as_deref(),
        };
        user.require(P::PERMISSION, scope)?;
        Ok(Authorized(user, PhantomData))
    }
}

/// The cluster id and namespace a route names (`{id}`, `{ns}`), with impossible names refused.
async fn route_scope(
    parts: &mut Parts,
    state: &AppState,
) -> Result<(Option<i64>, Option<String>), ApiError> {
    let params = RawPathParams::from_request_parts(parts, state).await.ok();
    let mut cluster_id = None;
    let mut namespace = None;
    if let Some(params) = &params {
        for (k, v) in params.iter() {
            match k {
                "id" => {
                    cluster_id = Some(v.parse::<i64>().map_err(|_| {
                        ApiError::invalid(
                            "id",
                            ErrorCode::InvalidPath,
                            format!("cluster id '{v}' is not a number"),
                        )
                        .param("detail", format!("'{v}' is not a number"))
                    })?)
                }
                "ns" => {
                    check_object_name("namespace", v)?;
                    namespace = Some(v.to_owned());
                }
                "container" => check_object_name("container", v)?,
                // Named after what the route is about, so the sentence says "node" or "pod".
                "name" => {
                    let path = parts.uri.path();
                    let what = if path.contains("/pods/") {
                        "pod"
                    } else if path.contains("/nodes/") {
                        "node"
                    } else {
                        "name"
                    };
                    check_object_name(what, v)?
                }
                _ => {}
            }
        }
    }
    Ok((cluster_id, namespace))
}

/// An authenticated caller holding permission `P` somewhere in the route's cluster: on the whole cluster, or in
/// some of its namespaces only. For lists across namespaces, which show such a caller exactly those namespaces.
pub struct InCluster<P: Needs> {
    /// The caller.
    pub user: AuthUser,
    /// The cluster.
    pub cluster_id: i64,
    /// `None`: the whole cluster; otherwise the only namespaces the caller may see (never empty).
    pub namespaces: Option<Vec<String>>,
    _p: PhantomData<P>,
}

impl<P: Needs> InCluster<P> {
    /// The namespaces a list covers: the ones asked for (each must be visible, or 403), or else every visible
    /// one. `None` means every namespace.
    pub fn narrow(&self, asked: &[String]) -> Result<Option<Vec<String>>, ApiError> {
        let Some(allowed) = &self.namespaces else {
            return Ok((!asked.is_empty()).then(|| asked.to_vec()));
        };
        if let Some(denied) = asked.iter().find(|n| !allowed.contains(n)) {
            self.user
                .require(P::PERMISSION, Scope::namespace(self.cluster_id, denied))?;
        }
        Ok(Some(if asked.is_empty() {
            allowed.clone()
        } else {
            asked.to_vec()
        }))
    }
}

impl<P: Needs> FromRequestParts<AppState> for InCluster<P> {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = authenticate(parts, state, false).await?;
        let (Some(cluster_id), _) = route_scope(parts, state).await? else {
            return Err(ApiError::invalid(
                "id",
                ErrorCode::Required,
                "this route needs a cluster id",
            ));
        };
        let namespaces = user.bindings.namespaces_with(P::PERMISSION, cluster_id);
        if namespaces.as_ref().is_some_and(Vec::is_empty) {
            user.require(P::PERMISSION, Scope::cluster(cluster_id))?;
        }
        Ok(InCluster {
            user,
            cluster_id,
            namespaces,
            _p: PhantomData,
        })
    }
}

/// Kubernetes object names are DNS subdomains (namespaces and containers DNS labels): anything else cannot exist,
/// so it is a 404 here rather than a malformed request sent on to the cluster.
fn check_object_name(what: &str, v: &str) -> Result<(), ApiError> {
    let ok = !v.is_empty()
        && v.len() <= 253
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && v.starts_with(|c: char| c.is_ascii_alphanumeric())
        && v.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(ApiError::not_found(
            ErrorCode::InvalidName,
            format!(
                "no {what} can be named '{v}' (Kubernetes names are lowercase letters, digits, '-' and '.')"
            ),
        )
        .param("what", what)
        .param("value", v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_object_names_are_not_found() {
        assert!(check_object_name("name", "worker-1").is_ok());
        assert!(check_object_name("name", "web-5f9.abc").is_ok());
        for bad in ["Worker", "bad name", "a/b", "-x", "x-", "", "a?b"] {
            assert_eq!(
                check_object_name("name", bad).unwrap_err().status,
                StatusCode::NOT_FOUND,
                "{bad}"
            );
        }
    }

    #[test]
    fn rate_limiter_refuses_past_the_budget() {
        let r = RateLimiter::default();
        for _ in 0..3 {
            assert!(r.check(1, 3).is_ok());
        }
        assert!(r.check(1, 3).is_err());
        assert!(r.check(2, 3).is_ok(), "limits are per user");
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, ha) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(hash_refresh_token(&a), ha);
        assert_ne!(a, ha);
    }
}

//! Every error code the API can answer with, in one closed list.
//!
//! An error body carries one of these as `code`, with `params` holding the values its sentence needs (the
//! field, the object, the limit). The console keeps a sentence per code in each language and fills in the
//! params, so a Chinese operator reads Chinese; the server's English `message` is the fallback and what logs
//! show. The list is published in the OpenAPI document (`ErrorCode`), and the console's translation tables are
//! typed over it, so a code without a translation fails the console's type check and its unit test.
//!
//! Params named in a variant's doc are the ones it always carries; `detail` is text from elsewhere (a parser,
//! the cluster) that is shown as it came.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // --- The request's shape -------------------------------------------------------------------
    /// A path segment is not what the route takes (`detail`).
    InvalidPath,
    /// A query parameter could not be read (`detail`).
    InvalidQuery,
    /// The body is not valid JSON (`detail`).
    MalformedJson,
    /// The JSON does not fit the operation's schema (`detail`).
    InvalidBody,
    /// The body is larger than the server takes.
    BodyTooLarge,
    /// The body is not sent as `application/json`.
    UnsupportedMediaType,
    /// The request could not be read (`detail`).
    BadRequest,
    /// The route must be opened as a WebSocket.
    WebsocketRequired,
    /// No API route has this path (`method`, `path`).
    RouteNotFound,
    /// The route does not take this HTTP method (`method`).
    MethodNotAllowed,

    // --- A field's value (always with `field`) ---------------------------------------------------
    /// A number outside `min`..=`max` (either may be absent: then "at least `min`" or "at most `max`").
    OutOfRange,
    /// A selector matches `value` objects, more than the `max` the operation takes.
    TooManyMatches,
    /// A text whose length is outside `min`..=`max` characters.
    InvalidLength,
    /// Not one of `allowed` (a list); `value` is what was sent.
    NotOneOf,
    /// A label selector that does not parse (`detail`).
    InvalidSelector,
    /// Not an RFC 3339 time (`value`).
    InvalidTime,
    /// `from` is not before `to`.
    InvalidTimeRange,
    /// Given together with `other`, which excludes it.
    MutuallyExclusive,
    /// Missing, and needed.
    Required,
    /// The page is past any list's last row.
    PagePastEnd,
    /// Not a valid Kubernetes name for `what` (`node`, `pod`, `namespace`, `container`, `username`) (`value`).
    InvalidName,
    /// Not a valid label key or value (`key`, `rule`: `key` or `value`, and `value`).
    InvalidLabel,
    /// A label or taint only the cluster manages (`key`).
    ProtectedKey,
    /// Not a valid taint (`key`, `rule`: `key` or `value`, and `value`).
    InvalidTaint,
    /// The pod has no container `container` (`containers`: the ones it has).
    ContainerNotFound,
    /// The pod has several containers; name one (`containers`).
    ContainerRequired,
    /// The container never restarted, so it has no previous log (`container`).
    NoPreviousLog,
    /// The current password is wrong.
    WrongPassword,
    /// The new password is too weak (`rule`: `not_username`).
    WeakPassword,
    /// The new password equals the current one.
    PasswordUnchanged,
    /// A role binding is not valid (`rule`: `namespace_needs_cluster`, `admin_is_global`, `namespace_length`).
    InvalidBinding,
    /// The context can only change together with a new credential.
    ContextNeedsCredential,
    /// A text contains control characters.
    ControlCharacters,
    /// Not a resourceVersion the cluster gave out (`value`).
    InvalidResourceVersion,

    // --- Who is asking -------------------------------------------------------------------------
    /// No `Authorization: Bearer` header.
    MissingToken,
    /// The access token is not valid.
    TokenInvalid,
    /// The access token expired; refresh it.
    TokenExpired,
    /// The refresh token is no longer valid.
    RefreshInvalid,
    /// The account was deleted.
    AccountGone,
    /// The account is disabled.
    AccountDisabled,
    /// The account changed (password, disabled) since the token was issued.
    SessionEnded,
    /// Wrong username or password.
    InvalidCredentials,
    /// Too many failed logins; wait `seconds`.
    TooManyAttempts,
    /// Too many requests; wait `seconds`.
    RateLimited,
    /// The password must be changed before anything else.
    PasswordChangeRequired,
    /// `user` lacks `permission` (where: `cluster`, and `namespace` within it; neither means anywhere).
    Forbidden,
    /// A WebSocket from another site (`origin`).
    OriginForbidden,

    // --- Objects that do not exist ---------------------------------------------------------------
    /// Cluster `cluster` does not exist.
    ClusterNotFound,
    /// Node `node` does not exist in the cluster.
    NodeNotFound,
    /// Pod `pod` does not exist in `namespace`.
    PodNotFound,
    /// User `user` does not exist.
    UserNotFound,
    /// Task `task` does not exist.
    TaskNotFound,
    /// The cluster has no such object (`detail`: its answer).
    ObjectNotFound,

    // --- Conflicts -----------------------------------------------------------------------------
    /// A cluster named `name` exists.
    ClusterNameTaken,
    /// This server and user are imported already as cluster `cluster`.
    ClusterAlreadyImported,
    /// The username `username` is taken.
    UsernameTaken,
    /// The last enabled platform admin cannot lose that role.
    LastAdmin,
    /// You cannot delete your own account.
    SelfDelete,
    /// Task `task` already finished (`status`).
    TaskFinished,
    /// Node `node` changed since `resource_version`.
    NodeChanged,
    /// The node's labels changed since they were read (`current`: what they are now).
    LabelsChanged,
    /// The node's taints changed since they were read (`current`).
    TaintsChanged,
    /// The node kept changing while it was written (`attempts`).
    EditContended,
    /// Node `node` still runs `pods` pods.
    NodeNotEmpty,
    /// The drain of `node` would stop at `refused` pods (`by_reason`: reason code → count); nothing changed.
    DrainBlocked,
    /// The cluster refused a change because the object changed (`detail`).
    ObjectConflict,

    // --- The cluster ---------------------------------------------------------------------------
    /// The cluster refused Kubedeck's credential the permission (`detail`).
    ClusterForbidden,
    /// The cluster refused the request as invalid (`detail`).
    ClusterInvalid,
    /// The cluster asks to slow down (`detail`).
    ClusterThrottled,
    /// The cluster rejected the credential (expired or revoked) (`detail`).
    CredentialRejected,
    /// The cluster cannot be reached (`detail`).
    ClusterUnreachable,
    /// The cluster did not answer within `seconds`.
    ClusterTimeout,
    /// The cluster's TLS certificate does not verify (`detail`).
    TlsVerificationFailed,
    /// The cluster answered with an error (`status`, `detail`).
    ClusterError,

    // --- Kubeconfig import ---------------------------------------------------------------------
    /// The kubeconfig is larger than `limit` bytes.
    KubeconfigTooLarge,
    /// The kubeconfig cannot be read (`detail`, `path`: where in it).
    KubeconfigInvalid,
    /// The kubeconfig would run a command or read a server file (`path`; `rule`: `exec`, `auth-provider`,
    /// `tokenFile`, `client-certificate`, `client-key`, `as`, `certificate-authority`, `proxy-url`; `user` or
    /// `cluster`: whose entry).
    KubeconfigUnsafe,
    /// The kubeconfig has no context `context`.
    ContextNotFound,
    /// The kubeconfig has several contexts and no current one; choose one (`contexts`).
    ContextRequired,
    /// The preflight found problems (`errors`: their English sentences).
    PreflightFailed,

    // --- The server ----------------------------------------------------------------------------
    /// Something broke on the server; quote the request id.
    Internal,
}

impl ErrorCode {
    /// The code as it appears in the JSON body.
    pub fn as_str(self) -> &'static str {
        // ALL and NAMES are written side by side by `all_codes!`; the unit test checks they match serde's names.
        ALL.iter()
            .position(|c| *c == self)
            .map_or("internal", |i| NAMES[i])
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! all_codes {
    ($($v:ident => $n:literal),* $(,)?) => {
        /// Every code, in declaration order (for tests and documentation).
        pub const ALL: &[ErrorCode] = &[$(ErrorCode::$v),*];
        const NAMES: &[&str] = &[$($n),*];
    };
}

all_codes! {
    InvalidPath => "invalid_path", InvalidQuery => "invalid_query", MalformedJson => "malformed_json",
    InvalidBody => "invalid_body", BodyTooLarge => "body_too_large", UnsupportedMediaType => "unsupported_media_type",
    BadRequest => "bad_request", WebsocketRequired => "websocket_required", RouteNotFound => "route_not_found",
    MethodNotAllowed => "method_not_allowed", OutOfRange => "out_of_range",
    TooManyMatches => "too_many_matches", InvalidLength => "invalid_length",
    NotOneOf => "not_one_of", InvalidSelector => "invalid_selector", InvalidTime => "invalid_time",
    InvalidTimeRange => "invalid_time_range", MutuallyExclusive => "mutually_exclusive", Required => "required",
    PagePastEnd => "page_past_end", InvalidName => "invalid_name", InvalidLabel => "invalid_label",
    ProtectedKey => "protected_key", InvalidTaint => "invalid_taint", ContainerNotFound => "container_not_found",
    ContainerRequired => "container_required", NoPreviousLog => "no_previous_log", WrongPassword => "wrong_password",
    WeakPassword => "weak_password", PasswordUnchanged => "password_unchanged", InvalidBinding => "invalid_binding",
    ContextNeedsCredential => "context_needs_credential", ControlCharacters => "control_characters",
    InvalidResourceVersion => "invalid_resource_version",
    MissingToken => "missing_token", TokenInvalid => "token_invalid", TokenExpired => "token_expired",
    RefreshInvalid => "refresh_invalid", AccountGone => "account_gone", AccountDisabled => "account_disabled",
    SessionEnded => "session_ended", InvalidCredentials => "invalid_credentials", TooManyAttempts => "too_many_attempts",
    RateLimited => "rate_limited", PasswordChangeRequired => "password_change_required", Forbidden => "forbidden",
    OriginForbidden => "origin_forbidden", ClusterNotFound => "cluster_not_found", NodeNotFound => "node_not_found",
    PodNotFound => "pod_not_found", UserNotFound => "user_not_found", TaskNotFound => "task_not_found",
    ObjectNotFound => "object_not_found", ClusterNameTaken => "cluster_name_taken",
    ClusterAlreadyImported => "cluster_already_imported", UsernameTaken => "username_taken", LastAdmin => "last_admin",
    SelfDelete => "self_delete", TaskFinished => "task_finished", NodeChanged => "node_changed",
    LabelsChanged => "labels_changed", TaintsChanged => "taints_changed", EditContended => "edit_contended",
    NodeNotEmpty => "node_not_empty", DrainBlocked => "drain_blocked", ObjectConflict => "object_conflict",
    ClusterForbidden => "cluster_forbidden", ClusterInvalid => "cluster_invalid", ClusterThrottled => "cluster_throttled",
    CredentialRejected => "credential_rejected", ClusterUnreachable => "cluster_unreachable",
    ClusterTimeout => "cluster_timeout", TlsVerificationFailed => "tls_verification_failed",
    ClusterError => "cluster_error", KubeconfigTooLarge => "kubeconfig_too_large",
    KubeconfigInvalid => "kubeconfig_invalid", KubeconfigUnsafe => "kubeconfig_unsafe",
    ContextNotFound => "context_not_found", ContextRequired => "context_required",
    PreflightFailed => "preflight_failed", Internal => "internal",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serialized_codes_and_every_variant_is_listed() {
        assert_eq!(ALL.len(), NAMES.len());
        for (code, name) in ALL.iter().zip(NAMES) {
            assert_eq!(serde_json::to_value(code).unwrap(), *name);
            assert_eq!(code.as_str(), *name);
        }
        // A variant missing from ALL would serialize but never be checked: the schema lists every variant.
        let schema = serde_json::to_value(<ErrorCode as utoipa::PartialSchema>::schema()).unwrap();
        let listed = schema["enum"].as_array().unwrap().len();
        assert_eq!(listed, ALL.len(), "ALL must list every ErrorCode variant");
    }
}

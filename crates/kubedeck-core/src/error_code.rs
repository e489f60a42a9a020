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

/// Declares [`ErrorCode`] and [`ALL`] from one list: each variant with its doc and the name it has in JSON
/// (serde's `snake_case` of the variant; the unit test checks the two agree).
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $v:ident => $n:literal,)*) => {
        /// A stable, machine-readable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $v,)*
        }

        /// Every code, in declaration order (for tests and documentation).
        pub const ALL: &[ErrorCode] = &[$(ErrorCode::$v),*];
        const NAMES: &[&str] = &[$($n),*];
    };
}

error_codes! {
    // --- The request's shape -------------------------------------------------------------------
    /// A path segment is not what the route takes (`detail`).
    InvalidPath => "invalid_path",
    /// A query parameter could not be read (`detail`).
    InvalidQuery => "invalid_query",
    /// The body is not valid JSON (`detail`).
    MalformedJson => "malformed_json",
    /// The JSON does not fit the operation's schema (`detail`).
    InvalidBody => "invalid_body",
    /// The body is larger than the server takes.
    BodyTooLarge => "body_too_large",
    /// The body is not sent as `application/json`.
    UnsupportedMediaType => "unsupported_media_type",
    /// The request could not be read (`detail`).
    BadRequest => "bad_request",
    /// The route must be opened as a WebSocket.
    WebsocketRequired => "websocket_required",
    /// The request's headers are larger, or more, than the server takes (`limit`, `actual`, `unit`).
    HeadersTooLarge => "headers_too_large",
    /// The `certificate` field holds no PEM certificate (`detail`).
    CertificateInvalid => "certificate_invalid",
    /// The `key` field holds no PEM private key Kubedeck can read (`detail`).
    PrivateKeyInvalid => "private_key_invalid",
    /// The private key does not belong to the certificate (`subject`: the certificate's).
    KeyPairMismatch => "key_pair_mismatch",
    /// No API route has this path (`method`, `path`).
    RouteNotFound => "route_not_found",
    /// The route does not take this HTTP method (`method`).
    MethodNotAllowed => "method_not_allowed",

    // --- A field's value (always with `field`) ---------------------------------------------------
    /// A number outside `min`..=`max` (either may be absent: then "at least `min`" or "at most `max`").
    OutOfRange => "out_of_range",
    /// A selector matches `value` objects, more than the `max` the operation takes.
    TooManyMatches => "too_many_matches",
    /// A text whose length is outside `min`..=`max` characters.
    InvalidLength => "invalid_length",
    /// Not one of `allowed` (a list); `value` is what was sent.
    NotOneOf => "not_one_of",
    /// A label selector that does not parse (`detail`).
    InvalidSelector => "invalid_selector",
    /// Not an RFC 3339 time (`value`).
    InvalidTime => "invalid_time",
    /// `from` is not before `to`.
    InvalidTimeRange => "invalid_time_range",
    /// Given together with `other`, which excludes it.
    MutuallyExclusive => "mutually_exclusive",
    /// Missing, and needed.
    Required => "required",
    /// The page is past any list's last row.
    PagePastEnd => "page_past_end",
    /// Not a valid Kubernetes name for `what` (`node`, `pod`, `namespace`, `container`, `username`) (`value`).
    InvalidName => "invalid_name",
    /// Not a valid label key or value (`key`, `rule`: `key` or `value`, and `value`).
    InvalidLabel => "invalid_label",
    /// A label or taint only the cluster manages (`key`).
    ProtectedKey => "protected_key",
    /// Not a valid taint (`key`, `rule`: `key` or `value`, and `value`).
    InvalidTaint => "invalid_taint",
    /// Not an http(s) URL with a host (`detail`).
    InvalidUrl => "invalid_url",
    /// `value` is not an email address.
    InvalidEmail => "invalid_email",
    /// The pod, or the workload's pod template, has no container `container` (`containers`: the ones it has;
    /// `kind` and `name`: the workload, when it is one).
    ContainerNotFound => "container_not_found",
    /// The pod has several containers; name one (`containers`).
    ContainerRequired => "container_required",
    /// The container never restarted, so it has no previous log (`container`).
    NoPreviousLog => "no_previous_log",
    /// Container `container` is not running, so no command can run in it (`state`: `waiting`, `terminated`).
    ContainerNotRunning => "container_not_running",
    /// The current password is wrong.
    WrongPassword => "wrong_password",
    /// The new password is too weak (`rule`: `not_username`).
    WeakPassword => "weak_password",
    /// The new password equals the current one.
    PasswordUnchanged => "password_unchanged",
    /// A role binding is not valid (`rule`: `namespace_needs_cluster`, `admin_is_global`, `namespace_length`).
    InvalidBinding => "invalid_binding",
    /// The context can only change together with a new credential.
    ContextNeedsCredential => "context_needs_credential",
    /// A text contains control characters.
    ControlCharacters => "control_characters",
    /// Not a resourceVersion the cluster gave out (`value`).
    InvalidResourceVersion => "invalid_resource_version",
    /// Document `document` of a manifest cannot be used (`rule`: `yaml` — not YAML/JSON (`detail`),
    /// `not_object`, `no_kind`, `kind_mismatch` — another kind than the route's (`kind`), `namespace_mismatch`
    /// (`namespace`), `name_mismatch` (`name`), `no_name`, `too_many_documents` (`max`)).
    ManifestInvalid => "manifest_invalid",
    /// An uploaded backup archive is not one Kubedeck wrote, was changed since, or its Secrets do not open with
    /// this Kubedeck's keys (`field` names the part).
    ArchiveInvalid => "archive_invalid",
    /// The cluster refused the object as invalid: `causes` (`field`, `reason`, `message` each, the cluster's
    /// own field paths), `detail` its message.
    ObjectInvalid => "object_invalid",

    // --- Who is asking -------------------------------------------------------------------------
    /// No `Authorization: Bearer` header.
    MissingToken => "missing_token",
    /// The access token is not valid.
    TokenInvalid => "token_invalid",
    /// The access token expired; refresh it.
    TokenExpired => "token_expired",
    /// The refresh token is no longer valid.
    RefreshInvalid => "refresh_invalid",
    /// The account was deleted.
    AccountGone => "account_gone",
    /// The account is disabled.
    AccountDisabled => "account_disabled",
    /// The account changed (password, disabled) since the token was issued.
    SessionEnded => "session_ended",
    /// Wrong username or password.
    InvalidCredentials => "invalid_credentials",
    /// Too many failed logins; wait `seconds`.
    TooManyAttempts => "too_many_attempts",
    /// Too many requests; wait `seconds`.
    RateLimited => "rate_limited",
    /// The password must be changed before anything else.
    PasswordChangeRequired => "password_change_required",
    /// `user` lacks `permission` (where: `cluster`, and `namespace` within it; neither means anywhere).
    Forbidden => "forbidden",
    /// A WebSocket from another site (`origin`).
    OriginForbidden => "origin_forbidden",

    // --- Objects that do not exist ---------------------------------------------------------------
    /// Cluster `cluster` does not exist.
    ClusterNotFound => "cluster_not_found",
    /// Node `node` does not exist in the cluster.
    NodeNotFound => "node_not_found",
    /// Pod `pod` does not exist in `namespace`.
    PodNotFound => "pod_not_found",
    /// User `user` does not exist.
    UserNotFound => "user_not_found",
    /// Task `task` does not exist.
    TaskNotFound => "task_not_found",
    /// Notification channel `channel` does not exist.
    ChannelNotFound => "channel_not_found",
    /// The cluster has no such object (`detail`: its answer).
    ObjectNotFound => "object_not_found",
    /// No kind is called `kind` (not a known kind, nor one a CRD of the cluster adds).
    KindUnknown => "kind_unknown",
    /// The cluster (version `version`) does not serve `kind` at any version Kubedeck understands (`versions`).
    KindNotServed => "kind_not_served",
    /// Operation `verb` does not apply to `kind`; it applies to `kinds`.
    VerbNotSupported => "verb_not_supported",
    /// The workload has no revision `revision` (0: no previous one to roll back to); `revisions` are the ones
    /// it has.
    RevisionNotFound => "revision_not_found",
    /// The Secret has no key `key` (`keys`: the ones it has).
    SecretKeyNotFound => "secret_key_not_found",
    /// The cluster has no alert `alert`.
    AlertNotFound => "alert_not_found",
    /// No alert rule is called `rule`.
    AlertRuleNotFound => "alert_rule_not_found",
    /// The cluster has no silence `silence`.
    SilenceNotFound => "silence_not_found",
    /// The cluster has no alert ingest token `token`.
    IngestTokenNotFound => "ingest_token_not_found",
    /// Cluster `cluster` has no Prometheus linked (an admin links one in the cluster's settings).
    PrometheusNotLinked => "prometheus_not_linked",
    /// The cluster has no saved query `query`.
    SavedQueryNotFound => "saved_query_not_found",
    /// The cluster has no maintenance window `window`.
    MaintenanceNotFound => "maintenance_not_found",
    /// The cluster has no application maintenance window `window`.
    AppWindowNotFound => "app_window_not_found",
    /// The cluster has no application backup `backup`.
    AppBackupNotFound => "app_backup_not_found",
    /// The cluster has no application backup schedule `schedule`.
    AppBackupScheduleNotFound => "app_backup_schedule_not_found",
    /// Namespace `namespace` does not exist in the cluster.
    NamespaceNotFound => "namespace_not_found",

    // --- Conflicts -----------------------------------------------------------------------------
    /// A cluster named `name` exists.
    ClusterNameTaken => "cluster_name_taken",
    /// This server and user are imported already as cluster `cluster`.
    ClusterAlreadyImported => "cluster_already_imported",
    /// The username `username` is taken.
    UsernameTaken => "username_taken",
    /// A notification channel named `name` exists.
    ChannelNameTaken => "channel_name_taken",
    /// The last enabled platform admin cannot lose that role.
    LastAdmin => "last_admin",
    /// You cannot delete your own account.
    SelfDelete => "self_delete",
    /// Task `task` already finished (`status`).
    TaskFinished => "task_finished",
    /// Task `task` cannot be resumed: it is `status` (only an interrupted or failed task is), or its kind `kind`
    /// is not one that resumes.
    TaskNotResumable => "task_not_resumable",
    /// Node `node` changed since `resource_version`.
    NodeChanged => "node_changed",
    /// The node's labels changed since they were read (`current`: what they are now).
    LabelsChanged => "labels_changed",
    /// The node's taints changed since they were read (`current`).
    TaintsChanged => "taints_changed",
    /// The node kept changing while it was written (`attempts`).
    EditContended => "edit_contended",
    /// Node `node` still runs `pods` pods.
    NodeNotEmpty => "node_not_empty",
    /// The drain of `node` would stop at `refused` pods (`by_reason`: reason code → count); nothing changed.
    DrainBlocked => "drain_blocked",
    /// The cluster refused a change because the object changed (`detail`).
    ObjectConflict => "object_conflict",
    /// `object` changed since it was read: `resource_version` was sent, the cluster holds `current_version`.
    ResourceConflict => "resource_conflict",
    /// Server-side apply would take fields other managers own (`conflicts`: `field` and `manager` each);
    /// `force=true` takes them.
    ApplyConflict => "apply_conflict",
    /// `object` exists already.
    AlreadyExists => "already_exists",
    /// An alert rule called `rule` exists (built-in or the cluster's own).
    AlertRuleExists => "alert_rule_exists",
    /// The cluster has an application backup schedule called `name` already.
    AppBackupScheduleExists => "app_backup_schedule_exists",
    /// Alert `alert` is resolved already.
    AlertResolved => "alert_resolved",
    /// `object` (a Deployment) is paused: resume it before a restart or rollback.
    RolloutPaused => "rollout_paused",
    /// `object` is already paused.
    AlreadyPaused => "already_paused",
    /// `object` is not paused.
    NotPaused => "not_paused",
    /// `claim` cannot grow: its StorageClass `class` does not set `allowVolumeExpansion: true` (or it names none).
    ExpansionNotAllowed => "expansion_not_allowed",
    /// `claim` already requests `current`: Kubernetes grows claims, never shrinks them.
    SizeNotLarger => "size_not_larger",
    /// The cluster is in maintenance (`window`, `reason`, `ends_at`): changes wait until it ends, or need a role
    /// with `maintenance.bypass`.
    ClusterInMaintenance => "cluster_in_maintenance",
    /// The cluster takes changes to `namespace` (`kind`, `name` when a workload's window) only inside its
    /// maintenance windows; the next opens at `next` (absent: none is scheduled).
    OutsideMaintenanceWindow => "outside_maintenance_window",
    /// Maintenance window `window` is `state`: only a scheduled or active window changes.
    MaintenanceOver => "maintenance_over",
    /// The window overlaps maintenance window `window` of the same cluster.
    MaintenanceOverlaps => "maintenance_overlaps",

    // --- The cluster ---------------------------------------------------------------------------
    /// The cluster refused Kubedeck's credential the permission (`detail`).
    ClusterForbidden => "cluster_forbidden",
    /// The cluster refused the request as invalid (`detail`).
    ClusterInvalid => "cluster_invalid",
    /// The cluster asks to slow down (`detail`).
    ClusterThrottled => "cluster_throttled",
    /// The cluster rejected the credential (expired or revoked) (`detail`).
    CredentialRejected => "credential_rejected",
    /// The cluster cannot be reached (`detail`).
    ClusterUnreachable => "cluster_unreachable",
    /// The cluster did not answer within `seconds`.
    ClusterTimeout => "cluster_timeout",
    /// The cluster's TLS certificate does not verify (`detail`).
    TlsVerificationFailed => "tls_verification_failed",
    /// The cluster answered with an error (`status`, `detail`).
    ClusterError => "cluster_error",

    // --- The cluster's Prometheus ---------------------------------------------------------------
    /// The linked Prometheus cannot be reached or did not answer in time (`url`: scheme, host and port;
    /// `detail`).
    PrometheusUnreachable => "prometheus_unreachable",
    /// The linked Prometheus refused Kubedeck's credentials (`status`: 401 or 403).
    PrometheusRejected => "prometheus_rejected",
    /// The URL answered, but not as a Prometheus answers (`status`, `detail`).
    PrometheusError => "prometheus_error",
    /// Prometheus could not run the PromQL (`detail`: its own message).
    PromqlInvalid => "promql_invalid",

    // --- Kubeconfig import ---------------------------------------------------------------------
    /// The kubeconfig is larger than `limit` bytes.
    KubeconfigTooLarge => "kubeconfig_too_large",
    /// The kubeconfig cannot be read (`detail`, `path`: where in it).
    KubeconfigInvalid => "kubeconfig_invalid",
    /// The kubeconfig would run a command or read a server file (`path`; `rule`: `exec`, `auth-provider`,
    /// `tokenFile`, `client-certificate`, `client-key`, `as`, `certificate-authority`, `proxy-url`; `user` or
    /// `cluster`: whose entry).
    KubeconfigUnsafe => "kubeconfig_unsafe",
    /// The kubeconfig has no context `context`.
    ContextNotFound => "context_not_found",
    /// The kubeconfig has several contexts and no current one; choose one (`contexts`).
    ContextRequired => "context_required",
    /// The preflight found problems (`errors`: their English sentences).
    PreflightFailed => "preflight_failed",

    // --- etcd backups ---------------------------------------------------------------------------
    /// Cluster `cluster` has no etcd endpoints set (PUT them first).
    EtcdNotConfigured => "etcd_not_configured",
    /// The cluster has no etcd snapshot `snapshot` (or its file is gone from this server's data directory).
    EtcdSnapshotNotFound => "etcd_snapshot_not_found",
    /// etcd at `endpoint` could not be reached or refused the request (`detail`).
    EtcdUnreachable => "etcd_unreachable",
    /// The snapshot `snapshot` failed while etcd streamed it (`detail`).
    EtcdSnapshotFailed => "etcd_snapshot_failed",
    /// A snapshot of the cluster (`snapshot`) is being taken, on this replica or another: one at a time.
    EtcdSnapshotRunning => "etcd_snapshot_running",
    /// Not a cron expression Kubedeck runs (`detail`: which part and why).
    InvalidCron => "invalid_cron",

    // --- The server ----------------------------------------------------------------------------
    /// Something broke on the server; quote the request id.
    Internal => "internal",
}

impl ErrorCode {
    /// The code as it appears in the JSON body.
    pub fn as_str(self) -> &'static str {
        // `error_codes!` writes the variants and NAMES in the same order, without explicit discriminants.
        NAMES[self as usize]
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
        let schema = serde_json::to_value(<ErrorCode as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["enum"].as_array().unwrap().len(), ALL.len());
    }
}

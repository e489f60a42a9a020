//! The import preflight: everything an operator wants to know about a kubeconfig before it is saved.

use crate::error::{ClusterError, within};
use crate::kubeconfig::SafeKubeconfig;
use crate::x509;
use chrono::Utc;
use futures::future::join_all;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams, PostParams};
use kubedeck_core::cluster::NodeCounts;
use kubedeck_core::error_code::ErrorCode;
use serde::Serialize;
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// Deadline for each call the preflight makes.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(8);
/// Certificates expiring sooner than this are warned about.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The API server's version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServerVersion {
    /// e.g. `v1.20.2`.
    pub git_version: String,
    /// e.g. `linux/amd64`.
    pub platform: String,
}

/// A certificate found in the kubeconfig.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateReport {
    /// `client` or `ca`.
    pub kind: String,
    /// Subject common name.
    pub subject: String,
    /// End of validity.
    pub not_after: chrono::DateTime<Utc>,
    /// Whole days left (negative when expired).
    pub days_left: i64,
}

/// Whether the credential allows one Kubedeck feature.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct FeaturePermission {
    /// Feature key, e.g. `nodes.drain`.
    pub feature: String,
    /// Whether every check passed cluster-wide.
    pub allowed: bool,
    /// The Kubernetes checks behind it, e.g. `patch nodes`, `create pods/eviction`.
    pub checks: Vec<String>,
    /// The checks that were denied.
    pub denied: Vec<String>,
}

/// The preflight report returned by import (and its dry run).
/// What a preflight finding is about, as a stable code the console words in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// A certificate expired (`kind`: client or ca, `subject`, `date`).
    CertificateExpired,
    /// A certificate expires soon (`kind`, `subject`, `days`).
    CertificateExpiring,
    /// insecure-skip-tls-verify is set.
    InsecureTls,
    /// The server URL is plain http.
    PlainHttp,
    /// The credential may not list nodes.
    NodesForbidden,
    /// Listing nodes failed (`detail`).
    NodesUnlisted,
    /// Features the credential does not allow cluster-wide (`features`).
    FeaturesDenied,
    /// This server and user are imported already (`name`, `cluster`).
    AlreadyImported,
    /// The blocking failure of `failure_code` (its params are `failure_params`).
    Failed,
}

/// One finding of the preflight: its code and params for the console, and the English sentence (the same
/// one `errors` or `warnings` holds).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Finding {
    /// `error` (stops the import) or `warning`.
    pub severity: &'static str,
    /// What it is about.
    pub code: FindingCode,
    /// What its sentence names.
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// The English sentence.
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreflightReport {
    /// True when the cluster was reached and the credential accepted.
    pub ok: bool,
    /// Contexts in the kubeconfig.
    pub contexts: Vec<String>,
    /// The context used.
    pub context: String,
    /// The API server URL.
    pub server_url: String,
    /// Version, when reached.
    pub version: Option<ServerVersion>,
    /// Node counts, when the credential may list nodes.
    pub nodes: Option<NodeCounts>,
    /// Round trip of the version call, in milliseconds.
    pub api_latency_ms: Option<u64>,
    /// Client and CA certificates with their expiry.
    pub certificates: Vec<CertificateReport>,
    /// What the credential allows, feature by feature.
    pub permissions: Vec<FeaturePermission>,
    /// Things that work but deserve attention.
    pub warnings: Vec<String>,
    /// Things that stop the import.
    pub errors: Vec<String>,
    /// The id of a cluster already imported with this server and user, if any.
    pub duplicate_of: Option<i64>,
    /// Machine code of the blocking failure (`cluster_unreachable`, `tls_verification_failed`, `credential_rejected`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_code: Option<ErrorCode>,
    /// What the failure's sentence names: `server`, and `detail` (the cause as the client or cluster said it),
    /// `seconds` (a timeout) or `status` (the cluster's HTTP status).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    #[schema(value_type = Object)]
    pub failure_params: serde_json::Map<String, serde_json::Value>,
    /// `errors` and `warnings` as coded findings, in the same order.
    pub findings: Vec<Finding>,
}

impl PreflightReport {
    /// Adds a warning, as a sentence and as a finding.
    pub fn warn(&mut self, code: FindingCode, params: serde_json::Value, message: String) {
        self.warnings.push(message.clone());
        self.findings.push(Finding {
            severity: "warning",
            code,
            params,
            message,
        });
    }

    /// Adds an error (it stops the import), as a sentence and as a finding.
    pub fn error(&mut self, code: FindingCode, params: serde_json::Value, message: String) {
        self.errors.push(message.clone());
        self.findings.push(Finding {
            severity: "error",
            code,
            params,
            message,
        });
    }
}

/// (feature, [(verb, group, resource, subresource)]).
type Check = (&'static str, &'static str, &'static str, &'static str);
const FEATURES: &[(&str, &[Check])] = &[
    (
        "cluster.sync",
        &[("list", "", "nodes", ""), ("watch", "", "nodes", "")],
    ),
    ("namespaces.read", &[("list", "", "namespaces", "")]),
    (
        "nodes.read",
        &[("get", "", "nodes", ""), ("list", "", "nodes", "")],
    ),
    ("nodes.metrics", &[("get", "", "nodes", "proxy")]),
    ("nodes.cordon", &[("patch", "", "nodes", "")]),
    (
        "nodes.drain",
        &[
            ("patch", "", "nodes", ""),
            ("list", "", "pods", ""),
            ("create", "", "pods", "eviction"),
        ],
    ),
    ("nodes.delete", &[("delete", "", "nodes", "")]),
    (
        "pods.read",
        &[("list", "", "pods", ""), ("watch", "", "pods", "")],
    ),
    ("pods.logs", &[("get", "", "pods", "log")]),
    ("pods.delete", &[("delete", "", "pods", "")]),
    ("events.read", &[("list", "", "events", "")]),
    (
        "workloads.read",
        &[
            ("list", "apps", "deployments", ""),
            ("list", "apps", "statefulsets", ""),
            ("list", "apps", "daemonsets", ""),
        ],
    ),
    (
        "workloads.manage",
        &[
            ("create", "apps", "deployments", ""),
            ("update", "apps", "deployments", ""),
            ("delete", "apps", "deployments", ""),
        ],
    ),
    (
        "services.manage",
        &[
            ("create", "", "services", ""),
            ("update", "", "services", ""),
            ("delete", "", "services", ""),
        ],
    ),
    (
        "configmaps.manage",
        &[
            ("create", "", "configmaps", ""),
            ("update", "", "configmaps", ""),
        ],
    ),
    (
        "secrets.read",
        &[("get", "", "secrets", ""), ("list", "", "secrets", "")],
    ),
];

fn describe(c: &Check) -> String {
    let (verb, group, resource, sub) = c;
    let mut r = if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    };
    if !sub.is_empty() {
        r = format!("{r}/{sub}");
    }
    format!("{verb} {r}")
}

async fn access(client: &kube::Client, c: &Check) -> Result<bool, ClusterError> {
    let (verb, group, resource, sub) = c;
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.to_string()),
                group: Some(group.to_string()),
                resource: Some(resource.to_string()),
                subresource: (!sub.is_empty()).then(|| sub.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let res = within(CALL_TIMEOUT, api.create(&PostParams::default(), &review)).await?;
    Ok(res.status.is_some_and(|s| s.allowed))
}

/// The permission table for a credential, checked cluster-wide with SelfSubjectAccessReview.
pub async fn permissions(client: &kube::Client) -> Result<Vec<FeaturePermission>, ClusterError> {
    let checks: Vec<&Check> = FEATURES.iter().flat_map(|(_, cs)| cs.iter()).collect();
    let results = join_all(checks.iter().map(|c| access(client, c))).await;
    let mut by_check = std::collections::HashMap::new();
    for (c, r) in checks.iter().zip(results) {
        by_check.insert(describe(c), r?);
    }
    Ok(FEATURES
        .iter()
        .map(|(feature, cs)| {
            let checks: Vec<String> = cs.iter().map(describe).collect();
            let denied: Vec<String> = checks.iter().filter(|c| !by_check[*c]).cloned().collect();
            FeaturePermission {
                feature: feature.to_string(),
                allowed: denied.is_empty(),
                checks,
                denied,
            }
        })
        .collect())
}

fn certificates(k: &SafeKubeconfig, report: &mut PreflightReport) {
    let now = Utc::now();
    for (kind, pem) in [("client", &k.client_certificate_pem), ("ca", &k.ca_pem)] {
        let Some(pem) = pem else { continue };
        for cert in x509::parse_pem_bundle(pem) {
            let days_left = (cert.not_after - now).num_days();
            if cert.not_after <= now {
                report.error(
                    FindingCode::CertificateExpired,
                    serde_json::json!({"kind": kind, "subject": cert.subject, "date": cert.not_after.date_naive().to_string()}),
                    format!(
                        "the {kind} certificate '{}' expired on {}",
                        cert.subject,
                        cert.not_after.date_naive()
                    ),
                );
            } else if days_left < EXPIRY_WARNING_DAYS {
                report.warn(
                    FindingCode::CertificateExpiring,
                    serde_json::json!({"kind": kind, "subject": cert.subject, "days": days_left}),
                    format!(
                        "the {kind} certificate '{}' expires in {days_left} days",
                        cert.subject
                    ),
                );
            }
            report.certificates.push(CertificateReport {
                kind: kind.into(),
                subject: cert.subject,
                not_after: cert.not_after,
                days_left,
            });
        }
    }
}

/// Records a blocking failure: its code, its sentence, and the params the console says it with.
fn fail(report: &mut PreflightReport, e: &ClusterError, server: &str) {
    let (code, msg) = classify(e, server);
    let mut params = serde_json::Map::new();
    params.insert("server".into(), server.into());
    match e {
        ClusterError::Timeout(d) => {
            params.insert("seconds".into(), d.as_secs().into());
        }
        ClusterError::Api {
            code: status,
            reason,
            message,
        } => {
            params.insert("status".into(), (*status).into());
            let detail = if message.trim().is_empty() {
                reason.clone()
            } else {
                message.clone()
            };
            params.insert("detail".into(), detail.into());
        }
        ClusterError::CredentialRejected(m)
        | ClusterError::Unreachable(m)
        | ClusterError::Other(m) => {
            params.insert("detail".into(), m.clone().into());
        }
    }
    report.failure_code = Some(code);
    report.failure_params = params.clone();
    report.error(FindingCode::Failed, serde_json::Value::Object(params), msg);
}

fn classify(e: &ClusterError, server: &str) -> (ErrorCode, String) {
    match e {
        ClusterError::CredentialRejected(m) => (
            ErrorCode::CredentialRejected,
            format!(
                "the cluster at {server} rejected the credential (expired, revoked or wrong): {m}"
            ),
        ),
        ClusterError::Unreachable(m) | ClusterError::Other(m)
            if m.contains("certificate")
                || m.contains("UnknownIssuer")
                || m.contains("tls")
                || m.contains("TLS") =>
        {
            (
                ErrorCode::TlsVerificationFailed,
                format!(
                    "TLS verification of {server} failed: {m}; check certificate-authority-data in the kubeconfig"
                ),
            )
        }
        ClusterError::Unreachable(m) => (
            ErrorCode::ClusterUnreachable,
            format!("cannot reach {server}: {m}"),
        ),
        ClusterError::Timeout(d) => (
            ErrorCode::ClusterTimeout,
            format!("{server} did not answer within {} s", d.as_secs()),
        ),
        // An answer without a message still says what it was: its HTTP status and reason.
        ClusterError::Api {
            code,
            reason,
            message,
        } => (
            ErrorCode::ClusterError,
            if message.trim().is_empty() {
                format!("{server} answered with an error: HTTP {code} {reason}")
                    .trim_end()
                    .to_owned()
            } else {
                format!("{server} answered with an error (HTTP {code}): {message}")
            },
        ),
        ClusterError::Other(m) => (ErrorCode::ClusterError, m.clone()),
    }
}

/// Runs the preflight. Never fails: what went wrong is in `errors` and `failure_code`.
pub async fn run(k: &SafeKubeconfig) -> PreflightReport {
    let mut report = PreflightReport {
        ok: false,
        contexts: k.contexts.clone(),
        context: k.context.clone(),
        server_url: k.server_url.clone(),
        version: None,
        nodes: None,
        api_latency_ms: None,
        certificates: Vec::new(),
        permissions: Vec::new(),
        warnings: Vec::new(),
        errors: Vec::new(),
        duplicate_of: None,
        failure_code: None,
        failure_params: serde_json::Map::new(),
        findings: Vec::new(),
    };
    if k.insecure {
        report.warn(
            FindingCode::InsecureTls,
            serde_json::json!({}),
            "insecure-skip-tls-verify is set: the server's certificate is not verified".into(),
        );
    }
    if k.server_url.starts_with("http://") {
        report.warn(
            FindingCode::PlainHttp,
            serde_json::json!({}),
            "the server URL is plain http: the credential travels unencrypted".into(),
        );
    }
    certificates(k, &mut report);
    let client = match k.client().await {
        Ok(c) => c,
        Err(e) => {
            fail(&mut report, &e, &k.server_url);
            return report;
        }
    };
    let started = Instant::now();
    match within(CALL_TIMEOUT, client.apiserver_version()).await {
        Ok(info) => {
            report.api_latency_ms = Some(started.elapsed().as_millis() as u64);
            report.version = Some(ServerVersion {
                git_version: info.git_version,
                platform: info.platform,
            });
        }
        Err(e) => {
            fail(&mut report, &e, &k.server_url);
            return report;
        }
    }
    // /version is readable anonymously on many clusters; an authenticated call proves the credential works.
    match permissions(&client).await {
        Ok(p) => report.permissions = p,
        Err(e) => {
            fail(&mut report, &e, &k.server_url);
            return report;
        }
    }
    let nodes: Api<Node> = Api::all(client);
    match within(CALL_TIMEOUT, nodes.list_metadata(&ListParams::default())).await {
        Ok(_) => match within(CALL_TIMEOUT, nodes.list(&ListParams::default())).await {
            Ok(list) => report.nodes = Some(crate::nodes::count(&list.items)),
            Err(e) => report.warn(
                FindingCode::NodesUnlisted,
                serde_json::json!({"detail": e.to_string()}),
                format!("could not list nodes: {e}"),
            ),
        },
        Err(ClusterError::Api { code: 403, .. }) => report.warn(
            FindingCode::NodesForbidden,
            serde_json::json!({}),
            "the credential may not list nodes: node counts and node pages will be empty".into(),
        ),
        Err(e) => report.warn(
            FindingCode::NodesUnlisted,
            serde_json::json!({"detail": e.to_string()}),
            format!("could not list nodes: {e}"),
        ),
    }
    let denied: Vec<&str> = report
        .permissions
        .iter()
        .filter(|p| !p.allowed)
        .map(|p| p.feature.as_str())
        .collect();
    if !denied.is_empty() {
        let message = format!(
            "not allowed cluster-wide with this credential: {}",
            denied.join(", ")
        );
        report.warn(
            FindingCode::FeaturesDenied,
            serde_json::json!({"features": denied}),
            message,
        );
    }
    report.ok = report.errors.is_empty();
    report
}

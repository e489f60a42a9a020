//! Secrets and ConfigMaps beyond the generic engine (issue 15): their insight (type-aware, never a value; who
//! uses them) and the Secret forms an operator fills instead of writing base64 by hand — a TLS certificate and
//! key (checked as a pair before anything is sent) and a registry credential (`.dockerconfigjson` as
//! `kubectl create secret docker-registry` writes it). Revealing one key of a Secret is the generic read's
//! `?reveal=true&key=K` ([`super::resources::object`]).

use super::network::Object;
use crate::audit::AuditSlot;
use crate::auth::{Authorized, perm};
use crate::connection::{client_for, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::resources::object::api_for;
use crate::routes::resources::{Target, require_write, resolve};
use crate::routes::workloads::DryRunQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use base64::Engine;
use kube::api::{DynamicObject, PostParams};
use kubedeck_kube::error::{ClusterError, within};
use kubedeck_kube::resource::insight::config::{self as view, ConfigMapInsight, SecretInsight, Usage};
use kubedeck_kube::x509::{Certificate, PairError, check_pair};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use utoipa::ToSchema;

const CALL: Duration = Duration::from_secs(20);
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// The kinds whose pod templates can name a ConfigMap or Secret, then pods themselves.
const USERS: &[&str] = &["deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs", "pods"];

/// Which workloads and pods of the namespace use `kind`/`name` (each kind read live, at its served version).
/// ReplicaSets and Jobs another workload controls are left out: their owner is listed.
async fn used_by(o: &Object, kind: &str) -> ApiResult<Vec<Usage>> {
    let mut objects = Vec::new();
    for plural in USERS {
        let Ok(served) = o.cat.find(plural) else { continue };
        for obj in o.list(plural).await? {
            let owned = kubedeck_kube::resource::row::controller_of(&obj).is_some();
            if owned && matches!(*plural, "replicasets" | "jobs") {
                continue;
            }
            objects.push((served.api.kind.clone(), served.name.clone(), obj));
        }
    }
    Ok(view::used_by(kind, &o.name, &objects))
}

/// A Secret's type-aware view (read live, values included, none returned) and who uses it.
pub async fn secret(o: &Object) -> ApiResult<(SecretInsight, Vec<Usage>)> {
    let s = o.read().await?;
    Ok((view::secret(&s, chrono::Utc::now()), used_by(o, "Secret").await?))
}

/// A ConfigMap's keys and binary sizes, and who uses it.
pub async fn config_map(o: &Object) -> ApiResult<(ConfigMapInsight, Vec<Usage>)> {
    let cm = o.read().await?;
    Ok((view::config_map(&cm), used_by(o, "ConfigMap").await?))
}

// ---- Secret forms ----

/// A TLS Secret from a certificate and its key (PEM).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsSecretForm {
    /// The Secret's name.
    pub name: String,
    /// The certificate (PEM; a chain starts with the server's own certificate).
    pub certificate: String,
    /// Its private key (PEM: PKCS#1, PKCS#8 or SEC1).
    pub key: String,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// A registry credential (`kubernetes.io/dockerconfigjson`), as `kubectl create secret docker-registry` takes it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrySecretForm {
    /// The Secret's name.
    pub name: String,
    /// The registry (`registry.example.com`, `https://index.docker.io/v1/`).
    pub server: String,
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: String,
    /// Email (optional).
    #[serde(default)]
    pub email: String,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// The Secret a form created (or would create, on a dry run): names and types only.
#[derive(Serialize, ToSchema)]
pub struct SecretCreated {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Its type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Its keys (never their values).
    pub keys: Vec<String>,
    /// True when nothing was stored.
    pub dry_run: bool,
    /// A TLS Secret's certificate.
    pub certificate: Option<Certificate>,
}

fn required(field: &str, v: &str) -> ApiResult<()> {
    if v.trim().is_empty() {
        return Err(ApiError::invalid_length(field, 1, 253));
    }
    Ok(())
}

/// The Secret a form makes: `data` in clear (base64-encoded when sent).
struct NewSecret<'a> {
    name: &'a str,
    type_: &'a str,
    labels: &'a BTreeMap<String, String>,
    data: &'a [(&'a str, &'a [u8])],
    certificate: Option<Certificate>,
}

/// Creates the Secret after the checks of its form.
async fn create_secret(state: &AppState, auth: &crate::auth::AuthUser, audit: &AuditSlot, (id, ns): (i64, String), s: NewSecret<'_>, dry_run: bool) -> ApiResult<(StatusCode, Json<SecretCreated>)> {
    let NewSecret { name, type_, labels, data, certificate } = s;
    let t = Target { id, kind: "secrets".into(), ns: Some(ns.clone()), name: None };
    let (c, served, _) = resolve(state, &t).await?;
    require_write(auth, &served, id, Some(&ns), false)?;
    let manifest = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "type": type_,
        "data": data.iter().map(|(k, v)| ((*k).to_owned(), Value::String(B64.encode(v)))).collect::<serde_json::Map<_, _>>(),
    });
    let obj: DynamicObject = serde_json::from_value(manifest).map_err(|e| ApiError::internal(format!("secret manifest: {e}")))?;
    let api = api_for(client_for(state, &c).await?, &served, Some(&ns));
    let pp = PostParams { dry_run, field_manager: Some("kubedeck".into()) };
    within(CALL, api.create(&pp, &obj)).await.map_err(|e| match e {
        ClusterError::Api { code: 409, .. } => {
            ApiError::conflict(ErrorCode::AlreadyExists, format!("Secret '{ns}/{name}' exists already")).param("object", format!("{ns}/{name}"))
        }
        e => from_cluster(e),
    })?;
    let keys: Vec<String> = data.iter().map(|(k, _)| (*k).to_owned()).collect();
    audit.detail(json!({"type": type_, "keys": keys, "dry_run": dry_run}));
    Ok((if dry_run { StatusCode::OK } else { StatusCode::CREATED }, Json(SecretCreated { name: name.to_owned(), namespace: ns, type_: type_.to_owned(), keys, dry_run, certificate })))
}

fn audit_form(audit: &AuditSlot, id: i64, ns: &str, name: &str) {
    audit.action("secrets.create");
    audit.target(Some(id), Some(ns), Some(format!("secrets/{name}")));
}

/// Creates a `kubernetes.io/tls` Secret (`kubectl create secret tls`) once the key is known to belong to the
/// certificate: a certificate or key that cannot be read, or a key of another certificate, is refused naming
/// its field, and nothing is created.
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/tls-secrets", tag = "resources",
    params(("id" = i64, Path), ("ns" = String, Path), DryRunQuery),
    request_body = TlsSecretForm,
    responses((status = 201, body = SecretCreated), (status = 200, body = SecretCreated, description = "dry run"),
        (status = 400, description = "`certificate_invalid` (field `certificate`), `private_key_invalid`, `key_pair_mismatch` (field `key`)"),
        (status = 403), (status = 409, description = "`already_exists`")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn create_tls(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    Path((id, ns)): Path<(i64, String)>,
    ApiQuery(q): ApiQuery<DryRunQuery>,
    ApiJson(form): ApiJson<TlsSecretForm>,
) -> ApiResult<(StatusCode, Json<SecretCreated>)> {
    audit_form(&audit, id, &ns, &form.name);
    required("name", &form.name)?;
    let cert = check_pair(&form.certificate, &form.key).map_err(|e| match e {
        PairError::Certificate => ApiError::invalid("certificate", ErrorCode::CertificateInvalid, e.to_string()).param("detail", e.to_string()),
        PairError::Key => ApiError::invalid("key", ErrorCode::PrivateKeyInvalid, e.to_string()).param("detail", e.to_string()),
        PairError::Mismatch => ApiError::invalid("key", ErrorCode::KeyPairMismatch, e.to_string()),
    })?;
    let data: [(&str, &[u8]); 2] = [("tls.crt", form.certificate.as_bytes()), ("tls.key", form.key.as_bytes())];
    let s = NewSecret { name: &form.name, type_: "kubernetes.io/tls", labels: &form.labels, data: &data, certificate: Some(cert) };
    create_secret(&state, &auth, &audit, (id, ns), s, q.dry_run).await
}

/// Creates a `kubernetes.io/dockerconfigjson` Secret from a registry credential
/// (`kubectl create secret docker-registry`).
#[utoipa::path(post, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/registry-secrets", tag = "resources",
    params(("id" = i64, Path), ("ns" = String, Path), DryRunQuery),
    request_body = RegistrySecretForm,
    responses((status = 201, body = SecretCreated), (status = 200, body = SecretCreated, description = "dry run"),
        (status = 400, description = "`invalid_length` (an empty field)"), (status = 403), (status = 409, description = "`already_exists`")),
    extensions(("x-permission" = json!("resource.write"))))]
pub async fn create_registry(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    auth: Authorized<perm::ResourceWrite>,
    Path((id, ns)): Path<(i64, String)>,
    ApiQuery(q): ApiQuery<DryRunQuery>,
    ApiJson(form): ApiJson<RegistrySecretForm>,
) -> ApiResult<(StatusCode, Json<SecretCreated>)> {
    audit_form(&audit, id, &ns, &form.name);
    for (field, v) in [("name", &form.name), ("server", &form.server), ("username", &form.username), ("password", &form.password)] {
        required(field, v)?;
    }
    let config = view::docker_config_json(form.server.trim(), &form.username, &form.password, form.email.trim());
    let data: [(&str, &[u8]); 1] = [(".dockerconfigjson", config.as_bytes())];
    let s = NewSecret { name: &form.name, type_: "kubernetes.io/dockerconfigjson", labels: &form.labels, data: &data, certificate: None };
    create_secret(&state, &auth, &audit, (id, ns), s, q.dry_run).await
}

//! Uploaded kubeconfigs: parsed, checked for safety, and reduced to the one context Kubedeck will use.
//!
//! A kubeconfig is code as much as data: an `exec` user runs a command, an `auth-provider` may too, and path
//! fields (`certificate-authority`, `client-certificate`, `client-key`, `tokenFile`) read files. On a server,
//! accepting them from a user would be remote code execution or a file-disclosure hole, so they are refused
//! with the field named and the inline alternative to use.

use kube::config::{KubeConfigOptions, Kubeconfig};
use kubedeck_core::error_code::ErrorCode;
use sha2::{Digest, Sha256};

/// Largest kubeconfig accepted (real ones are a few KiB; a bundle of many contexts stays well under this).
pub const MAX_KUBECONFIG_BYTES: usize = 512 * 1024;

/// Why a kubeconfig is refused, with the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct KubeconfigProblem {
    /// Stable code: `kubeconfig_too_large`, `kubeconfig_invalid`, `kubeconfig_unsafe`, `context_not_found` ...
    pub code: ErrorCode,
    /// What is wrong and what to do instead.
    pub message: String,
    /// The kubeconfig path at fault, e.g. `users[dev].user.exec`.
    pub field: String,
    /// What the code's sentence names besides the path (`limit`, `context`, `contexts`).
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl KubeconfigProblem {
    fn with(mut self, key: &str, value: serde_json::Value) -> Self {
        self.params.insert(key.to_owned(), value);
        self
    }
}

fn problem(
    code: ErrorCode,
    field: impl Into<String>,
    message: impl Into<String>,
) -> KubeconfigProblem {
    KubeconfigProblem {
        code,
        message: message.into(),
        field: field.into(),
        params: serde_json::Map::new(),
    }
}

/// A kubeconfig that passed the safety checks, with its chosen context.
#[derive(Clone)]
pub struct SafeKubeconfig {
    /// The parsed document.
    pub kubeconfig: Kubeconfig,
    /// The context Kubedeck will use.
    pub context: String,
    /// Every context in the document (for the console's picker).
    pub contexts: Vec<String>,
    /// The API server URL of that context.
    pub server_url: String,
    /// SHA-256 over server URL and user identity: the same credential imported twice has the same hash.
    pub identity_hash: String,
    /// `insecure-skip-tls-verify: true` is set.
    pub insecure: bool,
    /// The user's client certificate (PEM), if any.
    pub client_certificate_pem: Option<String>,
    /// The CA bundle (PEM), if any.
    pub ca_pem: Option<String>,
}

impl std::fmt::Debug for SafeKubeconfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print credentials.
        f.debug_struct("SafeKubeconfig")
            .field("context", &self.context)
            .field("server_url", &self.server_url)
            .finish()
    }
}

fn decode_b64_pem(field: &str, data: &str) -> Result<String, KubeconfigProblem> {
    use base64::Engine;
    let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| {
            problem(
                ErrorCode::KubeconfigInvalid,
                field,
                format!("{field} is not valid base64"),
            )
        })?;
    String::from_utf8(bytes).map_err(|_| {
        problem(
            ErrorCode::KubeconfigInvalid,
            field,
            format!("{field} does not decode to PEM text"),
        )
    })
}

/// Parses and checks a kubeconfig. `context` picks a context; default is `current-context`.
pub fn parse(text: &str, context: Option<&str>) -> Result<SafeKubeconfig, KubeconfigProblem> {
    if text.len() > MAX_KUBECONFIG_BYTES {
        return Err(problem(
            ErrorCode::KubeconfigTooLarge,
            "credential",
            format!(
                "the kubeconfig is {} KiB; at most {} KiB is accepted",
                text.len() / 1024,
                MAX_KUBECONFIG_BYTES / 1024
            ),
        )
        .with("limit", serde_json::json!(MAX_KUBECONFIG_BYTES)));
    }
    if text.trim().is_empty() {
        return Err(problem(
            ErrorCode::KubeconfigInvalid,
            "credential",
            "the kubeconfig is empty",
        ));
    }
    let kc = Kubeconfig::from_yaml(text).map_err(|e| {
        let cause = crate::error::chain(&e);
        // The parser's own words ("line 7 column 4: did not find expected key"), without kube's prefixes.
        let detail = cause
            .trim_start_matches("failed to parse kubeconfig YAML: ")
            .trim_start_matches("error: ")
            .to_owned();
        problem(
            ErrorCode::KubeconfigInvalid,
            "credential",
            format!("the kubeconfig is not valid kubeconfig YAML: {cause}"),
        )
        .with("detail", serde_json::json!(detail))
        .with("rule", serde_json::json!("yaml"))
    })?;
    if kc.contexts.is_empty() {
        return Err(problem(
            ErrorCode::KubeconfigInvalid,
            "credential",
            "the kubeconfig has no contexts",
        ));
    }
    let contexts: Vec<String> = kc.contexts.iter().map(|c| c.name.clone()).collect();
    let chosen = match context
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| kc.current_context.clone())
    {
        Some(c) => c,
        None if contexts.len() == 1 => contexts[0].clone(),
        None => {
            return Err(problem(
                ErrorCode::ContextRequired,
                "context",
                format!(
                    "the kubeconfig has no current-context; pick one of: {}",
                    contexts.join(", ")
                ),
            )
            .with("contexts", serde_json::json!(contexts)));
        }
    };
    let ctx = kc
        .contexts
        .iter()
        .find(|c| c.name == chosen)
        .ok_or_else(|| {
            problem(
                ErrorCode::ContextNotFound,
                "context",
                format!(
                    "context '{chosen}' is not in the kubeconfig; it has: {}",
                    contexts.join(", ")
                ),
            )
            .with("context", serde_json::json!(chosen))
            .with("contexts", serde_json::json!(contexts))
        })?
        .context
        .clone()
        .ok_or_else(|| {
            problem(
                ErrorCode::KubeconfigInvalid,
                format!("contexts[{chosen}]"),
                format!("context '{chosen}' is empty"),
            )
        })?;

    // Safety checks cover every entry, not only the chosen one: the document is stored as a whole.
    for named in &kc.auth_infos {
        let Some(user) = &named.auth_info else {
            continue;
        };
        let at = |f: &str| format!("users[{}].user.{f}", named.name);
        if let Some(exec) = &user.exec {
            let cmd = exec.command.clone().unwrap_or_default();
            return Err(problem(
                ErrorCode::KubeconfigUnsafe,
                at("exec"),
                format!(
                    "kubeconfig user '{}' uses an exec plugin ({cmd}); exec plugins are disabled on this server because \
                     they run commands here — use a token or a client certificate (client-certificate-data/client-key-data)",
                    named.name
                ),
            ));
        }
        if let Some(ap) = &user.auth_provider {
            return Err(problem(
                ErrorCode::KubeconfigUnsafe,
                at("auth-provider"),
                format!(
                    "kubeconfig user '{}' uses the '{}' auth-provider, which is not supported on this server — \
                     use a service-account token or a client certificate",
                    named.name, ap.name
                ),
            ));
        }
        for (field, value, instead) in [
            ("tokenFile", &user.token_file, "token"),
            (
                "client-certificate",
                &user.client_certificate,
                "client-certificate-data",
            ),
            ("client-key", &user.client_key, "client-key-data"),
        ] {
            if value.is_some() {
                return Err(problem(
                    ErrorCode::KubeconfigUnsafe,
                    at(field),
                    format!(
                        "kubeconfig user '{}' points at a file ({field}); files on this server are never read from an \
                         uploaded kubeconfig — inline the content with '{instead}'",
                        named.name
                    ),
                ));
            }
        }
        if user.impersonate.is_some() || user.impersonate_groups.is_some() {
            return Err(problem(
                ErrorCode::KubeconfigUnsafe,
                at("as"),
                format!(
                    "kubeconfig user '{}' uses impersonation, which Kubedeck does not support — import the impersonated identity's own credential",
                    named.name
                ),
            ));
        }
    }
    for named in &kc.clusters {
        let Some(cluster) = &named.cluster else {
            continue;
        };
        let at = |f: &str| format!("clusters[{}].cluster.{f}", named.name);
        if cluster.certificate_authority.is_some() {
            return Err(problem(
                ErrorCode::KubeconfigUnsafe,
                at("certificate-authority"),
                format!(
                    "kubeconfig cluster '{}' points at a CA file; files on this server are never read from an uploaded \
                     kubeconfig — inline it with 'certificate-authority-data'",
                    named.name
                ),
            ));
        }
        if cluster.proxy_url.is_some() {
            return Err(problem(
                ErrorCode::KubeconfigUnsafe,
                at("proxy-url"),
                format!(
                    "kubeconfig cluster '{}' sets proxy-url, which Kubedeck does not support; remove it",
                    named.name
                ),
            ));
        }
    }

    let cluster = kc
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.clone())
        .ok_or_else(|| {
            problem(
                ErrorCode::KubeconfigInvalid,
                format!("contexts[{chosen}].context.cluster"),
                format!(
                    "context '{chosen}' names cluster '{}', which is not in the kubeconfig",
                    ctx.cluster
                ),
            )
        })?;
    let user_name = ctx.user.clone().unwrap_or_default();
    let user = kc
        .auth_infos
        .iter()
        .find(|u| u.name == user_name)
        .and_then(|u| u.auth_info.clone())
        .ok_or_else(|| {
            problem(
                ErrorCode::KubeconfigInvalid,
                format!("contexts[{chosen}].context.user"),
                format!(
                    "context '{chosen}' names user '{user_name}', which is not in the kubeconfig"
                ),
            )
        })?;
    let server = cluster.server.clone().unwrap_or_default();
    let server_field = format!("clusters[{}].cluster.server", ctx.cluster);
    let uri: http::Uri = server.parse().map_err(|_| {
        problem(
            ErrorCode::KubeconfigInvalid,
            &server_field,
            format!("server URL '{server}' is not a valid URL"),
        )
    })?;
    if !matches!(uri.scheme_str(), Some("https") | Some("http")) || uri.host().is_none() {
        return Err(problem(
            ErrorCode::KubeconfigInvalid,
            server_field,
            format!("server URL '{server}' must be https://host[:port]"),
        ));
    }
    let ca_pem = match &cluster.certificate_authority_data {
        Some(d) => Some(decode_b64_pem(
            &format!(
                "clusters[{}].cluster.certificate-authority-data",
                ctx.cluster
            ),
            d,
        )?),
        None => None,
    };
    let client_certificate_pem = match &user.client_certificate_data {
        Some(d) => Some(decode_b64_pem(
            &format!("users[{user_name}].user.client-certificate-data"),
            d,
        )?),
        None => None,
    };
    let has_auth =
        user.token.is_some() || user.client_certificate_data.is_some() || user.username.is_some();
    if !has_auth {
        return Err(problem(
            ErrorCode::KubeconfigInvalid,
            format!("users[{user_name}].user"),
            format!(
                "kubeconfig user '{user_name}' has no credential: give a token or client-certificate-data/client-key-data"
            ),
        ));
    }
    if user.client_certificate_data.is_some() != user.client_key_data.is_some() {
        return Err(problem(
            ErrorCode::KubeconfigInvalid,
            format!("users[{user_name}].user.client-key-data"),
            format!(
                "kubeconfig user '{user_name}' needs both client-certificate-data and client-key-data"
            ),
        ));
    }

    // Identity: who we are to which server, without keeping the secret itself.
    let mut h = Sha256::new();
    h.update(server.trim_end_matches('/').as_bytes());
    h.update([0]);
    if let Some(t) = &user.token {
        use secrecy::ExposeSecret;
        h.update(b"token:");
        h.update(t.expose_secret().as_bytes());
    }
    if let Some(c) = &user.client_certificate_data {
        h.update(b"cert:");
        h.update(c.as_bytes());
    }
    if let Some(u) = &user.username {
        h.update(b"basic:");
        h.update(u.as_bytes());
    }
    Ok(SafeKubeconfig {
        insecure: cluster.insecure_skip_tls_verify.unwrap_or(false),
        kubeconfig: kc,
        context: chosen,
        contexts,
        server_url: server,
        identity_hash: hex::encode(h.finalize()),
        client_certificate_pem,
        ca_pem,
    })
}

impl SafeKubeconfig {
    /// A kube client for the chosen context, with bounded connect time.
    pub async fn client(&self) -> Result<kube::Client, crate::error::ClusterError> {
        let opts = KubeConfigOptions {
            context: Some(self.context.clone()),
            ..Default::default()
        };
        let mut cfg = kube::Config::from_custom_kubeconfig(self.kubeconfig.clone(), &opts)
            .await
            .map_err(|e| {
                crate::error::ClusterError::Other(format!(
                    "kubeconfig: {}",
                    crate::error::chain(&e)
                ))
            })?;
        cfg.connect_timeout = Some(std::time::Duration::from_secs(5));
        // Long enough for a watch's server-side timeout; unary calls get their own deadline (`error::within`).
        cfg.read_timeout = Some(std::time::Duration::from_secs(330));
        // kube retries 429s on its own; a drain must see them to report a PodDisruptionBudget that refuses.
        cfg.default_retry = false;
        kube::Client::try_from(cfg).map_err(|e| {
            let text = crate::error::chain(&e);
            crate::error::ClusterError::Other(format!(
                "cannot build a client from the kubeconfig: {text}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
apiVersion: v1
kind: Config
current-context: admin@test
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:6443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: abc
contexts:
- name: admin@test
  context: {cluster: test, user: admin}
- name: other
  context: {cluster: test, user: admin, namespace: x}
"#;

    #[test]
    fn a_token_kubeconfig_is_accepted_with_its_contexts() {
        let k = parse(OK, None).unwrap();
        assert_eq!(k.context, "admin@test");
        assert_eq!(k.contexts, vec!["admin@test", "other"]);
        assert_eq!(k.server_url, "https://127.0.0.1:6443");
        assert!(k.insecure);
        assert_eq!(parse(OK, Some("other")).unwrap().context, "other");
        assert_eq!(
            k.identity_hash,
            parse(OK, Some("other")).unwrap().identity_hash,
            "same server and user"
        );
        assert!(
            !format!("{k:?}").contains("abc"),
            "Debug must not print the token"
        );
    }

    #[test]
    fn exec_plugins_are_refused_naming_the_user_and_command() {
        let text = OK.replace("    token: abc", "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [eks, get-token]");
        let p = parse(&text, None).unwrap_err();
        assert_eq!(p.code, ErrorCode::KubeconfigUnsafe);
        assert_eq!(p.field, "users[admin].user.exec");
        assert!(
            p.message.contains("'admin'") && p.message.contains("aws"),
            "{}",
            p.message
        );
    }

    #[test]
    fn file_paths_are_refused() {
        for (from, to, field) in [
            (
                "    token: abc",
                "    tokenFile: /etc/shadow",
                "users[admin].user.tokenFile",
            ),
            (
                "    token: abc",
                "    client-certificate: /root/c.pem\n    client-key: /root/k.pem",
                "users[admin].user.client-certificate",
            ),
            (
                "    insecure-skip-tls-verify: true",
                "    certificate-authority: /etc/ssl/ca.pem",
                "clusters[test].cluster.certificate-authority",
            ),
        ] {
            let p = parse(&OK.replace(from, to), None).unwrap_err();
            assert_eq!(p.code, ErrorCode::KubeconfigUnsafe, "{field}");
            assert_eq!(p.field, field);
        }
        let p = parse(
            &OK.replace(
                "    token: abc",
                "    auth-provider:\n      name: gcp\n      config: {}",
            ),
            None,
        )
        .unwrap_err();
        assert_eq!(p.field, "users[admin].user.auth-provider");
    }

    #[test]
    fn garbage_huge_and_incomplete_documents_are_refused() {
        assert_eq!(
            parse("{{{ not yaml", None).unwrap_err().code,
            ErrorCode::KubeconfigInvalid
        );
        assert_eq!(
            parse("", None).unwrap_err().code,
            ErrorCode::KubeconfigInvalid
        );
        assert_eq!(
            parse(&"a".repeat(MAX_KUBECONFIG_BYTES + 1), None)
                .unwrap_err()
                .code,
            ErrorCode::KubeconfigTooLarge
        );
        assert_eq!(
            parse(OK, Some("nope")).unwrap_err().code,
            ErrorCode::ContextNotFound
        );
        let p = parse(&OK.replace("https://127.0.0.1:6443", "not a url"), None).unwrap_err();
        assert_eq!(p.field, "clusters[test].cluster.server");
        let p = parse(
            &OK.replace("    token: abc", "    username: ''\n")
                .replace("username: ''", "{}"),
            None,
        );
        assert!(p.is_err());
    }
}

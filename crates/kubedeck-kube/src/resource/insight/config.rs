//! Secrets (type-aware, never a value), ConfigMaps (keys and binary sizes), and which workloads and pods use
//! either.

use super::{Warning, certificate_warnings};
use crate::resource::related::{Use, uses_of};
use crate::x509::Certificate;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A key and the size of its value (never the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct KeyInfo {
    /// The key.
    pub key: String,
    /// Bytes of its (decoded) value.
    pub size: usize,
}

/// What a Secret's page shows: its keys and, by type, what can be said without showing a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SecretInsight {
    /// `Opaque`, `kubernetes.io/tls`, `kubernetes.io/dockerconfigjson`, `kubernetes.io/service-account-token` ...
    #[serde(rename = "type")]
    pub type_: String,
    /// Keys with the size of their values.
    pub keys: Vec<KeyInfo>,
    /// `kubernetes.io/tls`: the certificate in `tls.crt` (a certificate is public; the key never leaves).
    pub certificate: Option<Certificate>,
    /// `kubernetes.io/dockerconfigjson` / `dockercfg`: the registries it holds credentials for (servers only).
    pub registries: Vec<String>,
    /// A service-account token: the ServiceAccount it belongs to.
    pub service_account: Option<String>,
    /// Certificate expired or expiring, a TLS Secret without a readable certificate.
    pub warnings: Vec<Warning>,
}

fn decoded(secret: &Value, key: &str) -> Option<Vec<u8>> {
    secret["data"][key]
        .as_str()
        .and_then(|v| B64.decode(v).ok())
}

/// The view of a Secret read from the cluster (values included: they are read here and none is returned).
pub fn secret(secret: &Value, now: DateTime<Utc>) -> SecretInsight {
    let type_ = secret["type"].as_str().unwrap_or("Opaque").to_owned();
    let name = secret["metadata"]["name"].as_str().unwrap_or_default();
    let keys = secret["data"]
        .as_object()
        .map(|m| {
            m.keys()
                .map(|k| KeyInfo {
                    key: k.clone(),
                    size: decoded(secret, k).map_or(0, |b| b.len()),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut warnings = Vec::new();
    let certificate = if type_ == "kubernetes.io/tls" {
        let pem = decoded(secret, "tls.crt")
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let cert = crate::x509::certificates(&pem).into_iter().next();
        match &cert {
            Some(c) => warnings.extend(certificate_warnings(c, now, name)),
            None => warnings.push(Warning::new(
                "error",
                "tls_secret_unreadable",
                format!("Secret {name} holds no certificate in tls.crt"),
                &[("secret", name.to_owned())],
            )),
        }
        cert
    } else {
        None
    };
    let registries = ["dockerconfigjson", "dockercfg"]
        .into_iter()
        .filter_map(|k| decoded(secret, &format!(".{k}")).map(|b| (k, b)))
        .filter_map(|(k, b)| {
            serde_json::from_slice::<Value>(&b).ok().map(|v| {
                if k == "dockerconfigjson" {
                    v["auths"].clone()
                } else {
                    v
                }
            })
        })
        .flat_map(|auths| {
            auths
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect();
    SecretInsight {
        type_: type_.clone(),
        keys,
        certificate,
        registries,
        service_account: (type_ == "kubernetes.io/service-account-token")
            .then(|| {
                secret["metadata"]["annotations"]["kubernetes.io/service-account.name"]
                    .as_str()
                    .map(str::to_owned)
            })
            .flatten(),
        warnings,
    }
}

/// What a ConfigMap's page shows besides its data: the keys of `binaryData` with their sizes, and a CoreDNS
/// Corefile read as the cluster DNS' server blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ConfigMapInsight {
    /// Keys of `data` with the size of their text.
    pub data: Vec<KeyInfo>,
    /// Keys of `binaryData` with the size of their bytes (never shown as text).
    pub binary: Vec<KeyInfo>,
    /// The server blocks of its `Corefile` key (CoreDNS' configuration, `kube-system/coredns`), if it has one.
    pub corefile: Option<Vec<DnsServerBlock>>,
}

/// One server block of a Corefile: the zones it answers and what it does with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DnsServerBlock {
    /// Zones (`.` for every name; a zone other than `.` with upstreams is a stub domain).
    pub zones: Vec<String>,
    /// Port, when given (`:53`).
    pub port: Option<String>,
    /// Where `forward` (or the older `proxy`) sends the queries: resolvers or `/etc/resolv.conf`.
    pub upstreams: Vec<String>,
    /// Entries of the `hosts` plugin (`IP name...`).
    pub hosts: Vec<String>,
    /// Every plugin of the block, in order.
    pub plugins: Vec<String>,
}

/// The server blocks of a Corefile (comments dropped; a block's nested plugin options read only for `hosts`).
pub fn corefile(text: &str) -> Vec<DnsServerBlock> {
    let mut out: Vec<DnsServerBlock> = Vec::new();
    let mut depth = 0usize;
    let mut in_hosts = false;
    for raw in text.lines() {
        let line = raw.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        if line == "}" {
            depth = depth.saturating_sub(1);
            in_hosts &= depth >= 2;
            continue;
        }
        let opens = line.ends_with('{');
        let words: Vec<&str> = line.trim_end_matches('{').split_whitespace().collect();
        match depth {
            0 if opens => {
                let (mut zones, mut port) = (Vec::new(), None);
                for w in &words {
                    let w = w.trim_start_matches("dns://");
                    match w.rsplit_once(':') {
                        Some((z, p)) => {
                            zones.push(if z.is_empty() {
                                ".".to_owned()
                            } else {
                                z.to_owned()
                            });
                            port = Some(p.to_owned());
                        }
                        None => zones.push(w.to_owned()),
                    }
                }
                out.push(DnsServerBlock {
                    zones,
                    port,
                    upstreams: Vec::new(),
                    hosts: Vec::new(),
                    plugins: Vec::new(),
                });
            }
            1 => {
                if let (Some(block), Some(plugin)) = (out.last_mut(), words.first()) {
                    block.plugins.push((*plugin).to_owned());
                    if matches!(*plugin, "forward" | "proxy") {
                        block
                            .upstreams
                            .extend(words.iter().skip(2).map(|w| (*w).to_owned()));
                    }
                    if *plugin == "hosts" {
                        in_hosts = opens;
                    }
                }
            }
            2 if in_hosts => {
                let is_entry = words
                    .first()
                    .is_some_and(|w| w.parse::<std::net::IpAddr>().is_ok());
                if let Some(block) = out.last_mut().filter(|_| is_entry) {
                    block.hosts.push(words.join(" "));
                }
            }
            _ => {}
        }
        if opens {
            depth += 1;
        }
    }
    out
}

/// The view of a ConfigMap.
pub fn config_map(cm: &Value) -> ConfigMapInsight {
    let keys = |field: &str, size: &dyn Fn(&str) -> usize| -> Vec<KeyInfo> {
        cm[field]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| KeyInfo {
                        key: k.clone(),
                        size: size(v.as_str().unwrap_or_default()),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    ConfigMapInsight {
        data: keys("data", &|v| v.len()),
        binary: keys("binaryData", &|v| B64.decode(v).map_or(0, |b| b.len())),
        corefile: cm["data"]["Corefile"].as_str().map(corefile),
    }
}

/// A workload or pod that uses the object shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Usage {
    /// Its kind (Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet, Pod).
    pub kind: String,
    /// Its URL name (`deployments`, `pods` ...).
    pub resource: String,
    /// Its name.
    pub name: String,
    /// How: `volume`, `envFrom`, `env`, `imagePullSecret`.
    pub uses: Vec<Use>,
}

/// Which of `objects` (kind, URL name, object; one namespace) use `target_kind`/`name`: workloads first, then
/// pods, each by name.
pub fn used_by(target_kind: &str, name: &str, objects: &[(String, String, Value)]) -> Vec<Usage> {
    let mut out: Vec<Usage> = objects
        .iter()
        .filter_map(|(kind, resource, obj)| {
            let uses = uses_of(kind, obj, target_kind, name);
            (!uses.is_empty()).then(|| Usage {
                kind: kind.clone(),
                resource: resource.clone(),
                name: obj["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                uses,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (a.kind == "Pod")
            .cmp(&(b.kind == "Pod"))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

/// The `.dockerconfigjson` of one registry credential, as `kubectl create secret docker-registry` writes it.
pub fn docker_config_json(server: &str, username: &str, password: &str, email: &str) -> String {
    let mut entry = json!({"username": username, "password": password, "auth": B64.encode(format!("{username}:{password}"))});
    if !email.is_empty() {
        entry["email"] = json!(email);
    }
    let mut auths = serde_json::Map::new();
    auths.insert(server.to_owned(), entry);
    json!({"auths": auths}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tls_secret_shows_its_certificate_and_never_a_value() {
        let crt = include_str!("../../../testdata/tls/shop.crt");
        let key = include_str!("../../../testdata/tls/shop.key");
        let s = json!({"metadata": {"name": "shop-tls"}, "type": "kubernetes.io/tls",
            "data": {"tls.crt": B64.encode(crt), "tls.key": B64.encode(key)}});
        let now: DateTime<Utc> = "2030-01-01T00:00:00Z".parse().unwrap();
        let i = secret(&s, now);
        let text = serde_json::to_string(&i).unwrap();
        assert!(
            !text.contains("PRIVATE") && !text.contains(&B64.encode(key)[..40]),
            "{text}"
        );
        assert_eq!(
            i.certificate.as_ref().unwrap().subject,
            "CN=shop.example.com, O=Example Shop"
        );
        assert_eq!(
            i.keys
                .iter()
                .map(|k| (k.key.as_str(), k.size))
                .collect::<Vec<_>>(),
            [("tls.crt", crt.len()), ("tls.key", key.len())]
        );
        assert!(i.warnings.is_empty());
        let bad = secret(
            &json!({"metadata": {"name": "b"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "bm9wZQ=="}}),
            now,
        );
        assert_eq!(bad.warnings[0].code, "tls_secret_unreadable");
    }

    #[test]
    fn a_registry_credential_is_written_as_kubectl_writes_it_and_shown_by_server_only() {
        let cfg = docker_config_json("registry.example.com", "ci", "s3cret", "ci@example.com");
        let v: Value = serde_json::from_str(&cfg).unwrap();
        let e = &v["auths"]["registry.example.com"];
        assert_eq!(
            (
                e["username"].as_str(),
                e["password"].as_str(),
                e["email"].as_str()
            ),
            (Some("ci"), Some("s3cret"), Some("ci@example.com"))
        );
        assert_eq!(
            B64.decode(e["auth"].as_str().unwrap()).unwrap(),
            b"ci:s3cret"
        );
        assert!(!docker_config_json("r", "u", "p", "").contains("email"));
        let s = json!({"metadata": {"name": "pull"}, "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": B64.encode(&cfg)}});
        let i = secret(&s, Utc::now());
        assert_eq!(i.registries, ["registry.example.com"]);
        assert!(!serde_json::to_string(&i).unwrap().contains("s3cret"));
    }

    #[test]
    fn used_by_lists_workloads_then_pods_with_how() {
        let d = json!({"metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [{"name": "c",
            "envFrom": [{"configMapRef": {"name": "app"}}]}], "volumes": [{"name": "v", "configMap": {"name": "app"}}]}}}});
        let p = json!({"metadata": {"name": "debug"}, "spec": {"containers": [{"name": "c", "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "x"}}}]}]}});
        let other = json!({"metadata": {"name": "db"}, "spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}});
        let objs = vec![
            ("Pod".to_owned(), "pods".to_owned(), p),
            ("Deployment".to_owned(), "deployments".to_owned(), d),
            ("StatefulSet".to_owned(), "statefulsets".to_owned(), other),
        ];
        let u = used_by("ConfigMap", "app", &objs);
        assert_eq!(u.len(), 2);
        assert_eq!(
            (u[0].kind.as_str(), u[0].uses.clone()),
            ("Deployment", vec![Use::Volume, Use::EnvFrom])
        );
        assert_eq!(
            (u[1].kind.as_str(), u[1].uses.clone()),
            ("Pod", vec![Use::Env])
        );
        assert!(used_by("Secret", "app", &objs).is_empty());
    }

    #[test]
    fn binary_data_is_shown_as_sizes() {
        let i = config_map(
            &json!({"data": {"a.conf": "x=1\ny=2\n"}, "binaryData": {"logo.png": B64.encode([0u8; 300])}}),
        );
        assert_eq!(i.data[0].size, 8);
        assert_eq!(
            (i.binary[0].key.as_str(), i.binary[0].size),
            ("logo.png", 300)
        );
    }

    #[test]
    fn a_corefile_reads_as_zones_upstreams_and_host_entries() {
        // kubeadm's Corefile, a stub domain and host entries
        let text = ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n    }\n    hosts {\n       10.0.0.5 registry.corp registry\n       fallthrough\n    }\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n}\ncorp.example:53 {\n    forward . 10.150.0.1 10.150.0.2 # the office resolvers\n}\n";
        let b = corefile(text);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].zones.clone(), b[0].port.as_deref()),
            (vec![".".to_owned()], Some("53"))
        );
        assert_eq!(b[0].upstreams, ["/etc/resolv.conf"]);
        assert_eq!(b[0].hosts, ["10.0.0.5 registry.corp registry"]);
        assert_eq!(
            b[0].plugins,
            [
                "errors",
                "health",
                "ready",
                "kubernetes",
                "hosts",
                "forward",
                "cache"
            ]
        );
        assert_eq!(
            (b[1].zones.clone(), b[1].upstreams.clone()),
            (
                vec!["corp.example".to_owned()],
                vec!["10.150.0.1".to_owned(), "10.150.0.2".to_owned()]
            )
        );
        assert!(b[1].hosts.is_empty());
        assert_eq!(config_map(&json!({"data": {"k": "v"}})).corefile, None);
    }
}

//! Services (ports, selected pods, endpoints) and Ingresses (routes, backends, TLS certificates).

use super::{Warning, certificate_warnings};
use crate::x509::Certificate;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A port as Kubernetes writes an IntOrString (`8080` or `http`).
fn int_or_string(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// One port of a Service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ServicePort {
    /// Its name (needed when there are several).
    pub name: Option<String>,
    /// TCP, UDP or SCTP.
    pub protocol: String,
    /// The port clients connect to on the cluster IP.
    pub port: i64,
    /// The pods' port: a number or a container port's name (defaults to `port`).
    pub target_port: String,
    /// The port opened on every node (NodePort and LoadBalancer).
    pub node_port: Option<i64>,
}

/// A pod a Service's selector matches (from the pod index).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SelectedPod {
    /// Its name.
    pub name: String,
    /// All its containers ready (it receives traffic).
    pub ready: bool,
    /// `ready/total` containers.
    pub containers_ready: String,
    /// kubectl's STATUS.
    pub status: String,
    /// Pod IP.
    pub ip: Option<String>,
    /// Its node.
    pub node: Option<String>,
}

/// One address of the Service's Endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EndpointAddress {
    /// IP.
    pub ip: String,
    /// Ready (in `addresses`) or not (in `notReadyAddresses`).
    pub ready: bool,
    /// The pod behind it (`targetRef`).
    pub pod: Option<String>,
    /// Its node.
    pub node: Option<String>,
    /// The ports of its subset, as `name:port/protocol`.
    pub ports: Vec<String>,
}

/// What a Service's page shows beyond its YAML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ServiceInsight {
    /// ClusterIP, NodePort, LoadBalancer or ExternalName.
    #[serde(rename = "type")]
    pub type_: String,
    /// Cluster IP (`None` for a headless Service).
    pub cluster_ip: Option<String>,
    /// `spec.externalIPs`.
    pub external_ips: Vec<String>,
    /// The load balancer's addresses (`status.loadBalancer.ingress`: IPs and host names).
    pub load_balancer: Vec<String>,
    /// An ExternalName Service's DNS name.
    pub external_name: Option<String>,
    /// Session affinity (`None` or `ClientIP`).
    pub session_affinity: Option<String>,
    /// Ports.
    pub ports: Vec<ServicePort>,
    /// The selector (empty: the Service's endpoints are managed by hand).
    pub selector: BTreeMap<String, String>,
    /// The pods it selects, ready first, then by name.
    pub pods: Vec<SelectedPod>,
    /// The addresses of its Endpoints object (null when it has none).
    pub endpoints: Option<Vec<EndpointAddress>>,
    /// A selector matching no pod; target ports no selected container declares.
    pub warnings: Vec<Warning>,
}

/// The Service's view. `pods` are those its selector matches in its namespace; `templates` are pod specs
/// standing for them (one pod per owner: pods of one owner share their containers); `endpoints` its Endpoints.
pub fn service(
    svc: &Value,
    mut pods: Vec<SelectedPod>,
    templates: &[Value],
    endpoints: Option<&Value>,
) -> ServiceInsight {
    let spec = &svc["spec"];
    let ports: Vec<ServicePort> = arr(&spec["ports"])
        .iter()
        .map(|p| ServicePort {
            name: text(&p["name"]),
            protocol: text(&p["protocol"]).unwrap_or_else(|| "TCP".into()),
            port: p["port"].as_i64().unwrap_or(0),
            target_port: int_or_string(&p["targetPort"]).unwrap_or_else(|| p["port"].to_string()),
            node_port: p["nodePort"].as_i64().filter(|n| *n != 0),
        })
        .collect();
    let selector: BTreeMap<String, String> = spec["selector"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    pods.sort_by(|a, b| b.ready.cmp(&a.ready).then_with(|| a.name.cmp(&b.name)));
    let type_ = text(&spec["type"]).unwrap_or_else(|| "ClusterIP".into());
    let mut warnings = Vec::new();
    let name = svc["metadata"]["name"].as_str().unwrap_or_default();
    if !selector.is_empty() && pods.is_empty() && type_ != "ExternalName" {
        let sel = selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        warnings.push(Warning::new(
            "warning",
            "selector_matches_no_pod",
            format!("the selector {sel} matches no pod in the namespace: Service {name} sends traffic nowhere"),
            &[("selector", sel)],
        ));
    }
    if !templates.is_empty() {
        for p in &ports {
            if !declared(templates, &p.target_port, &p.protocol) {
                warnings.push(Warning::new(
                    "warning",
                    "target_port_unmatched",
                    format!("target port {} (port {}/{}) matches no container port of the selected pods", p.target_port, p.port, p.protocol),
                    &[("port", p.port.to_string()), ("target_port", p.target_port.clone()), ("protocol", p.protocol.clone())],
                ));
            }
        }
    }
    ServiceInsight {
        type_,
        cluster_ip: text(&spec["clusterIP"]).filter(|ip| ip != "None"),
        external_ips: arr(&spec["externalIPs"]).iter().filter_map(text).collect(),
        load_balancer: arr(&svc["status"]["loadBalancer"]["ingress"])
            .iter()
            .filter_map(|i| text(&i["ip"]).or_else(|| text(&i["hostname"])))
            .collect(),
        external_name: text(&spec["externalName"]),
        session_affinity: text(&spec["sessionAffinity"]),
        ports,
        selector,
        pods,
        endpoints: endpoints.map(endpoint_addresses),
        warnings,
    }
}

/// Whether some container of the pod specs declares `target` (a number, or a port's name) for `protocol`.
fn declared(templates: &[Value], target: &str, protocol: &str) -> bool {
    let number: Option<i64> = target.parse().ok();
    templates.iter().any(|spec| {
        arr(&spec["containers"])
            .iter()
            .flat_map(|c| arr(&c["ports"]))
            .any(|cp| {
                let proto = cp["protocol"].as_str().unwrap_or("TCP");
                let hit = match number {
                    Some(n) => cp["containerPort"].as_i64() == Some(n),
                    None => cp["name"].as_str() == Some(target),
                };
                hit && proto == protocol
            })
    })
}

fn endpoint_addresses(ep: &Value) -> Vec<EndpointAddress> {
    let mut out = Vec::new();
    for subset in arr(&ep["subsets"]) {
        let ports: Vec<String> = arr(&subset["ports"])
            .iter()
            .map(|p| {
                let port = format!("{}/{}", p["port"], p["protocol"].as_str().unwrap_or("TCP"));
                match p["name"].as_str().filter(|n| !n.is_empty()) {
                    Some(n) => format!("{n}:{port}"),
                    None => port,
                }
            })
            .collect();
        for (field, ready) in [("addresses", true), ("notReadyAddresses", false)] {
            for a in arr(&subset[field]) {
                out.push(EndpointAddress {
                    ip: a["ip"].as_str().unwrap_or_default().to_owned(),
                    ready,
                    pod: (a["targetRef"]["kind"] == "Pod")
                        .then(|| text(&a["targetRef"]["name"]))
                        .flatten(),
                    node: text(&a["nodeName"]),
                    ports: ports.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.ready
            .cmp(&a.ready)
            .then_with(|| a.pod.cmp(&b.pod))
            .then_with(|| a.ip.cmp(&b.ip))
    });
    out
}

/// Where one Ingress path sends its requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct IngressRoute {
    /// Host (`None`: every host).
    pub host: Option<String>,
    /// Path (`None`: every path).
    pub path: Option<String>,
    /// Exact, Prefix or ImplementationSpecific.
    pub path_type: Option<String>,
    /// The backend Service (`None` for a resource backend).
    pub service: Option<String>,
    /// Its port: a number or a port's name.
    pub port: Option<String>,
    /// A resource backend instead, as `Kind/name`.
    pub resource: Option<String>,
    /// False when the Service or its port does not exist.
    pub ok: bool,
}

/// One TLS entry of an Ingress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct IngressTls {
    /// The Secret holding the certificate.
    pub secret: Option<String>,
    /// The hosts it is for.
    pub hosts: Vec<String>,
    /// Its certificate (null when the Secret is missing or holds none).
    pub certificate: Option<Certificate>,
}

/// What an Ingress' page shows beyond its YAML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct IngressInsight {
    /// Its IngressClass (`spec.ingressClassName`, or the older `kubernetes.io/ingress.class` annotation).
    pub class: Option<String>,
    /// Rules as host → path → service:port, then the default backend (host and path null).
    pub routes: Vec<IngressRoute>,
    /// TLS entries with their certificates.
    pub tls: Vec<IngressTls>,
    /// The load balancer's addresses.
    pub addresses: Vec<String>,
    /// Missing backends and ports, missing or unreadable TLS Secrets, expiry, hosts a certificate does not cover.
    pub warnings: Vec<Warning>,
}

/// What the API layer found for a TLS entry's Secret.
pub enum TlsSecret {
    /// No such Secret.
    Missing,
    /// The Secret's `tls.crt`, as PEM text (empty when it has none).
    Found(String),
}

/// The Ingress' view (networking.k8s.io/v1 or v1beta1). `services` maps each backend Service named to the live
/// object (`None`: it does not exist); `secrets` each TLS Secret named to what was found.
pub fn ingress(
    ing: &Value,
    services: &BTreeMap<String, Option<Value>>,
    secrets: &BTreeMap<String, TlsSecret>,
    now: DateTime<Utc>,
) -> IngressInsight {
    let spec = &ing["spec"];
    let mut warnings = Vec::new();
    let mut routes = Vec::new();
    for rule in arr(&spec["rules"]) {
        for p in arr(&rule["http"]["paths"]) {
            routes.push(route(
                text(&rule["host"]),
                text(&p["path"]),
                text(&p["pathType"]),
                &p["backend"],
                services,
                &mut warnings,
            ));
        }
    }
    for b in [&spec["defaultBackend"], &spec["backend"]] {
        if b.is_object() {
            routes.push(route(None, None, None, b, services, &mut warnings));
        }
    }
    let rule_hosts: Vec<String> = arr(&spec["rules"])
        .iter()
        .filter_map(|r| text(&r["host"]))
        .collect();
    let tls = arr(&spec["tls"])
        .iter()
        .map(|t| {
            let secret = text(&t["secretName"]);
            let hosts: Vec<String> = arr(&t["hosts"]).iter().filter_map(text).collect();
            let certificate = secret.as_ref().and_then(|s| match secrets.get(s) {
                Some(TlsSecret::Missing) | None => {
                    warnings.push(Warning::new(
                        "error",
                        "tls_secret_missing",
                        format!("TLS Secret {s} does not exist"),
                        &[("secret", s.clone())],
                    ));
                    None
                }
                Some(TlsSecret::Found(pem)) => {
                    let cert = crate::x509::certificates(pem).into_iter().next();
                    if cert.is_none() {
                        warnings.push(Warning::new(
                            "error",
                            "tls_secret_unreadable",
                            format!("Secret {s} holds no certificate in tls.crt"),
                            &[("secret", s.clone())],
                        ));
                    }
                    cert
                }
            });
            if let (Some(cert), Some(s)) = (&certificate, &secret) {
                warnings.extend(certificate_warnings(cert, now, s));
                // an entry without hosts serves the rules' hosts
                let checked = if hosts.is_empty() {
                    &rule_hosts
                } else {
                    &hosts
                };
                for h in checked.iter().filter(|h| !cert.covers(h)) {
                    warnings.push(Warning::new(
                        "error",
                        "host_not_covered",
                        format!(
                            "the certificate of {s} does not cover {h} (it names {})",
                            names(cert)
                        ),
                        &[
                            ("secret", s.clone()),
                            ("host", h.clone()),
                            ("names", names(cert)),
                        ],
                    ));
                }
            }
            IngressTls {
                secret,
                hosts,
                certificate,
            }
        })
        .collect();
    IngressInsight {
        class: text(&spec["ingressClassName"])
            .or_else(|| text(&ing["metadata"]["annotations"]["kubernetes.io/ingress.class"])),
        routes,
        tls,
        addresses: arr(&ing["status"]["loadBalancer"]["ingress"])
            .iter()
            .filter_map(|i| text(&i["ip"]).or_else(|| text(&i["hostname"])))
            .collect(),
        warnings,
    }
}

fn names(cert: &Certificate) -> String {
    if cert.sans.is_empty() {
        cert.subject.clone()
    } else {
        cert.sans.join(", ")
    }
}

/// One backend (v1: `service.name` / `service.port.number|name`; v1beta1: `serviceName` / `servicePort`),
/// checked against the Services found.
fn route(
    host: Option<String>,
    path: Option<String>,
    path_type: Option<String>,
    b: &Value,
    services: &BTreeMap<String, Option<Value>>,
    warnings: &mut Vec<Warning>,
) -> IngressRoute {
    let service = text(&b["service"]["name"]).or_else(|| text(&b["serviceName"]));
    let port = int_or_string(&b["service"]["port"]["number"])
        .or_else(|| int_or_string(&b["service"]["port"]["name"]))
        .or_else(|| int_or_string(&b["servicePort"]));
    let resource = b["resource"]["name"]
        .as_str()
        .map(|n| format!("{}/{n}", b["resource"]["kind"].as_str().unwrap_or_default()));
    let mut ok = true;
    let at = format!(
        "{}{}",
        host.as_deref().unwrap_or("*"),
        path.as_deref().unwrap_or("")
    );
    if let Some(s) = &service {
        match services.get(s) {
            Some(Some(svc)) => {
                if let Some(p) = &port {
                    let number: Option<i64> = p.parse().ok();
                    let found = arr(&svc["spec"]["ports"]).iter().any(|sp| match number {
                        Some(n) => sp["port"].as_i64() == Some(n),
                        None => sp["name"].as_str() == Some(p),
                    });
                    if !found {
                        ok = false;
                        warnings.push(Warning::new(
                            "warning",
                            "backend_port_missing",
                            format!(
                                "{at} routes to port {p} of Service {s}, which has no such port"
                            ),
                            &[
                                ("service", s.clone()),
                                ("port", p.clone()),
                                ("route", at.clone()),
                            ],
                        ));
                    }
                }
            }
            _ => {
                ok = false;
                warnings.push(Warning::new(
                    "warning",
                    "backend_service_missing",
                    format!("{at} routes to Service {s}, which does not exist"),
                    &[("service", s.clone()), ("route", at.clone())],
                ));
            }
        }
    }
    IngressRoute {
        host,
        path,
        path_type,
        service,
        port,
        resource,
        ok,
    }
}

/// A LabelSelector (`matchLabels` / `matchExpressions`) as kubectl prints it, `None` when empty: what the pod
/// index is asked for a Service's or a NetworkPolicy's pods.
pub fn selector_text(sel: &Value) -> Option<String> {
    crate::resource::views::selector(sel)
}

/// Who a NetworkPolicy rule lets in (or out to): one peer of its `from` / `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PolicyPeer {
    /// A pod selector (`""`: every pod); with no namespace selector, pods of the policy's own namespace.
    pub pods: Option<String>,
    /// A namespace selector (`""`: every namespace).
    pub namespaces: Option<String>,
    /// An IP range (CIDR).
    pub cidr: Option<String>,
    /// Ranges inside `cidr` left out.
    pub except: Vec<String>,
}

/// One ingress or egress rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PolicyRule {
    /// The peers (empty: anyone, anywhere).
    pub peers: Vec<PolicyPeer>,
    /// Ports as `TCP/5432` or `TCP/http` (empty: every port).
    pub ports: Vec<String>,
}

/// A NetworkPolicy read as sentences: which pods it selects, who may reach them, where they may go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NetworkPolicyInsight {
    /// The pod selector (`""`: every pod of the namespace).
    pub pod_selector: String,
    /// The pods of the namespace it selects now (from the pod index).
    pub pods: Vec<String>,
    /// Incoming traffic: null when the policy does not restrict it, empty when it denies all, else the rules
    /// (any rule's match lets the traffic in).
    pub ingress: Option<Vec<PolicyRule>>,
    /// Outgoing traffic, the same way.
    pub egress: Option<Vec<PolicyRule>>,
}

/// The NetworkPolicy's view; `pods` are the ones its selector matches now. As the API server defaults them,
/// `policyTypes` is `Ingress`, plus `Egress` when the policy has egress rules.
pub fn network_policy(np: &Value, mut pods: Vec<String>) -> NetworkPolicyInsight {
    let spec = &np["spec"];
    let types: Vec<&str> = match spec["policyTypes"].as_array() {
        Some(t) => t.iter().filter_map(Value::as_str).collect(),
        None if spec["egress"].is_array() => vec!["Ingress", "Egress"],
        None => vec!["Ingress"],
    };
    let rules = |field: &str, peers: &str| -> Vec<PolicyRule> {
        arr(&spec[field])
            .iter()
            .map(|r| PolicyRule {
                peers: arr(&r[peers])
                    .iter()
                    .map(|p| PolicyPeer {
                        pods: p
                            .get("podSelector")
                            .map(|s| selector_text(s).unwrap_or_default()),
                        namespaces: p
                            .get("namespaceSelector")
                            .map(|s| selector_text(s).unwrap_or_default()),
                        cidr: text(&p["ipBlock"]["cidr"]),
                        except: arr(&p["ipBlock"]["except"])
                            .iter()
                            .filter_map(text)
                            .collect(),
                    })
                    .collect(),
                ports: arr(&r["ports"])
                    .iter()
                    .map(|p| {
                        let proto = p["protocol"].as_str().unwrap_or("TCP");
                        match int_or_string(&p["port"]) {
                            Some(port) => format!("{proto}/{port}"),
                            None => proto.to_owned(),
                        }
                    })
                    .collect(),
            })
            .collect()
    };
    pods.sort();
    NetworkPolicyInsight {
        pod_selector: selector_text(&spec["podSelector"]).unwrap_or_default(),
        pods,
        ingress: types.contains(&"Ingress").then(|| rules("ingress", "from")),
        egress: types.contains(&"Egress").then(|| rules("egress", "to")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, ready: bool) -> SelectedPod {
        SelectedPod {
            name: name.into(),
            ready,
            containers_ready: if ready { "1/1" } else { "0/1" }.into(),
            status: "Running".into(),
            ip: None,
            node: None,
        }
    }

    #[test]
    fn a_service_shows_its_ports_pods_and_what_is_wrong() {
        let svc = json!({"metadata": {"name": "web"}, "spec": {"type": "NodePort", "clusterIP": "10.96.0.9", "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080, "protocol": "TCP"},
                      {"name": "metrics", "port": 9090, "targetPort": 9091, "protocol": "TCP"},
                      {"name": "dns", "port": 53, "protocol": "UDP"}]}});
        let template = json!({"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}, {"containerPort": 53, "protocol": "UDP"}]}]});
        let s = service(
            &svc,
            vec![pod("b", false), pod("a", true)],
            &[template],
            None,
        );
        assert_eq!(s.ports[0].target_port, "http");
        assert_eq!(s.ports[0].node_port, Some(30080));
        assert_eq!(
            s.ports[2].target_port, "53",
            "the target port defaults to the port"
        );
        assert_eq!(
            s.pods.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"],
            "ready first"
        );
        let unmatched: Vec<&str> = s
            .warnings
            .iter()
            .map(|w| w.params["target_port"].as_str())
            .collect();
        assert_eq!(unmatched, ["9091"], "{:?}", s.warnings);

        let nothing = service(&svc, vec![], &[], None);
        assert_eq!(nothing.warnings.len(), 1);
        assert_eq!(
            (
                nothing.warnings[0].code,
                nothing.warnings[0].params["selector"].as_str()
            ),
            ("selector_matches_no_pod", "app=web")
        );
        // a Service without a selector has its endpoints managed by hand: nothing to flag
        let manual = json!({"metadata": {"name": "ext"}, "spec": {"clusterIP": "None", "ports": [{"port": 5432}]}});
        let m = service(
            &manual,
            vec![],
            &[],
            Some(
                &json!({"subsets": [{"addresses": [{"ip": "192.0.2.1"}], "ports": [{"port": 5432}]}]}),
            ),
        );
        assert!(m.warnings.is_empty());
        assert_eq!(m.cluster_ip, None);
        assert_eq!(m.endpoints.unwrap()[0].ports, ["5432/TCP"]);
    }

    fn tls_cert() -> String {
        include_str!("../../../testdata/tls/shop.crt").to_owned()
    }

    #[test]
    fn an_ingress_flags_missing_backends_ports_and_uncovered_hosts_in_either_version() {
        let web = json!({"spec": {"ports": [{"name": "http", "port": 80}]}});
        let services: BTreeMap<String, Option<Value>> =
            [("web".to_owned(), Some(web)), ("gone".to_owned(), None)].into();
        let secrets: BTreeMap<String, TlsSecret> = [
            ("shop-tls".to_owned(), TlsSecret::Found(tls_cert())),
            ("lost".to_owned(), TlsSecret::Missing),
        ]
        .into();
        let v1 = json!({"spec": {"ingressClassName": "nginx",
            "tls": [{"hosts": ["shop.example.com", "blog.example.com"], "secretName": "shop-tls"}, {"secretName": "lost"}],
            "rules": [{"host": "shop.example.com", "http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"name": "http"}}}},
                {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 8080}}}},
                {"path": "/old", "pathType": "Prefix", "backend": {"service": {"name": "gone", "port": {"number": 80}}}}]}}]}});
        let beta = json!({"metadata": {"annotations": {"kubernetes.io/ingress.class": "nginx"}}, "spec": {
            "tls": [{"hosts": ["shop.example.com", "blog.example.com"], "secretName": "shop-tls"}, {"secretName": "lost"}],
            "rules": [{"host": "shop.example.com", "http": {"paths": [
                {"path": "/", "backend": {"serviceName": "web", "servicePort": "http"}},
                {"path": "/api", "backend": {"serviceName": "web", "servicePort": 8080}},
                {"path": "/old", "backend": {"serviceName": "gone", "servicePort": 80}}]}}]}});
        let now = "2030-01-01T00:00:00Z".parse().unwrap();
        for obj in [v1, beta] {
            let i = ingress(&obj, &services, &secrets, now);
            assert_eq!(i.class.as_deref(), Some("nginx"));
            assert_eq!(
                i.routes.iter().map(|r| r.ok).collect::<Vec<_>>(),
                [true, false, false]
            );
            assert_eq!(i.routes[1].port.as_deref(), Some("8080"));
            let codes: Vec<(&str, &str)> =
                i.warnings.iter().map(|w| (w.code, w.severity)).collect();
            assert_eq!(
                codes,
                [
                    ("backend_port_missing", "warning"),
                    ("backend_service_missing", "warning"),
                    ("host_not_covered", "error"),
                    ("tls_secret_missing", "error")
                ]
            );
            assert_eq!(i.warnings[2].params["host"], "blog.example.com");
            assert_eq!(
                i.tls[0].certificate.as_ref().unwrap().sans[0],
                "shop.example.com"
            );
        }
        // expiry: a warning within 30 days, an error once past
        let cert = &crate::x509::certificates(&tls_cert())[0];
        let soon = cert.not_after - chrono::Duration::days(10);
        let w = super::super::certificate_warnings(cert, soon, "shop-tls");
        assert_eq!(
            (w[0].code, w[0].severity, w[0].params["days"].as_str()),
            ("certificate_expiring", "warning", "10")
        );
        let w = super::super::certificate_warnings(
            cert,
            cert.not_after + chrono::Duration::seconds(1),
            "shop-tls",
        );
        assert_eq!((w[0].code, w[0].severity), ("certificate_expired", "error"));
        assert!(
            super::super::certificate_warnings(
                cert,
                cert.not_after - chrono::Duration::days(31),
                "s"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_network_policy_reads_as_who_may_reach_which_pods() {
        let np = json!({"spec": {"podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}},
                                  {"namespaceSelector": {"matchLabels": {"team": "ops"}}, "podSelector": {}},
                                  {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                         "ports": [{"protocol": "TCP", "port": 5432}, {"port": "metrics"}]}]}});
        let i = network_policy(&np, vec!["db-1".into(), "db-0".into()]);
        assert_eq!(i.pod_selector, "app=db");
        assert_eq!(i.pods, ["db-0", "db-1"]);
        assert_eq!(i.egress, None, "egress is not restricted");
        let rule = &i.ingress.as_ref().unwrap()[0];
        assert_eq!(rule.ports, ["TCP/5432", "TCP/metrics"]);
        assert_eq!(
            (
                rule.peers[0].pods.as_deref(),
                rule.peers[0].namespaces.as_deref()
            ),
            (Some("app=web"), None)
        );
        assert_eq!(
            (
                rule.peers[1].pods.as_deref(),
                rule.peers[1].namespaces.as_deref()
            ),
            (Some(""), Some("team=ops"))
        );
        assert_eq!(
            (rule.peers[2].cidr.as_deref(), rule.peers[2].except.clone()),
            (Some("10.0.0.0/8"), vec!["10.1.0.0/16".to_owned()])
        );
        // deny all: Ingress and Egress listed, no rules
        let deny = network_policy(
            &json!({"spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
            vec![],
        );
        assert_eq!(
            (deny.pod_selector.as_str(), deny.ingress, deny.egress),
            ("", Some(vec![]), Some(vec![]))
        );
        // egress rules imply Egress; an empty rule lets everything out
        let out = network_policy(
            &json!({"spec": {"podSelector": {}, "egress": [{}]}}),
            vec![],
        );
        assert_eq!(
            out.egress,
            Some(vec![PolicyRule {
                peers: vec![],
                ports: vec![]
            }])
        );
        assert_eq!(out.ingress, Some(vec![]));
    }
}

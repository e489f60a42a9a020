//! Service, Endpoints, Ingress, IngressClass, NetworkPolicy.

use super::{
    View, arr, first_of, int, labels, len, list, load_balancer, plain, selector, strings, text,
    with_status,
};
use crate::resource::row::{Column, ColumnType::*, Health, Projection};
use serde_json::Value;

/// TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S) (+ wide SELECTOR). Status only for a LoadBalancer still waiting for
/// its address: `Pending`, Progressing; other services have none.
pub(super) static SERVICES: View = View {
    columns: &[
        Column::new("type", "TYPE", Text, false),
        Column::new("cluster_ip", "CLUSTER-IP", Text, false),
        Column::new("external_ip", "EXTERNAL-IP", Text, false),
        Column::new("ports", "PORT(S)", Text, false),
        Column::new("selector", "SELECTOR", Text, true),
    ],
    project: service,
};

/// ENDPOINTS (`ip:port,...`, the first 3 then ` + N more...`). Health: every address ready `Ready` Ok, some
/// not ready `Partially ready` Progressing, only unready ones `Not ready` Error, none at all `No endpoints`
/// Warning (the service sends traffic nowhere).
pub(super) static ENDPOINTS: View = View {
    columns: &[Column::new("endpoints", "ENDPOINTS", Text, false)],
    project: endpoints,
};

/// CLASS, HOSTS, ADDRESS, PORTS; networking.k8s.io/v1 and v1beta1 alike. CLASS falls back to the
/// `kubernetes.io/ingress.class` annotation older controllers use. No status (many controllers never publish
/// an address, so a missing one says nothing).
pub(super) static INGRESSES: View = View {
    columns: &[
        Column::new("class", "CLASS", Text, false),
        Column::new("hosts", "HOSTS", Text, false),
        Column::new("address", "ADDRESS", Text, false),
        Column::new("ports", "PORTS", Text, false),
    ],
    project: ingress,
};

/// CONTROLLER, PARAMETERS (`Kind.group/name`), and DEFAULT (`true` for the cluster's default class, from
/// `ingressclass.kubernetes.io/is-default-class`). No status.
pub(super) static INGRESS_CLASSES: View = View {
    columns: &[
        Column::new("controller", "CONTROLLER", Text, false),
        Column::new("parameters", "PARAMETERS", Text, false),
        Column::new("default", "DEFAULT", Text, false),
    ],
    project: ingress_class,
};

/// POD-SELECTOR (`<none>` when it selects every pod of the namespace). No status.
pub(super) static NETWORK_POLICIES: View = View {
    columns: &[Column::new("pod_selector", "POD-SELECTOR", Text, false)],
    project: |np| plain(vec![selector(&np["spec"]["podSelector"])]),
};

fn service(svc: &Value) -> Projection {
    let spec = &svc["spec"];
    let ty = spec["type"].as_str().unwrap_or("ClusterIP");
    let external: Vec<&str> = strings(&spec["externalIPs"]);
    let lb = load_balancer(&svc["status"]);
    let external_ip = match ty {
        "ClusterIP" | "NodePort" => list(&external, ","),
        "LoadBalancer" if lb.is_empty() && external.is_empty() => Some("<pending>".into()),
        "LoadBalancer" => list(&[lb.as_slice(), external.as_slice()].concat(), ","),
        "ExternalName" => text(&spec["externalName"]),
        _ => Some("<unknown>".into()),
    };
    let ports: Vec<String> = arr(&spec["ports"])
        .iter()
        .map(|p| {
            let proto = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64() {
                Some(node) if node != 0 => format!("{}:{node}/{proto}", int(&p["port"])),
                _ => format!("{}/{proto}", int(&p["port"])),
            }
        })
        .collect();
    let cells = vec![
        Some(ty.to_owned()),
        text(&spec["clusterIP"]),
        external_ip,
        list(&ports, ","),
        labels(&spec["selector"]),
    ];
    if ty == "LoadBalancer" && lb.is_empty() {
        with_status(cells, "Pending", Health::Progressing)
    } else {
        plain(cells)
    }
}

/// `ip:port` (`[ip]:port` for IPv6), as Go's `net.JoinHostPort`.
fn host_port(ip: &str, port: &Value) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

fn endpoints(ep: &Value) -> Projection {
    const SHOWN: usize = 3;
    let (mut shown, mut total, mut unready) = (Vec::new(), 0, 0);
    for subset in arr(&ep["subsets"]) {
        let ips: Vec<&str> = arr(&subset["addresses"])
            .iter()
            .filter_map(|a| a["ip"].as_str())
            .collect();
        unready += len(&subset["notReadyAddresses"]);
        // one `ip:port` per port and address; a headless service without ports lists bare IPs
        let ports: Vec<Option<&Value>> = match arr(&subset["ports"]) {
            [] => vec![None],
            ports => ports.iter().map(|p| p.get("port")).collect(),
        };
        for port in ports {
            total += ips.len();
            let room = SHOWN.saturating_sub(shown.len());
            shown.extend(ips.iter().take(room).map(|ip| match port {
                Some(port) => host_port(ip, port),
                None => (*ip).to_owned(),
            }));
        }
    }
    let cells = vec![first_of(&shown, total, ",")];
    let (status, health) = match (total, unready) {
        (0, 0) => ("No endpoints", Health::Warning),
        (0, _) => ("Not ready", Health::Error),
        (_, 0) => ("Ready", Health::Ok),
        _ => ("Partially ready", Health::Progressing),
    };
    with_status(cells, status, health)
}

fn ingress(ing: &Value) -> Projection {
    const SHOWN: usize = 3;
    let spec = &ing["spec"];
    let class = text(&spec["ingressClassName"])
        .or_else(|| text(&ing["metadata"]["annotations"]["kubernetes.io/ingress.class"]));
    let hosts: Vec<String> = arr(&spec["rules"])
        .iter()
        .filter_map(|r| text(&r["host"]))
        .collect();
    let shown = &hosts[..hosts.len().min(SHOWN)];
    let ports = if len(&spec["tls"]) > 0 {
        "80, 443"
    } else {
        "80"
    };
    plain(vec![
        class,
        Some(first_of(shown, hosts.len(), ",").unwrap_or_else(|| "*".into())),
        list(&load_balancer(&ing["status"]), ","),
        Some(ports.into()),
    ])
}

fn ingress_class(ic: &Value) -> Projection {
    let params = &ic["spec"]["parameters"];
    let parameters = params["name"].as_str().map(|name| {
        let kind = params["kind"].as_str().unwrap_or_default();
        match params["apiGroup"].as_str() {
            Some(g) if !g.is_empty() => format!("{kind}.{g}/{name}"),
            _ => format!("{kind}/{name}"),
        }
    });
    let default =
        ic["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "true";
    plain(vec![
        text(&ic["spec"]["controller"]),
        parameters,
        default.then(|| "true".into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::testing::see;
    use crate::resource::row::Health;
    use serde_json::json;

    #[test]
    fn services_read_as_kubectl_shows_them() {
        let s = see(
            "services",
            json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"type": "NodePort", "clusterIP": "10.96.12.7", "clusterIPs": ["10.96.12.7"],
                         "selector": {"app": "web", "tier": "front"},
                         "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080},
                                   {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443, "nodePort": 30443}]},
                "status": {"loadBalancer": {}}
            }),
        );
        assert_eq!(s.cell("type"), Some("NodePort"));
        assert_eq!(s.cell("cluster_ip"), Some("10.96.12.7"));
        assert_eq!(s.cell("external_ip"), None);
        assert_eq!(s.cell("ports"), Some("80/TCP,443:30443/TCP"));
        assert_eq!(s.cell("selector"), Some("app=web,tier=front"));
        assert_eq!((s.status(), s.p.health), (None, Health::Neutral));

        let lb = json!({
            "metadata": {"name": "edge", "namespace": "shop"},
            "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.50", "externalIPs": ["192.0.2.10"],
                     "ports": [{"port": 53, "protocol": "UDP", "nodePort": 31053}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.5"}, {"hostname": "lb.example.com"}]}}
        });
        let s = see("services", lb.clone());
        assert_eq!(
            s.cell("external_ip"),
            Some("203.0.113.5,lb.example.com,192.0.2.10")
        );
        assert_eq!(s.cell("ports"), Some("53:31053/UDP"));
        assert_eq!(s.status(), None);

        let mut pending = lb;
        pending["spec"]["externalIPs"] = json!(null);
        pending["status"] = json!({"loadBalancer": {}});
        let s = see("services", pending);
        assert_eq!(s.cell("external_ip"), Some("<pending>"));
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Pending"), Health::Progressing)
        );

        let s = see(
            "services",
            json!({"metadata": {"name": "db"}, "spec": {"type": "ExternalName", "externalName": "db.example.com"}}),
        );
        assert_eq!(
            (s.cell("cluster_ip"), s.cell("external_ip")),
            (None, Some("db.example.com"))
        );

        let s = see(
            "services",
            json!({"metadata": {"name": "db-headless"}, "spec": {"clusterIP": "None", "selector": {"app": "db"}}}),
        );
        assert_eq!(
            (s.cell("type"), s.cell("cluster_ip"), s.cell("ports")),
            (Some("ClusterIP"), Some("None"), None)
        );
    }

    #[test]
    fn endpoints_show_the_first_three_then_how_many_more() {
        let s = see(
            "endpoints",
            json!({
                "apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": "web", "namespace": "shop"},
                "subsets": [
                    {"addresses": [{"ip": "10.244.1.7"}, {"ip": "10.244.2.9"}],
                     "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}, {"name": "metrics", "port": 9090, "protocol": "TCP"}]},
                    {"addresses": [{"ip": "fd00::5"}], "notReadyAddresses": [{"ip": "10.244.3.2"}],
                     "ports": [{"port": 8080, "protocol": "TCP"}]}
                ]
            }),
        );
        assert_eq!(
            s.cell("endpoints"),
            Some("10.244.1.7:8080,10.244.2.9:8080,10.244.1.7:9090 + 2 more...")
        );
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Partially ready"), Health::Progressing)
        );

        let s = see(
            "endpoints",
            json!({"metadata": {"name": "kubernetes", "namespace": "default"},
                   "subsets": [{"addresses": [{"ip": "172.18.0.2"}], "ports": [{"name": "https", "port": 6443}]}]}),
        );
        assert_eq!(s.cell("endpoints"), Some("172.18.0.2:6443"));
        assert_eq!(s.p.health, Health::Ok);

        let s = see(
            "endpoints",
            json!({"metadata": {"name": "v6"}, "subsets": [{"addresses": [{"ip": "fd00::5"}], "ports": [{"port": 80}]}]}),
        );
        assert_eq!(s.cell("endpoints"), Some("[fd00::5]:80"));

        let s = see(
            "endpoints",
            json!({"metadata": {"name": "headless"}, "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}]}]}),
        );
        assert_eq!(s.cell("endpoints"), Some("10.0.0.1,10.0.0.2"));

        let s = see("endpoints", json!({"metadata": {"name": "orphan"}}));
        assert_eq!(
            (s.cell("endpoints"), s.status(), s.p.health),
            (None, Some("No endpoints"), Health::Warning)
        );
        let s = see(
            "endpoints",
            json!({"metadata": {"name": "down"}, "subsets": [{"notReadyAddresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]}),
        );
        assert_eq!((s.cell("endpoints"), s.p.health), (None, Health::Error));
    }

    #[test]
    fn ingresses_read_the_same_in_v1_and_v1beta1() {
        let v1 = json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "shop", "namespace": "shop"},
            "spec": {"ingressClassName": "nginx",
                     "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
                     "rules": [{"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                 "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}},
                               {"host": "api.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                 "backend": {"service": {"name": "api", "port": {"name": "http"}}}}]}}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}]}}
        });
        let v1beta1 = json!({
            "apiVersion": "networking.k8s.io/v1beta1", "kind": "Ingress",
            "metadata": {"name": "shop", "namespace": "shop", "annotations": {"kubernetes.io/ingress.class": "nginx"}},
            "spec": {"tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
                     "rules": [{"host": "shop.example.com", "http": {"paths": [{"path": "/",
                                 "backend": {"serviceName": "web", "servicePort": 80}}]}},
                               {"host": "api.example.com", "http": {"paths": [{"path": "/",
                                 "backend": {"serviceName": "api", "servicePort": "http"}}]}}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}]}}
        });
        for obj in [v1, v1beta1] {
            let s = see("ingresses", obj);
            assert_eq!(s.cell("class"), Some("nginx"));
            assert_eq!(s.cell("hosts"), Some("shop.example.com,api.example.com"));
            assert_eq!(s.cell("address"), Some("203.0.113.9"));
            assert_eq!(s.cell("ports"), Some("80, 443"));
            assert_eq!((s.status(), s.p.health), (None, Health::Neutral));
        }

        let rules: Vec<_> = (1..=5)
            .map(|i| json!({"host": format!("h{i}.example.com")}))
            .collect();
        let s = see(
            "ingresses",
            json!({"metadata": {"name": "many"}, "spec": {"rules": rules}}),
        );
        assert_eq!(
            s.cell("hosts"),
            Some("h1.example.com,h2.example.com,h3.example.com + 2 more...")
        );
        assert_eq!(
            (s.cell("class"), s.cell("address"), s.cell("ports")),
            (None, None, Some("80"))
        );

        let s = see(
            "ingresses",
            json!({"metadata": {"name": "catch-all"}, "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}}),
        );
        assert_eq!(s.cell("hosts"), Some("*"));
    }

    #[test]
    fn ingress_classes_show_controller_parameters_and_default() {
        let s = see(
            "ingressclasses",
            json!({
                "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                "metadata": {"name": "nginx", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
                "spec": {"controller": "k8s.io/ingress-nginx",
                         "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb"}}
            }),
        );
        assert_eq!(s.cell("controller"), Some("k8s.io/ingress-nginx"));
        assert_eq!(
            s.cell("parameters"),
            Some("IngressParameters.k8s.example.com/external-lb")
        );
        assert_eq!(s.cell("default"), Some("true"));
        assert_eq!(s.p.health, Health::Neutral);

        let s = see(
            "ingressclasses",
            json!({"apiVersion": "networking.k8s.io/v1beta1", "metadata": {"name": "traefik"}, "spec": {"controller": "traefik.io/ingress-controller"}}),
        );
        assert_eq!((s.cell("parameters"), s.cell("default")), (None, None));
    }

    #[test]
    fn network_policies_show_their_pod_selector() {
        let s = see(
            "networkpolicies",
            json!({
                "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": "db-ingress", "namespace": "shop"},
                "spec": {"podSelector": {"matchLabels": {"app": "db"},
                                         "matchExpressions": [{"key": "tier", "operator": "In", "values": ["backend"]}]},
                         "policyTypes": ["Ingress"],
                         "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]}
            }),
        );
        assert_eq!(s.cell("pod_selector"), Some("app=db,tier in (backend)"));
        let s = see(
            "networkpolicies",
            json!({"metadata": {"name": "deny-all"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
        );
        assert_eq!((s.cell("pod_selector"), s.status()), (None, None));
    }
}

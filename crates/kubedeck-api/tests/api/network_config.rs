//! Services, Ingresses, Secrets and ConfigMaps beyond the generic engine (issue 15), against the testbed and
//! checked with kubectl: a Service's selected pods are its Endpoints' pods, a selector matching nothing and a
//! target port no container declares are flagged; an Ingress pointing at a missing Service or port, and a host
//! its certificate does not cover, are flagged; a Secret is revealed one key at a time (audited with the key,
//! never the value; a viewer is refused); a TLS Secret with a mismatched key is refused with nothing created,
//! a valid pair is created and its expiry is openssl's; a registry credential made by form decodes with kubectl
//! to the same credential; "used by" finds env, envFrom, volume and imagePullSecrets uses.

use crate::helpers::*;
use base64::Engine;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_testbed::{Namespace, Testbed, unique_name, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

on_one_backend!(a_service_selects_the_pods_of_its_endpoints_and_flags_what_is_wrong, a_network_policy_says_which_pods_it_selects_and_who_may_reach_them, secrets_are_revealed_one_key_at_a_time_and_made_by_form, config_maps_and_secrets_show_who_uses_them, an_ingress_flags_missing_backends_and_uncovered_hosts);

const WAIT: Duration = Duration::from_secs(90);
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const SHOP_CRT: &str = include_str!("../../../kubedeck-kube/testdata/tls/shop.crt");
const SHOP_KEY: &str = include_str!("../../../kubedeck-kube/testdata/tls/shop.key");
const OTHER_KEY: &str = include_str!("../../../kubedeck-kube/testdata/tls/other.key");

async fn setup() -> (Testbed, TestApp, String, String) {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    (tb, app, admin, format!("/api/v1/k8s/cluster/{id}"))
}

fn deployment(name: &str, replicas: u32, pod_spec_extra: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n{pod_spec_extra}      containers:\n      - name: web\n        image: nginx:1.25\n        ports: [{{name: http, containerPort: 8080}}]\n"
    )
}

fn apply_in(tb: &Testbed, ns: &str, yaml: &str) {
    let path = std::env::temp_dir().join(format!("{}.yaml", unique_name("nc")));
    std::fs::write(&path, yaml).unwrap();
    tb.kubectl_ok(&["-n", ns, "apply", "-f", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
}

async fn a_service_selects_the_pods_of_its_endpoints_and_flags_what_is_wrong() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "svc");
    let n = ns.name();
    apply_in(&tb, n, &deployment("web", 3, ""));
    apply_in(
        &tb,
        n,
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports:\n  - {name: http, port: 80, targetPort: http}\n  - {name: admin, port: 9000, targetPort: admin}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: nobody}\nspec:\n  selector: {app: nobody-here}\n  ports: [{port: 80}]\n",
    );
    // kubectl's answer: the pods behind the Endpoints, once all three are ready
    let endpoint_pods: BTreeSet<String> = wait_until("3 ready endpoints", WAIT, || {
        let ep = tb.kubectl_json(&["-n", n, "get", "endpoints", "web"]);
        let pods: BTreeSet<String> = ep["subsets"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["addresses"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a["targetRef"]["name"].as_str().map(str::to_owned))
            .collect();
        (pods.len() == 3).then_some(pods)
    });
    let svc = format!("{base}/namespaces/{n}/services");
    let s = eventually("the Service's pods from the pod index", WAIT, || async {
        let r = app.get(&format!("{svc}/web/insight"), &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let ready: BTreeSet<String> = r.body["service"]["pods"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["ready"] == true)
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        (ready == endpoint_pods).then_some(r.body["service"].clone())
    })
    .await;
    let endpoint_ips: BTreeSet<&str> = s["endpoints"].as_array().unwrap().iter().filter_map(|e| e["ip"].as_str()).collect();
    let pod_ips: BTreeSet<&str> = s["pods"].as_array().unwrap().iter().filter_map(|p| p["ip"].as_str()).collect();
    assert_eq!(endpoint_ips, pod_ips, "{s}");
    assert_eq!(s["type"], "NodePort");
    let live = tb.kubectl_json(&["-n", n, "get", "service", "web"]);
    assert_eq!(s["cluster_ip"], live["spec"]["clusterIP"]);
    assert_eq!(s["ports"][0]["node_port"], live["spec"]["ports"][0]["nodePort"]);
    assert_eq!(s["ports"][0]["target_port"], "http");
    assert_eq!(s["selector"], json!({"app": "web"}));
    // `admin` names no container port of the pods; `http` does
    let warnings: Vec<(&str, &str)> = s["warnings"].as_array().unwrap().iter().map(|w| (w["code"].as_str().unwrap(), w["params"]["target_port"].as_str().unwrap_or(""))).collect();
    assert_eq!(warnings, [("target_port_unmatched", "admin")], "{s}");

    let r = app.get(&format!("{svc}/nobody/insight"), &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["service"]["pods"], json!([]));
    assert_eq!(r.body["service"]["warnings"][0]["code"], "selector_matches_no_pod", "{}", r.body);
    assert_eq!(r.body["service"]["warnings"][0]["params"]["selector"], "app=nobody-here");
    let ep = tb.kubectl_json(&["-n", n, "get", "endpoints", "nobody"]);
    assert!(ep["subsets"].as_array().is_none_or(|s| s.is_empty()), "kubectl agrees: {ep}");

    // other kinds have no insight
    let r = app.get(&format!("{base}/namespaces/{n}/deployments/web/insight"), &admin).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("verb_not_supported")), "{}", r.body);
    app.stop().await;
}

async fn secrets_are_revealed_one_key_at_a_time_and_made_by_form() {
    let logs = crate::resources::captured_logs();
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "sec");
    let n = ns.name();
    let value = unique_name("pw-value");
    let other = unique_name("user-value");
    tb.kubectl_ok(&["-n", n, "create", "secret", "generic", "db", &format!("--from-literal=password={value}"), &format!("--from-literal=user={other}")]);
    let secrets = format!("{base}/namespaces/{n}/secrets");
    let viewer = app.user_token("nc-viewer", &[Binding::global(Role::Viewer)]).await;

    // a viewer sees keys and sizes, and may not reveal
    let r = app.get(&format!("{secrets}/db/insight"), &viewer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["secret"]["keys"], json!([{"key": "password", "size": value.len()}, {"key": "user", "size": other.len()}]));
    let r = app.get(&format!("{secrets}/db?reveal=true&key=password"), &viewer).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{}", r.body);

    // an admin reveals one key: that value only
    let r = app.get(&format!("{secrets}/db?reveal=true&key=password"), &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["object"]["data"]["password"], B64.encode(&value));
    assert_eq!(r.body["object"]["data"]["user"], format!("<hidden: {} bytes>", other.len()));
    let text = r.body.to_string();
    assert!(!text.contains(&other) && !text.contains(&B64.encode(&other)), "{text}");
    let r = app.get(&format!("{secrets}/db?reveal=true&key=nope"), &admin).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["params"]["keys"].as_str()), (StatusCode::NOT_FOUND, Some("secret_key_not_found"), Some("password, user")), "{}", r.body);
    let audit = app.audit().await;
    let reveals: Vec<&str> = audit.iter().filter(|a| a.action == "secret.reveal").map(|a| a.detail.as_str()).collect();
    assert_eq!(reveals, [r#"{"keys":["password"]}"#], "one reveal, with its key: {audit:?}");

    // TLS: a key of another certificate is refused on its field, and nothing is created
    let tls = format!("{base}/namespaces/{n}/tls-secrets");
    let r = app.post(&tls, &admin, json!({"name": "shop-tls", "certificate": SHOP_CRT, "key": OTHER_KEY})).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("key_pair_mismatch"), Some("key")), "{}", r.body);
    let r = app.post(&tls, &admin, json!({"name": "shop-tls", "certificate": "garbage", "key": SHOP_KEY})).await;
    assert_eq!((r.body["code"].as_str(), r.body["field"].as_str()), (Some("certificate_invalid"), Some("certificate")), "{}", r.body);
    assert!(!tb.kubectl(&["-n", n, "get", "secret", "shop-tls"]).status.success(), "nothing was created");
    let r = app.post(&format!("{tls}?dry_run=true"), &admin, json!({"name": "shop-tls", "certificate": SHOP_CRT, "key": SHOP_KEY})).await;
    assert_eq!((r.status, r.body["dry_run"].as_bool()), (StatusCode::OK, Some(true)), "{}", r.body);
    assert!(!tb.kubectl(&["-n", n, "get", "secret", "shop-tls"]).status.success(), "a dry run creates nothing");
    let r = app.post(&tls, &admin, json!({"name": "shop-tls", "certificate": SHOP_CRT, "key": SHOP_KEY})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let live = tb.kubectl_json(&["-n", n, "get", "secret", "shop-tls"]);
    assert_eq!(live["type"], "kubernetes.io/tls");
    assert_eq!(B64.decode(live["data"]["tls.key"].as_str().unwrap()).unwrap(), SHOP_KEY.as_bytes());
    // the certificate's details, its expiry as openssl says it
    let i = app.get(&format!("{secrets}/shop-tls/insight"), &viewer).await;
    let cert = &i.body["secret"]["certificate"];
    assert_eq!(cert["subject"], "CN=shop.example.com, O=Example Shop", "{}", i.body);
    assert_eq!(cert["sans"], json!(["shop.example.com", "*.api.example.com", "192.0.2.7"]));
    let crt_path = std::env::temp_dir().join(format!("{}.crt", unique_name("shop")));
    std::fs::write(&crt_path, SHOP_CRT).unwrap();
    let out = std::process::Command::new("openssl").args(["x509", "-noout", "-enddate", "-in", crt_path.to_str().unwrap()]).output().unwrap();
    let _ = std::fs::remove_file(&crt_path);
    let enddate = String::from_utf8_lossy(&out.stdout).trim().trim_start_matches("notAfter=").to_owned();
    let openssl = chrono::NaiveDateTime::parse_from_str(enddate.trim_end_matches(" GMT"), "%b %e %H:%M:%S %Y").unwrap().and_utc();
    assert_eq!(cert["not_after"].as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().unwrap(), openssl, "openssl: {enddate}");
    assert!(!i.body.to_string().contains("PRIVATE KEY"), "{}", i.body);

    // a registry credential, as kubectl create secret docker-registry writes it
    let password = unique_name("registry-pw");
    let r = app
        .post(&format!("{base}/namespaces/{n}/registry-secrets"), &admin, json!({"name": "pull", "server": "registry.example.com", "username": "ci", "password": password, "email": "ci@example.com"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cfg = tb.kubectl_ok(&["-n", n, "get", "secret", "pull", "-o", "jsonpath={.data.\\.dockerconfigjson}"]);
    let cfg: Value = serde_json::from_slice(&B64.decode(cfg.trim()).unwrap()).unwrap();
    let entry = &cfg["auths"]["registry.example.com"];
    assert_eq!((entry["username"].as_str(), entry["password"].as_str(), entry["email"].as_str()), (Some("ci"), Some(password.as_str()), Some("ci@example.com")), "{cfg}");
    assert_eq!(B64.decode(entry["auth"].as_str().unwrap()).unwrap(), format!("ci:{password}").as_bytes());
    assert_eq!(tb.kubectl_json(&["-n", n, "get", "secret", "pull"])["type"], "kubernetes.io/dockerconfigjson");
    let i = app.get(&format!("{secrets}/pull/insight"), &viewer).await;
    assert_eq!(i.body["secret"]["registries"], json!(["registry.example.com"]), "{}", i.body);

    // the unrevealed values appear in no list, snapshot row, audit row or log line
    let planted = [other.clone(), password.clone()];
    let leaks = |text: &str| planted.iter().flat_map(|v| [v.clone(), B64.encode(v)]).find(|p| text.contains(p.as_str()));
    let list = app.get(&format!("{base}/secrets?namespace={n}"), &admin).await;
    assert_eq!(leaks(&list.body.to_string()), None);
    let id: i64 = base.rsplit('/').next().unwrap().parse().unwrap();
    let snap = eventually("the snapshot of the Secrets", WAIT, || async {
        let rows = app.state.store.object_snapshot(id, "secrets", Some(&[n.to_owned()])).await.unwrap();
        (rows.len() >= 3).then(|| rows.iter().map(|r| r.row.clone()).collect::<Vec<_>>().join("\n"))
    })
    .await;
    assert_eq!(leaks(&snap), None, "kube_object: {snap}");
    for a in app.audit().await {
        let text = format!("{a:?}");
        assert_eq!(leaks(&text), None, "audit row: {text}");
    }
    let text = logs.lock().unwrap().clone();
    assert!(text.contains("request"), "the log capture saw the requests");
    assert_eq!(leaks(&text), None, "server log");
    app.stop().await;
}

async fn config_maps_and_secrets_show_who_uses_them() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "used");
    let n = ns.name();
    apply_in(&tb, n, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {a.conf: \"x=1\\ny=2\\n\"}\nbinaryData: {logo.png: AAECAw==}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: unused}\ndata: {k: v}\n");
    tb.kubectl_ok(&["-n", n, "create", "secret", "generic", "creds", "--from-literal=token=t0ken"]);
    tb.kubectl_ok(&["-n", n, "create", "secret", "docker-registry", "regcred", "--docker-server=r.example.com", "--docker-username=u", "--docker-password=p"]);
    // a volume and imagePullSecrets (Deployment), envFrom (CronJob), env (a bare pod)
    apply_in(
        &tb,
        n,
        &deployment("web", 1, "      imagePullSecrets: [{name: regcred}]\n      volumes: [{name: conf, configMap: {name: app}}]\n"),
    );
    apply_in(
        &tb,
        n,
        "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: report}\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - {name: r, image: busybox, envFrom: [{configMapRef: {name: app}}, {secretRef: {name: creds}}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: debug}\nspec:\n  containers:\n  - name: d\n    image: busybox\n    env:\n    - {name: A, valueFrom: {configMapKeyRef: {name: app, key: a.conf}}}\n    - {name: T, valueFrom: {secretKeyRef: {name: creds, key: token}}}\n",
    );
    let cms = format!("{base}/namespaces/{n}/configmaps");
    let uses = |b: &Value| -> Vec<(String, String, Value)> {
        b["used_by"].as_array().unwrap().iter().map(|u| (u["kind"].as_str().unwrap().to_owned(), u["name"].as_str().unwrap().to_owned(), u["uses"].clone())).collect()
    };
    let r = eventually("the Deployment's pod", WAIT, || async {
        let r = app.get(&format!("{cms}/app/insight"), &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        (uses(&r.body).len() >= 4).then_some(r)
    })
    .await;
    let u = uses(&r.body);
    let web_pod = tb.kubectl_json(&["-n", n, "get", "pods", "-l", "app=web"])["items"][0]["metadata"]["name"].as_str().unwrap().to_owned();
    assert_eq!(
        u,
        [
            ("CronJob".into(), "report".into(), json!(["envFrom"])),
            ("Deployment".into(), "web".into(), json!(["volume"])),
            ("Pod".into(), "debug".into(), json!(["env"])),
            ("Pod".into(), web_pod.clone(), json!(["volume"])),
        ],
        "{}",
        r.body
    );
    assert_eq!(r.body["config_map"]["binary"], json!([{"key": "logo.png", "size": 4}]));
    assert_eq!(r.body["config_map"]["corefile"], Value::Null);
    // a Corefile (CoreDNS' ConfigMap) reads as its server blocks
    tb.kubectl_ok(&["-n", n, "create", "configmap", "coredns", "--from-literal=Corefile=.:53 {\n    forward . 10.0.0.10\n    hosts {\n       10.0.0.5 registry.corp\n       fallthrough\n    }\n}\ncorp.example:53 {\n    forward . 10.150.0.1\n}\n"]);
    let r = app.get(&format!("{cms}/coredns/insight"), &admin).await;
    let blocks = &r.body["config_map"]["corefile"];
    assert_eq!((blocks[0]["zones"].clone(), blocks[0]["upstreams"].clone(), blocks[0]["hosts"].clone()), (json!(["."]), json!(["10.0.0.10"]), json!(["10.0.0.5 registry.corp"])), "{}", r.body);
    assert_eq!((blocks[1]["zones"].clone(), blocks[1]["upstreams"].clone()), (json!(["corp.example"]), json!(["10.150.0.1"])));
    let r = app.get(&format!("{cms}/unused/insight"), &admin).await;
    assert_eq!(r.body["used_by"], json!([]));
    let secrets = format!("{base}/namespaces/{n}/secrets");
    let r = app.get(&format!("{secrets}/regcred/insight"), &admin).await;
    assert_eq!(uses(&r.body), [("Deployment".into(), "web".into(), json!(["imagePullSecret"])), ("Pod".into(), web_pod, json!(["imagePullSecret"]))], "{}", r.body);
    let r = app.get(&format!("{secrets}/creds/insight"), &admin).await;
    assert_eq!(uses(&r.body), [("CronJob".into(), "report".into(), json!(["envFrom"])), ("Pod".into(), "debug".into(), json!(["env"]))], "{}", r.body);
    app.stop().await;
}

async fn an_ingress_flags_missing_backends_and_uncovered_hosts() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "ing");
    let n = ns.name();
    apply_in(&tb, n, "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{name: http, port: 80}]\n");
    let r = app.post(&format!("{base}/namespaces/{n}/tls-secrets"), &admin, json!({"name": "shop-tls", "certificate": SHOP_CRT, "key": SHOP_KEY})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    apply_in(
        &tb,
        n,
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: shop}\nspec:\n  ingressClassName: nginx\n  tls:\n  - {hosts: [shop.example.com, blog.example.com], secretName: shop-tls}\n  rules:\n  - host: shop.example.com\n    http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}\n      - {path: /api, pathType: Prefix, backend: {service: {name: web, port: {number: 8080}}}}\n      - {path: /old, pathType: Prefix, backend: {service: {name: gone, port: {number: 80}}}}\n",
    );
    let r = app.get(&format!("{base}/namespaces/{n}/ingresses/shop/insight"), &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let i = &r.body["ingress"];
    assert_eq!(i["class"], "nginx");
    let routes: Vec<(&str, &str, &str, bool)> = i["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["path"].as_str().unwrap(), r["service"].as_str().unwrap(), r["port"].as_str().unwrap(), r["ok"].as_bool().unwrap()))
        .collect();
    assert_eq!(routes, [("/", "web", "http", true), ("/api", "web", "8080", false), ("/old", "gone", "80", false)]);
    let codes: Vec<(&str, &str)> = i["warnings"].as_array().unwrap().iter().map(|w| (w["code"].as_str().unwrap(), w["severity"].as_str().unwrap())).collect();
    assert_eq!(codes, [("backend_port_missing", "warning"), ("backend_service_missing", "warning"), ("host_not_covered", "error")], "{i}");
    assert_eq!(i["warnings"][2]["params"]["host"], "blog.example.com");
    assert_eq!(i["tls"][0]["certificate"]["subject"], "CN=shop.example.com, O=Example Shop");
    // kubectl agrees there is no Service `gone`
    assert!(!tb.kubectl(&["-n", n, "get", "service", "gone"]).status.success());
    app.stop().await;
}

async fn a_network_policy_says_which_pods_it_selects_and_who_may_reach_them() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "netpol");
    let n = ns.name();
    apply_in(&tb, n, &deployment("db", 2, ""));
    apply_in(
        &tb,
        n,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db-from-web}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}, {ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]\n    ports: [{protocol: TCP, port: 5432}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    );
    let kubectl_pods = |sel: &str| -> BTreeSet<String> {
        let mut args = vec!["-n", n, "get", "pods"];
        if !sel.is_empty() {
            args.extend(["-l", sel]);
        }
        tb.kubectl_json(&args)["items"].as_array().unwrap().iter().map(|p| p["metadata"]["name"].as_str().unwrap().to_owned()).collect()
    };
    wait_until("2 db pods", WAIT, || (kubectl_pods("app=db").len() == 2).then_some(()));
    let nps = format!("{base}/namespaces/{n}/networkpolicies");
    let p = eventually("the policy's pods from the pod index", WAIT, || async {
        let r = app.get(&format!("{nps}/db-from-web/insight"), &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let pods: BTreeSet<String> = r.body["network_policy"]["pods"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()).collect();
        (pods == kubectl_pods("app=db")).then(|| r.body["network_policy"].clone())
    })
    .await;
    assert_eq!(p["pod_selector"], "app=db");
    assert_eq!(p["egress"], Value::Null, "egress is not restricted: {p}");
    assert_eq!(
        p["ingress"],
        json!([{"ports": ["TCP/5432"], "peers": [
            {"pods": "app=web", "namespaces": null, "cidr": null, "except": []},
            {"pods": null, "namespaces": null, "cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}]}])
    );
    let r = app.get(&format!("{nps}/deny-all/insight"), &admin).await;
    let d = &r.body["network_policy"];
    assert_eq!((d["pod_selector"].as_str(), d["ingress"].clone(), d["egress"].clone()), (Some(""), json!([]), json!([])), "{d}");
    let all: BTreeSet<String> = d["pods"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()).collect();
    assert_eq!(all, kubectl_pods(""), "an empty selector selects every pod of the namespace");
    app.stop().await;
}

on_one_backend!(cluster_dns_is_edited_by_form_and_rolled_back);

/// kubeadm's Corefile (v1.20).
const KUBEADM_COREFILE: &str = ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n";

/// `kube-system/coredns` as kubeadm makes it, removed again when dropped (the testbed runs no CoreDNS).
struct CoreDnsConfigMap<'a>(&'a Testbed);
impl Drop for CoreDnsConfigMap<'_> {
    fn drop(&mut self) {
        let _ = self.0.kubectl(&["-n", "kube-system", "delete", "configmap", "coredns", "--ignore-not-found"]);
    }
}

async fn cluster_dns_is_edited_by_form_and_rolled_back() {
    let (tb, app, admin, base) = setup().await;
    let dns = format!("{base}/dns");
    let corefile = || tb.kubectl_json(&["-n", "kube-system", "get", "configmap", "coredns"])["data"]["Corefile"].as_str().unwrap_or_default().to_owned();
    // no CoreDNS ConfigMap: the page says so
    let r = app.get(&dns, &admin).await;
    assert_eq!((r.status, r.body["found"].as_bool()), (StatusCode::OK, Some(false)), "{}", r.body);

    let _cm = CoreDnsConfigMap(&tb);
    apply_in(&tb, "kube-system", &serde_json::to_string(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"}, "data": {"Corefile": KUBEADM_COREFILE}})).unwrap());
    let r = app.get(&dns, &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["settings"], json!({"upstreams": ["/etc/resolv.conf"], "stub_domains": [], "hosts": []}));
    assert_eq!(r.body["previous"], Value::Null);

    let form = json!({
        "upstreams": ["10.96.0.53", "8.8.8.8"],
        "stub_domains": [{"domain": "corp.example", "resolvers": ["10.150.0.1"]}],
        "hosts": [{"ip": "10.0.0.5", "names": ["registry.corp"]}],
    });
    // a viewer may not; an invalid upstream is refused on its field, and nothing changes
    let viewer = app.user_token("dns-viewer", &[Binding::global(Role::Viewer)]).await;
    let r = app.request("PUT", &dns, Some(&viewer), Some(form.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let mut bad = form.clone();
    bad["upstreams"][1] = json!("8.8.8.300");
    let r = app.request("PUT", &dns, Some(&admin), Some(bad)).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_body"), Some("upstreams[1]")), "{}", r.body);
    let mut bad = form.clone();
    bad["stub_domains"][0]["domain"] = json!("corp_example");
    let r = app.request("PUT", &dns, Some(&admin), Some(bad)).await;
    assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("stub_domains[0].domain")), "{}", r.body);
    let r = app.request("PUT", &format!("{dns}?dry_run=true"), Some(&admin), Some(form.clone())).await;
    assert_eq!((r.status, r.body["dry_run"].as_bool()), (StatusCode::OK, Some(true)), "{}", r.body);
    assert_eq!(corefile(), KUBEADM_COREFILE, "refusals and a dry run change nothing");

    // saved: kubectl sees the upstreams, the stub domain's block and the host entry; the old Corefile is kept
    let r = app.request("PUT", &dns, Some(&admin), Some(form.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let edited = corefile();
    for want in ["    forward . 10.96.0.53 8.8.8.8 {\n       max_concurrent 1000\n    }", "corp.example:53 {\n    errors\n    cache 30\n    forward . 10.150.0.1\n}", "    hosts {\n        10.0.0.5 registry.corp\n        fallthrough\n    }", "kubernetes cluster.local in-addr.arpa ip6.arpa {"] {
        assert!(edited.contains(want), "{want:?} not in\n{edited}");
    }
    let cm = tb.kubectl_json(&["-n", "kube-system", "get", "configmap", "coredns"]);
    assert_eq!(cm["metadata"]["annotations"]["kubedeck.io/previous-corefile"], KUBEADM_COREFILE);
    let r = app.get(&dns, &admin).await;
    assert_eq!(r.body["settings"], form, "{}", r.body);
    let audit = app.audit().await;
    let updates: Vec<(&str, &str)> = audit.iter().filter(|a| a.action == "dns.update").map(|a| (a.outcome.as_str(), a.resource.as_deref().unwrap_or_default())).collect();
    assert_eq!(updates.iter().filter(|u| u.0 == "success").count(), 2, "the dry run and the save: {updates:?}");
    assert!(updates.iter().all(|u| u.1.ends_with("configmaps/coredns")), "{updates:?}");

    // one rollback restores kubeadm's Corefile; a second one redoes the edit
    let r = app.post(&format!("{dns}/rollback"), &viewer, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app.post(&format!("{dns}/rollback"), &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(corefile(), KUBEADM_COREFILE);
    assert_eq!(r.body["previous"].as_str(), Some(edited.as_str()));
    let r = app.post(&format!("{dns}/rollback"), &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(corefile(), edited);
    assert!(app.audit().await.iter().any(|a| a.action == "dns.rollback" && a.outcome == "success"));

    // gone again: a write is a 404, never a 5xx
    tb.kubectl_ok(&["-n", "kube-system", "delete", "configmap", "coredns"]);
    let r = app.request("PUT", &dns, Some(&admin), Some(form)).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("object_not_found")), "{}", r.body);
}

//! A cluster linked to a real Prometheus (Debian's package, started by the test on a free port with a 1 s scrape
//! interval) scraping a target the test serves: request counters and latency histograms labelled with the pod
//! names of real Deployments on the testbed, their values driven by the test. Linking with and without basic
//! auth, refused credentials, proxied queries, bad PromQL, a workload's application metrics for exactly its
//! pods, saved queries, a stopped Prometheus and an unlinked cluster (issue 16).

use crate::helpers::*;
use axum::routing::get;
use kubedeck_testbed::{Namespace, Testbed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PROMETHEUS: &str = "/usr/bin/prometheus";
const USER: &str = "kubedeck";
const PASSWORD: &str = "prom-pass-2026";
/// `htpasswd -nbB -C 5 kubedeck prom-pass-2026`: Prometheus's web config takes bcrypt hashes only.
const PASSWORD_BCRYPT: &str = "$2y$05$UDH4lyotKRJGz2kgk5SRyeaZejfo21zzCYucjtFu/F1thpz2wwqDy";

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Prometheus in the foreground on its own port and storage; stopped (TERM) on drop. Restartable with the same
/// storage and port, with or without basic auth.
struct Prometheus {
    child: Option<Child>,
    dir: PathBuf,
    port: u16,
}

impl Prometheus {
    fn new(target: &str) -> Prometheus {
        assert!(
            std::path::Path::new(PROMETHEUS).exists(),
            "{PROMETHEUS} is missing: scripts/test.sh installs Debian's prometheus (apt-get install prometheus)"
        );
        let dir = std::env::temp_dir().join(kubedeck_testbed::unique_name("prometheus"));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(
            dir.join("prometheus.yml"),
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n- job_name: app\n  honor_labels: true\n  static_configs:\n  - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("web-auth.yml"),
            format!("basic_auth_users:\n  {USER}: '{PASSWORD_BCRYPT}'\n"),
        )
        .unwrap();
        std::fs::write(dir.join("web-open.yml"), "{}\n").unwrap();
        Prometheus {
            child: None,
            dir,
            port: free_port(),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts it and waits until it answers `/-/ready`.
    async fn start(&mut self, basic_auth: bool) {
        let web = if basic_auth {
            "web-auth.yml"
        } else {
            "web-open.yml"
        };
        self.start_with(web, basic_auth, None).await
    }

    /// Starts it serving HTTPS with `cert`/`key` (PEM files), trusted by the test through `ca`.
    async fn start_tls(&mut self, cert: &std::path::Path, key: &std::path::Path, ca: &str) {
        std::fs::write(
            self.dir.join("web-tls.yml"),
            format!(
                "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
                cert.display(),
                key.display()
            ),
        )
        .unwrap();
        self.start_with("web-tls.yml", false, Some(ca)).await
    }

    async fn start_with(&mut self, web: &str, basic_auth: bool, ca: Option<&str>) {
        let d = self.dir.display();
        let log = std::fs::File::create(self.dir.join("prometheus.log")).unwrap();
        let child = Command::new(PROMETHEUS)
            .args([
                &format!("--config.file={d}/prometheus.yml"),
                &format!("--storage.tsdb.path={d}/data"),
                &format!("--web.listen-address=127.0.0.1:{}", self.port),
                &format!("--web.config.file={d}/{web}"),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        self.child = Some(child);
        let mut http = reqwest::Client::builder();
        if let Some(ca) = ca {
            http = http.add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap());
        }
        let http = http.build().unwrap();
        let scheme = if ca.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://127.0.0.1:{}/-/ready", self.port);
        eventually("prometheus ready", Duration::from_secs(60), || {
            let mut req = http.get(&url);
            if basic_auth {
                req = req.basic_auth(USER, Some(PASSWORD));
            }
            async move {
                req.send()
                    .await
                    .ok()
                    .filter(|r| r.status().is_success())
                    .map(|_| ())
            }
        })
        .await;
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Per pod: requests per second by status code, and where their latency lies (a histogram bucket bound: every
/// request of the pod is counted in the buckets from it up).
#[derive(Clone)]
struct PodTraffic {
    pod: String,
    per_code: Vec<(&'static str, f64)>,
    latency_le: f64,
}

const BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0];

/// The exposition at `t` seconds after the target started: counters grow at exactly the driven rates. Every
/// sample carries the time it was computed for (`ms`, the exposition format's optional timestamp), so the rates
/// Prometheus sees are exact however late a loaded machine runs the scrape or the target's answer.
fn exposition(ns: &str, pods: &[PodTraffic], t: f64, ms: u128) -> String {
    let out = exposition_values(ns, pods, t);
    out.lines()
        .map(|l| {
            if l.starts_with('#') {
                format!("{l}\n")
            } else {
                format!("{l} {ms}\n")
            }
        })
        .collect()
}

fn exposition_values(ns: &str, pods: &[PodTraffic], t: f64) -> String {
    let mut out = String::from("# TYPE http_requests_total counter\n");
    for p in pods {
        for (code, rate) in &p.per_code {
            out += &format!(
                "http_requests_total{{namespace=\"{ns}\",pod=\"{}\",code=\"{code}\"}} {}\n",
                p.pod,
                rate * t
            );
        }
    }
    out += "# TYPE http_request_duration_seconds histogram\n";
    for p in pods {
        let total: f64 = p.per_code.iter().map(|(_, r)| r * t).sum();
        for le in BUCKETS {
            let v = if *le >= p.latency_le { total } else { 0.0 };
            out += &format!(
                "http_request_duration_seconds_bucket{{namespace=\"{ns}\",pod=\"{}\",le=\"{le}\"}} {v}\n",
                p.pod
            );
        }
        out += &format!(
            "http_request_duration_seconds_bucket{{namespace=\"{ns}\",pod=\"{}\",le=\"+Inf\"}} {total}\n",
            p.pod
        );
        out += &format!(
            "http_request_duration_seconds_count{{namespace=\"{ns}\",pod=\"{}\"}} {total}\n",
            p.pod
        );
    }
    out
}

/// Serves `/metrics` for `pods`; returns its `host:port`.
async fn serve_target(ns: String, pods: Vec<PodTraffic>) -> String {
    let started = SystemTime::now();
    let state = Arc::new((ns, pods));
    let app = axum::Router::new().route(
        "/metrics",
        get(move || {
            let state = state.clone();
            async move {
                let at = SystemTime::now();
                let t = at.duration_since(started).unwrap_or_default().as_secs_f64();
                let ms = at.duration_since(UNIX_EPOCH).unwrap().as_millis();
                exposition(&state.0, &state.1, t, ms)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr.to_string()
}

fn deployment(name: &str, replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n"
    )
}

/// The names of the Deployment's pods once it has `n`, from kubectl.
async fn pods_of(tb: &Testbed, ns: &str, app: &str, n: usize) -> Vec<String> {
    eventually(
        &format!("{n} pods of {app}"),
        Duration::from_secs(60),
        || async {
            let list = tb.kubectl_json(&["-n", ns, "get", "pods", "-l", &format!("app={app}")]);
            let mut names: Vec<String> = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
                .collect();
            names.sort();
            (names.len() == n).then_some(names)
        },
    )
    .await
}

fn last_value(series: &Value) -> Option<f64> {
    series["values"].as_array()?.last()?[1].as_f64()
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * b.abs().max(1e-9)
}

async fn prometheus_link_queries_and_workload_metrics() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let ns = Namespace::create_in(&tb, "prom");
    let ns = ns.name().to_owned();
    for (name, n) in [("shop", 2), ("other", 1), ("silent", 1)] {
        apply_in(&tb, &ns, &deployment(name, n));
    }
    let shop = pods_of(&tb, &ns, "shop", 2).await;
    let other = pods_of(&tb, &ns, "other", 1).await;
    pods_of(&tb, &ns, "silent", 1).await;
    // shop: 8 + 4 requests/s, 2 of them 5xx, all between 100 and 250 ms; other: 100 requests/s at 0.5-1 s
    let traffic = vec![
        PodTraffic {
            pod: shop[0].clone(),
            per_code: vec![("200", 6.0), ("500", 2.0)],
            latency_le: 0.25,
        },
        PodTraffic {
            pod: shop[1].clone(),
            per_code: vec![("200", 4.0)],
            latency_le: 0.25,
        },
        PodTraffic {
            pod: other[0].clone(),
            per_code: vec![("200", 100.0), ("503", 50.0)],
            latency_le: 1.0,
        },
    ];
    let target = serve_target(ns.clone(), traffic).await;
    let mut prom = Prometheus::new(&target);
    prom.start(false).await;
    let base = format!("/api/v1/k8s/cluster/{id}/prometheus");

    // not linked yet: the documented 404, for the link and for queries
    let r = app.get(&base, &admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.body["code"], "prometheus_not_linked");
    let r = app.get(&format!("{base}/query?query=up"), &admin).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("prometheus_not_linked")),
        "{}",
        r.body
    );

    // link without credentials: checked, the version is the binary's
    let r = app
        .request("PUT", &base, Some(&admin), Some(json!({"url": prom.url()})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let version = r.body["version"].as_str().unwrap().to_owned();
    let out = Command::new(PROMETHEUS).arg("--version").output().unwrap();
    let banner =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        banner.contains(&format!("version {version}")),
        "buildinfo {version} vs {banner}"
    );
    assert_eq!(
        (r.body["auth"].as_str(), r.body["credentials_set"].as_bool()),
        (Some("none"), Some(false))
    );

    // a URL that is not http(s): 400 on url
    let r = app
        .request(
            "PUT",
            &base,
            Some(&admin),
            Some(json!({"url": "ftp://127.0.0.1/"})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("url")),
        "{}",
        r.body
    );

    // the first scrapes: polled, not slept; 12 s of samples (one a second) before the 10 s range below is read
    let shop_re = shop.join("|");
    let q = format!("sum(rate(http_requests_total{{namespace=\"{ns}\",pod=~\"{shop_re}\"}}[10s]))");
    let samples = format!(
        "count_over_time(http_requests_total{{namespace=\"{ns}\",pod=\"{}\",code=\"200\"}}[12s])",
        shop[0]
    );
    eventually("Prometheus has 12 s of the target's samples", Duration::from_secs(60), || async {
        let r = app
            .get(&format!("{base}/query?query={}", enc(&samples)), &admin)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let n = r.body["series"].get(0).and_then(last_value)?;
        (n >= 12.0).then_some(())
    })
    .await;
    eventually(
        "Prometheus has 10 s of the target's counters",
        Duration::from_secs(60),
        || async {
            let r = app
                .get(&format!("{base}/query?query={}", enc(&q)), &admin)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let v = r.body["series"].get(0).and_then(last_value)?;
            close(v, 12.0, 0.05).then_some(())
        },
    )
    .await;

    // query_range: a counter's values are what the target exposed (6/s since it started)
    let to = now();
    let single = format!(
        "http_requests_total{{namespace=\"{ns}\",pod=\"{}\",code=\"200\"}}",
        shop[0]
    );
    let r = app
        .get(
            &format!(
                "{base}/query_range?query={}&from={}&to={to}&step=1",
                enc(&single),
                to - 10.0
            ),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let s = &r.body["series"][0];
    assert_eq!(s["labels"]["pod"], shop[0].as_str());
    let points = s["values"].as_array().unwrap();
    assert!(points.len() >= 10, "{points:?}");
    let deltas: Vec<f64> = points
        .windows(2)
        .map(|w| w[1][1].as_f64().unwrap() - w[0][1].as_f64().unwrap())
        .collect();
    let per_second = deltas.iter().sum::<f64>()
        / (points.last().unwrap()[0].as_f64().unwrap() - points[0][0].as_f64().unwrap());
    assert!(
        close(per_second, 6.0, 0.2),
        "the counter grew {per_second}/s, driven at 6/s: {points:?}"
    );

    // bad PromQL: 400 on `query` with Prometheus's own message
    let bad = "sum(rate(http_requests_total[1m]";
    let direct: Value = reqwest::get(format!("{}/api/v1/query?query={}", prom.url(), enc(bad)))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // the instant endpoint prefixes its parse error with `invalid parameter "query": `; query_range does not
    let prom_message = direct["error"]
        .as_str()
        .unwrap()
        .trim_start_matches("invalid parameter \"query\": ");
    assert!(prom_message.contains("parse error"), "{direct}");
    let r = app
        .get(
            &format!("{base}/query_range?query={}&step=15", enc(bad)),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(
        (r.body["code"].as_str(), r.body["field"].as_str()),
        (Some("promql_invalid"), Some("query"))
    );
    assert!(
        r.body["message"].as_str().unwrap().contains(prom_message),
        "{} vs {prom_message}",
        r.body
    );
    // more than 11,000 points, and from after to: refused before Prometheus is asked
    let r = app
        .get(
            &format!(
                "{base}/query_range?query=up&from={}&to={to}&step=1",
                to - 86_400.0
            ),
            &admin,
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("step")),
        "{}",
        r.body
    );
    assert_eq!(r.body["params"]["min"], 8.0);
    let r = app
        .get(
            &format!("{base}/query_range?query=up&from={to}&to={}", to - 60.0),
            &admin,
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("from")),
        "{}",
        r.body
    );

    // a saved query for the shop Deployment, with the workload's placeholders
    let r = app
        .post(
            &format!("{base}/queries"),
            &admin,
            json!({"name": "5xx per second", "unit": "req/s", "namespace": ns, "workload": "deployments/shop",
                   "query": "sum(rate(http_requests_total{namespace=\"$namespace\",pod=~\"$pods\",code=~\"5..\"}[$window]))"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let saved_id = r.body["id"].as_i64().unwrap();

    // the Deployment's application metrics: its two pods only (other's 150 requests/s are not counted)
    let metrics = format!("/api/v1/k8s/cluster/{id}/namespaces/{ns}/deployments/shop/app-metrics");
    let m = eventually("shop's rates settle", Duration::from_secs(30), || async {
        let to = now();
        let r = app
            .get(
                &format!("{metrics}?from={}&to={to}&step=1&window=10s", to - 6.0),
                &admin,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = last_value(&r.body["request_rate"]["series"][0])?;
        close(v, 12.0, 0.05).then_some(r.body)
    })
    .await;
    assert_eq!(m["family"], "http_requests_total");
    assert_eq!(m["pods"], json!(shop));
    let by_pod: BTreeMap<String, f64> = m["request_rate_by_pod"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["labels"]["pod"].as_str().unwrap().to_owned(),
                last_value(s).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_pod.keys().cloned().collect::<Vec<_>>(),
        shop,
        "exactly the Deployment's pods"
    );
    assert!(
        close(by_pod[&shop[0]], 8.0, 0.05) && close(by_pod[&shop[1]], 4.0, 0.05),
        "{by_pod:?}"
    );
    let errors = last_value(&m["error_ratio"]["series"][0]).unwrap();
    assert!(close(errors, 2.0 / 12.0, 0.05), "5xx share {errors}");
    let latency: BTreeMap<String, f64> = m["latency"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["labels"]["quantile"].as_str().unwrap().to_owned(),
                last_value(s).unwrap(),
            )
        })
        .collect();
    // every request in (0.1, 0.25]: Prometheus interpolates linearly inside the bucket
    for (q, want) in [("0.5", 0.175), ("0.9", 0.235), ("0.99", 0.2485)] {
        assert!(
            close(latency[q], want, 0.02),
            "p{q} {} want {want}",
            latency[q]
        );
    }
    let saved = &m["saved"][0];
    assert_eq!(
        (saved["id"].as_i64(), saved["name"].as_str()),
        (Some(saved_id), Some("5xx per second"))
    );
    assert!(
        saved["query"].as_str().unwrap().contains(&shop_re),
        "{saved}"
    );
    assert!(
        close(last_value(&saved["series"][0]).unwrap(), 2.0, 0.05),
        "{saved}"
    );

    // a Deployment Prometheus has nothing for: 200, empty, with the reason the console shows
    let r = app
        .get(
            &format!(
                "/api/v1/k8s/cluster/{id}/namespaces/{ns}/deployments/silent/app-metrics?range=1h"
            ),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body["family"].is_null() && r.body["request_rate"].is_null(),
        "{}",
        r.body
    );
    assert!(
        r.body["reason"]
            .as_str()
            .unwrap()
            .contains("no http_requests_total"),
        "{}",
        r.body
    );
    assert!(
        r.body["saved"].as_array().unwrap().is_empty(),
        "shop's saved query is not silent's"
    );
    // a kind without application metrics
    let r = app
        .get(
            &format!("/api/v1/k8s/cluster/{id}/namespaces/{ns}/configmaps/x/app-metrics"),
            &admin,
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("verb_not_supported")),
        "{}",
        r.body
    );

    // Prometheus stopped: 503 prometheus_unreachable
    prom.stop();
    let r = app.get(&format!("{base}/query?query=up"), &admin).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("prometheus_unreachable")
        ),
        "{}",
        r.body
    );
    let r = app.get(&format!("{metrics}?range=1h"), &admin).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);

    // again, behind basic auth: the old link is refused; a wrong password is refused and saves nothing
    prom.start(true).await;
    let before = app.get(&base, &admin).await.body;
    let r = app
        .request("POST", &format!("{base}/test"), Some(&admin), None)
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("prometheus_rejected")),
        "{}",
        r.body
    );
    let r = app
        .request(
            "PUT",
            &base,
            Some(&admin),
            Some(json!({"url": prom.url(), "username": USER, "password": "wrong-password"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        (r.body["code"].as_str(), r.body["field"].as_str()),
        (Some("prometheus_rejected"), Some("password"))
    );
    let after = app.get(&base, &admin).await.body;
    assert_eq!(after, before, "a refused link changes nothing");
    assert!(
        app.state
            .store
            .find_prometheus_link(id)
            .await
            .unwrap()
            .unwrap()
            .secret
            .is_empty()
    );

    // the right password: linked, never shown, stored sealed, not audited
    let r = app
        .request(
            "PUT",
            &base,
            Some(&admin),
            Some(json!({"url": prom.url(), "username": USER, "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (
            r.body["auth"].as_str(),
            r.body["username"].as_str(),
            r.body["credentials_set"].as_bool()
        ),
        (Some("basic"), Some(USER), Some(true))
    );
    let shown = app.get(&base, &admin).await;
    assert!(
        !shown.body.to_string().contains(PASSWORD) && !r.body.to_string().contains(PASSWORD),
        "{}",
        shown.body
    );
    let row = app
        .state
        .store
        .find_prometheus_link(id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        row.secret.starts_with("v1:") && !row.secret.contains(PASSWORD),
        "sealed: {}",
        row.secret
    );
    let audit = app.audit().await;
    assert!(
        audit.iter().any(|a| a.action == "prometheus.link"),
        "links are audited"
    );
    assert!(
        audit
            .iter()
            .all(|a| !a.detail.contains(PASSWORD) && !a.detail.contains("wrong-password")),
        "no password in the audit log"
    );
    // the stored password is kept when the form is saved again without it
    let r = app
        .request(
            "PUT",
            &base,
            Some(&admin),
            Some(json!({"url": prom.url(), "username": USER})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["credentials_set"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{}",
        r.body
    );
    let r = app
        .request("POST", &format!("{base}/test"), Some(&admin), None)
        .await;
    assert_eq!(
        (r.status, r.body["version"].as_str()),
        (StatusCode::OK, Some(version.as_str())),
        "{}",
        r.body
    );
    let r = app
        .get(
            &format!(
                "{base}/query?query={}",
                enc(&format!("up{{instance=\"{target}\"}}"))
            ),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(last_value(&r.body["series"][0]), Some(1.0), "{}", r.body);

    // a viewer reads charts but cannot link or save
    let viewer = app
        .user_token(
            "prom-viewer",
            &[kubedeck_core::rbac::Binding::global(
                kubedeck_core::rbac::Role::Viewer,
            )],
        )
        .await;
    let r = app.get(&format!("{base}/query?query=up"), &viewer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.request("DELETE", &base, Some(&viewer), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // saved queries: listed for the workload, deleted
    let r = app
        .get(
            &format!("{base}/queries?namespace={ns}&workload=deployments/shop"),
            &admin,
        )
        .await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.body);
    let r = app
        .request(
            "DELETE",
            &format!("{base}/queries/{saved_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .request(
            "DELETE",
            &format!("{base}/queries/{saved_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("saved_query_not_found"))
    );

    // unlinked: the documented 404 again
    let r = app.request("DELETE", &base, Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.get(&format!("{metrics}?range=1h"), &admin).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("prometheus_not_linked")),
        "{}",
        r.body
    );
    app.stop().await;
}
on_every_backend!(prometheus_link_queries_and_workload_metrics);

/// `kubectl apply -n ns` of a manifest.
fn apply_in(tb: &Testbed, ns: &str, yaml: &str) {
    let path = std::env::temp_dir().join(format!(
        "{}.yaml",
        kubedeck_testbed::unique_name("manifest")
    ));
    std::fs::write(&path, yaml).unwrap();
    let out = tb.kubectl(&["-n", ns, "apply", "-f", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "kubectl apply: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A certificate authority and a server certificate for 127.0.0.1 it signs, made with openssl in `dir`:
/// (CA PEM, server certificate file, server key file).
fn private_ca(dir: &std::path::Path, name: &str) -> (String, PathBuf, PathBuf) {
    let p = |f: &str| dir.join(format!("{name}-{f}"));
    let run = |args: &[&str]| {
        let out = Command::new("openssl").args(args).output().expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let s = |p: PathBuf| p.to_str().unwrap().to_owned();
    run(&[
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", &s(p("ca.key")), "-out", &s(p("ca.crt")), "-days", "2", "-subj",
        &format!("/CN=kubedeck test CA {name}"),
    ]);
    run(&[
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", &s(p("server.key")), "-out", &s(p("server.csr")), "-subj", "/CN=127.0.0.1",
    ]);
    std::fs::write(p("ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    run(&[
        "x509", "-req", "-in", &s(p("server.csr")), "-CA", &s(p("ca.crt")), "-CAkey",
        &s(p("ca.key")), "-CAcreateserial", "-out", &s(p("server.crt")), "-days", "2",
        "-extfile", &s(p("ext")),
    ]);
    (
        std::fs::read_to_string(p("ca.crt")).unwrap(),
        p("server.crt"),
        p("server.key"),
    )
}

/// A Prometheus serving HTTPS with a certificate from a private CA: without that CA the link is refused naming
/// `ca_pem` (and so is another CA, and text that is no certificate), with it the link is verified and queried;
/// the CA is shown (a certificate is public), kept when the form is saved without it, and removed with "".
async fn a_prometheus_behind_a_private_ca_is_linked_with_its_ca() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let target = serve_target("none".into(), Vec::new()).await;
    let mut prom = Prometheus::new(&target);
    let (ca, cert, key) = private_ca(&prom.dir, "right");
    let (other_ca, _, _) = private_ca(&prom.dir, "other");
    prom.start_tls(&cert, &key, &ca).await;
    let url = format!("https://127.0.0.1:{}", prom.port);
    let base = format!("/api/v1/k8s/cluster/{id}/prometheus");
    let put = |body: Value| {
        let (app, admin, base) = (&app, &admin, &base);
        async move { app.request("PUT", base, Some(admin), Some(body)).await }
    };

    // the machine's trust store does not know the CA; another CA does not sign it: 422 on ca_pem, nothing saved
    for body in [json!({"url": url}), json!({"url": url, "ca_pem": other_ca})] {
        let r = put(body.clone()).await;
        assert_eq!(
            (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("prometheus_unreachable"),
                Some("ca_pem")
            ),
            "{body}: {}",
            r.body
        );
    }
    let r = put(json!({"url": url, "ca_pem": "not a certificate"})).await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ca_pem")),
        "{}",
        r.body
    );
    let r = app.get(&base, &admin).await;
    assert_eq!(r.body["code"], "prometheus_not_linked", "{}", r.body);

    // its CA: verified, linked, queried
    let r = put(json!({"url": url, "ca_pem": ca})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["version"].as_str().is_some_and(|v| !v.is_empty()), "{}", r.body);
    assert_eq!(r.body["ca_pem"], ca.as_str());
    assert_eq!(r.body["insecure_skip_tls_verify"], false);
    let r = app
        .get(&format!("{base}/query?query={}", enc("vector(42)")), &admin)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(last_value(&r.body["series"][0]), Some(42.0), "{}", r.body);
    // saved again without ca_pem: kept; the stored link is checked with it
    let r = put(json!({"url": url})).await;
    assert_eq!((r.status, r.body["ca_pem"].as_str()), (StatusCode::OK, Some(ca.as_str())), "{}", r.body);
    let r = app
        .request("POST", &format!("{base}/test"), Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // "" removes it: saved unchecked, the next check fails on the certificate
    let r = app
        .request(
            "PUT",
            &format!("{base}?verify=false"),
            Some(&admin),
            Some(json!({"url": url, "ca_pem": ""})),
        )
        .await;
    assert_eq!((r.status, r.body["ca_pem"].clone()), (StatusCode::OK, Value::Null), "{}", r.body);
    let r = app
        .request("POST", &format!("{base}/test"), Some(&admin), None)
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("prometheus_unreachable")),
        "{}",
        r.body
    );
    assert!(
        r.body["message"].as_str().unwrap().to_lowercase().contains("certificate"),
        "{}",
        r.body
    );
    app.stop().await;
}
on_every_backend!(a_prometheus_behind_a_private_ca_is_linked_with_its_ca);

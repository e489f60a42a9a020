//! The certificate dashboard (issue 18) against the testbed: the API server's serving certificate as its handshake
//! presents it (compared with the testbed's own file, by openssl), the kubeconfig's CA and client certificate, a
//! TLS Secret made with openssl (40 days) and served by an Ingress, an Ingress naming a Secret that does not exist; the
//! expiry alert through a webhook channel, and its end when the Secret goes. No Secret value is ever answered.

use crate::alerts::{fast, receiver};
use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_testbed::{Namespace, Testbed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

/// openssl's notAfter of a PEM certificate file, as RFC 3339.
fn openssl_end(path: &std::path::Path) -> chrono::DateTime<chrono::Utc> {
    let out = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in"])
        .arg(path)
        .output()
        .unwrap();
    let end = String::from_utf8_lossy(&out.stdout).trim().trim_start_matches("notAfter=").replace(' ', "T");
    chrono::DateTime::parse_from_rfc3339(&end).expect("openssl's end date").into()
}

fn end_of(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v["not_after"].as_str().unwrap()).unwrap().into()
}

fn tls_entry<'a>(report: &'a Value, ns: &str, secret: &str) -> Option<&'a Value> {
    report["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["source"] == "tls_secret" && c["namespace"] == ns && c["secret"] == secret)
}

async fn the_dashboard_reads_every_certificate_and_alerts_before_one_expires() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "certs");
    let n = ns.name().to_owned();
    // a certificate that ends in 40 days, as a TLS Secret served by an Ingress: beyond the default 30-day threshold,
    // so the other tests' Kubedecks, which import the same testbed, raise no alert for it
    let dir = std::env::temp_dir().join(format!("kd-{n}"));
    std::fs::create_dir_all(&dir).unwrap();
    let (crt, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    let ok = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "40"])
        .args(["-subj", "/CN=shop.example.test", "-addext", "subjectAltName=DNS:shop.example.test"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    tb.kubectl_ok(&["-n", &n, "create", "secret", "tls", "shop-tls", "--cert", crt.to_str().unwrap(), "--key", key.to_str().unwrap()]);
    apply(
        &tb,
        &format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: shop, namespace: {n}}}\n\
             spec:\n  tls: [{{hosts: [shop.example.test], secretName: shop-tls}}]\n  defaultBackend: {{service: {{name: web, port: {{number: 80}}}}}}\n\
             ---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: lost, namespace: {n}}}\n\
             spec:\n  tls: [{{hosts: [lost.example.test], secretName: gone-tls}}]\n  defaultBackend: {{service: {{name: web, port: {{number: 80}}}}}}\n"
        ),
    );

    let app = spawn_app_with(fast()).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    let viewer = app.user_token("cert-viewer", &[Binding::global(Role::Viewer)]).await;
    let (hook, got) = receiver().await;
    let r = app
        .post("/api/v1/notify/channels", &admin, json!({"name": "certs", "kind": "webhook", "cluster_ids": [id], "config": {"url": hook}}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .request("PUT", &format!("{base}/alert-rules/KubeCertificateExpiration"), Some(&admin), Some(json!({"threshold": 45})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = app.get(&format!("{base}/certificates?refresh=true&warn_days=45"), &viewer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let report = r.body;
    let all = report["certificates"].as_array().unwrap();
    let pki = tb.dir().join("pki");
    // the API server's certificate is the testbed's file, and the kubeconfig's CA trusts it
    let served = all.iter().find(|c| c["source"] == "apiserver").unwrap_or_else(|| panic!("no apiserver certificate: {report}"));
    assert_eq!(end_of(served), openssl_end(&pki.join("apiserver.crt")), "{served}");
    assert_eq!(served["trusted"], true, "{served}");
    assert_eq!(served["issuer"], "CN=kubedeck-testbed-ca", "{served}");
    assert_eq!(served["state"], "valid", "{served}");
    let ca = all.iter().find(|c| c["source"] == "ca").unwrap_or_else(|| panic!("no CA: {report}"));
    assert_eq!((ca["subject"].as_str(), end_of(ca)), (Some("CN=kubedeck-testbed-ca"), openssl_end(&pki.join("ca.crt"))), "{ca}");
    assert!(all.iter().any(|c| c["source"] == "client" && c["issuer"] == "CN=kubedeck-testbed-ca"), "{report}");
    // the TLS Secret: 40 days left, expiring within 45, with its Ingress
    let shop = tls_entry(&report, &n, "shop-tls").unwrap_or_else(|| panic!("no shop-tls: {report}"));
    assert_eq!(end_of(shop), openssl_end(&crt), "{shop}");
    let left = shop["days_left"].as_f64().unwrap();
    assert!((39.8..=40.0).contains(&left), "{shop}");
    assert_eq!(shop["state"], "expiring", "{shop}");
    assert_eq!(shop["ingresses"], json!([format!("{n}/shop")]), "{shop}");
    assert_eq!(shop["sans"], json!(["shop.example.test"]), "{shop}");
    // soonest end first
    let ends: Vec<_> = all.iter().map(end_of).collect();
    assert!(ends.windows(2).all(|w| w[0] <= w[1]), "{report}");
    // the Ingress naming a missing Secret is a problem on the dashboard
    let lost = report["problems"].as_array().unwrap().iter().find(|p| p["namespace"] == n.as_str() && p["name"] == "gone-tls");
    assert!(lost.is_some_and(|p| p["message"].as_str().unwrap().contains(&format!("{n}/lost"))), "{report}");
    // not a byte of the key, in the clear or base64
    let key_pem = std::fs::read_to_string(&key).unwrap();
    let key_line = key_pem.lines().nth(1).unwrap();
    let text = report.to_string();
    assert!(!text.contains("PRIVATE KEY") && !text.contains(key_line), "the key leaked");
    // the default horizon (30 days) finds it valid; a horizon out of range is refused naming it
    let r = app.get(&format!("{base}/certificates"), &viewer).await;
    assert_eq!(tls_entry(&r.body, &n, "shop-tls").unwrap()["state"], "valid", "{}", r.body);
    let r = app.get(&format!("{base}/certificates?warn_days=0"), &viewer).await;
    assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("warn_days")), "{}", r.body);
    // across clusters: the same reading under the cluster's name
    let r = app.get("/api/v1/certificates", &viewer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mine = r.body.as_array().unwrap().iter().find(|c| c["cluster_id"] == id).unwrap_or_else(|| panic!("{}", r.body));
    assert!(tls_entry(mine, &n, "shop-tls").is_some(), "{mine}");

    // the alert: the Secret's certificate ends within the 45-day threshold; the testbed's own (ten years) do not
    let alert = eventually("the certificate alert", WAIT, || async {
        let l = app.get(&format!("{base}/alerts?rule=KubeCertificateExpiration&state=firing"), &admin).await.body;
        l["items"].as_array().and_then(|a| a.iter().find(|a| a["labels"]["namespace"] == n.as_str()).cloned())
    })
    .await;
    assert_eq!((alert["labels"]["secret"].as_str(), alert["labels"]["certificate"].as_str()), (Some("shop-tls"), Some("tls_secret")), "{alert}");
    let value = alert["value"].as_f64().unwrap();
    assert!((39.8..=40.0).contains(&value), "{alert}");
    let firing = app.get(&format!("{base}/alerts?rule=KubeCertificateExpiration&state=firing"), &admin).await.body;
    assert!(
        firing["items"].as_array().unwrap().iter().all(|a| a["labels"]["certificate"] == "tls_secret"),
        "a ten-year certificate fired: {firing}"
    );
    // the channel is told
    eventually("the webhook notice", WAIT, || async {
        let got = got.lock().unwrap();
        got.iter()
            .flat_map(|b| b["alerts"].as_array().cloned().unwrap_or_default())
            .find(|a| a["labels"]["alertname"] == "KubeCertificateExpiration" && a["labels"]["secret"] == "shop-tls")
    })
    .await;

    // the Secret goes: the dashboard forgets it once read again, and the alert resolves
    tb.kubectl_ok(&["-n", &n, "delete", "secret", "shop-tls"]);
    let r = app.get(&format!("{base}/certificates?refresh=true"), &admin).await;
    assert!(tls_entry(&r.body, &n, "shop-tls").is_none(), "{}", r.body);
    eventually("the certificate alert to resolve", WAIT, || async {
        let l = app.get(&format!("{base}/alerts?rule=KubeCertificateExpiration&state=firing"), &admin).await.body;
        l["items"].as_array().unwrap().iter().all(|a| a["labels"]["namespace"] != n.as_str()).then_some(())
    })
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    app.stop().await;
}

on_one_backend!(the_dashboard_reads_every_certificate_and_alerts_before_one_expires);

//! The certificate dashboard (issue 18, 证书): the certificates an operator watches on each cluster, read live and
//! kept a few minutes ([`Cache`]):
//! - the API server's serving certificate, as its TLS handshake presents it, and whether the kubeconfig's CA
//!   (or, when the kubeconfig names none, the system's roots) trusts it for the server's address;
//! - the CA bundle of the imported kubeconfig;
//! - the imported credential's client certificate;
//! - TLS Secrets (`type: kubernetes.io/tls`) in every namespace, with the Ingresses that serve them; an Ingress
//!   TLS entry naming a Secret that does not exist is a problem on the dashboard.
//!
//! Secret values are read here and never leave this module: only a certificate's public facts (what any client
//! of the server sees in a handshake) do. The alert rule `KubeCertificateExpiration` reads the same cache
//! ([`cached_or_refresh`]). kubeadm's own certificates (`kubeadm certs check-expiration`) need a self-built
//! cluster's hosts, which Kubedeck does not make yet.

use crate::connection;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DynamicObject, ListParams};
use kubedeck_kube::error::within;
use kubedeck_kube::x509::{self, Certificate};
use kubedeck_store::clusters::Cluster;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// How long one handshake or list may take.
const CALL: Duration = Duration::from_secs(15);
/// How long a reading serves the dashboard before it is read again.
pub const FRESH_FOR: Duration = Duration::from_secs(300);
/// How old a reading may get before the alert loop has it read again: a renewed or deleted certificate's alert
/// resolves within this (a reading is one handshake and two lists per cluster).
pub const ALERT_REFRESH: Duration = Duration::from_secs(600);
/// The default "expiring soon" horizon of the dashboard, days (the alert rule has its own threshold).
pub const WARN_DAYS: f64 = 30.0;

/// Where a certificate was found.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum CertSource {
    /// The API server's serving certificate (from the TLS handshake).
    Apiserver,
    /// A CA certificate of the imported kubeconfig.
    Ca,
    /// The imported credential's client certificate.
    Client,
    /// A Secret of type `kubernetes.io/tls`.
    TlsSecret,
}

impl CertSource {
    /// The label value alerts carry.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apiserver => "apiserver",
            Self::Ca => "ca",
            Self::Client => "client",
            Self::TlsSecret => "tls_secret",
        }
    }
}

/// How close a certificate is to its end.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CertState {
    Valid,
    /// Ends within the horizon asked for (`warn_days`).
    Expiring,
    Expired,
    /// Its validity has not begun.
    NotYetValid,
}

/// One certificate on the dashboard.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CertificateView {
    pub source: CertSource,
    /// The Secret's namespace (TLS Secrets).
    pub namespace: Option<String>,
    /// The Secret's name (TLS Secrets).
    pub secret: Option<String>,
    /// Ingresses whose TLS names this Secret, as `namespace/name`.
    pub ingresses: Vec<String>,
    /// As `CN=kube-apiserver, O=...`.
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses it covers.
    pub sans: Vec<String>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// Days until `not_after`, negative once expired (one decimal).
    pub days_left: f64,
    pub state: CertState,
    /// API server only: whether the kubeconfig's CA (the system's roots when it names none) trusts the
    /// certificate for the server's address.
    pub trusted: Option<bool>,
}

/// Something the dashboard could not read, or an Ingress naming a Secret that is missing.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CertProblem {
    pub source: CertSource,
    pub namespace: Option<String>,
    /// The Secret (or, for a failed handshake, nothing).
    pub name: Option<String>,
    pub message: String,
}

/// One cluster's certificates.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ClusterCertificates {
    pub cluster_id: i64,
    pub cluster_name: String,
    /// When they were read from the cluster.
    pub checked_at: DateTime<Utc>,
    /// Soonest end first.
    pub certificates: Vec<CertificateView>,
    pub problems: Vec<CertProblem>,
}

impl ClusterCertificates {
    /// The same reading with `days_left` and `state` as of `now` for a `warn_days` horizon.
    pub fn as_of(&self, now: DateTime<Utc>, warn_days: f64) -> Self {
        let mut out = self.clone();
        for c in &mut out.certificates {
            c.days_left = days_left(c.not_after, now);
            c.state = state_of(c.not_before, c.not_after, now, warn_days);
        }
        out
    }
}

/// Days from `now` to `end`, one decimal.
pub fn days_left(end: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
    ((end - now).num_seconds() as f64 / 86_400.0 * 10.0).round() / 10.0
}

/// Where a certificate stands at `now`.
pub fn state_of(begin: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>, warn_days: f64) -> CertState {
    if end <= now {
        CertState::Expired
    } else if begin > now {
        CertState::NotYetValid
    } else if (end - now).num_seconds() as f64 <= warn_days * 86_400.0 {
        CertState::Expiring
    } else {
        CertState::Valid
    }
}

fn view(source: CertSource, c: Certificate, now: DateTime<Utc>) -> CertificateView {
    CertificateView {
        source,
        namespace: None,
        secret: None,
        ingresses: Vec::new(),
        days_left: days_left(c.not_after, now),
        state: state_of(c.not_before, c.not_after, now, WARN_DAYS),
        subject: c.subject,
        issuer: c.issuer,
        sans: c.sans,
        not_before: c.not_before,
        not_after: c.not_after,
        trusted: None,
    }
}

fn problem(source: CertSource, message: impl Into<String>) -> CertProblem {
    CertProblem {
        source,
        namespace: None,
        name: None,
        message: message.into(),
    }
}

/// The readings of this replica, by cluster, with the instant each was taken.
#[derive(Default)]
pub struct Cache {
    readings: Mutex<HashMap<i64, (Instant, Arc<ClusterCertificates>)>>,
    /// Clusters whose reading is under way on a background task (the alert loop never waits for one).
    refreshing: Mutex<std::collections::HashSet<i64>>,
}

impl Cache {
    fn get(&self, id: i64, max_age: Duration) -> Option<Arc<ClusterCertificates>> {
        let r = self.readings.lock().expect("certificate cache");
        r.get(&id).filter(|(at, _)| at.elapsed() < max_age).map(|(_, c)| c.clone())
    }

    fn latest(&self, id: i64) -> Option<Arc<ClusterCertificates>> {
        self.readings.lock().expect("certificate cache").get(&id).map(|(_, c)| c.clone())
    }

    fn put(&self, id: i64, c: Arc<ClusterCertificates>) {
        self.readings.lock().expect("certificate cache").insert(id, (Instant::now(), c));
    }

    /// Forgets a deleted cluster.
    pub fn forget(&self, id: i64) {
        self.readings.lock().expect("certificate cache").remove(&id);
    }
}

/// The cluster's certificates: the cached reading when younger than `max_age`, else read now and cached.
pub async fn read(state: &AppState, c: &Cluster, max_age: Duration) -> Arc<ClusterCertificates> {
    if let Some(r) = state.certificates.get(c.id, max_age) {
        return r;
    }
    let r = Arc::new(collect(state, c).await);
    state.certificates.put(c.id, r.clone());
    r
}

/// For the alert loop: the latest reading as it is (None before the first), and when it is older than
/// [`ALERT_REFRESH`] a new one read in the background, so an unreachable server never holds up evaluation.
pub fn cached_or_refresh(state: &AppState, c: &Cluster) -> Option<Arc<ClusterCertificates>> {
    if let Some(r) = state.certificates.get(c.id, ALERT_REFRESH) {
        return Some(r);
    }
    if state.certificates.refreshing.lock().expect("certificate cache").insert(c.id) {
        let (state2, c2) = (state.clone(), c.clone());
        tokio::spawn(async move {
            let r = Arc::new(collect(&state2, &c2).await);
            state2.certificates.put(c2.id, r);
            state2.certificates.refreshing.lock().expect("certificate cache").remove(&c2.id);
        });
    }
    state.certificates.latest(c.id)
}

/// Reads every certificate of the cluster now. Never fails as a whole: what cannot be read is a problem entry.
pub async fn collect(state: &AppState, c: &Cluster) -> ClusterCertificates {
    let now = Utc::now();
    let mut out = ClusterCertificates {
        cluster_id: c.id,
        cluster_name: c.name.clone(),
        checked_at: now,
        certificates: Vec::new(),
        problems: Vec::new(),
    };
    let kubeconfig = state
        .open_credential(c)
        .map_err(|e| e.to_string())
        .and_then(|text| {
            kubedeck_kube::kubeconfig::parse(&text, Some(&c.context_name)).map_err(|p| p.message)
        });
    match kubeconfig {
        Err(e) => out.problems.push(problem(
            CertSource::Client,
            format!("the stored kubeconfig cannot be opened: {e}"),
        )),
        Ok(k) => {
            for cert in k.ca_pem.as_deref().map(x509::certificates).unwrap_or_default() {
                out.certificates.push(view(CertSource::Ca, cert, now));
            }
            // the first certificate of the client bundle is the credential's own; the rest is its chain
            if let Some(cert) = k
                .client_certificate_pem
                .as_deref()
                .and_then(|pem| x509::certificates(pem).into_iter().next())
            {
                out.certificates.push(view(CertSource::Client, cert, now));
            }
            match serving_certificate(&k.server_url, k.ca_pem.as_deref()).await {
                Ok((cert, trusted)) => {
                    let mut v = view(CertSource::Apiserver, cert, now);
                    v.trusted = Some(trusted);
                    out.certificates.push(v);
                }
                Err(e) => out.problems.push(problem(CertSource::Apiserver, e)),
            }
        }
    }
    tls_secrets(state, c, now, &mut out).await;
    out.certificates.sort_by(|a, b| {
        (a.not_after, a.source, &a.namespace, &a.secret).cmp(&(b.not_after, b.source, &b.namespace, &b.secret))
    });
    out
}

/// The certificate the API server presents, and whether the kubeconfig's CA trusts it. Two requests: one that
/// accepts any certificate (to read it whatever it is) and one that verifies as Kubedeck's own client does.
/// Only `/version` is asked, without credentials.
async fn serving_certificate(server: &str, ca_pem: Option<&str>) -> Result<(Certificate, bool), String> {
    if !server.starts_with("https://") {
        return Err(format!("the server {server} is not served over TLS"));
    }
    let url = format!("{}/version", server.trim_end_matches('/'));
    let probe = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .tls_info(true)
        .timeout(CALL)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let resp = probe
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("the TLS handshake with {server} failed: {e}"))?;
    let der = resp
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .ok_or_else(|| format!("{server} presented no certificate"))?;
    let cert = x509::parse_details(der).ok_or_else(|| format!("the certificate {server} presented cannot be read"))?;
    let mut verifying = reqwest::Client::builder()
        .timeout(CALL)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(ca) = ca_pem {
        verifying = verifying.tls_built_in_root_certs(false);
        for c in reqwest::Certificate::from_pem_bundle(ca.as_bytes()).unwrap_or_default() {
            verifying = verifying.add_root_certificate(c);
        }
    }
    let trusted = match verifying.build() {
        Ok(client) => client.get(&url).send().await.is_ok(),
        Err(_) => false,
    };
    Ok((cert, trusted))
}

/// TLS Secrets of every namespace, and which Ingresses name them (an Ingress naming a missing one is a problem).
async fn tls_secrets(state: &AppState, c: &Cluster, now: DateTime<Utc>, out: &mut ClusterCertificates) {
    let client = match connection::client_for(state, c).await {
        Ok(client) => client,
        Err(e) => {
            out.problems.push(problem(CertSource::TlsSecret, e.message));
            return;
        }
    };
    // Ingresses first: (namespace, secret) -> the Ingresses that name it
    let mut used_by: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    match connection::catalog(state, c).await.map(|cat| cat.find("ingresses").ok().map(|s| s.api.clone())) {
        Ok(Some(api)) => {
            let ingresses: Api<DynamicObject> = Api::all_with(client.clone(), &api);
            match within(CALL, ingresses.list(&ListParams::default())).await {
                Ok(list) => {
                    for ing in list.items {
                        let ns = ing.metadata.namespace.clone().unwrap_or_default();
                        let name = ing.metadata.name.clone().unwrap_or_default();
                        for tls in ing.data["spec"]["tls"].as_array().into_iter().flatten() {
                            if let Some(secret) = tls["secretName"].as_str() {
                                let users = used_by.entry((ns.clone(), secret.to_owned())).or_default();
                                let who = format!("{ns}/{name}");
                                if !users.contains(&who) {
                                    users.push(who);
                                }
                            }
                        }
                    }
                }
                Err(e) => out.problems.push(problem(CertSource::TlsSecret, format!("Ingresses cannot be listed: {e}"))),
            }
        }
        Ok(None) => {}
        Err(e) => out.problems.push(problem(CertSource::TlsSecret, e.message)),
    }
    let secrets: Api<Secret> = Api::all(client);
    let list = match within(CALL, secrets.list(&ListParams::default().fields("type=kubernetes.io/tls"))).await {
        Ok(l) => l,
        Err(e) => {
            out.problems.push(problem(CertSource::TlsSecret, format!("TLS Secrets cannot be listed: {e}")));
            return;
        }
    };
    for s in list.items {
        let ns = s.metadata.namespace.clone().unwrap_or_default();
        let name = s.metadata.name.clone().unwrap_or_default();
        let ingresses = used_by.remove(&(ns.clone(), name.clone())).unwrap_or_default();
        let pem = s
            .data
            .as_ref()
            .and_then(|d| d.get("tls.crt"))
            .and_then(|b| String::from_utf8(b.0.clone()).ok());
        match pem.as_deref().and_then(|p| x509::certificates(p).into_iter().next()) {
            Some(cert) => {
                let mut v = view(CertSource::TlsSecret, cert, now);
                v.namespace = Some(ns);
                v.secret = Some(name);
                v.ingresses = ingresses;
                out.certificates.push(v);
            }
            None => out.problems.push(CertProblem {
                source: CertSource::TlsSecret,
                namespace: Some(ns),
                name: Some(name),
                message: "tls.crt holds no certificate that can be read".into(),
            }),
        }
    }
    for ((ns, secret), ingresses) in used_by {
        out.problems.push(CertProblem {
            source: CertSource::TlsSecret,
            namespace: Some(ns),
            name: Some(secret.clone()),
            message: format!(
                "Ingress {} names TLS Secret '{secret}', which does not exist (or is not of type kubernetes.io/tls)",
                ingresses.join(", ")
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn states_follow_the_horizon_and_the_validity() {
        let d = 86_400;
        assert_eq!(state_of(at(-d), at(40 * d), at(0), 30.0), CertState::Valid);
        assert_eq!(state_of(at(-d), at(29 * d), at(0), 30.0), CertState::Expiring);
        assert_eq!(state_of(at(-d), at(0), at(0), 30.0), CertState::Expired);
        assert_eq!(state_of(at(d), at(40 * d), at(0), 30.0), CertState::NotYetValid);
        assert_eq!(days_left(at(3 * d + d / 2), at(0)), 3.5);
        assert_eq!(days_left(at(-2 * d), at(0)), -2.0);
    }
}

//! What an operator reads on one object's page beyond its YAML, per kind: a Service's ports and the pods it
//! selects, an Ingress' routes and certificates, a Secret's type-aware view, a ConfigMap's keys. Pure
//! functions of the object and of what the API layer gathered for it (selected pods from the pod index, the
//! Services an Ingress names, the workloads of the namespace), so they are unit-tested on plain JSON; the
//! warnings carry a stable code the console words in each language.
//! [`namespaces`] and [`storage`] (issue 15): the objects a namespace form creates and why a namespace is stuck
//! Terminating; a quota's used / hard, the default StorageClass's patches, whether a claim may grow.

pub mod config;
pub mod dns;
pub mod namespaces;
pub mod network;
pub mod storage;

use crate::x509::Certificate;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Something on the object an operator should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Warning {
    /// `error` (broken now) or `warning` (will break, or may not do what was meant).
    pub severity: &'static str,
    /// Stable code the console translates: `selector_matches_no_pod`, `target_port_unmatched`,
    /// `backend_service_missing`, `backend_port_missing`, `tls_secret_missing`, `tls_secret_unreadable`,
    /// `certificate_expired`, `certificate_expiring`, `host_not_covered`.
    pub code: &'static str,
    /// The same in English.
    pub message: String,
    /// What the message names (`port`, `service`, `host`, `secret`, `days` ...).
    pub params: BTreeMap<String, String>,
}

impl Warning {
    fn new(severity: &'static str, code: &'static str, message: String, params: &[(&'static str, String)]) -> Warning {
        Warning { severity, code, message, params: params.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect() }
    }
}

/// Days before expiry from which a certificate is flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// A certificate's validity as of `now`: an error once expired (or not yet valid), a warning within
/// [`EXPIRY_WARNING_DAYS`] of its end.
pub fn certificate_warnings(cert: &Certificate, now: DateTime<Utc>, whose: &str) -> Vec<Warning> {
    let days = (cert.not_after - now).num_days();
    if cert.not_after <= now {
        vec![Warning::new(
            "error",
            "certificate_expired",
            format!("the certificate of {whose} expired on {}", cert.not_after.format("%Y-%m-%d %H:%M UTC")),
            &[("secret", whose.to_owned()), ("date", cert.not_after.to_rfc3339())],
        )]
    } else if cert.not_before > now {
        vec![Warning::new(
            "error",
            "certificate_not_yet_valid",
            format!("the certificate of {whose} is valid only from {}", cert.not_before.format("%Y-%m-%d %H:%M UTC")),
            &[("secret", whose.to_owned()), ("date", cert.not_before.to_rfc3339())],
        )]
    } else if days < EXPIRY_WARNING_DAYS {
        vec![Warning::new(
            "warning",
            "certificate_expiring",
            format!("the certificate of {whose} expires in {days} days ({})", cert.not_after.format("%Y-%m-%d")),
            &[("secret", whose.to_owned()), ("days", days.to_string()), ("date", cert.not_after.to_rfc3339())],
        )]
    } else {
        Vec::new()
    }
}

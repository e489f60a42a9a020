//! The alert rules: Kubedeck's built-in rules under the names operators know from kube-prometheus (with its
//! thresholds and `for` durations), Kubedeck's own cluster and node rules, a cluster's changes to them and its
//! own threshold rules on collected metrics. Everything here is pure: the loop gathers the [`Facts`] and this
//! module says which objects are in breach ([`Finding`]s).

use chrono::{DateTime, Utc};
use kubedeck_store::alerts::RuleSetting;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// How long a pod counts as crash-looping after it was last seen in CrashLoopBackOff (kube-prometheus:
/// `max_over_time(...[5m])`): between crashes the container runs for a while, which does not end the alert.
pub const CRASH_LOOKBACK_SECS: i64 = 300;

/// A built-in rule: its name, what it checks and its defaults.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinRule {
    pub name: &'static str,
    /// What it checks, in words (the threshold's unit named).
    pub condition: &'static str,
    /// The default threshold, for rules that have one.
    pub threshold: Option<f64>,
    /// The threshold's unit: `percent`, `days`.
    pub unit: Option<&'static str>,
    /// Default `for`, seconds.
    pub for_secs: i64,
    pub severity: &'static str,
    /// Whether its alerts name a namespace (a namespace scope applies to them).
    pub namespaced: bool,
}

const fn rule(
    name: &'static str,
    condition: &'static str,
    threshold: Option<f64>,
    unit: Option<&'static str>,
    for_secs: i64,
    severity: &'static str,
    namespaced: bool,
) -> BuiltinRule {
    BuiltinRule {
        name,
        condition,
        threshold,
        unit,
        for_secs,
        severity,
        namespaced,
    }
}

const M: i64 = 60;

/// Every built-in rule, kube-prometheus' first.
pub const BUILTIN: &[BuiltinRule] = &[
    rule(
        "KubeNodeNotReady",
        "a node's Ready condition is not True",
        None,
        None,
        15 * M,
        "warning",
        false,
    ),
    rule(
        "KubeNodeUnreachable",
        "a node carries the node.kubernetes.io/unreachable taint",
        None,
        None,
        15 * M,
        "warning",
        false,
    ),
    rule(
        "KubePodCrashLooping",
        "a pod's container is in CrashLoopBackOff (seen within the last 5 minutes)",
        None,
        None,
        15 * M,
        "warning",
        true,
    ),
    rule(
        "KubePodNotReady",
        "a pod not owned by a Job is Pending, Unknown or Failed",
        None,
        None,
        15 * M,
        "warning",
        true,
    ),
    rule(
        "KubeContainerWaiting",
        "a pod's container waits (ContainerCreating, ImagePullBackOff, ...)",
        None,
        None,
        60 * M,
        "warning",
        true,
    ),
    rule(
        "KubeDeploymentReplicasMismatch",
        "a Deployment has fewer available replicas than it wants",
        None,
        None,
        15 * M,
        "warning",
        true,
    ),
    rule(
        "KubeStatefulSetReplicasMismatch",
        "a StatefulSet has fewer ready replicas than it wants",
        None,
        None,
        15 * M,
        "warning",
        true,
    ),
    rule(
        "KubeDaemonSetRolloutStuck",
        "a DaemonSet has fewer available or updated pods than nodes it should run on",
        None,
        None,
        15 * M,
        "warning",
        true,
    ),
    rule(
        "KubeJobFailed",
        "a Job has failed",
        None,
        None,
        15 * M,
        "warning",
        true,
    ),
    rule(
        "KubeHpaMaxedOut",
        "an HPA runs at its maximum replicas",
        None,
        None,
        15 * M,
        "warning",
        true,
    ),
    rule(
        "KubeQuotaAlmostFull",
        "a ResourceQuota's resource is used above the threshold (percent of hard)",
        Some(90.0),
        Some("percent"),
        15 * M,
        "info",
        true,
    ),
    rule(
        "KubePersistentVolumeFillingUp",
        "a claim's volume has less free space than the threshold (percent of capacity)",
        Some(3.0),
        Some("percent"),
        M,
        "critical",
        true,
    ),
    rule(
        "KubeClientCertificateExpiration",
        "the imported credential's client certificate expires within the threshold",
        Some(7.0),
        Some("days"),
        0,
        "warning",
        false,
    ),
    rule(
        "KubeCertificateExpiration",
        "a certificate of the cluster (the API server's serving certificate, a kubeconfig CA, a TLS Secret) expires within the threshold",
        Some(30.0),
        Some("days"),
        0,
        "warning",
        false,
    ),
    rule(
        "ClusterUnreachable",
        "Kubedeck cannot reach the cluster's API server",
        None,
        None,
        2 * M,
        "critical",
        false,
    ),
    rule(
        "ClusterCredentialRejected",
        "the cluster rejects the imported credential (expired or revoked)",
        None,
        None,
        0,
        "critical",
        false,
    ),
    rule(
        "NodeCpuHigh",
        "a node's CPU use is above the threshold (percent of allocatable)",
        Some(90.0),
        Some("percent"),
        15 * M,
        "warning",
        false,
    ),
    rule(
        "NodeMemoryHigh",
        "a node's memory working set is above the threshold (percent of allocatable)",
        Some(90.0),
        Some("percent"),
        15 * M,
        "warning",
        false,
    ),
    rule(
        "NodeDiskHigh",
        "a node's root filesystem is used above the threshold (percent of capacity)",
        Some(85.0),
        Some("percent"),
        15 * M,
        "warning",
        false,
    ),
];

/// The built-in rule called `name`.
pub fn builtin(name: &str) -> Option<&'static BuiltinRule> {
    BUILTIN.iter().find(|r| r.name == name)
}

/// Metrics a cluster's own threshold rules can compare (one alert per object in breach).
pub const METRICS: &[&str] = &[
    "node_cpu_percent",
    "node_memory_percent",
    "node_disk_percent",
    "volume_used_percent",
    "pod_restarts",
];

/// Comparisons a threshold rule can make.
pub const OPERATORS: &[&str] = &[">", ">=", "<", "<="];

/// Severities, most severe first.
pub const SEVERITIES: &[&str] = &["critical", "warning", "info"];

/// How severe, for ordering (higher is worse).
pub fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 3,
        "warning" => 2,
        "info" => 1,
        _ => 0,
    }
}

fn compare(op: &str, value: f64, threshold: f64) -> bool {
    match op {
        ">" => value > threshold,
        ">=" => value >= threshold,
        "<" => value < threshold,
        "<=" => value <= threshold,
        _ => false,
    }
}

/// A rule as this cluster runs it: the built-in defaults with the cluster's changes, or its own rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub custom: bool,
    pub enabled: bool,
    pub threshold: Option<f64>,
    pub for_secs: i64,
    pub severity: String,
    /// Only alerts in these namespaces (empty: all); cluster-scoped alerts are not affected.
    pub namespaces: Vec<String>,
    /// Labels an alert must carry (exact values).
    pub matchers: BTreeMap<String, String>,
    /// A custom rule's metric and comparison.
    pub metric: Option<String>,
    pub operator: Option<String>,
    pub summary: Option<String>,
    /// Notification timing for this rule's group (None: the server's default).
    pub group_wait_secs: Option<i64>,
    pub group_interval_secs: Option<i64>,
    pub repeat_interval_secs: Option<i64>,
    /// Labels beside `alertname` and `cluster` whose values split the rule's alerts into notification groups
    /// (Alertmanager's `group_by`); empty: one group per rule and cluster.
    pub group_by: Vec<String>,
}

impl Rule {
    /// A built-in rule with its defaults.
    pub fn default_of(b: &BuiltinRule) -> Rule {
        Rule {
            name: b.name.to_owned(),
            custom: false,
            enabled: true,
            threshold: b.threshold,
            for_secs: b.for_secs,
            severity: b.severity.to_owned(),
            namespaces: Vec::new(),
            matchers: BTreeMap::new(),
            metric: None,
            operator: None,
            summary: None,
            group_wait_secs: None,
            group_interval_secs: None,
            repeat_interval_secs: None,
            group_by: Vec::new(),
        }
    }

    /// A stored setting over its built-in rule's defaults (fields it leaves empty keep the default), or a custom
    /// rule as stored.
    pub fn from_setting(s: &RuleSetting) -> Rule {
        let base = builtin(&s.name).filter(|_| !s.custom);
        let mut r = match base {
            Some(b) => Rule::default_of(b),
            None => Rule {
                name: s.name.clone(),
                custom: true,
                enabled: true,
                threshold: None,
                for_secs: 0,
                severity: "warning".into(),
                namespaces: Vec::new(),
                matchers: BTreeMap::new(),
                metric: s.metric.clone(),
                operator: s.operator.clone(),
                summary: s.summary.clone(),
                group_wait_secs: None,
                group_interval_secs: None,
                repeat_interval_secs: None,
                group_by: Vec::new(),
            },
        };
        r.enabled = s.enabled;
        r.threshold = s.threshold.or(r.threshold);
        r.for_secs = s.for_secs.unwrap_or(r.for_secs);
        if let Some(sev) = &s.severity {
            r.severity = sev.clone();
        }
        r.namespaces = serde_json::from_str(&s.namespaces).unwrap_or_default();
        r.matchers = serde_json::from_str(&s.matchers).unwrap_or_default();
        r.group_wait_secs = s.group_wait_secs;
        r.group_interval_secs = s.group_interval_secs;
        r.repeat_interval_secs = s.repeat_interval_secs;
        r.group_by = s
            .group_by
            .as_deref()
            .and_then(|g| serde_json::from_str(g).ok())
            .unwrap_or_default();
        r
    }

    /// Whether a finding with these labels is in this rule's scope (namespaces, matchers).
    pub fn in_scope(&self, labels: &BTreeMap<String, String>) -> bool {
        let ns_ok = self.namespaces.is_empty()
            || labels
                .get("namespace")
                .is_none_or(|ns| self.namespaces.iter().any(|n| n == ns));
        ns_ok && self.matchers.iter().all(|(k, v)| labels.get(k) == Some(v))
    }
}

/// Every rule of a cluster: each built-in one (with the cluster's changes) and its own, by name.
pub fn effective_rules(settings: &[RuleSetting]) -> Vec<Rule> {
    let by_name: HashMap<&str, &RuleSetting> =
        settings.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut rules: Vec<Rule> = BUILTIN
        .iter()
        .map(|b| match by_name.get(b.name) {
            Some(s) if !s.custom => Rule::from_setting(s),
            _ => Rule::default_of(b),
        })
        .collect();
    rules.extend(settings.iter().filter(|s| s.custom).map(Rule::from_setting));
    rules
}

// ---- facts: what the loop read ---------------------------------------------------------------------------

/// A pod, as the rules need it.
#[derive(Debug, Clone, Copy)]
pub struct PodFacts<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub phase: &'a str,
    /// kubectl's STATUS column (the waiting reason while a container waits).
    pub status: &'a str,
    pub owner_kind: Option<&'a str>,
    pub restarts: i32,
}

/// A node, as the rules need it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFacts {
    pub name: String,
    /// The Ready condition's status (`True`, `False`, `Unknown`); None when the node has none.
    pub ready: Option<String>,
    /// Carries the `node.kubernetes.io/unreachable` taint.
    pub unreachable: bool,
}

/// A controller's replica counts (Deployment: available of desired; StatefulSet: ready of desired; DaemonSet:
/// available and updated of desired).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaFacts {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub desired: i64,
    pub available: i64,
    pub updated: i64,
}

/// One resource of a ResourceQuota.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaFacts {
    pub namespace: String,
    pub name: String,
    pub resource: String,
    pub used: f64,
    pub hard: f64,
}

/// A named object in a namespace (failed Jobs).
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub namespace: String,
    pub name: String,
}

/// An HPA's replicas.
#[derive(Debug, Clone, PartialEq)]
pub struct HpaFacts {
    pub namespace: String,
    pub name: String,
    pub current: i64,
    pub max: i64,
}

/// A claim's volume usage (latest sample).
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeFacts {
    pub namespace: String,
    pub claim: String,
    pub used_bytes: i64,
    pub capacity_bytes: i64,
}

/// A node's latest usage sample, percentages.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeUsage {
    pub node: String,
    pub cpu: f64,
    pub memory: f64,
    pub disk: f64,
}

/// The cluster's own state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterFacts {
    /// The last check could not reach it.
    pub unreachable: bool,
    /// The last check was refused for the credential.
    pub credential_rejected: bool,
    /// The imported credential's client certificate's end (None: it has none).
    pub client_cert_not_after: Option<DateTime<Utc>>,
}

/// A certificate on the dashboard (other than the client certificate, which has its own rule).
#[derive(Debug, Clone, PartialEq)]
pub struct CertFacts {
    /// `apiserver`, `ca`, `tls_secret`.
    pub source: &'static str,
    pub namespace: Option<String>,
    pub secret: Option<String>,
    pub subject: String,
    pub not_after: DateTime<Utc>,
}

/// When each pod was last seen in CrashLoopBackOff: namespace → name → time (looked up without allocating).
pub type CrashSeen = HashMap<String, HashMap<String, DateTime<Utc>>>;

/// Everything one evaluation of a cluster reads. `None`: not known this pass (the rules that need it are skipped,
/// so their alerts stay as they are).
#[derive(Debug, Default)]
pub struct Facts<'a> {
    pub cluster: ClusterFacts,
    pub pods: Option<Vec<PodFacts<'a>>>,
    /// When pods were last seen in CrashLoopBackOff, by namespace and name.
    pub crash_seen: Option<&'a CrashSeen>,
    pub nodes: Option<Vec<NodeFacts>>,
    pub replicas: Option<Vec<ReplicaFacts>>,
    pub failed_jobs: Option<Vec<Named>>,
    pub hpas: Option<Vec<HpaFacts>>,
    pub quotas: Option<Vec<QuotaFacts>>,
    pub volumes: Option<Vec<VolumeFacts>>,
    pub node_usage: Option<Vec<NodeUsage>>,
    /// The certificate dashboard's latest reading (None before the first).
    pub certificates: Option<Vec<CertFacts>>,
}

/// One object in breach of one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: String,
    /// The object's labels (`namespace`, `pod`, `node`, ...), without alertname, severity and cluster.
    pub labels: BTreeMap<String, String>,
    pub summary: String,
    pub description: String,
    pub value: Option<f64>,
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn finding(
    rule: &Rule,
    labels: BTreeMap<String, String>,
    summary: String,
    description: String,
    value: Option<f64>,
) -> Finding {
    Finding {
        rule: rule.name.clone(),
        labels,
        summary: rule.summary.clone().unwrap_or(summary),
        description,
        value,
    }
}

// ---- the conditions --------------------------------------------------------------------------------------

/// Waiting reasons kubectl shows as a pod's STATUS.
const WAITING: &[&str] = &[
    "ContainerCreating",
    "PodInitializing",
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

/// A pod's STATUS says a container is in CrashLoopBackOff (also an init container's).
pub fn in_crash_loop_backoff(status: &str) -> bool {
    status.strip_prefix("Init:").unwrap_or(status) == "CrashLoopBackOff"
}

/// KubePodCrashLooping: in CrashLoopBackOff now, or last seen so within [`CRASH_LOOKBACK_SECS`].
pub fn crash_looping(
    status: &str,
    last_seen_backoff: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    in_crash_loop_backoff(status)
        || last_seen_backoff.is_some_and(|t| (now - t).num_seconds() <= CRASH_LOOKBACK_SECS)
}

/// KubePodNotReady: Pending, Unknown or Failed, unless a Job owns it (a Job's pods end Failed by design).
pub fn pod_not_ready(phase: &str, owner_kind: Option<&str>) -> bool {
    matches!(phase, "Pending" | "Unknown" | "Failed") && owner_kind != Some("Job")
}

/// KubeContainerWaiting: the STATUS is a container's waiting reason.
pub fn container_waiting(status: &str) -> bool {
    WAITING.contains(&status.strip_prefix("Init:").unwrap_or(status))
}

/// KubeNodeNotReady: the Ready condition is not True.
pub fn node_not_ready(ready: Option<&str>) -> bool {
    ready != Some("True")
}

/// Replica mismatch (Deployment, StatefulSet) and a stuck DaemonSet rollout.
pub fn replicas_short(r: &ReplicaFacts) -> bool {
    r.desired > 0 && (r.available < r.desired || (r.kind == "DaemonSet" && r.updated < r.desired))
}

/// KubeHpaMaxedOut.
pub fn hpa_maxed_out(current: i64, max: i64) -> bool {
    max > 0 && current >= max
}

/// Percent of `whole` that `part` is (None for an empty whole).
pub fn percent(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part * 100.0 / whole)
}

/// KubePersistentVolumeFillingUp: free space below `min_free_percent` of capacity; the free percent.
pub fn volume_filling_up(used: i64, capacity: i64, min_free_percent: f64) -> Option<f64> {
    let free = percent((capacity - used).max(0) as f64, capacity as f64)?;
    (free < min_free_percent).then_some(free)
}

/// KubeClientCertificateExpiration: the certificate ends within `days`; the days left.
pub fn certificate_expiring(
    not_after: DateTime<Utc>,
    now: DateTime<Utc>,
    days: f64,
) -> Option<f64> {
    let left = (not_after - now).num_seconds() as f64 / 86_400.0;
    (left < days).then_some(left)
}

// ---- evaluation ------------------------------------------------------------------------------------------

/// What one evaluation found: the findings of every rule it could evaluate, and the rules it could not (their
/// alerts stay as they are).
#[derive(Debug, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub skipped: Vec<String>,
}

/// Evaluates every enabled rule over the facts. A disabled rule is evaluated as finding nothing (its alerts
/// resolve); a rule whose facts are missing is skipped.
pub fn evaluate(rules: &[Rule], facts: &Facts<'_>, now: DateTime<Utc>) -> Evaluation {
    let mut out = Evaluation::default();
    for rule in rules {
        if !rule.enabled {
            continue;
        }
        let before = out.findings.len();
        if !evaluate_rule(rule, facts, now, &mut out.findings) {
            out.skipped.push(rule.name.clone());
        }
        // scope: namespaces and label matchers
        let mut i = before;
        while i < out.findings.len() {
            if rule.in_scope(&out.findings[i].labels) {
                i += 1;
            } else {
                out.findings.swap_remove(i);
            }
        }
    }
    out
}

/// One rule's findings; false when its facts are not known this pass.
fn evaluate_rule(rule: &Rule, f: &Facts<'_>, now: DateTime<Utc>, out: &mut Vec<Finding>) -> bool {
    let threshold = rule.threshold.unwrap_or_default();
    macro_rules! need {
        ($e:expr) => {
            match $e {
                Some(v) => v,
                None => return false,
            }
        };
    }
    match rule.name.as_str() {
        _ if rule.custom => return custom(rule, f, out),
        "ClusterUnreachable" => {
            if f.cluster.unreachable {
                out.push(finding(
                    rule,
                    BTreeMap::new(),
                    "Kubedeck cannot reach the cluster".into(),
                    "The cluster's API server did not answer Kubedeck's last health check.".into(),
                    None,
                ));
            }
        }
        "ClusterCredentialRejected" => {
            if f.cluster.credential_rejected {
                out.push(finding(rule, BTreeMap::new(), "The cluster rejects Kubedeck's credential".into(), "The imported credential was refused (expired or revoked); replace the kubeconfig.".into(), None));
            }
        }
        "KubeClientCertificateExpiration" => {
            if let Some(end) = f.cluster.client_cert_not_after
                && let Some(left) = certificate_expiring(end, now, threshold)
            {
                out.push(finding(rule, BTreeMap::new(), "The imported client certificate is about to expire".into(), format!("The client certificate Kubedeck uses for this cluster expires on {} ({left:.1} days).", end.to_rfc3339()), Some(left)));
            }
        }
        "KubeCertificateExpiration" => {
            for c in need!(f.certificates.as_ref()) {
                let Some(left) = certificate_expiring(c.not_after, now, threshold) else { continue };
                let mut l = labels(&[("certificate", c.source), ("subject", &c.subject)]);
                if let (Some(ns), Some(secret)) = (&c.namespace, &c.secret) {
                    l.insert("namespace".into(), ns.clone());
                    l.insert("secret".into(), secret.clone());
                }
                let what = match (c.source, &c.namespace, &c.secret) {
                    ("apiserver", ..) => "The API server's serving certificate".to_owned(),
                    ("ca", ..) => format!("The cluster CA certificate {}", c.subject),
                    (_, Some(ns), Some(s)) => format!("The certificate of TLS Secret {ns}/{s}"),
                    _ => format!("The certificate {}", c.subject),
                };
                let when = if left < 0.0 { "expired" } else { "expires" };
                out.push(finding(rule, l, "A certificate is about to expire".into(), format!("{what} {when} on {} ({left:.1} days).", c.not_after.to_rfc3339()), Some(left)));
            }
        }
        "KubePodCrashLooping" | "KubePodNotReady" | "KubeContainerWaiting" => {
            let pods = need!(f.pods.as_ref());
            for p in pods {
                let hit = match rule.name.as_str() {
                    "KubePodCrashLooping" => {
                        let seen = f
                            .crash_seen
                            .and_then(|m| m.get(p.namespace))
                            .and_then(|m| m.get(p.name))
                            .copied();
                        crash_looping(p.status, seen, now)
                    }
                    "KubePodNotReady" => pod_not_ready(p.phase, p.owner_kind),
                    _ => container_waiting(p.status),
                };
                if hit {
                    let (summary, description) = match rule.name.as_str() {
                        "KubePodCrashLooping" => (
                            "Pod is crash looping.",
                            format!(
                                "Pod {}/{} is in waiting state (reason: \"CrashLoopBackOff\"); {} restarts.",
                                p.namespace, p.name, p.restarts
                            ),
                        ),
                        "KubePodNotReady" => (
                            "Pod has been in a non-ready state for too long.",
                            format!(
                                "Pod {}/{} has been in a non-ready state ({}).",
                                p.namespace, p.name, p.phase
                            ),
                        ),
                        _ => (
                            "Pod container waiting longer than expected.",
                            format!(
                                "Pod {}/{} has been waiting ({}).",
                                p.namespace, p.name, p.status
                            ),
                        ),
                    };
                    out.push(finding(
                        rule,
                        labels(&[("namespace", p.namespace), ("pod", p.name)]),
                        summary.into(),
                        description,
                        Some(p.restarts as f64),
                    ));
                }
            }
        }
        "KubeNodeNotReady" | "KubeNodeUnreachable" => {
            for n in need!(f.nodes.as_ref()) {
                let hit = if rule.name == "KubeNodeNotReady" {
                    node_not_ready(n.ready.as_deref())
                } else {
                    n.unreachable
                };
                if hit {
                    let (s, d) = if rule.name == "KubeNodeNotReady" {
                        (
                            "Node is not ready.",
                            format!(
                                "{} has been unready (Ready: {}).",
                                n.name,
                                n.ready.as_deref().unwrap_or("none")
                            ),
                        )
                    } else {
                        (
                            "Node is unreachable.",
                            format!(
                                "{} is unreachable and some workloads may be rescheduled.",
                                n.name
                            ),
                        )
                    };
                    out.push(finding(
                        rule,
                        labels(&[("node", &n.name)]),
                        s.into(),
                        d,
                        None,
                    ));
                }
            }
        }
        "KubeDeploymentReplicasMismatch"
        | "KubeStatefulSetReplicasMismatch"
        | "KubeDaemonSetRolloutStuck" => {
            let kind = match rule.name.as_str() {
                "KubeDeploymentReplicasMismatch" => "Deployment",
                "KubeStatefulSetReplicasMismatch" => "StatefulSet",
                _ => "DaemonSet",
            };
            let label = kind.to_lowercase();
            for r in need!(f.replicas.as_ref()).iter().filter(|r| r.kind == kind) {
                if replicas_short(r) {
                    out.push(finding(
                        rule,
                        labels(&[("namespace", &r.namespace), (&label, &r.name)]),
                        format!("{kind} has not matched the expected number of replicas."),
                        format!(
                            "{kind} {}/{} has {} of {} replicas available.",
                            r.namespace, r.name, r.available, r.desired
                        ),
                        Some(r.available as f64),
                    ));
                }
            }
        }
        "KubeJobFailed" => {
            for j in need!(f.failed_jobs.as_ref()) {
                out.push(finding(
                    rule,
                    labels(&[("namespace", &j.namespace), ("job_name", &j.name)]),
                    "Job failed to complete.".into(),
                    format!("Job {}/{} failed to complete.", j.namespace, j.name),
                    None,
                ));
            }
        }
        "KubeHpaMaxedOut" => {
            for h in need!(f.hpas.as_ref()) {
                if hpa_maxed_out(h.current, h.max) {
                    out.push(finding(
                        rule,
                        labels(&[
                            ("namespace", &h.namespace),
                            ("horizontalpodautoscaler", &h.name),
                        ]),
                        "HPA is running at max replicas".into(),
                        format!(
                            "HPA {}/{} has been running at max replicas ({}).",
                            h.namespace, h.name, h.max
                        ),
                        Some(h.current as f64),
                    ));
                }
            }
        }
        "KubeQuotaAlmostFull" => {
            for q in need!(f.quotas.as_ref()) {
                if let Some(p) = percent(q.used, q.hard).filter(|p| *p > threshold) {
                    out.push(finding(
                        rule,
                        labels(&[
                            ("namespace", &q.namespace),
                            ("resourcequota", &q.name),
                            ("resource", &q.resource),
                        ]),
                        "Namespace quota is going to be full.".into(),
                        format!(
                            "Namespace {} is using {p:.0}% of its {} quota.",
                            q.namespace, q.resource
                        ),
                        Some(p),
                    ));
                }
            }
        }
        "KubePersistentVolumeFillingUp" => {
            for v in need!(f.volumes.as_ref()) {
                if let Some(free) = volume_filling_up(v.used_bytes, v.capacity_bytes, threshold) {
                    out.push(finding(
                        rule,
                        labels(&[
                            ("namespace", &v.namespace),
                            ("persistentvolumeclaim", &v.claim),
                        ]),
                        "PersistentVolume is filling up.".into(),
                        format!(
                            "The volume claimed by {}/{} has {free:.1}% free.",
                            v.namespace, v.claim
                        ),
                        Some(free),
                    ));
                }
            }
        }
        "NodeCpuHigh" | "NodeMemoryHigh" | "NodeDiskHigh" => {
            for u in need!(f.node_usage.as_ref()) {
                let (value, what) = match rule.name.as_str() {
                    "NodeCpuHigh" => (u.cpu, "CPU"),
                    "NodeMemoryHigh" => (u.memory, "memory"),
                    _ => (u.disk, "disk"),
                };
                if value > threshold {
                    out.push(finding(
                        rule,
                        labels(&[("node", &u.node)]),
                        format!("Node {what} use is high."),
                        format!(
                            "{} uses {value:.0}% {what} (threshold {threshold:.0}%).",
                            u.node
                        ),
                        Some(value),
                    ));
                }
            }
        }
        _ => {}
    }
    true
}

/// A cluster's own threshold rule: `metric operator threshold` per object.
fn custom(rule: &Rule, f: &Facts<'_>, out: &mut Vec<Finding>) -> bool {
    let (Some(metric), Some(op), Some(threshold)) = (
        rule.metric.as_deref(),
        rule.operator.as_deref(),
        rule.threshold,
    ) else {
        return true;
    };
    let mut hit = |labels: BTreeMap<String, String>, what: String, value: f64| {
        if compare(op, value, threshold) {
            out.push(finding(
                rule,
                labels,
                format!("{} {metric} {op} {threshold}", rule.name),
                format!("{what}: {metric} is {value:.1} ({op} {threshold})."),
                Some(value),
            ));
        }
    };
    match metric {
        "node_cpu_percent" | "node_memory_percent" | "node_disk_percent" => {
            let Some(usage) = f.node_usage.as_ref() else {
                return false;
            };
            for u in usage {
                let v = match metric {
                    "node_cpu_percent" => u.cpu,
                    "node_memory_percent" => u.memory,
                    _ => u.disk,
                };
                hit(labels(&[("node", &u.node)]), format!("node {}", u.node), v);
            }
        }
        "volume_used_percent" => {
            let Some(vols) = f.volumes.as_ref() else {
                return false;
            };
            for v in vols {
                if let Some(p) = percent(v.used_bytes as f64, v.capacity_bytes as f64) {
                    hit(
                        labels(&[
                            ("namespace", &v.namespace),
                            ("persistentvolumeclaim", &v.claim),
                        ]),
                        format!("claim {}/{}", v.namespace, v.claim),
                        p,
                    );
                }
            }
        }
        "pod_restarts" => {
            let Some(pods) = f.pods.as_ref() else {
                return false;
            };
            for p in pods {
                hit(
                    labels(&[("namespace", p.namespace), ("pod", p.name)]),
                    format!("pod {}/{}", p.namespace, p.name),
                    p.restarts as f64,
                );
            }
        }
        _ => {}
    }
    true
}

/// A silence's matcher, as Alertmanager's: `name` equals `value` (`=`), or differs from it (`!=`, `is_equal:
/// false`); with `is_regex`, `value` is a regular expression the whole label value must match (`=~`) or must not
/// (`!~`). A missing label has the value '', so `pod=""` matches alerts without a pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Matcher {
    pub name: String,
    pub value: String,
    #[serde(default = "yes")]
    pub is_equal: bool,
    #[serde(default)]
    pub is_regex: bool,
}

fn yes() -> bool {
    true
}

/// The longest regular expression a matcher may hold, and the size its compiled form may take: a silence is
/// evaluated against every alert of every pass, so a pathological pattern must be refused when it is written.
const REGEX_MAX_LEN: usize = 1_000;
const REGEX_SIZE_LIMIT: usize = 256 * 1024;

impl Matcher {
    /// `name` equals `value`.
    pub fn equal(name: &str, value: &str) -> Self {
        Matcher {
            name: name.to_owned(),
            value: value.to_owned(),
            is_equal: true,
            is_regex: false,
        }
    }

    /// The matcher ready to test labels; an invalid regular expression is the reason it cannot be.
    pub fn compile(&self) -> Result<LabelMatcher, String> {
        let pattern = if self.is_regex {
            if self.value.len() > REGEX_MAX_LEN {
                return Err(format!(
                    "a regular expression may have at most {REGEX_MAX_LEN} characters"
                ));
            }
            // anchored, as Alertmanager's and Prometheus's label matchers are
            let re = regex::RegexBuilder::new(&format!("^(?:{})$", self.value))
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| format!("not a regular expression: {e}"))?;
            Pattern::Regex(re)
        } else {
            Pattern::Exact(self.value.clone())
        };
        Ok(LabelMatcher {
            name: self.name.clone(),
            pattern,
            is_equal: self.is_equal,
        })
    }
}

/// A matcher ready to test labels (its regular expression compiled once, not per alert).
#[derive(Debug, Clone)]
pub struct LabelMatcher {
    name: String,
    pattern: Pattern,
    is_equal: bool,
}

#[derive(Debug, Clone)]
enum Pattern {
    Exact(String),
    Regex(regex::Regex),
}

impl LabelMatcher {
    fn holds(&self, labels: &BTreeMap<String, String>) -> bool {
        let v = labels.get(&self.name).map(String::as_str).unwrap_or("");
        let found = match &self.pattern {
            Pattern::Exact(want) => v == want,
            Pattern::Regex(re) => re.is_match(v),
        };
        found == self.is_equal
    }
}

/// Whether every matcher holds for `labels` (a missing label has the value '').
pub fn matches_all(matchers: &[LabelMatcher], labels: &BTreeMap<String, String>) -> bool {
    matchers.iter().all(|m| m.holds(labels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn crash_looping_holds_between_crashes_for_the_lookback() {
        assert!(crash_looping("CrashLoopBackOff", None, at(0)));
        assert!(crash_looping("Init:CrashLoopBackOff", None, at(0)));
        assert!(crash_looping("Running", Some(at(0)), at(300)));
        assert!(!crash_looping("Running", Some(at(0)), at(301)));
        assert!(!crash_looping("Running", None, at(0)));
    }

    #[test]
    fn pods_of_jobs_are_not_reported_not_ready() {
        assert!(pod_not_ready("Pending", Some("ReplicaSet")));
        assert!(pod_not_ready("Unknown", None));
        assert!(!pod_not_ready("Failed", Some("Job")));
        assert!(!pod_not_ready("Running", None));
    }

    #[test]
    fn waiting_reasons_count_but_running_and_errors_do_not() {
        assert!(container_waiting("ImagePullBackOff"));
        assert!(container_waiting("Init:ErrImagePull"));
        assert!(!container_waiting("Running"));
        assert!(!container_waiting("Error"));
        assert!(!container_waiting("Init:0/1"));
    }

    #[test]
    fn nodes_are_not_ready_unless_ready_is_true() {
        assert!(node_not_ready(Some("False")));
        assert!(node_not_ready(Some("Unknown")));
        assert!(node_not_ready(None));
        assert!(!node_not_ready(Some("True")));
    }

    #[test]
    fn replicas_short_counts_updated_pods_only_for_daemonsets() {
        let r = |kind, desired, available, updated| ReplicaFacts {
            kind,
            namespace: "a".into(),
            name: "b".into(),
            desired,
            available,
            updated,
        };
        assert!(replicas_short(&r("Deployment", 3, 2, 3)));
        assert!(!replicas_short(&r("Deployment", 3, 3, 1)));
        assert!(replicas_short(&r("DaemonSet", 3, 3, 1)));
        assert!(!replicas_short(&r("DaemonSet", 0, 0, 0)));
    }

    #[test]
    fn thresholds_follow_kube_prometheus() {
        assert!(hpa_maxed_out(5, 5));
        assert!(!hpa_maxed_out(4, 5));
        assert!(!hpa_maxed_out(0, 0));
        assert_eq!(volume_filling_up(98, 100, 3.0), Some(2.0));
        assert_eq!(volume_filling_up(97, 100, 3.0), None);
        assert_eq!(volume_filling_up(1, 0, 3.0), None);
        assert!(certificate_expiring(at(6 * 86_400), at(0), 7.0).is_some());
        assert!(certificate_expiring(at(8 * 86_400), at(0), 7.0).is_none());
        assert_eq!(builtin("KubePodCrashLooping").unwrap().for_secs, 900);
        assert_eq!(
            builtin("KubeQuotaAlmostFull").unwrap().threshold,
            Some(90.0)
        );
    }

    #[test]
    fn settings_override_defaults_and_scope_by_namespace_and_labels() {
        let s = RuleSetting {
            id: 1,
            cluster_id: 1,
            name: "KubePodCrashLooping".into(),
            custom: false,
            enabled: true,
            threshold: None,
            for_secs: Some(2),
            severity: Some("critical".into()),
            namespaces: r#"["prod"]"#.into(),
            matchers: r#"{"pod":"web"}"#.into(),
            metric: None,
            operator: None,
            summary: None,
            group_wait_secs: Some(1),
            group_interval_secs: None,
            repeat_interval_secs: None,
            group_by: Some(r#"["namespace"]"#.into()),
            updated_by: "admin".into(),
            updated_at: at(0),
        };
        let rules = effective_rules(&[s]);
        let r = rules
            .iter()
            .find(|r| r.name == "KubePodCrashLooping")
            .unwrap();
        assert_eq!(
            (r.for_secs, r.severity.as_str(), r.group_wait_secs),
            (2, "critical", Some(1))
        );
        assert_eq!(r.group_by, ["namespace"]);
        assert_eq!(rules.len(), BUILTIN.len());
        let pods = [
            PodFacts {
                namespace: "prod",
                name: "web",
                phase: "Running",
                status: "CrashLoopBackOff",
                owner_kind: None,
                restarts: 4,
            },
            PodFacts {
                namespace: "dev",
                name: "web",
                phase: "Running",
                status: "CrashLoopBackOff",
                owner_kind: None,
                restarts: 4,
            },
            PodFacts {
                namespace: "prod",
                name: "db",
                phase: "Running",
                status: "CrashLoopBackOff",
                owner_kind: None,
                restarts: 4,
            },
        ];
        let facts = Facts {
            pods: Some(pods.to_vec()),
            ..Default::default()
        };
        let e = evaluate(std::slice::from_ref(r), &facts, at(0));
        assert_eq!(e.findings.len(), 1);
        assert_eq!(
            e.findings[0].labels,
            labels(&[("namespace", "prod"), ("pod", "web")])
        );
    }

    #[test]
    fn rules_without_their_facts_are_skipped_not_resolved() {
        let rules = effective_rules(&[]);
        let e = evaluate(&rules, &Facts::default(), at(0));
        assert!(e.skipped.contains(&"KubePodCrashLooping".to_string()));
        assert!(!e.skipped.contains(&"ClusterUnreachable".to_string()));
        assert!(e.findings.is_empty());
    }

    #[test]
    fn silence_matchers_compare_exactly_or_by_an_anchored_regex() {
        let l = labels(&[("alertname", "KubePodCrashLooping"), ("namespace", "prod")]);
        let m = |n: &str, v: &str, eq, re| {
            Matcher {
                name: n.into(),
                value: v.into(),
                is_equal: eq,
                is_regex: re,
            }
            .compile()
            .unwrap()
        };
        assert!(matches_all(
            &[m("alertname", "KubePodCrashLooping", true, false)],
            &l
        ));
        assert!(!matches_all(
            &[
                m("alertname", "KubePodCrashLooping", true, false),
                m("namespace", "dev", true, false)
            ],
            &l
        ));
        assert!(matches_all(&[m("namespace", "dev", false, false)], &l));
        assert!(matches_all(&[m("pod", "", true, false)], &l));
        // =~ and !~, anchored: "prod" matches prod, not production; "KubePod.*" every pod rule
        assert!(matches_all(&[m("alertname", "KubePod.*", true, true)], &l));
        assert!(matches_all(&[m("namespace", "dev|prod", true, true)], &l));
        assert!(!matches_all(&[m("namespace", "pro", true, true)], &l));
        assert!(!matches_all(
            &[m("namespace", "prod|staging", false, true)],
            &l
        ));
        assert!(matches_all(&[m("namespace", "dev.*", false, true)], &l));
        assert!(
            matches_all(&[m("pod", ".*", true, true)], &l),
            "'' matches .*"
        );
        assert!(
            Matcher {
                name: "pod".into(),
                value: "web-(".into(),
                is_equal: true,
                is_regex: true
            }
            .compile()
            .is_err()
        );
    }
}

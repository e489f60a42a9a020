//! Namespaces: the objects the console's form creates (the Namespace, then optionally a ResourceQuota and a
//! LimitRange in it), and what a namespace stuck in `Terminating` is waiting for.

use crate::quantity;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A new namespace as the form describes it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamespaceForm {
    /// Labels of the namespace.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations of the namespace.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// A ResourceQuota created in it.
    pub quota: Option<QuotaForm>,
    /// A LimitRange created in it.
    pub limit_range: Option<LimitRangeForm>,
}

/// A ResourceQuota: `hard` limits per resource (`requests.cpu: "4"`, `pods: "20"`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaForm {
    /// Its name (default `default-quota`).
    #[serde(default = "quota_name")]
    pub name: String,
    /// Resource name to quantity.
    pub hard: BTreeMap<String, String>,
}

/// A LimitRange: one entry per type.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitRangeForm {
    /// Its name (default `default-limits`).
    #[serde(default = "limit_range_name")]
    pub name: String,
    /// The limits per type (`Container`, `Pod`, `PersistentVolumeClaim`).
    pub limits: Vec<LimitForm>,
}

/// One LimitRange entry: quantities per resource (`cpu`, `memory`, `storage`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitForm {
    /// `Container`, `Pod` or `PersistentVolumeClaim`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The limit a container gets when it sets none.
    #[serde(default)]
    pub default: BTreeMap<String, String>,
    /// The request a container gets when it sets none.
    #[serde(default)]
    pub default_request: BTreeMap<String, String>,
    /// The most it may ask for.
    #[serde(default)]
    pub max: BTreeMap<String, String>,
    /// The least it may ask for.
    #[serde(default)]
    pub min: BTreeMap<String, String>,
}

fn quota_name() -> String {
    "default-quota".into()
}

fn limit_range_name() -> String {
    "default-limits".into()
}

/// The LimitRange types Kubernetes knows.
pub const LIMIT_TYPES: &[&str] = &["Container", "Pod", "PersistentVolumeClaim"];

/// A field of the form the cluster would refuse: its path in the form, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    /// `quota.hard.cpu`, `limit_range.limits[0].type` ...
    pub field: String,
    /// What is wrong, in English.
    pub message: String,
}

/// Checks what the cluster would refuse only after the namespace exists: every quantity parses, a quota has at
/// least one limit, a limit's type is one Kubernetes knows. (Names and labels the cluster checks at once.)
pub fn check(form: &NamespaceForm) -> Result<(), FormError> {
    let bad = |field: String, message: String| Err(FormError { field, message });
    let quantities = |prefix: &str, m: &BTreeMap<String, String>| -> Result<(), FormError> {
        for (k, v) in m {
            if quantity::value(v).is_none() {
                return bad(format!("{prefix}.{k}"), format!("'{v}' is not a quantity (like 500m, 2, 512Mi, 10Gi)"));
            }
        }
        Ok(())
    };
    if let Some(q) = &form.quota {
        if q.hard.is_empty() {
            return bad("quota.hard".into(), "a quota needs at least one limit".into());
        }
        quantities("quota.hard", &q.hard)?;
    }
    if let Some(lr) = &form.limit_range {
        if lr.limits.is_empty() {
            return bad("limit_range.limits".into(), "a limit range needs at least one entry".into());
        }
        for (i, l) in lr.limits.iter().enumerate() {
            if !LIMIT_TYPES.contains(&l.type_.as_str()) {
                return bad(format!("limit_range.limits[{i}].type"), format!("'{}' is not one of {}", l.type_, LIMIT_TYPES.join(", ")));
            }
            for (part, m) in [("default", &l.default), ("default_request", &l.default_request), ("max", &l.max), ("min", &l.min)] {
                quantities(&format!("limit_range.limits[{i}].{part}"), m)?;
            }
        }
    }
    Ok(())
}

/// The objects to create, in order: the Namespace, then its ResourceQuota and LimitRange when asked for.
pub fn manifests(name: &str, form: &NamespaceForm) -> Vec<Value> {
    let mut out = vec![json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "labels": form.labels, "annotations": form.annotations},
    })];
    if let Some(q) = &form.quota {
        out.push(json!({
            "apiVersion": "v1", "kind": "ResourceQuota",
            "metadata": {"name": q.name, "namespace": name},
            "spec": {"hard": q.hard},
        }));
    }
    if let Some(lr) = &form.limit_range {
        let limits: Vec<Value> = lr
            .limits
            .iter()
            .map(|l| {
                let mut e = json!({"type": l.type_});
                for (key, m) in [("default", &l.default), ("defaultRequest", &l.default_request), ("max", &l.max), ("min", &l.min)] {
                    if !m.is_empty() {
                        e[key] = json!(m);
                    }
                }
                e
            })
            .collect();
        out.push(json!({
            "apiVersion": "v1", "kind": "LimitRange",
            "metadata": {"name": lr.name, "namespace": name},
            "spec": {"limits": limits},
        }));
    }
    out
}

/// One of a namespace's status conditions (the namespace controller writes them while it deletes).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct NamespaceCondition {
    /// `NamespaceContentRemaining`, `NamespaceFinalizersRemaining`, `NamespaceDeletionDiscoveryFailure` ...
    #[serde(rename = "type")]
    pub type_: String,
    /// `True` when it holds up the deletion.
    pub status: String,
    /// Reason.
    pub reason: Option<String>,
    /// The controller's message (names the remaining resources or finalizers).
    pub message: Option<String>,
}

/// What a namespace's deletion waits for, as `kubectl get ns -o yaml` shows it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Termination {
    /// The phase (`Active`, `Terminating`).
    pub phase: Option<String>,
    /// When deletion was asked for (RFC 3339), if it was.
    pub deletion_requested_at: Option<String>,
    /// `spec.finalizers` (`kubernetes` until the namespace controller has emptied it).
    pub finalizers: Vec<String>,
    /// `metadata.finalizers` (set by other controllers).
    pub metadata_finalizers: Vec<String>,
    /// The status conditions, those holding it up (`status: True`) first.
    pub conditions: Vec<NamespaceCondition>,
}

/// Reads a Namespace's phase, finalizers and conditions.
pub fn termination(ns: &Value) -> Termination {
    let strings = |v: &Value| -> Vec<String> { v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default() };
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let mut conditions: Vec<NamespaceCondition> = ns["status"]["conditions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| NamespaceCondition {
                    type_: c["type"].as_str().unwrap_or_default().to_owned(),
                    status: c["status"].as_str().unwrap_or_default().to_owned(),
                    reason: text(&c["reason"]),
                    message: text(&c["message"]),
                })
                .collect()
        })
        .unwrap_or_default();
    conditions.sort_by_key(|c| c.status != "True");
    Termination {
        phase: text(&ns["status"]["phase"]),
        deletion_requested_at: text(&ns["metadata"]["deletionTimestamp"]),
        finalizers: strings(&ns["spec"]["finalizers"]),
        metadata_finalizers: strings(&ns["metadata"]["finalizers"]),
        conditions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(v: Value) -> NamespaceForm {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_form_makes_the_namespace_then_its_quota_then_its_limits() {
        let f = form(json!({"labels": {"team": "shop"},
            "quota": {"hard": {"pods": "10", "requests.cpu": "2"}},
            "limit_range": {"limits": [{"type": "Container", "default": {"cpu": "500m"}, "default_request": {"memory": "64Mi"}}]}}));
        assert_eq!(check(&f), Ok(()));
        let m = manifests("shop", &f);
        let kinds: Vec<&str> = m.iter().map(|o| o["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["Namespace", "ResourceQuota", "LimitRange"]);
        assert_eq!(m[0]["metadata"]["labels"]["team"], "shop");
        assert_eq!((m[1]["metadata"]["name"].as_str(), m[1]["metadata"]["namespace"].as_str()), (Some("default-quota"), Some("shop")));
        assert_eq!(m[1]["spec"]["hard"]["requests.cpu"], "2");
        assert_eq!(m[2]["spec"]["limits"][0], json!({"type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"memory": "64Mi"}}));
        assert_eq!(manifests("bare", &NamespaceForm::default()).len(), 1);
    }

    #[test]
    fn quantities_and_types_are_checked_before_anything_is_created() {
        let e = check(&form(json!({"quota": {"hard": {"requests.memory": "lots"}}}))).unwrap_err();
        assert_eq!(e.field, "quota.hard.requests.memory");
        assert_eq!(check(&form(json!({"quota": {"hard": {}}}))).unwrap_err().field, "quota.hard");
        let e = check(&form(json!({"limit_range": {"limits": [{"type": "Node"}]}}))).unwrap_err();
        assert_eq!(e.field, "limit_range.limits[0].type");
        let e = check(&form(json!({"limit_range": {"limits": [{"type": "Pod", "max": {"cpu": "2x"}}]}}))).unwrap_err();
        assert_eq!(e.field, "limit_range.limits[0].max.cpu");
    }

    #[test]
    fn a_terminating_namespace_names_its_finalizers_and_the_conditions_holding_it() {
        let t = termination(&json!({"metadata": {"name": "stuck", "deletionTimestamp": "2026-11-30T05:00:00Z", "finalizers": ["example.com/hold"]},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Terminating", "conditions": [
                {"type": "NamespaceDeletionDiscoveryFailure", "status": "False", "reason": "ResourcesDiscovered"},
                {"type": "NamespaceContentRemaining", "status": "True", "reason": "SomeResourcesRemain", "message": "Some resources are remaining: configmaps. has 1 resource instances"}]}}));
        assert_eq!(t.phase.as_deref(), Some("Terminating"));
        assert_eq!(t.deletion_requested_at.as_deref(), Some("2026-11-30T05:00:00Z"));
        assert_eq!((t.finalizers, t.metadata_finalizers), (vec!["kubernetes".to_owned()], vec!["example.com/hold".to_owned()]));
        assert_eq!(t.conditions[0].type_, "NamespaceContentRemaining");
        assert_eq!(termination(&json!({"status": {"phase": "Active"}})).conditions, vec![]);
    }
}

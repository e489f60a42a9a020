//! What an operator does to workloads, with `kubectl rollout` semantics, as pure functions over the objects read
//! from the cluster (JSON, whatever version the cluster serves them at):
//!
//! - [`history`]: a workload's revisions, from its ReplicaSets (Deployments) or ControllerRevisions
//!   (StatefulSets, DaemonSets), as `kubectl rollout history` finds them;
//! - [`rollback`]: `kubectl rollout undo`'s algorithm (which revision, refused while paused, skipped when the
//!   template already matches, the patch to send);
//! - [`status`]: `kubectl rollout status` as a state (complete / progressing / stalled / paused) with the
//!   conditions, ReplicaSets and failing pods behind it;
//! - [`image`]: image references, the containers of a template, `kubectl set image`'s patch, and the Jobs of
//!   `kubectl create job --from=cronjob/...` and of a Job run again.

pub mod history;
pub mod image;
pub mod rollback;
pub mod status;

use serde_json::{Map, Value};

/// The revision a Deployment's ReplicaSets (and the Deployment) carry.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
/// The change cause `kubectl rollout history` prints.
pub const CHANGE_CAUSE_ANNOTATION: &str = "kubernetes.io/change-cause";
/// The label the Deployment controller adds to its ReplicaSets' templates.
pub const HASH_LABEL: &str = "pod-template-hash";
/// The template annotation of `kubectl rollout restart`.
pub const RESTARTED_AT_ANNOTATION: &str = "kubectl.kubernetes.io/restartedAt";
/// The annotation `kubectl create job --from=cronjob/...` puts on the Job.
pub const INSTANTIATE_ANNOTATION: &str = "cronjob.kubernetes.io/instantiate";

/// An operation on a workload, and the kinds (URL plurals) it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `kubectl scale`.
    Scale,
    /// `kubectl rollout restart`.
    Restart,
    /// `kubectl rollout pause`.
    Pause,
    /// `kubectl rollout resume` (Deployments) or un-suspending a CronJob.
    Resume,
    /// `kubectl rollout history`.
    History,
    /// `kubectl rollout undo`.
    Rollback,
    /// `kubectl rollout status`.
    Rollout,
    /// `kubectl set image`.
    Image,
    /// Suspending a CronJob.
    Suspend,
    /// `kubectl create job --from=cronjob/...`.
    Trigger,
    /// A Job run again under a new name.
    Rerun,
}

impl Verb {
    /// The path segment naming it.
    pub fn name(self) -> &'static str {
        match self {
            Verb::Scale => "scale",
            Verb::Restart => "restart",
            Verb::Pause => "pause",
            Verb::Resume => "resume",
            Verb::History => "history",
            Verb::Rollback => "rollback",
            Verb::Rollout => "rollout",
            Verb::Image => "image",
            Verb::Suspend => "suspend",
            Verb::Trigger => "trigger",
            Verb::Rerun => "rerun",
        }
    }

    /// The kinds (URL plurals) it applies to.
    pub fn kinds(self) -> &'static [&'static str] {
        match self {
            Verb::Scale => &["deployments", "statefulsets", "replicasets"],
            Verb::Restart | Verb::History | Verb::Rollback | Verb::Rollout => &["deployments", "statefulsets", "daemonsets"],
            Verb::Pause => &["deployments"],
            Verb::Resume => &["deployments", "cronjobs"],
            Verb::Image => &["deployments", "statefulsets", "daemonsets", "cronjobs"],
            Verb::Suspend | Verb::Trigger => &["cronjobs"],
            Verb::Rerun => &["jobs"],
        }
    }

    /// Whether it applies to `plural`.
    pub fn supports(self, plural: &str) -> bool {
        self.kinds().contains(&plural)
    }
}

/// Where a kind keeps its pod template (JSON pointer).
pub fn template_pointer(plural: &str) -> &'static str {
    match plural {
        "cronjobs" => "/spec/jobTemplate/spec/template",
        _ => "/spec/template",
    }
}

/// An annotation of an object.
pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj["metadata"]["annotations"][key].as_str()
}

/// True when `obj`'s controller (owner reference with `controller: true`) has `uid`.
pub fn controlled_by(obj: &Value, uid: &str) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| refs.iter().any(|r| r["controller"] == true && r["uid"].as_str() == Some(uid)))
}

/// A label selector (`matchLabels` and `matchExpressions`) as the `labelSelector` query text; `None` when it
/// selects nothing it can say (no selector).
pub fn selector_query(selector: &Value) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(m) = selector["matchLabels"].as_object() {
        for (k, v) in m {
            parts.push(format!("{k}={}", v.as_str().unwrap_or_default()));
        }
    }
    if let Some(exprs) = selector["matchExpressions"].as_array() {
        for e in exprs {
            let key = e["key"].as_str().unwrap_or_default();
            let values: Vec<&str> = e["values"].as_array().map(|v| v.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            match e["operator"].as_str() {
                Some("In") => parts.push(format!("{key} in ({})", values.join(","))),
                Some("NotIn") => parts.push(format!("{key} notin ({})", values.join(","))),
                Some("Exists") => parts.push(key.to_owned()),
                Some("DoesNotExist") => parts.push(format!("!{key}")),
                _ => {}
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(","))
}

/// Equal as apimachinery's `Semantic.DeepEqual` sees two objects read back from the cluster: a missing member,
/// `null`, an empty map and an empty list are the same.
pub fn semantic_eq(a: &Value, b: &Value) -> bool {
    fn empty(v: &Value) -> bool {
        v.is_null() || v.as_object().is_some_and(Map::is_empty) || v.as_array().is_some_and(Vec::is_empty)
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.iter().all(|(k, v)| y.get(k).map_or_else(|| empty(v), |w| semantic_eq(v, w)))
                && y.iter().all(|(k, w)| x.contains_key(k) || empty(w))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| semantic_eq(v, w)),
        _ => a == b || (empty(a) && empty(b)),
    }
}

/// A pod template without the Deployment controller's `pod-template-hash` label.
pub fn without_hash(template: &Value) -> Value {
    let mut t = template.clone();
    if let Some(labels) = t.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.remove(HASH_LABEL);
    }
    t
}

/// kubectl's `equalIgnoreHash`: two pod templates equal but for their `pod-template-hash` label.
pub fn equal_ignore_hash(a: &Value, b: &Value) -> bool {
    semantic_eq(&without_hash(a), &without_hash(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn verbs_name_their_kinds() {
        assert!(Verb::Scale.supports("replicasets"));
        assert!(!Verb::Scale.supports("daemonsets"));
        assert!(Verb::Resume.supports("cronjobs") && Verb::Resume.supports("deployments"));
        assert!(!Verb::Rollback.supports("cronjobs"));
        assert_eq!(template_pointer("cronjobs"), "/spec/jobTemplate/spec/template");
    }

    #[test]
    fn selectors_become_query_text() {
        let s = json!({"matchLabels": {"app": "web"}, "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["a", "b"]}, {"key": "x", "operator": "DoesNotExist"}]});
        assert_eq!(selector_query(&s).unwrap(), "app=web,tier in (a,b),!x");
        assert_eq!(selector_query(&json!({})), None);
    }

    #[test]
    fn templates_compare_without_hash_and_empty_members() {
        let a = json!({"metadata": {"labels": {"app": "w", "pod-template-hash": "abc"}, "creationTimestamp": null},
            "spec": {"containers": [{"name": "c", "image": "i", "resources": {}}]}});
        let b = json!({"metadata": {"labels": {"app": "w"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        assert!(equal_ignore_hash(&a, &b));
        let c = json!({"metadata": {"labels": {"app": "w"}}, "spec": {"containers": [{"name": "c", "image": "j"}]}});
        assert!(!equal_ignore_hash(&a, &c));
        let ref_ = json!({"metadata": {"ownerReferences": [{"uid": "u1", "controller": true}]}});
        assert!(controlled_by(&ref_, "u1") && !controlled_by(&ref_, "u2"));
    }
}

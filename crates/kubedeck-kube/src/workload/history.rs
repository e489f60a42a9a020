//! A workload's revisions as `kubectl rollout history` finds them: a Deployment's from the ReplicaSets it
//! controls (their `deployment.kubernetes.io/revision`), a StatefulSet's or DaemonSet's from the
//! ControllerRevisions it controls (whose `data` is a patch replacing `spec.template`).

use super::image::{ContainerImage, containers};
use super::{CHANGE_CAUSE_ANNOTATION, REVISION_ANNOTATION, annotation, controlled_by, equal_ignore_hash, semantic_eq};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// One revision of a workload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revision {
    /// Its number.
    pub revision: i64,
    /// `kubernetes.io/change-cause` of the revision, as `kubectl rollout history` prints it.
    pub change_cause: Option<String>,
    /// The images of its template, per container (init containers too).
    pub images: Vec<ContainerImage>,
    /// When the ReplicaSet or ControllerRevision was created (RFC 3339).
    pub created_at: Option<String>,
    /// Where it is kept: `ReplicaSet <name>` or `ControllerRevision <name>`.
    pub source: String,
    /// The ReplicaSet's replicas (Deployments only).
    pub replicas: Option<i64>,
    /// The revision the workload runs now.
    pub current: bool,
    /// The pod template of the revision (a ReplicaSet's without `pod-template-hash`).
    #[serde(skip)]
    pub template: Value,
    /// The ReplicaSet's or ControllerRevision's own object (the patch of a ControllerRevision is its `data`).
    #[serde(skip)]
    pub object: Value,
}

fn revision_of(obj: &Value) -> Option<i64> {
    annotation(obj, REVISION_ANNOTATION)?.parse().ok()
}

/// The revision number a Deployment is at (its own `deployment.kubernetes.io/revision`).
pub fn deployment_revision(deploy: &Value) -> Option<i64> {
    revision_of(deploy)
}

/// A Deployment's revisions, newest first, from `replicasets` (any; those it does not control are ignored).
/// Like kubectl, one revision per number (the last ReplicaSet read wins) and ReplicaSets without a revision are
/// skipped.
pub fn deployment(deploy: &Value, replicasets: &[Value]) -> Vec<Revision> {
    let uid = deploy["metadata"]["uid"].as_str().unwrap_or_default();
    let current_rev = deployment_revision(deploy);
    let mut out: Vec<Revision> = Vec::new();
    for rs in replicasets.iter().filter(|rs| controlled_by(rs, uid)) {
        let Some(revision) = revision_of(rs) else { continue };
        let template = super::without_hash(&rs["spec"]["template"]);
        let current = match current_rev {
            Some(r) => r == revision,
            None => equal_ignore_hash(&rs["spec"]["template"], &deploy["spec"]["template"]),
        };
        out.retain(|r| r.revision != revision);
        out.push(Revision {
            revision,
            change_cause: annotation(rs, CHANGE_CAUSE_ANNOTATION).filter(|c| !c.is_empty()).map(str::to_owned),
            images: containers(&template),
            created_at: rs["metadata"]["creationTimestamp"].as_str().map(str::to_owned),
            source: format!("ReplicaSet {}", rs["metadata"]["name"].as_str().unwrap_or_default()),
            replicas: Some(rs["spec"]["replicas"].as_i64().unwrap_or(0)),
            current,
            template,
            object: rs.clone(),
        });
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.revision));
    out
}

/// The pod template a ControllerRevision restores: its `data.spec.template` without the `$patch` directive.
pub fn revision_template(cr: &Value) -> Value {
    let mut t = cr["data"]["spec"]["template"].clone();
    if let Some(m) = t.as_object_mut() {
        m.remove("$patch");
    }
    t
}

/// A StatefulSet's or DaemonSet's revisions, newest first, from `revisions` (any ControllerRevisions; those it
/// does not control are ignored). The current one: a StatefulSet's `status.updateRevision`, else the one whose
/// template the workload has, else the newest.
pub fn controller(owner: &Value, revisions: &[Value]) -> Vec<Revision> {
    let uid = owner["metadata"]["uid"].as_str().unwrap_or_default();
    let update_revision = owner["status"]["updateRevision"].as_str();
    let mut out: Vec<Revision> = revisions
        .iter()
        .filter(|cr| controlled_by(cr, uid))
        .map(|cr| {
            let template = revision_template(cr);
            let name = cr["metadata"]["name"].as_str().unwrap_or_default();
            Revision {
                revision: cr["revision"].as_i64().unwrap_or(0),
                change_cause: annotation(cr, CHANGE_CAUSE_ANNOTATION).filter(|c| !c.is_empty()).map(str::to_owned),
                images: containers(&template),
                created_at: cr["metadata"]["creationTimestamp"].as_str().map(str::to_owned),
                source: format!("ControllerRevision {name}"),
                replicas: None,
                current: match update_revision {
                    Some(u) => u == name,
                    None => semantic_eq(&template, &owner["spec"]["template"]),
                },
                template,
                object: cr.clone(),
            }
        })
        .collect();
    out.sort_by_key(|r| std::cmp::Reverse(r.revision));
    if !out.iter().any(|r| r.current)
        && let Some(first) = out.first_mut()
    {
        first.current = true;
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub fn rs(name: &str, owner: &str, revision: &str, image: &str, extra_annotations: Value) -> Value {
        let mut ann = json!({"deployment.kubernetes.io/revision": revision, "deployment.kubernetes.io/desired-replicas": "2"});
        for (k, v) in extra_annotations.as_object().unwrap() {
            ann[k] = v.clone();
        }
        json!({"metadata": {"name": name, "uid": format!("uid-{name}"), "creationTimestamp": "2026-01-01T00:00:00Z", "annotations": ann,
            "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": owner, "controller": true}]},
            "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "web", "pod-template-hash": name}},
                "spec": {"containers": [{"name": "web", "image": image}]}}}})
    }

    pub fn deploy(revision: &str, image: &str) -> Value {
        json!({"metadata": {"name": "web", "uid": "d1", "annotations": {"deployment.kubernetes.io/revision": revision}},
            "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": image}]}}}})
    }

    #[test]
    fn a_deployments_history_comes_from_the_replicasets_it_controls() {
        let d = deploy("3", "nginx:3");
        let rss = vec![
            rs("a", "d1", "1", "nginx:1", json!({})),
            rs("b", "d1", "3", "nginx:3", json!({"kubernetes.io/change-cause": "to 3"})),
            rs("c", "other", "2", "nginx:2", json!({})),
            rs("e", "d1", "x", "nginx:x", json!({})),
        ];
        let h = deployment(&d, &rss);
        assert_eq!(h.iter().map(|r| r.revision).collect::<Vec<_>>(), vec![3, 1]);
        assert!(h[0].current && !h[1].current);
        assert_eq!(h[0].change_cause.as_deref(), Some("to 3"));
        assert_eq!(h[0].source, "ReplicaSet b");
        assert_eq!(h[1].images[0].image, "nginx:1");
        assert!(h[0].template["metadata"]["labels"].get("pod-template-hash").is_none());
    }

    #[test]
    fn a_controller_revision_restores_its_template() {
        let owner = json!({"metadata": {"uid": "s1"}, "status": {"updateRevision": "db-2"}, "spec": {"template": {}}});
        let cr = |name: &str, rev: i64, image: &str| json!({"metadata": {"name": name, "ownerReferences": [{"uid": "s1", "controller": true}]},
            "revision": rev, "data": {"spec": {"template": {"$patch": "replace", "spec": {"containers": [{"name": "db", "image": image}]}}}}});
        let h = controller(&owner, &[cr("db-1", 1, "pg:1"), cr("db-2", 2, "pg:2")]);
        assert_eq!(h[0].revision, 2);
        assert!(h[0].current && !h[1].current);
        assert!(h[0].template.get("$patch").is_none());
        assert_eq!(h[1].images[0].image, "pg:1");
    }
}

//! `kubectl rollout undo` (kubectl's `pkg/polymorphichelpers/rollback.go`), as a plan: which revision, whether
//! it is refused or skipped, and the patch that restores it.
//!
//! - Deployment (`DeploymentRollbacker`): revision 0 is the second-highest revision among the ReplicaSets it
//!   controls; a revision not found is an error naming it; a paused Deployment is refused; when the template
//!   already equals the revision's (ignoring `pod-template-hash`) the rollback is skipped; otherwise a JSON
//!   patch replaces `/spec/template` (the ReplicaSet's without `pod-template-hash`) and `/metadata/annotations`
//!   (the Deployment's own `last-applied-configuration`, `revision`, `revision-history`, `desired-replicas`,
//!   `max-replicas`, `rollbackTo` kept, every other annotation copied from the ReplicaSet).
//! - StatefulSet and DaemonSet (`StatefulSetRollbacker`, `DaemonSetRollbacker`): revision 0 is the
//!   second-highest ControllerRevision; skipped when the template already matches; otherwise the revision's
//!   `data` is sent as a strategic merge patch.

use super::history::{self, Revision};
use super::{REVISION_ANNOTATION, equal_ignore_hash, semantic_eq};
use serde_json::{Map, Value, json};

/// Deployment annotations kubectl keeps from the Deployment rather than copying from the ReplicaSet.
pub const ANNOTATIONS_TO_SKIP: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// How a patch is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    /// `application/json-patch+json`.
    Json,
    /// `application/strategic-merge-patch+json`.
    Strategic,
}

/// What a rollback does.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The revision the workload is at.
    pub from: Option<i64>,
    /// The revision it goes back to.
    pub to: i64,
    /// The patch to send, and how; `None`: skipped (the template already matches).
    pub patch: Option<(PatchKind, Value)>,
    /// kubectl's words for it.
    pub message: String,
}

/// Why a rollback cannot happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `revision` is not in the history (0: there is no previous revision); `revisions` are the ones there are.
    RevisionNotFound {
        /// The revision asked for.
        revision: i64,
        /// The revisions that exist, newest first.
        revisions: Vec<i64>,
    },
    /// A paused Deployment is not rolled back.
    Paused,
}

fn not_found(revision: i64, history: &[Revision]) -> Refusal {
    Refusal::RevisionNotFound { revision, revisions: history.iter().map(|r| r.revision).collect() }
}

/// The revision `to` names in `history` (newest first): itself, or for 0 the second newest.
fn pick(to: i64, history: &[Revision]) -> Result<&Revision, Refusal> {
    if to < 0 {
        return Err(not_found(to, history));
    }
    if to == 0 {
        return history.get(1).ok_or_else(|| not_found(0, history));
    }
    history.iter().find(|r| r.revision == to).ok_or_else(|| not_found(to, history))
}

fn skipped(from: Option<i64>, to: i64) -> Plan {
    Plan { from, to, patch: None, message: format!("skipped rollback (current template already matches revision {to})") }
}

/// `kubectl rollout undo deployment --to-revision=to` over the Deployment and the ReplicaSets read with it.
pub fn deployment(deploy: &Value, replicasets: &[Value], to: i64) -> Result<Plan, Refusal> {
    let h = history::deployment(deploy, replicasets);
    let target = pick(to, &h)?;
    if deploy["spec"]["paused"] == true {
        return Err(Refusal::Paused);
    }
    let from = history::deployment_revision(deploy).or_else(|| h.iter().find(|r| r.current).map(|r| r.revision));
    let rs = &target.object;
    if equal_ignore_hash(&rs["spec"]["template"], &deploy["spec"]["template"]) {
        return Ok(skipped(from, target.revision));
    }
    let mut annotations = Map::new();
    let own = deploy["metadata"]["annotations"].as_object();
    for k in ANNOTATIONS_TO_SKIP {
        if let Some(v) = own.and_then(|a| a.get(*k)) {
            annotations.insert((*k).to_owned(), v.clone());
        }
    }
    if let Some(a) = rs["metadata"]["annotations"].as_object() {
        for (k, v) in a {
            if !ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
                annotations.insert(k.clone(), v.clone());
            }
        }
    }
    let patch = json!([
        {"op": "replace", "path": "/spec/template", "value": target.template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]);
    Ok(Plan { from, to: target.revision, patch: Some((PatchKind::Json, patch)), message: "rolled back".into() })
}

/// `kubectl rollout undo statefulset|daemonset --to-revision=to` over the workload and the ControllerRevisions
/// read with it.
pub fn controller(owner: &Value, revisions: &[Value], to: i64) -> Result<Plan, Refusal> {
    let h = history::controller(owner, revisions);
    let target = pick(to, &h)?;
    let from = h.iter().find(|r| r.current).map(|r| r.revision);
    if semantic_eq(&target.template, &owner["spec"]["template"]) {
        return Ok(skipped(from, target.revision));
    }
    Ok(Plan {
        from,
        to: target.revision,
        patch: Some((PatchKind::Strategic, target.object["data"].clone())),
        message: "rolled back".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::history::tests::{deploy, rs};

    #[test]
    fn undo_goes_to_the_previous_revision_with_the_replicasets_annotations() {
        let mut d = deploy("3", "nginx:3");
        d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = json!("{}");
        d["metadata"]["annotations"]["team"] = json!("deploy's own, dropped");
        let rss = vec![
            rs("a", "d1", "1", "nginx:1", json!({})),
            rs("b", "d1", "2", "nginx:2", json!({"kubernetes.io/change-cause": "two"})),
            rs("c", "d1", "3", "nginx:3", json!({})),
        ];
        let p = deployment(&d, &rss, 0).unwrap();
        assert_eq!((p.from, p.to), (Some(3), 2));
        let (kind, patch) = p.patch.unwrap();
        assert_eq!(kind, PatchKind::Json);
        assert_eq!(patch[0]["value"]["spec"]["containers"][0]["image"], "nginx:2");
        assert_eq!(patch[0]["value"]["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(
            patch[1]["value"],
            json!({"kubectl.kubernetes.io/last-applied-configuration": "{}", "deployment.kubernetes.io/revision": "3", "kubernetes.io/change-cause": "two"})
        );
    }

    #[test]
    fn undo_refuses_missing_revisions_and_paused_deployments_and_skips_the_same_template() {
        let rss = vec![rs("a", "d1", "1", "nginx:1", json!({})), rs("b", "d1", "2", "nginx:2", json!({}))];
        let d = deploy("2", "nginx:2");
        assert_eq!(deployment(&d, &rss, 7).unwrap_err(), Refusal::RevisionNotFound { revision: 7, revisions: vec![2, 1] });
        assert_eq!(deployment(&d, &rss[..1], 0).unwrap_err(), Refusal::RevisionNotFound { revision: 0, revisions: vec![1] });
        let p = deployment(&d, &rss, 2).unwrap();
        assert!(p.patch.is_none());
        assert_eq!(p.message, "skipped rollback (current template already matches revision 2)");
        let mut paused = d.clone();
        paused["spec"]["paused"] = json!(true);
        assert_eq!(deployment(&paused, &rss, 1).unwrap_err(), Refusal::Paused);
        // kubectl looks the revision up before it looks at paused
        assert!(matches!(deployment(&paused, &rss, 9).unwrap_err(), Refusal::RevisionNotFound { .. }));
    }

    #[test]
    fn a_statefulset_goes_back_with_its_revisions_data() {
        let cr = |name: &str, rev: i64, image: &str| json!({"metadata": {"name": name, "ownerReferences": [{"uid": "s1", "controller": true}]},
            "revision": rev, "data": {"spec": {"template": {"$patch": "replace", "metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": image}]}}}}});
        let sts = json!({"metadata": {"uid": "s1"}, "status": {"updateRevision": "db-2"},
            "spec": {"template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "pg:2"}]}}}});
        let crs = [cr("db-1", 1, "pg:1"), cr("db-2", 2, "pg:2")];
        let p = controller(&sts, &crs, 0).unwrap();
        assert_eq!((p.from, p.to), (Some(2), 1));
        assert_eq!(p.patch.unwrap(), (PatchKind::Strategic, crs[0]["data"].clone()));
        assert!(controller(&sts, &crs, 2).unwrap().patch.is_none());
        assert!(matches!(controller(&sts, &crs[..1], 0), Err(Refusal::RevisionNotFound { revision: 0, .. })));
    }
}

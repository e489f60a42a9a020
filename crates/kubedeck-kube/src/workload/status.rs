//! `kubectl rollout status` (kubectl's `pkg/polymorphichelpers/rollout_status.go`) as a state an operator reads
//! at a glance, with what is behind it.
//!
//! - `paused`: a Deployment with `spec.paused` (kubectl would wait forever);
//! - `stalled`: a Deployment whose Progressing condition says `ProgressDeadlineExceeded` (kubectl's "exceeded
//!   its progress deadline"); a StatefulSet or DaemonSet, which have no deadline, not done while one of its pods
//!   waits for a reason that does not pass by itself (image pull back-off, crash loop, bad config);
//! - `progressing`: not done, with kubectl's "Waiting for ..." sentence;
//! - `complete`: kubectl's "successfully rolled out".

use super::equal_ignore_hash;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A condition of the workload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Condition {
    /// `Available`, `Progressing`, `ReplicaFailure` ...
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False`, `Unknown`.
    pub status: String,
    /// Its reason (`NewReplicaSetAvailable`, `ProgressDeadlineExceeded` ...).
    pub reason: Option<String>,
    /// Its message.
    pub message: Option<String>,
    /// When it last changed (RFC 3339).
    pub last_update: Option<String>,
}

/// A ReplicaSet of a Deployment's rollout.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplicaSetSummary {
    /// Its name.
    pub name: String,
    /// Desired replicas.
    pub replicas: i64,
    /// Ready replicas.
    pub ready: i64,
    /// Its revision.
    pub revision: Option<i64>,
}

/// A pod that does not come up, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FailingPod {
    /// The pod.
    pub name: String,
    /// The container (empty when the pod itself is the problem, e.g. unschedulable).
    pub container: String,
    /// `ImagePullBackOff`, `ErrImagePull`, `CrashLoopBackOff`, `Unschedulable` ...
    pub reason: String,
    /// The kubelet's or scheduler's message.
    pub message: Option<String>,
}

/// Where a rollout stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RolloutStatus {
    /// `complete`, `progressing`, `stalled` or `paused`.
    pub state: &'static str,
    /// Why: the condition's reason (`ProgressDeadlineExceeded` ...), the failing pods' reason, `Paused`.
    pub reason: Option<String>,
    /// kubectl's sentence (or the condition's message when stalled).
    pub message: String,
    /// Replicas wanted (a DaemonSet: nodes it should run on).
    pub desired: i64,
    /// Replicas of the newest template.
    pub updated: i64,
    /// Ready replicas.
    pub ready: i64,
    /// Available replicas.
    pub available: i64,
    /// The workload's conditions.
    pub conditions: Vec<Condition>,
    /// A Deployment's ReplicaSet of its current template.
    pub new_replicaset: Option<ReplicaSetSummary>,
    /// A Deployment's other ReplicaSets that still have replicas.
    pub old_replicasets: Vec<ReplicaSetSummary>,
    /// Pods of the workload that do not come up.
    pub failing_pods: Vec<FailingPod>,
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn conditions(obj: &Value) -> Vec<Condition> {
    obj["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| Condition {
            type_: c["type"].as_str().unwrap_or_default().to_owned(),
            status: c["status"].as_str().unwrap_or_default().to_owned(),
            reason: c["reason"].as_str().map(str::to_owned),
            message: c["message"].as_str().map(str::to_owned),
            last_update: c["lastUpdateTime"].as_str().or(c["lastTransitionTime"].as_str()).map(str::to_owned),
        })
        .collect()
}

/// Waiting reasons that pass by themselves while a container starts.
const STARTING: &[&str] = &["ContainerCreating", "PodInitializing"];
/// Waiting reasons that do not pass by themselves.
const STUCK: &[&str] = &["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "Unschedulable"];

/// The pods among `pods` that do not come up: a container waiting for a reason other than starting, a
/// container that ended in error, or a pod the scheduler cannot place.
pub fn failing_pods(pods: &[Value]) -> Vec<FailingPod> {
    let mut out = Vec::new();
    for p in pods {
        let name = p["metadata"]["name"].as_str().unwrap_or_default().to_owned();
        if p["metadata"]["deletionTimestamp"].is_string() {
            continue;
        }
        let mut found = false;
        for list in ["initContainerStatuses", "containerStatuses"] {
            for c in p["status"][list].as_array().into_iter().flatten() {
                let waiting = &c["state"]["waiting"];
                let terminated = &c["state"]["terminated"];
                let (reason, message) = if let Some(r) = waiting["reason"].as_str().filter(|r| !STARTING.contains(r)) {
                    (r, waiting["message"].as_str())
                } else if terminated.is_object() && int(&terminated["exitCode"]) != 0 && list == "containerStatuses" {
                    (terminated["reason"].as_str().unwrap_or("Error"), terminated["message"].as_str())
                } else {
                    continue;
                };
                found = true;
                out.push(FailingPod { name: name.clone(), container: c["name"].as_str().unwrap_or_default().to_owned(), reason: reason.to_owned(), message: message.map(str::to_owned) });
            }
        }
        if !found
            && let Some(c) = p["status"]["conditions"].as_array().and_then(|cs| cs.iter().find(|c| c["type"] == "PodScheduled" && c["status"] == "False"))
        {
            out.push(FailingPod {
                name,
                container: String::new(),
                reason: c["reason"].as_str().unwrap_or("Unschedulable").to_owned(),
                message: c["message"].as_str().map(str::to_owned),
            });
        }
    }
    out
}

fn rs_summary(rs: &Value) -> ReplicaSetSummary {
    ReplicaSetSummary {
        name: rs["metadata"]["name"].as_str().unwrap_or_default().to_owned(),
        replicas: int(&rs["spec"]["replicas"]),
        ready: int(&rs["status"]["readyReplicas"]),
        revision: super::annotation(rs, super::REVISION_ANNOTATION).and_then(|r| r.parse().ok()),
    }
}

/// A Deployment's rollout, from it, the ReplicaSets and the pods read with it.
pub fn deployment(d: &Value, replicasets: &[Value], pods: &[Value]) -> RolloutStatus {
    let name = d["metadata"]["name"].as_str().unwrap_or_default();
    let uid = d["metadata"]["uid"].as_str().unwrap_or_default();
    let st = &d["status"];
    let desired = d["spec"]["replicas"].as_i64().unwrap_or(1);
    let (updated, ready, available, replicas) = (int(&st["updatedReplicas"]), int(&st["readyReplicas"]), int(&st["availableReplicas"]), int(&st["replicas"]));
    let conds = conditions(d);
    let progressing = conds.iter().find(|c| c.type_ == "Progressing");
    // the new ReplicaSet: the oldest one with the Deployment's template, as the controller picks it
    let mut owned: Vec<&Value> = replicasets.iter().filter(|rs| super::controlled_by(rs, uid)).collect();
    owned.sort_by(|a, b| a["metadata"]["creationTimestamp"].as_str().cmp(&b["metadata"]["creationTimestamp"].as_str()));
    let new_rs = owned.iter().find(|rs| equal_ignore_hash(&rs["spec"]["template"], &d["spec"]["template"])).copied();
    let old: Vec<ReplicaSetSummary> = owned
        .iter()
        .filter(|rs| new_rs.is_none_or(|n| n["metadata"]["uid"] != rs["metadata"]["uid"]))
        .filter(|rs| int(&rs["spec"]["replicas"]) > 0 || int(&rs["status"]["replicas"]) > 0)
        .map(|rs| rs_summary(rs))
        .collect();
    let failing = failing_pods(pods);
    let (state, reason, message) = if d["spec"]["paused"] == true {
        ("paused", Some("Paused".to_owned()), format!("deployment \"{name}\" is paused; resume it to continue the rollout"))
    } else if int(&d["metadata"]["generation"]) > int(&st["observedGeneration"]) {
        ("progressing", None, "Waiting for deployment spec update to be observed...".to_owned())
    } else if let Some(c) = progressing.filter(|c| c.reason.as_deref() == Some("ProgressDeadlineExceeded")) {
        let msg = c.message.clone().unwrap_or_else(|| format!("deployment \"{name}\" exceeded its progress deadline"));
        ("stalled", c.reason.clone(), msg)
    } else {
        let reason = progressing.and_then(|c| c.reason.clone());
        if updated < desired {
            ("progressing", reason, format!("Waiting for deployment \"{name}\" rollout to finish: {updated} out of {desired} new replicas have been updated..."))
        } else if replicas > updated {
            ("progressing", reason, format!("Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...", replicas - updated))
        } else if available < updated {
            ("progressing", reason, format!("Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available..."))
        } else {
            ("complete", reason, format!("deployment \"{name}\" successfully rolled out"))
        }
    };
    RolloutStatus {
        state,
        reason,
        message,
        desired,
        updated,
        ready,
        available,
        conditions: conds,
        new_replicaset: new_rs.map(rs_summary),
        old_replicasets: old,
        failing_pods: failing,
    }
}

/// Not done and a pod stuck: `stalled` with the pod's reason; else the state kubectl's sentence implies.
fn stuck_or(done: bool, failing: &[FailingPod], message: String) -> (&'static str, Option<String>, String) {
    if done {
        return ("complete", None, message);
    }
    match failing.iter().find(|f| STUCK.contains(&f.reason.as_str())) {
        Some(f) => ("stalled", Some(f.reason.clone()), format!("{message} (pod {} {}: {})", f.name, f.reason, f.message.as_deref().unwrap_or("waiting"))),
        None => ("progressing", None, message),
    }
}

/// A StatefulSet's rollout.
pub fn statefulset(s: &Value, pods: &[Value]) -> RolloutStatus {
    let st = &s["status"];
    let desired = s["spec"]["replicas"].as_i64().unwrap_or(1);
    let (updated, ready, current) = (int(&st["updatedReplicas"]), int(&st["readyReplicas"]), int(&st["currentReplicas"]));
    let failing = failing_pods(pods);
    let strategy = s["spec"]["updateStrategy"]["type"].as_str().unwrap_or("RollingUpdate");
    let (done, message) = if strategy != "RollingUpdate" {
        (true, format!("rollout status is only available for RollingUpdate strategy type (this one is {strategy})"))
    } else if int(&st["observedGeneration"]) == 0 || int(&s["metadata"]["generation"]) > int(&st["observedGeneration"]) {
        (false, "Waiting for statefulset spec update to be observed...".to_owned())
    } else if ready < desired {
        (false, format!("Waiting for {} pods to be ready...", desired - ready))
    } else if let Some(partition) = s["spec"]["updateStrategy"]["rollingUpdate"]["partition"].as_i64() {
        if updated < desired - partition {
            (false, format!("Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...", desired - partition))
        } else {
            (true, format!("partitioned roll out complete: {updated} new pods have been updated..."))
        }
    } else if st["updateRevision"] != st["currentRevision"] {
        (false, format!("waiting for statefulset rolling update to complete {updated} pods at revision {}...", st["updateRevision"].as_str().unwrap_or_default()))
    } else {
        (true, format!("statefulset rolling update complete {current} pods at revision {}...", st["currentRevision"].as_str().unwrap_or_default()))
    };
    let (state, reason, message) = stuck_or(done, &failing, message);
    RolloutStatus { state, reason, message, desired, updated, ready, available: st.get("availableReplicas").map_or(ready, int), conditions: conditions(s), new_replicaset: None, old_replicasets: vec![], failing_pods: failing }
}

/// A DaemonSet's rollout.
pub fn daemonset(ds: &Value, pods: &[Value]) -> RolloutStatus {
    let name = ds["metadata"]["name"].as_str().unwrap_or_default();
    let st = &ds["status"];
    let (desired, updated, ready, available) = (int(&st["desiredNumberScheduled"]), int(&st["updatedNumberScheduled"]), int(&st["numberReady"]), int(&st["numberAvailable"]));
    let failing = failing_pods(pods);
    let strategy = ds["spec"]["updateStrategy"]["type"].as_str().unwrap_or("RollingUpdate");
    let (done, message) = if strategy != "RollingUpdate" {
        (true, format!("rollout status is only available for RollingUpdate strategy type (this one is {strategy})"))
    } else if int(&ds["metadata"]["generation"]) > int(&st["observedGeneration"]) {
        (false, "Waiting for daemon set spec update to be observed...".to_owned())
    } else if updated < desired {
        (false, format!("Waiting for daemon set \"{name}\" rollout to finish: {updated} out of {desired} new pods have been updated..."))
    } else if available < desired {
        (false, format!("Waiting for daemon set \"{name}\" rollout to finish: {available} of {desired} updated pods are available..."))
    } else {
        (true, format!("daemon set \"{name}\" successfully rolled out"))
    };
    let (state, reason, message) = stuck_or(done, &failing, message);
    RolloutStatus { state, reason, message, desired, updated, ready, available, conditions: conditions(ds), new_replicaset: None, old_replicasets: vec![], failing_pods: failing }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(status: Value) -> Value {
        json!({"metadata": {"name": "web", "uid": "d1", "generation": 2}, "spec": {"replicas": 2, "template": {}}, "status": status})
    }

    #[test]
    fn a_deployment_is_complete_progressing_stalled_or_paused() {
        let ok = d(json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2}));
        assert_eq!(deployment(&ok, &[], &[]).state, "complete");
        let waiting = d(json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1, "availableReplicas": 2}));
        let s = deployment(&waiting, &[], &[]);
        assert_eq!((s.state, s.message.as_str()), ("progressing", "Waiting for deployment \"web\" rollout to finish: 1 out of 2 new replicas have been updated..."));
        let unobserved = d(json!({"observedGeneration": 1}));
        assert_eq!(deployment(&unobserved, &[], &[]).message, "Waiting for deployment spec update to be observed...");
        let stalled = d(json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1, "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"web-1\" has timed out progressing."}]}));
        let pod = json!({"metadata": {"name": "web-1-a"}, "status": {"containerStatuses": [{"name": "web", "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}});
        let s = deployment(&stalled, &[], &[pod]);
        assert_eq!((s.state, s.reason.as_deref()), ("stalled", Some("ProgressDeadlineExceeded")));
        assert_eq!(s.failing_pods[0].reason, "ImagePullBackOff");
        let mut paused = ok.clone();
        paused["spec"]["paused"] = json!(true);
        assert_eq!(deployment(&paused, &[], &[]).state, "paused");
    }

    #[test]
    fn starting_pods_are_not_failing_but_stuck_ones_stall_a_daemonset() {
        let starting = json!({"metadata": {"name": "p"}, "status": {"containerStatuses": [{"name": "c", "state": {"waiting": {"reason": "ContainerCreating"}}}]}});
        assert!(failing_pods(&[starting]).is_empty());
        let unsched = json!({"metadata": {"name": "q"}, "status": {"conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes"}]}});
        assert_eq!(failing_pods(std::slice::from_ref(&unsched))[0].reason, "Unschedulable");
        let ds = json!({"metadata": {"name": "agent", "generation": 1}, "spec": {}, "status": {"observedGeneration": 1, "desiredNumberScheduled": 2, "updatedNumberScheduled": 1, "numberAvailable": 1}});
        let s = daemonset(&ds, &[unsched]);
        assert_eq!((s.state, s.reason.as_deref()), ("stalled", Some("Unschedulable")));
        assert_eq!(daemonset(&ds, &[]).state, "progressing");
    }
}

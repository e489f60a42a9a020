//! Drain planning with kubectl's rules, as a pure function: which pods a drain evicts, skips, or refuses.
//!
//! The same order as `kubectl drain`'s filters: DaemonSet pods, mirror pods, pods with local storage
//! (emptyDir), pods without a controller. Finished pods (Succeeded/Failed) are always deletable.

use k8s_openapi::api::core::v1::Pod;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// kubectl drain's options (kept in the drain's task, so that an interrupted drain resumes with them).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrainOptions {
    /// `--ignore-daemonsets`: skip DaemonSet pods instead of refusing.
    #[serde(default)]
    pub ignore_daemonsets: bool,
    /// `--delete-emptydir-data`: evict pods with emptyDir volumes (their data is lost).
    #[serde(default)]
    pub delete_emptydir_data: bool,
    /// `--force`: evict pods without a controller (they are not recreated).
    #[serde(default)]
    pub force: bool,
    /// `--grace-period`: seconds each pod gets to stop; default: the pod's own.
    #[serde(default)]
    pub grace_period_seconds: Option<i64>,
    /// `--timeout`: give up after this many seconds (default 600).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// `--pod-selector`: only pods matching this label selector.
    #[serde(default)]
    pub pod_selector: Option<String>,
    /// `--dry-run`: report the plan, change nothing (not even the cordon).
    #[serde(default)]
    pub dry_run: bool,
}

/// What the drain does with one pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Evicted through the Eviction API.
    Evict,
    /// Left alone.
    Skip,
    /// Stops the drain unless options change.
    Refuse,
}

/// Why a pod gets its verdict: a stable code the console translates (`reason` is the English sentence).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// Skip: a DaemonSet pod, left alone with `ignore_daemonsets` (its DaemonSet would recreate it at once).
    DaemonsetIgnored,
    /// Refuse: a DaemonSet pod without `ignore_daemonsets`.
    DaemonsetBlocks,
    /// Skip: a mirror pod (a static pod the kubelet runs from a file; the API cannot remove it).
    MirrorPod,
    /// Refuse: a pod with an emptyDir volume without `delete_emptydir_data`.
    LocalStorageBlocks,
    /// Refuse: a pod without a controller without `force`.
    UnmanagedBlocks,
    /// Evict: a pod with an emptyDir volume; its data is lost (its controller recreates it elsewhere).
    EmptydirDataLost,
    /// Evict: a pod without a controller (`force`); it is not recreated (nor is its emptyDir data kept).
    NotRecreated,
    /// Evict: a finished pod (Succeeded or Failed); it holds no resources and is simply removed.
    Finished,
    /// Evict: a pod its controller (ReplicaSet, StatefulSet, Job ...) recreates elsewhere.
    Managed,
}

impl ReasonCode {
    /// The code as it is serialized (`daemonset_blocks`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::DaemonsetIgnored => "daemonset_ignored",
            ReasonCode::DaemonsetBlocks => "daemonset_blocks",
            ReasonCode::MirrorPod => "mirror_pod",
            ReasonCode::LocalStorageBlocks => "local_storage_blocks",
            ReasonCode::UnmanagedBlocks => "unmanaged_blocks",
            ReasonCode::EmptydirDataLost => "emptydir_data_lost",
            ReasonCode::NotRecreated => "not_recreated",
            ReasonCode::Finished => "finished",
            ReasonCode::Managed => "managed",
        }
    }

    /// True for the codes of pods that stop the drain.
    pub fn blocks(self) -> bool {
        matches!(
            self,
            ReasonCode::DaemonsetBlocks
                | ReasonCode::LocalStorageBlocks
                | ReasonCode::UnmanagedBlocks
        )
    }

    /// A short English phrase for counts in a message ("3 DaemonSet pods (set ignore_daemonsets)").
    pub fn phrase(self) -> &'static str {
        match self {
            ReasonCode::DaemonsetIgnored => "DaemonSet pods (ignored)",
            ReasonCode::DaemonsetBlocks => "DaemonSet pods (set ignore_daemonsets)",
            ReasonCode::MirrorPod => "mirror pods",
            ReasonCode::LocalStorageBlocks => "pods with emptyDir data (set delete_emptydir_data)",
            ReasonCode::UnmanagedBlocks => "pods without a controller (set force)",
            ReasonCode::EmptydirDataLost => "pods whose emptyDir data is lost",
            ReasonCode::NotRecreated => "pods without a controller (not recreated)",
            ReasonCode::Finished => "finished pods",
            ReasonCode::Managed => "pods their controllers recreate",
        }
    }
}

/// One pod in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlannedPod {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Evict, skip or refuse.
    pub verdict: Verdict,
    /// Why, as a stable code (what the console translates).
    pub reason_code: ReasonCode,
    /// Why (for skip and refuse), or what to know (a warning for evict), in English.
    pub reason: String,
}

/// Counts of a plan: per verdict and per reason code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DrainSummary {
    /// Pods in the plan.
    pub total: u64,
    /// Pods to evict.
    pub evict: u64,
    /// Pods left alone.
    pub skip: u64,
    /// Pods that stop the drain.
    pub refuse: u64,
    /// Pods per reason code (only codes that occur).
    #[schema(value_type = BTreeMap<String, u64>)]
    pub by_reason: BTreeMap<ReasonCode, u64>,
}

/// The plan: every pod on the node with its verdict, and the counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DrainPlan {
    /// Counts per verdict and per reason (what a console shows first: a node may hold tens of thousands of pods).
    pub summary: DrainSummary,
    /// Pods in order.
    pub pods: Vec<PlannedPod>,
}

impl DrainPlan {
    /// Pods that stop the drain.
    pub fn refused(&self) -> impl Iterator<Item = &PlannedPod> {
        self.pods.iter().filter(|p| p.verdict == Verdict::Refuse)
    }

    /// Refused pods per reason, most frequent first (ties in code order).
    pub fn refused_by_reason(&self) -> Vec<(ReasonCode, u64)> {
        let mut v: Vec<(ReasonCode, u64)> = self
            .summary
            .by_reason
            .iter()
            .filter(|(code, _)| code.blocks())
            .map(|(c, n)| (*c, *n))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// Pods to evict.
    pub fn to_evict(&self) -> impl Iterator<Item = &PlannedPod> {
        self.pods.iter().filter(|p| p.verdict == Verdict::Evict)
    }
}

const UNREPLICATED: &str =
    "not managed by ReplicationController, ReplicaSet, Job, DaemonSet or StatefulSet";

/// Classifies `pods` (all on the node being drained) like `kubectl drain` with `opts`.
pub fn plan(pods: &[Pod], opts: &DrainOptions) -> DrainPlan {
    let mut out = DrainPlan::default();
    for pod in pods {
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .unwrap_or("");
        let finished = phase == "Succeeded" || phase == "Failed";
        let controller = pod
            .metadata
            .owner_references
            .as_ref()
            .and_then(|o| o.iter().find(|r| r.controller == Some(true)));
        let mirror = pod
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"));
        let emptydir = pod
            .spec
            .as_ref()
            .and_then(|s| s.volumes.as_ref())
            .is_some_and(|vs| vs.iter().any(|v| v.empty_dir.is_some()));
        let (verdict, reason_code, reason) = if controller.is_some_and(|c| c.kind == "DaemonSet")
            && !finished
        {
            if opts.ignore_daemonsets {
                (
                    Verdict::Skip,
                    ReasonCode::DaemonsetIgnored,
                    "DaemonSet-managed pod (ignored)".to_owned(),
                )
            } else {
                (
                    Verdict::Refuse,
                    ReasonCode::DaemonsetBlocks,
                    "DaemonSet-managed pod: set ignore_daemonsets to skip it".to_owned(),
                )
            }
        } else if mirror {
            (
                Verdict::Skip,
                ReasonCode::MirrorPod,
                "mirror pod (static pod managed by the kubelet)".to_owned(),
            )
        } else if emptydir && !finished && !opts.delete_emptydir_data {
            (Verdict::Refuse, ReasonCode::LocalStorageBlocks, "pod with local storage (emptyDir): set delete_emptydir_data to evict it and lose that data".to_owned())
        } else if controller.is_none() && !finished && !opts.force {
            (
                Verdict::Refuse,
                ReasonCode::UnmanagedBlocks,
                format!("pod {UNREPLICATED}: set force to delete it (it will not be recreated)"),
            )
        } else {
            let mut warnings = Vec::new();
            if emptydir && !finished {
                warnings.push("its emptyDir data will be lost".to_owned());
            }
            if controller.is_none() && !finished {
                warnings.push(format!("{UNREPLICATED}: it will not be recreated"));
            }
            // A bare pod is not recreated at all, which says more than its emptyDir data being lost.
            let code = if finished {
                ReasonCode::Finished
            } else if controller.is_none() {
                ReasonCode::NotRecreated
            } else if emptydir {
                ReasonCode::EmptydirDataLost
            } else {
                ReasonCode::Managed
            };
            (Verdict::Evict, code, warnings.join("; "))
        };
        out.pods.push(PlannedPod {
            namespace,
            name,
            verdict,
            reason_code,
            reason,
        });
    }
    out.summary = DrainSummary::of(&out.pods);
    out
}

impl DrainSummary {
    /// The counts of `pods`.
    pub fn of(pods: &[PlannedPod]) -> Self {
        let mut s = DrainSummary {
            total: pods.len() as u64,
            ..Default::default()
        };
        for p in pods {
            match p.verdict {
                Verdict::Evict => s.evict += 1,
                Verdict::Skip => s.skip += 1,
                Verdict::Refuse => s.refuse += 1,
            }
            *s.by_reason.entry(p.reason_code).or_default() += 1;
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, owner: Option<&str>, extra: serde_json::Value) -> Pod {
        let mut v = json!({"metadata": {"name": name, "namespace": "ns"}, "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Running"}});
        if let Some(kind) = owner {
            v["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": kind, "name": "o", "uid": "u", "controller": true}]);
        }
        merge(&mut v, extra);
        serde_json::from_value(v).unwrap()
    }

    fn merge(a: &mut serde_json::Value, b: serde_json::Value) {
        if let (Some(a), serde_json::Value::Object(b)) = (a.as_object_mut(), b) {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        a.insert(k, v);
                    }
                }
            }
        }
    }

    fn verdicts(p: &DrainPlan) -> Vec<(&str, Verdict)> {
        p.pods
            .iter()
            .map(|x| (x.name.as_str(), x.verdict))
            .collect()
    }

    #[test]
    fn drain_refuses_what_kubectl_refuses_without_options() {
        let pods = [
            pod("web", Some("ReplicaSet"), json!({})),
            pod("agent", Some("DaemonSet"), json!({})),
            pod("bare", None, json!({})),
            pod(
                "cache",
                Some("ReplicaSet"),
                json!({"spec": {"volumes": [{"name": "v", "emptyDir": {}}]}}),
            ),
            pod(
                "static",
                None,
                json!({"metadata": {"annotations": {"kubernetes.io/config.mirror": "x"}}}),
            ),
            pod("done", None, json!({"status": {"phase": "Succeeded"}})),
        ];
        let p = plan(&pods, &DrainOptions::default());
        assert_eq!(
            verdicts(&p),
            vec![
                ("web", Verdict::Evict),
                ("agent", Verdict::Refuse),
                ("bare", Verdict::Refuse),
                ("cache", Verdict::Refuse),
                ("static", Verdict::Skip),
                ("done", Verdict::Evict),
            ]
        );
        let all = DrainOptions {
            ignore_daemonsets: true,
            delete_emptydir_data: true,
            force: true,
            ..Default::default()
        };
        let p = plan(&pods, &all);
        assert_eq!(p.refused().count(), 0);
        assert_eq!(verdicts(&p)[1], ("agent", Verdict::Skip));
        assert!(p.pods[2].reason.contains("will not be recreated"));
        assert!(p.pods[3].reason.contains("emptyDir"));
    }
}

//! Pods and their controllers: Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob.

use super::{
    View, arr, condition, containers, count_cell, has_condition, human_duration, int, labels, len,
    replica_health, seconds_between, selector, terminating, text, with_status,
};
use crate::resource::row::{Column, ColumnType::*, Health, Projection};
use serde_json::Value;

/// READY, STATUS, RESTARTS (+ wide IP, NODE). Health from STATUS: Running with every container ready Ok,
/// Running with some not ready, Pending, ContainerCreating and `Init:i/n` Progressing, Completed/Succeeded
/// Neutral (done), a failing reason (CrashLoopBackOff, ImagePullBackOff, Error, OOMKilled, Evicted, ExitCode:…,
/// also as `Init:…`) Error, Terminating, Unknown and any other reason Warning.
pub(super) static PODS: View = View {
    columns: &[
        Column::new("ready", "READY", Number, false),
        Column::new("status", "STATUS", Text, false),
        Column::new("restarts", "RESTARTS", Number, false),
        Column::new("ip", "IP", Text, true),
        Column::new("node", "NODE", Text, true),
    ],
    project: pod,
};

/// READY, UP-TO-DATE, AVAILABLE (+ wide CONTAINERS, IMAGES, SELECTOR). Health: [`replica_health`] of
/// `spec.replicas`, available and updated replicas; a Progressing condition that is False (the progress
/// deadline passed) is `Stalled`, Error.
pub(super) static DEPLOYMENTS: View = View {
    columns: &[
        Column::new("ready", "READY", Number, false),
        Column::new("up_to_date", "UP-TO-DATE", Number, false),
        Column::new("available", "AVAILABLE", Number, false),
        Column::new("containers", "CONTAINERS", Text, true),
        Column::new("images", "IMAGES", Text, true),
        Column::new("selector", "SELECTOR", Text, true),
    ],
    project: deployment,
};

/// DESIRED, CURRENT, READY (+ wide CONTAINERS, IMAGES, SELECTOR). Health: [`replica_health`] of the desired
/// and available replicas (a ReplicaSet has no rollout of its own). A Deployment's old ReplicaSets read
/// `Scaled to zero`, Neutral.
pub(super) static REPLICASETS: View = View {
    columns: &[
        Column::new("desired", "DESIRED", Number, false),
        Column::new("current", "CURRENT", Number, false),
        Column::new("ready", "READY", Number, false),
        Column::new("containers", "CONTAINERS", Text, true),
        Column::new("images", "IMAGES", Text, true),
        Column::new("selector", "SELECTOR", Text, true),
    ],
    project: replica_set,
};

/// READY (+ wide CONTAINERS, IMAGES). Health: [`replica_health`] of the desired and ready replicas, updated
/// counting as all when the current revision is the update revision.
pub(super) static STATEFULSETS: View = View {
    columns: &[
        Column::new("ready", "READY", Number, false),
        Column::new("containers", "CONTAINERS", Text, true),
        Column::new("images", "IMAGES", Text, true),
    ],
    project: stateful_set,
};

/// DESIRED, CURRENT, READY, UP-TO-DATE, AVAILABLE, NODE SELECTOR (+ wide CONTAINERS, IMAGES, SELECTOR).
/// Health: no node to run on `No nodes`, Neutral; else [`replica_health`] of desired, available and
/// up-to-date pods.
pub(super) static DAEMONSETS: View = View {
    columns: &[
        Column::new("desired", "DESIRED", Number, false),
        Column::new("current", "CURRENT", Number, false),
        Column::new("ready", "READY", Number, false),
        Column::new("up_to_date", "UP-TO-DATE", Number, false),
        Column::new("available", "AVAILABLE", Number, false),
        Column::new("node_selector", "NODE SELECTOR", Text, false),
        Column::new("containers", "CONTAINERS", Text, true),
        Column::new("images", "IMAGES", Text, true),
        Column::new("selector", "SELECTOR", Text, true),
    ],
    project: daemon_set,
};

/// COMPLETIONS, DURATION (+ wide CONTAINERS, IMAGES, SELECTOR). Status as kubectl's: Complete Ok, Failed and
/// FailureTarget Error, Terminating Warning, Suspended Neutral, SuccessCriteriaMet Ok, else Running
/// Progressing. DURATION only once the job finished (a running job's would need the clock).
pub(super) static JOBS: View = View {
    columns: &[
        Column::new("completions", "COMPLETIONS", Number, false),
        Column::new("duration", "DURATION", Text, false),
        Column::new("containers", "CONTAINERS", Text, true),
        Column::new("images", "IMAGES", Text, true),
        Column::new("selector", "SELECTOR", Text, true),
    ],
    project: job,
};

/// SCHEDULE, TIMEZONE, SUSPEND, ACTIVE, LAST SCHEDULE (+ wide CONTAINERS, IMAGES, SELECTOR of the job
/// template); batch/v1 and v1beta1 alike. Health: suspended `Suspended` Neutral, jobs running `Active`
/// Progressing, scheduled before `Scheduled` Ok, never scheduled `Waiting` Neutral.
pub(super) static CRONJOBS: View = View {
    columns: &[
        Column::new("schedule", "SCHEDULE", Text, false),
        Column::new("timezone", "TIMEZONE", Text, false),
        Column::new("suspend", "SUSPEND", Text, false),
        Column::new("active", "ACTIVE", Number, false),
        Column::new("last_schedule", "LAST SCHEDULE", Date, false),
        Column::new("containers", "CONTAINERS", Text, true),
        Column::new("images", "IMAGES", Text, true),
        Column::new("selector", "SELECTOR", Text, true),
    ],
    project: cron_job,
};

fn pod(p: &Value) -> Projection {
    let statuses = arr(&p["status"]["containerStatuses"]);
    let total = len(&p["spec"]["containers"]);
    let ready = statuses
        .iter()
        .filter(|c| c["ready"] == true && c["state"]["running"].is_object())
        .count();
    let restarts: i64 = statuses.iter().map(|c| int(&c["restartCount"])).sum();
    let status = pod_status(p);
    let health = pod_health(&status, ready, total);
    let cells = vec![
        Some(format!("{ready}/{total}")),
        Some(status.clone()),
        Some(restarts.to_string()),
        text(&p["status"]["podIP"]),
        text(&p["spec"]["nodeName"]),
    ];
    with_status(cells, status, health)
}

/// kubectl's STATUS of a pod, a little simplified: `Terminating` once deleted; the first init container that
/// has not succeeded (`Init:<reason>`, or `Init:i/n` while it runs), a started sidecar counting as done;
/// else the first container that waits or stopped (its reason, `ExitCode:n`); else the pod's reason or phase.
fn pod_status(p: &Value) -> String {
    let st = &p["status"];
    if terminating(p) {
        return if st["reason"] == "NodeLost" {
            "Unknown"
        } else {
            "Terminating"
        }
        .into();
    }
    let inits = arr(&st["initContainerStatuses"]);
    let sidecar = |name: &Value| {
        arr(&p["spec"]["initContainers"])
            .iter()
            .any(|c| &c["name"] == name && c["restartPolicy"] == "Always")
    };
    for (i, c) in inits.iter().enumerate() {
        let term = &c["state"]["terminated"];
        if (term.is_object() && int(&term["exitCode"]) == 0)
            || (sidecar(&c["name"]) && c["started"] == true)
        {
            continue;
        }
        return match container_reason(&c["state"]).filter(|r| r != "PodInitializing") {
            Some(r) => format!("Init:{r}"),
            None => format!(
                "Init:{i}/{}",
                len(&p["spec"]["initContainers"]).max(inits.len())
            ),
        };
    }
    let mut reason = text(&st["reason"])
        .or_else(|| text(&st["phase"]))
        .unwrap_or_else(|| "Pending".into());
    let mut running = false;
    for c in arr(&st["containerStatuses"]).iter().rev() {
        match container_reason(&c["state"]) {
            Some(r) => reason = r,
            None => running |= c["ready"] == true && c["state"]["running"].is_object(),
        }
    }
    if reason == "Completed" && running {
        reason = "Running".into();
    }
    reason
}

/// Why a container is not running: its waiting reason, or how it stopped.
fn container_reason(state: &Value) -> Option<String> {
    if let Some(r) = text(&state["waiting"]["reason"]) {
        return Some(r);
    }
    let t = &state["terminated"];
    if !t.is_object() {
        return None;
    }
    Some(
        text(&t["reason"]).unwrap_or_else(|| match int(&t["signal"]) {
            0 => format!("ExitCode:{}", int(&t["exitCode"])),
            s => format!("Signal:{s}"),
        }),
    )
}

/// Reasons that say a pod is broken (also after `Init:`).
const FAILING: &[&str] = &[
    "Failed",
    "Error",
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "ContainerCannotRun",
    "OOMKilled",
    "Evicted",
    "NodeLost",
    "DeadlineExceeded",
];

fn pod_health(status: &str, ready: usize, total: usize) -> Health {
    let word = status.strip_prefix("Init:").unwrap_or(status);
    if FAILING.contains(&word) || word.starts_with("ExitCode:") || word.starts_with("Signal:") {
        return Health::Error;
    }
    match status {
        "Running" if ready == total => Health::Ok,
        "Running" | "Pending" | "ContainerCreating" | "PodInitializing" => Health::Progressing,
        "Completed" | "Succeeded" => Health::Neutral,
        _ if status.starts_with("Init:") => Health::Progressing,
        _ => Health::Warning,
    }
}

/// CONTAINERS, IMAGES and SELECTOR of a controller with a pod template.
fn template_cells(spec: &Value) -> [Option<String>; 3] {
    let (names, images) = containers(&spec["template"]);
    [names, images, selector(&spec["selector"])]
}

fn deployment(d: &Value) -> Projection {
    let want = d["spec"]["replicas"].as_i64().unwrap_or(1);
    let st = &d["status"];
    let (ready, updated, available) = (
        int(&st["readyReplicas"]),
        int(&st["updatedReplicas"]),
        int(&st["availableReplicas"]),
    );
    let (status, health) = if condition(d, "Progressing") == Some("False") {
        ("Stalled", Health::Error)
    } else {
        replica_health(want, available, updated)
    };
    let mut cells = vec![
        Some(format!("{ready}/{want}")),
        Some(updated.to_string()),
        Some(available.to_string()),
    ];
    cells.extend(template_cells(&d["spec"]));
    with_status(cells, status, health)
}

fn replica_set(rs: &Value) -> Projection {
    let want = rs["spec"]["replicas"].as_i64().unwrap_or(1);
    let st = &rs["status"];
    let (status, health) = replica_health(want, int(&st["availableReplicas"]), want);
    let mut cells = vec![
        Some(want.to_string()),
        count_cell(&st["replicas"]),
        count_cell(&st["readyReplicas"]),
    ];
    cells.extend(template_cells(&rs["spec"]));
    with_status(cells, status, health)
}

fn stateful_set(s: &Value) -> Projection {
    let want = s["spec"]["replicas"].as_i64().unwrap_or(1);
    let st = &s["status"];
    let ready = int(&st["readyReplicas"]);
    let updated = if st["currentRevision"] == st["updateRevision"] {
        want
    } else {
        int(&st["updatedReplicas"])
    };
    let (status, health) = replica_health(want, ready, updated);
    let (names, images) = containers(&s["spec"]["template"]);
    with_status(
        vec![Some(format!("{ready}/{want}")), names, images],
        status,
        health,
    )
}

fn daemon_set(ds: &Value) -> Projection {
    let st = &ds["status"];
    let desired = int(&st["desiredNumberScheduled"]);
    let (status, health) = if desired == 0 {
        ("No nodes", Health::Neutral)
    } else {
        replica_health(
            desired,
            int(&st["numberAvailable"]),
            int(&st["updatedNumberScheduled"]),
        )
    };
    let mut cells = vec![
        Some(desired.to_string()),
        count_cell(&st["currentNumberScheduled"]),
        count_cell(&st["numberReady"]),
        count_cell(&st["updatedNumberScheduled"]),
        count_cell(&st["numberAvailable"]),
        labels(&ds["spec"]["template"]["spec"]["nodeSelector"]),
    ];
    cells.extend(template_cells(&ds["spec"]));
    with_status(cells, status, health)
}

fn job(j: &Value) -> Projection {
    let (spec, st) = (&j["spec"], &j["status"]);
    let succeeded = int(&st["succeeded"]);
    let completions = match spec["completions"].as_i64() {
        Some(n) => format!("{succeeded}/{n}"),
        None => match int(&spec["parallelism"]) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let duration = seconds_between(&st["startTime"], &st["completionTime"]).map(human_duration);
    let (status, health) = if has_condition(j, "Complete") {
        ("Complete", Health::Ok)
    } else if has_condition(j, "Failed") {
        ("Failed", Health::Error)
    } else if terminating(j) {
        ("Terminating", Health::Warning)
    } else if has_condition(j, "Suspended") {
        ("Suspended", Health::Neutral)
    } else if has_condition(j, "FailureTarget") {
        ("FailureTarget", Health::Error)
    } else if has_condition(j, "SuccessCriteriaMet") {
        ("SuccessCriteriaMet", Health::Ok)
    } else {
        ("Running", Health::Progressing)
    };
    let mut cells = vec![Some(completions), duration];
    cells.extend(template_cells(spec));
    with_status(cells, status, health)
}

fn cron_job(c: &Value) -> Projection {
    let (spec, st) = (&c["spec"], &c["status"]);
    let suspended = spec["suspend"] == true;
    let active = len(&st["active"]);
    let last = text(&st["lastScheduleTime"]);
    let (status, health) = if suspended {
        ("Suspended", Health::Neutral)
    } else if active > 0 {
        ("Active", Health::Progressing)
    } else if last.is_some() {
        ("Scheduled", Health::Ok)
    } else {
        ("Waiting", Health::Neutral)
    };
    let mut cells = vec![
        text(&spec["schedule"]),
        text(&spec["timeZone"]),
        Some(if suspended { "True" } else { "False" }.into()),
        Some(active.to_string()),
        last,
    ];
    cells.extend(template_cells(&spec["jobTemplate"]["spec"]));
    with_status(cells, status, health)
}

#[cfg(test)]
mod tests {
    use super::super::testing::see;
    use crate::resource::row::Health;
    use serde_json::{Value, json};

    fn pod(status: Value) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-5d9c-abcde", "namespace": "shop"},
            "spec": {"nodeName": "node-1", "containers": [{"name": "web", "image": "nginx"}, {"name": "log", "image": "fluent"}]},
            "status": status
        })
    }

    #[test]
    fn a_running_pod_reads_as_kubectl_shows_it() {
        let s = see(
            "pods",
            pod(json!({
                "phase": "Running", "podIP": "10.244.1.7",
                "containerStatuses": [
                    {"name": "web", "ready": true, "restartCount": 2, "state": {"running": {"startedAt": "2024-05-01T10:00:00Z"}}},
                    {"name": "log", "ready": true, "restartCount": 1, "state": {"running": {"startedAt": "2024-05-01T10:00:00Z"}}}
                ]
            })),
        );
        assert_eq!(s.cell("ready"), Some("2/2"));
        assert_eq!(s.cell("status"), Some("Running"));
        assert_eq!(s.cell("restarts"), Some("3"));
        assert_eq!(s.cell("ip"), Some("10.244.1.7"));
        assert_eq!(s.cell("node"), Some("node-1"));
        assert_eq!((s.status(), s.p.health), (Some("Running"), Health::Ok));
    }

    #[test]
    fn a_pods_status_is_the_reason_kubectl_shows() {
        let crash = pod(json!({
            "phase": "Running",
            "containerStatuses": [
                {"name": "web", "ready": false, "restartCount": 7, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}},
                {"name": "log", "ready": true, "restartCount": 0, "state": {"running": {}}}
            ]
        }));
        let s = see("pods", crash);
        assert_eq!(s.cell("ready"), Some("1/2"));
        assert_eq!(
            (s.status(), s.p.health),
            (Some("CrashLoopBackOff"), Health::Error)
        );

        let init = pod(json!({
            "phase": "Pending",
            "initContainerStatuses": [{"name": "migrate", "ready": false, "state": {"running": {}}}],
            "containerStatuses": [{"name": "web", "ready": false, "state": {"waiting": {"reason": "PodInitializing"}}}]
        }));
        let mut init_obj = init.clone();
        init_obj["spec"]["initContainers"] = json!([{"name": "migrate", "image": "app"}]);
        let s = see("pods", init_obj);
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Init:0/1"), Health::Progressing)
        );

        let mut init_failed = init.clone();
        init_failed["status"]["initContainerStatuses"][0]["state"] =
            json!({"terminated": {"exitCode": 3}});
        assert_eq!(see("pods", init_failed).status(), Some("Init:ExitCode:3"));

        let done = pod(json!({
            "phase": "Succeeded",
            "containerStatuses": [{"name": "web", "ready": false, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]
        }));
        let s = see("pods", done);
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Completed"), Health::Neutral)
        );

        let mut deleted = pod(json!({"phase": "Running"}));
        deleted["metadata"]["deletionTimestamp"] = json!("2024-05-01T10:00:00Z");
        let s = see("pods", deleted);
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Terminating"), Health::Warning)
        );

        let s = see("pods", pod(json!({"phase": "Pending"})));
        assert_eq!(
            (s.cell("status"), s.p.health),
            (Some("Pending"), Health::Progressing)
        );
        assert_eq!(s.cell("ip"), None);

        let evicted = pod(json!({"phase": "Failed", "reason": "Evicted"}));
        assert_eq!(see("pods", evicted).p.health, Health::Error);
    }

    #[test]
    fn a_deployment_reads_as_kubectl_shows_it() {
        let d = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]}}},
            "status": {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        });
        let s = see("deployments", d.clone());
        assert_eq!(s.cell("ready"), Some("2/3"));
        assert_eq!(s.cell("up_to_date"), Some("3"));
        assert_eq!(s.cell("available"), Some("2"));
        assert_eq!(s.cell("containers"), Some("web"));
        assert_eq!(s.cell("images"), Some("nginx:1.25"));
        assert_eq!(s.cell("selector"), Some("app=web"));
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Progressing"), Health::Progressing)
        );

        let mut all = d.clone();
        all["status"]["readyReplicas"] = json!(3);
        all["status"]["availableReplicas"] = json!(3);
        assert_eq!(see("deployments", all).p.health, Health::Ok);

        let mut none = d.clone();
        none["status"] = json!({"replicas": 3, "updatedReplicas": 3, "unavailableReplicas": 3});
        let s = see("deployments", none);
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Unavailable"), Health::Error)
        );

        let mut stalled = d.clone();
        stalled["status"]["conditions"] = json!([
            {"type": "Available", "status": "True"},
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
        ]);
        assert_eq!(see("deployments", stalled).status(), Some("Stalled"));

        let mut zero = d;
        zero["spec"]["replicas"] = json!(0);
        zero["status"] = json!({});
        let s = see("deployments", zero);
        assert_eq!(
            (s.cell("ready"), s.p.health),
            (Some("0/0"), Health::Neutral)
        );
    }

    #[test]
    fn a_replicaset_reads_as_kubectl_shows_it() {
        let rs = json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-5d9c", "namespace": "shop"},
            "spec": {"replicas": 3,
                     "selector": {"matchLabels": {"app": "web", "pod-template-hash": "5d9c"}},
                     "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.25"}, {"name": "log", "image": "fluent-bit:2"}]}}},
            "status": {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}
        });
        let s = see("replicasets", rs);
        assert_eq!(
            [s.cell("desired"), s.cell("current"), s.cell("ready")],
            [Some("3"), Some("3"), Some("3")]
        );
        assert_eq!(s.cell("containers"), Some("web,log"));
        assert_eq!(s.cell("images"), Some("nginx:1.25,fluent-bit:2"));
        assert_eq!(s.cell("selector"), Some("app=web,pod-template-hash=5d9c"));
        assert_eq!((s.status(), s.p.health), (Some("Available"), Health::Ok));

        let old = json!({"metadata": {"name": "web-old"}, "spec": {"replicas": 0}, "status": {"replicas": 0}});
        let s = see("replicasets", old);
        assert_eq!(
            (s.cell("desired"), s.p.health),
            (Some("0"), Health::Neutral)
        );
    }

    #[test]
    fn a_statefulset_reads_as_kubectl_shows_it() {
        let sts = json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "shop"},
            "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                     "template": {"spec": {"containers": [{"name": "postgres", "image": "postgres:16"}]}}},
            "status": {"replicas": 3, "readyReplicas": 1, "currentReplicas": 2, "updatedReplicas": 1,
                       "currentRevision": "db-6b8", "updateRevision": "db-7c9"}
        });
        let s = see("statefulsets", sts.clone());
        assert_eq!(s.cell("ready"), Some("1/3"));
        assert_eq!(s.cell("containers"), Some("postgres"));
        assert_eq!(s.cell("images"), Some("postgres:16"));
        assert_eq!(s.p.health, Health::Progressing);

        let mut done = sts;
        done["status"] = json!({"replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
                                "currentRevision": "db-7c9", "updateRevision": "db-7c9"});
        assert_eq!(see("statefulsets", done).p.health, Health::Ok);
    }

    #[test]
    fn a_daemonset_reads_as_kubectl_shows_it() {
        let ds = json!({
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system"},
            "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                     "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                                           "containers": [{"name": "kube-proxy", "image": "k8s.gcr.io/kube-proxy:v1.20.2"}]}}},
            "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                       "updatedNumberScheduled": 3, "numberAvailable": 2, "numberMisscheduled": 0}
        });
        let s = see("daemonsets", ds);
        assert_eq!(
            [
                s.cell("desired"),
                s.cell("current"),
                s.cell("ready"),
                s.cell("up_to_date"),
                s.cell("available")
            ],
            [Some("3"), Some("3"), Some("2"), Some("3"), Some("2")]
        );
        assert_eq!(s.cell("node_selector"), Some("kubernetes.io/os=linux"));
        assert_eq!(s.cell("images"), Some("k8s.gcr.io/kube-proxy:v1.20.2"));
        assert_eq!(s.cell("selector"), Some("k8s-app=kube-proxy"));
        assert_eq!(s.p.health, Health::Progressing);

        let s = see(
            "daemonsets",
            json!({"metadata": {"name": "gpu"}, "status": {"desiredNumberScheduled": 0}}),
        );
        assert_eq!(
            (s.status(), s.p.health, s.cell("node_selector")),
            (Some("No nodes"), Health::Neutral, None)
        );
    }

    fn job(status: Value) -> Value {
        json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "backup-28100", "namespace": "ops"},
            "spec": {"completions": 1, "parallelism": 1, "backoffLimit": 6,
                     "selector": {"matchLabels": {"controller-uid": "8d1f"}},
                     "template": {"spec": {"containers": [{"name": "backup", "image": "restic:0.16"}]}}},
            "status": status
        })
    }

    #[test]
    fn a_job_reads_as_kubectl_shows_it() {
        let s = see(
            "jobs",
            job(json!({
                "startTime": "2024-05-01T10:00:00Z", "completionTime": "2024-05-01T10:03:04Z", "succeeded": 1,
                "conditions": [{"type": "Complete", "status": "True"}]
            })),
        );
        assert_eq!(s.cell("completions"), Some("1/1"));
        assert_eq!(s.cell("duration"), Some("3m4s"));
        assert_eq!(s.cell("containers"), Some("backup"));
        assert_eq!(s.cell("images"), Some("restic:0.16"));
        assert_eq!(s.cell("selector"), Some("controller-uid=8d1f"));
        assert_eq!((s.status(), s.p.health), (Some("Complete"), Health::Ok));

        let s = see(
            "jobs",
            job(json!({"startTime": "2024-05-01T10:00:00Z", "active": 1})),
        );
        assert_eq!(
            (s.cell("completions"), s.cell("duration")),
            (Some("0/1"), None)
        );
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Running"), Health::Progressing)
        );

        let s = see(
            "jobs",
            job(json!({"startTime": "2024-05-01T10:00:00Z", "failed": 7,
                       "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]})),
        );
        assert_eq!((s.status(), s.p.health), (Some("Failed"), Health::Error));

        let mut work_queue = job(json!({"succeeded": 2}));
        work_queue["spec"] = json!({"parallelism": 4});
        assert_eq!(
            see("jobs", work_queue).cell("completions"),
            Some("2/1 of 4")
        );
    }

    #[test]
    fn a_cronjob_reads_the_same_in_v1_and_v1beta1() {
        for api in ["batch/v1", "batch/v1beta1"] {
            let c = json!({
                "apiVersion": api, "kind": "CronJob",
                "metadata": {"name": "backup", "namespace": "ops"},
                "spec": {"schedule": "*/5 * * * *", "suspend": false, "concurrencyPolicy": "Forbid",
                         "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "backup", "image": "restic:0.16"}]}}}}},
                "status": {"active": [{"kind": "Job", "name": "backup-28100", "namespace": "ops"}],
                           "lastScheduleTime": "2024-05-01T10:00:00Z"}
            });
            let s = see("cronjobs", c.clone());
            assert_eq!(s.cell("schedule"), Some("*/5 * * * *"));
            assert_eq!(s.cell("timezone"), None);
            assert_eq!(s.cell("suspend"), Some("False"));
            assert_eq!(s.cell("active"), Some("1"));
            assert_eq!(s.cell("last_schedule"), Some("2024-05-01T10:00:00Z"));
            assert_eq!(s.cell("images"), Some("restic:0.16"));
            assert_eq!(s.cell("selector"), None);
            assert_eq!(
                (s.status(), s.p.health),
                (Some("Active"), Health::Progressing)
            );

            let mut idle = c.clone();
            idle["status"]["active"] = Value::Null;
            assert_eq!(see("cronjobs", idle).p.health, Health::Ok);
            let mut off = c;
            off["spec"]["suspend"] = json!(true);
            let s = see("cronjobs", off);
            assert_eq!(
                (s.cell("suspend"), s.status()),
                (Some("True"), Some("Suspended"))
            );
        }
    }
}

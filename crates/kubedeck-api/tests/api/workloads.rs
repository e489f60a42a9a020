//! Workload operations (issue 14) against the testbed, checked with kubectl: a rollback through the API equals
//! `kubectl rollout undo` on the same history (Deployments, StatefulSets, DaemonSets); missing revisions,
//! paused Deployments and kinds a verb does not apply to are refused with nothing changed; scale, set image,
//! CronJob suspend/trigger and Job rerun are what kubectl sees; a rollout whose pods cannot pull their image
//! ends `stalled` with the reason; a viewer can read history and status but no verb.

use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_testbed::{Namespace, Testbed, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

on_one_backend!(deployment_rollback_equals_kubectl_undo, statefulset_and_daemonset_rollback_equal_kubectl, cronjob_and_job_verbs, a_rollout_that_cannot_pull_is_stalled);

const WAIT: Duration = Duration::from_secs(90);

async fn setup() -> (Testbed, TestApp, String, String) {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    (tb, app, admin, format!("/api/v1/k8s/cluster/{id}"))
}

/// `kubectl create -f` (not apply: no last-applied-configuration naming the object, so twins stay equal).
fn create(tb: &Testbed, ns: &str, yaml: &str) {
    let path = std::env::temp_dir().join(format!("{}.yaml", kubedeck_testbed::unique_name("wl")));
    std::fs::write(&path, yaml).unwrap();
    tb.kubectl_ok(&["-n", ns, "create", "-f", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
}

fn deployment_yaml(name: &str, image: &str, extra_pod_annotations: &str, progress_deadline: Option<u32>) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  annotations:\n    team: payments\nspec:\n  replicas: 2\n{}  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n      annotations: {{note: base{extra_pod_annotations}}}\n    spec:\n      containers:\n      - name: web\n        image: {image}\n",
        progress_deadline.map(|s| format!("  progressDeadlineSeconds: {s}\n")).unwrap_or_default()
    )
}

fn get(tb: &Testbed, ns: &str, what: &str) -> Value {
    tb.kubectl_json(&["-n", ns, "get", what])
}

/// Waits until the Deployment's controller has seen its spec and it is at `revision` with that many
/// ReplicaSets.
fn wait_deployment_revision(tb: &Testbed, ns: &str, name: &str, revision: &str) {
    wait_until(&format!("deployment {name} at revision {revision}"), WAIT, || {
        let d = get(tb, ns, &format!("deployment/{name}"));
        let observed = d["status"]["observedGeneration"] == d["metadata"]["generation"];
        (observed && d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == revision).then_some(())
    });
}

/// The parts of a Deployment a rollback writes: the pod template and the annotations.
fn rolled(tb: &Testbed, ns: &str, name: &str) -> (Value, Value) {
    let d = get(tb, ns, &format!("deployment/{name}"));
    let mut template = d["spec"]["template"].clone();
    // the twins differ only by name: their selector label
    template["metadata"]["labels"]["app"] = json!("X");
    (template, d["metadata"]["annotations"].clone())
}

/// Gives a Deployment revisions 2 and 3: each a new image and change cause.
fn give_history(tb: &Testbed, ns: &str, name: &str) {
    wait_deployment_revision(tb, ns, name, "1");
    for (rev, image) in [("2", "nginx:1.24"), ("3", "nginx:1.25")] {
        let patch = json!({"metadata": {"annotations": {"kubernetes.io/change-cause": format!("image {image}")}},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}});
        tb.kubectl_ok(&["-n", ns, "patch", "deployment", name, "-p", &patch.to_string()]);
        wait_deployment_revision(tb, ns, name, rev);
    }
}

#[track_caller]
fn refused(r: &Resp, status: StatusCode, code: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    assert_eq!(r.body["code"], code, "{what}: {}", r.body);
}

async fn deployment_rollback_equals_kubectl_undo() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "wl-deploy");
    let n = ns.name();
    // two identical Deployments with the same history (named so their labels sort alike)
    let (a, b) = ("twin-a", "twin-b");
    for name in [a, b] {
        create(&tb, n, &deployment_yaml(name, "nginx:1.23", "", None));
    }
    for name in [a, b] {
        give_history(&tb, n, name);
    }
    let dep = |name: &str| format!("{base}/namespaces/{n}/deployments/{name}");

    // history: newest first, from the ReplicaSets, with change causes and images; a diff names the image change
    let h = app.get(&format!("{}/history", dep(b)), &admin).await;
    assert_eq!(h.status, StatusCode::OK, "{}", h.body);
    let revs: Vec<i64> = h.body["revisions"].as_array().unwrap().iter().map(|r| r["revision"].as_i64().unwrap()).collect();
    assert_eq!(revs, vec![3, 2, 1]);
    assert_eq!(h.body["revisions"][0]["change_cause"], "image nginx:1.25");
    assert_eq!(h.body["revisions"][0]["current"], true);
    assert_eq!(h.body["revisions"][1]["images"], json!([{"container": "web", "image": "nginx:1.24"}]));
    assert!(h.body["revisions"][2]["source"].as_str().unwrap().starts_with("ReplicaSet twin-b-"), "{}", h.body);
    let kubectl_history = tb.kubectl_ok(&["-n", n, "rollout", "history", &format!("deployment/{b}")]);
    assert!(kubectl_history.contains("image nginx:1.25") && kubectl_history.contains("image nginx:1.24"), "{kubectl_history}");
    let one = app.get(&format!("{}/history/2", dep(b)), &admin).await;
    assert_eq!(one.body["template"]["spec"]["containers"][0]["image"], "nginx:1.24", "{}", one.body);
    assert!(one.body["template"]["metadata"]["labels"].get("pod-template-hash").is_none(), "{}", one.body);
    let d = app.get(&format!("{}/history/diff?from=2&to=3", dep(b)), &admin).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    let diff = d.body["diff"].as_str().unwrap();
    let changed = |sign: char, image: &str| diff.lines().any(|l| l.starts_with(sign) && l.ends_with(&format!("image: {image}")));
    assert!(changed('-', "nginx:1.24") && changed('+', "nginx:1.25"), "{diff}");

    // a revision that does not exist: 404 naming the ones there are, nothing changed
    let r = app.post(&format!("{}/rollback", dep(b)), &admin, json!({"revision": 9})).await;
    refused(&r, StatusCode::NOT_FOUND, "revision_not_found", "to-revision 9");
    assert_eq!(r.body["params"]["revisions"], json!([3, 2, 1]), "{}", r.body);
    assert_eq!(get(&tb, n, &format!("deployment/{b}"))["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");

    // undo (revision 0 = the previous one): kubectl on a, the API on b; same template and annotations
    tb.kubectl_ok(&["-n", n, "rollout", "undo", &format!("deployment/{a}")]);
    let r = app.post(&format!("{}/rollback", dep(b)), &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.body["outcome"].as_str(), r.body["from_revision"].as_i64(), r.body["to_revision"].as_i64()), (Some("rolled_back"), Some(3), Some(2)), "{}", r.body);
    for name in [a, b] {
        wait_deployment_revision(&tb, n, name, "4");
    }
    let (ta, aa) = rolled(&tb, n, a);
    let (tb_, ab) = rolled(&tb, n, b);
    assert_eq!(ta, tb_, "templates after undo");
    assert_eq!(aa, ab, "annotations after undo");
    assert_eq!(ab["kubernetes.io/change-cause"], "image nginx:1.24", "the ReplicaSet's annotations are copied: {ab}");
    assert_eq!(ab["team"], "payments");

    // --to-revision=1 on both
    tb.kubectl_ok(&["-n", n, "rollout", "undo", &format!("deployment/{a}"), "--to-revision=1"]);
    let r = app.post(&format!("{}/rollback", dep(b)), &admin, json!({"revision": 1})).await;
    assert_eq!(r.body["to_revision"], 1, "{}", r.body);
    for name in [a, b] {
        wait_deployment_revision(&tb, n, name, "5");
    }
    assert_eq!(rolled(&tb, n, a), rolled(&tb, n, b), "after --to-revision=1");
    assert_eq!(get(&tb, n, &format!("deployment/{b}"))["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.23");

    // the same template: skipped, like kubectl
    let r = app.post(&format!("{}/rollback", dep(b)), &admin, json!({"revision": 5})).await;
    assert_eq!(r.body["outcome"], "skipped", "{}", r.body);
    assert_eq!(r.body["message"], "skipped rollback (current template already matches revision 5)");
    let kubectl_says = tb.kubectl_ok(&["-n", n, "rollout", "undo", &format!("deployment/{a}"), "--to-revision=5"]);
    assert!(kubectl_says.contains("skipped rollback (current template already matches revision 5)"), "{kubectl_says}");

    // scale through the scale subresource, seen by kubectl; dry run changes nothing
    let r = app.post(&format!("{}/scale?dry_run=true", dep(b)), &admin, json!({"replicas": 4})).await;
    assert_eq!(r.body, json!({"replicas_before": 2, "replicas": 4}));
    assert_eq!(get(&tb, n, &format!("deployment/{b}"))["spec"]["replicas"], 2);
    let r = app.post(&format!("{}/scale", dep(b)), &admin, json!({"replicas": 3})).await;
    assert_eq!(r.body, json!({"replicas_before": 2, "replicas": 3}));
    assert_eq!(tb.kubectl_ok(&["-n", n, "get", "deployment", b, "-o", "jsonpath={.spec.replicas}"]), "3");
    let r = app.post(&format!("{}/scale", dep(b)), &admin, json!({"replicas": -1})).await;
    refused(&r, StatusCode::BAD_REQUEST, "out_of_range", "negative replicas");

    // set image: kubectl sees it; an unknown container names the ones there are
    let r = app.request("PUT", &format!("{}/image", dep(b)), Some(&admin), Some(json!({"container": "web", "image": "nginx:1.26"}))).await;
    assert_eq!(r.body, json!({"container": "web", "image_before": "nginx:1.23", "image": "nginx:1.26"}));
    assert_eq!(tb.kubectl_ok(&["-n", n, "get", "deployment", b, "-o", "jsonpath={.spec.template.spec.containers[0].image}"]), "nginx:1.26");
    let r = app.request("PUT", &format!("{}/image", dep(b)), Some(&admin), Some(json!({"container": "nope", "image": "x"}))).await;
    refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "container_not_found", "unknown container");
    assert_eq!(r.body["params"]["containers"], "web");
    // the sentence names the Deployment, not a pod
    assert_eq!((r.body["params"]["kind"].as_str(), r.body["params"]["name"].as_str()), (Some("Deployment"), Some(format!("{n}/{b}").as_str())), "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().starts_with(&format!("Deployment {n}/{b} has no container 'nope'")), "{}", r.body);

    // pause: restart and rollback refused with 409, nothing changed; resume
    let r = app.post(&format!("{}/pause", dep(b)), &admin, json!({})).await;
    assert_eq!(r.body, json!({"paused": true}));
    assert_eq!(tb.kubectl_ok(&["-n", n, "get", "deployment", b, "-o", "jsonpath={.spec.paused}"]), "true");
    refused(&app.post(&format!("{}/pause", dep(b)), &admin, json!({})).await, StatusCode::CONFLICT, "already_paused", "pause twice");
    let before = get(&tb, n, &format!("deployment/{b}"));
    refused(&app.post(&format!("{}/restart", dep(b)), &admin, json!({})).await, StatusCode::CONFLICT, "rollout_paused", "restart while paused");
    refused(&app.post(&format!("{}/rollback", dep(b)), &admin, json!({"revision": 3})).await, StatusCode::CONFLICT, "rollout_paused", "rollback while paused");
    let after = get(&tb, n, &format!("deployment/{b}"));
    // the controller may still write the status (its resourceVersion moves): the spec and annotations must not
    assert_eq!((&before["spec"], &before["metadata"]["annotations"]), (&after["spec"], &after["metadata"]["annotations"]), "nothing changed while paused");
    let r = app.get(&format!("{}/rollout", dep(b)), &admin).await;
    assert_eq!(r.body["state"], "paused", "{}", r.body);
    let r = app.post(&format!("{}/resume", dep(b)), &admin, json!({})).await;
    assert_eq!(r.body, json!({"paused": false}));
    refused(&app.post(&format!("{}/resume", dep(b)), &admin, json!({})).await, StatusCode::CONFLICT, "not_paused", "resume twice");

    // restart: the template annotation kubectl rollout restart writes
    let r = app.post(&format!("{}/restart", dep(b)), &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let at = r.body["restarted_at"].as_str().unwrap().to_owned();
    assert_eq!(get(&tb, n, &format!("deployment/{b}"))["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"], at);

    // rollout status reaches complete, as kubectl rollout status says
    let s = eventually("the rollout to complete", WAIT, || async {
        let r = app.get(&format!("{}/rollout", dep(b)), &admin).await;
        (r.body["state"] == "complete").then_some(r.body)
    })
    .await;
    assert_eq!((s["desired"].as_i64(), s["updated"].as_i64()), (Some(3), Some(3)), "{s}");
    assert!(s["new_replicaset"]["name"].as_str().unwrap().starts_with("twin-b-"), "{s}");
    assert!(tb.kubectl_ok(&["-n", n, "rollout", "status", &format!("deployment/{b}"), "--timeout=5s"]).contains("successfully rolled out"));

    // kinds a verb does not apply to
    let r = app.post(&format!("{base}/namespaces/{n}/configmaps/x/restart"), &admin, json!({})).await;
    refused(&r, StatusCode::NOT_FOUND, "verb_not_supported", "restart a ConfigMap");
    assert_eq!(r.body["params"]["verb"], "restart");
    refused(&app.post(&format!("{}/suspend", dep(b)), &admin, json!({})).await, StatusCode::NOT_FOUND, "verb_not_supported", "suspend a Deployment");

    // a viewer reads history and status, and is refused every verb with nothing changed
    let viewer = app.user_token("wl-viewer", &[Binding::global(Role::Viewer)]).await;
    assert_eq!(app.get(&format!("{}/history", dep(b)), &viewer).await.status, StatusCode::OK);
    assert_eq!(app.get(&format!("{}/rollout", dep(b)), &viewer).await.status, StatusCode::OK);
    let before = get(&tb, n, &format!("deployment/{b}"))["metadata"]["resourceVersion"].clone();
    for (method, verb, body) in [
        ("POST", "scale", json!({"replicas": 1})),
        ("POST", "restart", json!({})),
        ("POST", "pause", json!({})),
        ("POST", "resume", json!({})),
        ("POST", "rollback", json!({"revision": 1})),
        ("PUT", "image", json!({"container": "web", "image": "nginx:0"})),
    ] {
        let r = app.request(method, &format!("{}/{verb}", dep(b)), Some(&viewer), Some(body)).await;
        refused(&r, StatusCode::FORBIDDEN, "forbidden", verb);
    }
    for (kind, verb) in [("cronjobs", "suspend"), ("cronjobs", "trigger"), ("jobs", "rerun")] {
        let r = app.post(&format!("{base}/namespaces/{n}/{kind}/x/{verb}"), &viewer, json!({})).await;
        refused(&r, StatusCode::FORBIDDEN, "forbidden", verb);
    }
    assert_eq!(get(&tb, n, &format!("deployment/{b}"))["metadata"]["resourceVersion"], before);

    // audited as workload.<verb>
    let audit = app.audit().await;
    for action in ["workload.rollback", "workload.scale", "workload.pause", "workload.restart", "workload.image"] {
        assert!(audit.iter().any(|a| a.action == action && a.outcome == "success"), "no {action} in the audit log");
    }
    app.stop().await;
}

fn controller_revisions(tb: &Testbed, ns: &str, label: &str) -> usize {
    tb.kubectl_json(&["-n", ns, "get", "controllerrevisions", "-l", &format!("app={label}")])["items"].as_array().map_or(0, Vec::len)
}

async fn statefulset_and_daemonset_rollback_equal_kubectl() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "wl-sts");
    let n = ns.name();
    for (kind, plural) in [("StatefulSet", "statefulsets"), ("DaemonSet", "daemonsets")] {
        let names = [format!("{}-a", &plural[..3]), format!("{}-b", &plural[..3])];
        for name in &names {
            let extra = if kind == "StatefulSet" { "  serviceName: none\n  replicas: 1\n" } else { "" };
            create(&tb, n, &format!(
                "apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n{extra}  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n      - name: db\n        image: postgres:12\n"
            ));
        }
        // the same history: revisions 1, 2, 3
        for name in &names {
            wait_until(&format!("{name} revision 1"), WAIT, || (controller_revisions(&tb, n, name) == 1).then_some(()));
            for (i, image) in [(2, "postgres:13"), (3, "postgres:14")] {
                let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "db", "image": image}]}}}});
                tb.kubectl_ok(&["-n", n, "patch", plural, name, "-p", &patch.to_string()]);
                wait_until(&format!("{name} revision {i}"), WAIT, || (controller_revisions(&tb, n, name) == i).then_some(()));
            }
        }
        let path = |name: &str| format!("{base}/namespaces/{n}/{plural}/{name}");
        let h = app.get(&format!("{}/history", path(&names[1])), &admin).await;
        assert_eq!(h.status, StatusCode::OK, "{}", h.body);
        let revs: Vec<i64> = h.body["revisions"].as_array().unwrap().iter().map(|r| r["revision"].as_i64().unwrap()).collect();
        assert_eq!(revs, vec![3, 2, 1], "{kind}");
        assert_eq!(h.body["revisions"][0]["current"], true, "{kind}: {}", h.body);
        assert!(h.body["revisions"][0]["source"].as_str().unwrap().starts_with("ControllerRevision "), "{}", h.body);
        assert_eq!(h.body["revisions"][1]["images"][0]["image"], "postgres:13");

        let r = app.post(&format!("{}/rollback", path(&names[1])), &admin, json!({"revision": 7})).await;
        refused(&r, StatusCode::NOT_FOUND, "revision_not_found", kind);
        assert_eq!(r.body["params"]["revisions"], json!([3, 2, 1]));

        for to in [0, 1] {
            let mut args = vec!["-n", n, "rollout", "undo"];
            let target = format!("{}/{}", plural, names[0]);
            args.push(&target);
            let flag = format!("--to-revision={to}");
            args.push(&flag);
            tb.kubectl_ok(&args);
            let r = app.post(&format!("{}/rollback", path(&names[1])), &admin, json!({"revision": to})).await;
            assert_eq!(r.status, StatusCode::OK, "{kind}: {}", r.body);
            assert_eq!(r.body["outcome"], "rolled_back", "{kind} to {to}: {}", r.body);
            let template = |name: &str| {
                let mut t = get(&tb, n, &format!("{plural}/{name}"))["spec"]["template"].clone();
                t["metadata"]["labels"]["app"] = json!("X");
                t
            };
            assert_eq!(template(&names[0]), template(&names[1]), "{kind} after undo --to-revision={to}");
            let want = if to == 0 { "postgres:13" } else { "postgres:12" };
            assert_eq!(template(&names[1])["spec"]["containers"][0]["image"], want, "{kind} to {to}");
            // the same history afterwards: kubectl rollout history lists the same revisions for both twins
            // (the ControllerRevision of the template rolled back to renumbered as the newest, as kubectl's undo
            // leaves it)
            let history = |name: &str| {
                wait_until(&format!("{name}'s controller to see the undo"), WAIT, || {
                    let o = get(&tb, n, &format!("{plural}/{name}"));
                    (o["status"]["observedGeneration"] == o["metadata"]["generation"]).then_some(())
                });
                let mut revs: Vec<(i64, String)> = tb.kubectl_json(&["-n", n, "get", "controllerrevisions", "-l", &format!("app={name}")])["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| (r["revision"].as_i64().unwrap(), r["data"]["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap_or_default().to_owned()))
                    .collect();
                revs.sort();
                revs
            };
            assert_eq!(history(&names[0]), history(&names[1]), "{kind}: revisions after undo --to-revision={to}");
            // asking for the revision it is at now: skipped, like kubectl
            if to == 1 {
                let cur = app.get(&format!("{}/history", path(&names[1])), &admin).await;
                let c = cur.body["revisions"].as_array().unwrap().iter().find(|r| r["current"] == true).cloned().unwrap_or_else(|| panic!("{kind}: no current revision in {}", cur.body));
                let r = app.post(&format!("{}/rollback", path(&names[1])), &admin, json!({"revision": c["revision"]})).await;
                assert_eq!(r.body["outcome"], "skipped", "{kind}: {}", r.body);
            }
        }
        // restart writes the template annotation on StatefulSets and DaemonSets too
        let r = app.post(&format!("{}/restart", path(&names[1])), &admin, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(get(&tb, n, &format!("{plural}/{}", names[1]))["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"].is_string());
        let s = app.get(&format!("{}/rollout", path(&names[1])), &admin).await;
        assert!(["complete", "progressing"].contains(&s.body["state"].as_str().unwrap_or_default()), "{kind}: {}", s.body);
    }
    // a StatefulSet scales, a DaemonSet does not
    let r = app.post(&format!("{base}/namespaces/{n}/statefulsets/sta-b/scale"), &admin, json!({"replicas": 2})).await;
    assert_eq!(r.body, json!({"replicas_before": 1, "replicas": 2}));
    assert_eq!(tb.kubectl_ok(&["-n", n, "get", "statefulset", "sta-b", "-o", "jsonpath={.spec.replicas}"]), "2");
    let r = app.post(&format!("{base}/namespaces/{n}/daemonsets/dae-b/scale"), &admin, json!({"replicas": 2})).await;
    refused(&r, StatusCode::NOT_FOUND, "verb_not_supported", "scale a DaemonSet");
    app.stop().await;
}

async fn cronjob_and_job_verbs() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "wl-cron");
    let n = ns.name();
    // the version the cluster serves (batch/v1beta1 on v1.20), as kubectl explains it
    let explain = tb.kubectl_ok(&["explain", "cronjob"]);
    let served = explain.lines().find_map(|l| l.strip_prefix("VERSION:")).map(str::trim).unwrap().to_owned();
    create(&tb, n, &format!(
        "apiVersion: {served}\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  schedule: '0 3 * * *'\n  jobTemplate:\n    metadata:\n      labels: {{team: data}}\n    spec:\n      template:\n        metadata:\n          annotations: {{sim.kubedeck.io/complete-after-seconds: '1'}}\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: task\n            image: busybox:1.35\n"
    ));
    let cj = |verb: &str| format!("{base}/namespaces/{n}/cronjobs/nightly/{verb}");

    // suspend / resume, seen by kubectl
    assert_eq!(app.post(&cj("suspend"), &admin, json!({})).await.body, json!({"suspended": true}));
    assert_eq!(tb.kubectl_ok(&["-n", n, "get", "cronjob", "nightly", "-o", "jsonpath={.spec.suspend}"]), "true");
    assert_eq!(app.post(&cj("resume"), &admin, json!({})).await.body, json!({"suspended": false}));
    assert_eq!(tb.kubectl_ok(&["-n", n, "get", "cronjob", "nightly", "-o", "jsonpath={.spec.suspend}"]), "false");
    refused(&app.post(&cj("pause"), &admin, json!({})).await, StatusCode::NOT_FOUND, "verb_not_supported", "pause a CronJob");

    // set image in the job template
    let r = app.request("PUT", &cj("image"), Some(&admin), Some(json!({"container": "task", "image": "busybox:1.36"}))).await;
    assert_eq!(r.body["image_before"], "busybox:1.35", "{}", r.body);
    assert_eq!(tb.kubectl_ok(&["-n", n, "get", "cronjob", "nightly", "-o", "jsonpath={.spec.jobTemplate.spec.template.spec.containers[0].image}"]), "busybox:1.36");

    // trigger: a Job kubectl sees, owned by the CronJob, like kubectl create job --from=cronjob/nightly
    let r = app.post(&cj("trigger"), &admin, json!({"job_name": "nightly-now"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["job"], json!({"namespace": n, "name": "nightly-now"}));
    // (this kubectl refuses `create job --from` on a v1beta1 CronJob: "unknown object type *v1beta1.CronJob";
    // the Job is compared with what its createJobFromCronJob writes)
    let ours = get(&tb, n, "job/nightly-now");
    let cronjob = get(&tb, n, "cronjob/nightly");
    assert_eq!(
        ours["metadata"]["ownerReferences"],
        json!([{"apiVersion": served, "kind": "CronJob", "name": "nightly", "uid": cronjob["metadata"]["uid"], "controller": true}])
    );
    assert_eq!(ours["metadata"]["annotations"], json!({"cronjob.kubernetes.io/instantiate": "manual"}));
    assert_eq!(ours["metadata"]["labels"]["team"], "data");
    assert_eq!(ours["spec"]["template"]["spec"]["containers"], cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]);
    assert_eq!(tb.kubectl_ok(&["-n", n, "get", "jobs", "-o", "jsonpath={.items[*].metadata.name}"]), "nightly-now");
    let r = app.post(&cj("trigger"), &admin, json!({"job_name": "nightly-now"})).await;
    refused(&r, StatusCode::CONFLICT, "already_exists", "trigger twice under one name");
    let r = app.post(&cj("trigger"), &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body["job"]["name"].as_str().unwrap().starts_with("nightly-manual-"), "{}", r.body);

    // rerun a Job: a copy kubectl sees, with its own controller-generated selector
    let r = app.post(&format!("{base}/namespaces/{n}/jobs/nightly-now/rerun"), &admin, json!({"job_name": "nightly-again"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let again = get(&tb, n, "job/nightly-again");
    assert_ne!(again["spec"]["selector"], ours["spec"]["selector"]);
    assert_eq!(again["spec"]["template"]["spec"]["containers"][0]["image"], "busybox:1.36");
    wait_until("the rerun Job to succeed", WAIT, || (get(&tb, n, "job/nightly-again")["status"]["succeeded"] == 1).then_some(()));

    // the images seen in the cluster
    let r = app.get(&format!("{base}/images"), &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let busybox = r.body["images"].as_array().unwrap().iter().find(|i| i["repository"] == "busybox").cloned().unwrap_or_default();
    assert!(busybox["tags"].as_array().is_some_and(|t| t.contains(&json!("1.36"))), "{busybox}");
    assert!(busybox["used_by"].as_array().unwrap().iter().any(|u| u["kind"] == "CronJob" && u["name"] == "nightly"), "{busybox}");
    app.stop().await;
}

async fn a_rollout_that_cannot_pull_is_stalled() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "wl-stall");
    let n = ns.name();
    create(&tb, n, &deployment_yaml("stuck", "registry.invalid/nope:1", ", sim.kubedeck.io/waiting-reason: ImagePullBackOff", Some(5)));
    let path = format!("{base}/namespaces/{n}/deployments/stuck/rollout");
    let s = eventually("the rollout to stall", WAIT, || async {
        let r = app.get(&path, &admin).await;
        (r.body["state"] == "stalled").then_some(r.body)
    })
    .await;
    assert_eq!(s["reason"], "ProgressDeadlineExceeded", "{s}");
    assert!(s["conditions"].as_array().unwrap().iter().any(|c| c["type"] == "Progressing" && c["reason"] == "ProgressDeadlineExceeded"), "{s}");
    let failing = s["failing_pods"].as_array().unwrap();
    assert!(!failing.is_empty() && failing.iter().all(|p| p["reason"] == "ImagePullBackOff" && p["container"] == "web"), "{s}");
    // kubectl agrees
    let out = tb.kubectl(&["-n", n, "rollout", "status", "deployment/stuck", "--timeout=5s"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("exceeded its progress deadline"), "{}", String::from_utf8_lossy(&out.stderr));
    app.stop().await;
}

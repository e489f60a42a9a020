//! Proof with the real `kubectl` that the testbed behaves like a real cluster: the v1.20 control
//! plane plus kubedeck-sim's nodes. Run with `make test` (or `testbed/with-testbed cargo nextest run`).
//!
//! Tests share one testbed and may run in parallel: each works in its own namespace, and tests
//! that disturb nodes (drain, NotReady) add dedicated, tainted nodes through the sim's control API.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use kubedeck_testbed::{Namespace, Testbed, unique_name, wait_until};
use serde_json::{Value, json};

/// Generous: a 2-core machine running the control plane and parallel tests is slow at times.
const DEADLINE: Duration = Duration::from_secs(120);

fn pods(tb: &Testbed, ns: &str, selector: &str) -> Vec<Value> {
    tb.kubectl_json(&["-n", ns, "get", "pods", "-l", selector])["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn is_running(p: &Value) -> bool {
    p["status"]["phase"] == "Running"
        && p["metadata"]["deletionTimestamp"].is_null()
        && p["status"]["containerStatuses"]
            .as_array()
            .is_some_and(|cs| cs.iter().all(|c| c["ready"] == true))
}

fn wait_running(tb: &Testbed, ns: &str, selector: &str, n: usize) -> Vec<Value> {
    wait_until(
        &format!("{n} running pods {selector} in {ns}"),
        DEADLINE,
        || {
            let all = pods(tb, ns, selector);
            let running: Vec<Value> = all.iter().filter(|p| is_running(p)).cloned().collect();
            (running.len() == n && all.len() == n).then_some(running)
        },
    )
}

fn apply(tb: &Testbed, manifest: &Value) {
    let file = std::env::temp_dir().join(format!("{}.json", unique_name("manifest")));
    std::fs::write(&file, manifest.to_string()).unwrap();
    let out = tb.kubectl(&["apply", "-f", file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "kubectl apply failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn deployment(
    ns: &str,
    name: &str,
    replicas: u32,
    pod_spec_extra: Value,
    annotations: Value,
) -> Value {
    let mut spec = json!({
        "containers": [{"name": "app", "image": "registry.example.com/test/app:1.0",
                        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]
    });
    if let (Some(s), Some(extra)) = (spec.as_object_mut(), pod_spec_extra.as_object()) {
        s.extend(extra.clone());
    }
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}, "annotations": annotations}, "spec": spec},
        }
    })
}

/// Runs a bare pod (restartPolicy Always) with the given annotations and waits until it runs.
fn run_pod(tb: &Testbed, ns: &str, name: &str, annotations: &[(&str, &str)]) -> Value {
    let mut args = vec![
        "-n",
        ns,
        "run",
        name,
        "--image=registry.example.com/test/logger:1.0",
        "--restart=Always",
    ];
    let ann: Vec<String> = annotations
        .iter()
        .map(|(k, v)| format!("--annotations={k}={v}"))
        .collect();
    args.extend(ann.iter().map(String::as_str));
    tb.kubectl_ok(&args);
    wait_running(tb, ns, &format!("run={name}"), 1).remove(0)
}

/// A node of its own for a test: tainted so that only pods tolerating `dedicated=<id>` land on it.
struct DedicatedNode<'a> {
    tb: &'a Testbed,
    name: String,
}

impl<'a> DedicatedNode<'a> {
    fn add(tb: &'a Testbed, prefix: &str, group: &str) -> Self {
        let name = unique_name(prefix);
        let (code, body) = tb.sim(
            "POST",
            "/nodes",
            Some(&json!({"name": name, "role": "worker",
                         "labels": {"sim.kubedeck.io/dedicated": group},
                         "taints": [{"key": "sim.kubedeck.io/dedicated", "value": group, "effect": "NoSchedule"}]})),
        );
        assert_eq!(code, 201, "adding node {name}: {body}");
        wait_until(&format!("node {name} Ready"), DEADLINE, || {
            node_ready(tb, &name).filter(|r| *r).map(|_| ())
        });
        DedicatedNode { tb, name }
    }
}

impl Drop for DedicatedNode<'_> {
    fn drop(&mut self) {
        let _ = self
            .tb
            .sim("DELETE", &format!("/nodes/{}", self.name), None);
    }
}

fn dedicated_pod_spec(group: &str) -> Value {
    json!({
        "nodeSelector": {"sim.kubedeck.io/dedicated": group},
        "tolerations": [{"key": "sim.kubedeck.io/dedicated", "operator": "Equal", "value": group, "effect": "NoSchedule"}],
    })
}

/// The node's Ready condition: Some(true/false), None when unknown or the node is missing.
fn node_ready(tb: &Testbed, name: &str) -> Option<bool> {
    let out = tb.kubectl(&["get", "node", name, "-o", "json"]);
    if !out.status.success() {
        return None;
    }
    let node: Value = serde_json::from_slice(&out.stdout).ok()?;
    let ready = node["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Ready")?["status"]
        .clone();
    match ready.as_str()? {
        "True" => Some(true),
        "False" => Some(false),
        _ => None,
    }
}

// ---- nodes

#[test]
fn nodes_are_ready_with_the_simulators_capacity() {
    let tb = Testbed::from_env();
    let masters: usize = tb.env("MASTERS").unwrap().parse().unwrap();
    let workers: usize = tb.env("WORKERS").unwrap().parse().unwrap();
    let nodes = tb.kubectl_json(&["get", "nodes"])["items"]
        .as_array()
        .cloned()
        .unwrap();
    for (role, count, cpu, memory) in [
        ("master", masters, "4", "16Gi"),
        ("worker", workers, "8", "32Gi"),
    ] {
        for i in 1..=count {
            let name = format!("{role}-{i}");
            let node = nodes
                .iter()
                .find(|n| n["metadata"]["name"] == name.as_str())
                .unwrap_or_else(|| panic!("no node {name}"));
            assert_eq!(node["status"]["capacity"]["cpu"], cpu, "{name}");
            assert_eq!(node["status"]["capacity"]["memory"], memory, "{name}");
            assert_eq!(node["status"]["capacity"]["pods"], "110", "{name}");
            assert_eq!(
                node["status"]["nodeInfo"]["kubeletVersion"], "v1.20.2",
                "{name}"
            );
            assert!(
                node["metadata"]["labels"]
                    .get(format!("node-role.kubernetes.io/{role}"))
                    .is_some(),
                "{name} role label"
            );
            assert_eq!(node_ready(&tb, &name), Some(true), "{name} Ready");
            let ip = node["status"]["addresses"][0]["address"].as_str().unwrap();
            assert!(ip.starts_with("127."), "{name} InternalIP {ip}");
        }
    }
    // `kubectl top`-style figures come from the kubelet Summary API, proxied by the apiserver.
    let summary: Value = serde_json::from_str(&tb.kubectl_ok(&[
        "get",
        "--raw",
        "/api/v1/nodes/worker-1/proxy/stats/summary",
    ]))
    .unwrap();
    assert_eq!(summary["node"]["nodeName"], "worker-1");
    assert!(summary["node"]["cpu"]["usageNanoCores"].as_u64().unwrap() > 0);
    assert!(
        summary["node"]["memory"]["workingSetBytes"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(summary["node"]["fs"]["capacityBytes"].as_u64().unwrap() > 0);
}

#[test]
fn node_added_through_the_control_api_goes_not_ready_and_back() {
    let tb = Testbed::from_env();
    let node = DedicatedNode::add(&tb, "health", &unique_name("g"));
    let (code, _) = tb.sim(
        "POST",
        &format!("/nodes/{}/not-ready", node.name),
        Some(&json!({"reason": "KubeletNotReady"})),
    );
    assert_eq!(code, 200);
    wait_until("node NotReady", DEADLINE, || {
        (node_ready(&tb, &node.name) == Some(false)).then_some(())
    });
    let listed = tb.kubectl_ok(&["get", "node", &node.name]);
    assert!(listed.contains("NotReady"), "{listed}");
    let (code, _) = tb.sim("POST", &format!("/nodes/{}/ready", node.name), None);
    assert_eq!(code, 200);
    wait_until("node Ready again", DEADLINE, || {
        (node_ready(&tb, &node.name) == Some(true)).then_some(())
    });
    let name = node.name.clone();
    drop(node);
    wait_until("node removed", DEADLINE, || {
        (!tb.kubectl(&["get", "node", &name]).status.success()).then_some(())
    });
}

// ---- pods

#[test]
fn deployment_pods_run_on_simulated_nodes() {
    let tb = Testbed::from_env();
    let ns = Namespace::create("deploy");
    apply(&tb, &deployment(ns.name(), "web", 3, json!({}), json!({})));
    let running = wait_running(&tb, ns.name(), "app=web", 3);
    for p in &running {
        let node = p["spec"]["nodeName"].as_str().unwrap();
        assert!(
            node.starts_with("worker-"),
            "masters are tainted NoSchedule; scheduled on {node}"
        );
        assert!(p["status"]["podIP"].as_str().unwrap().starts_with("10."));
        assert!(p["status"]["startTime"].is_string());
        assert_eq!(p["status"]["containerStatuses"][0]["restartCount"], 0);
        assert!(p["status"]["containerStatuses"][0]["state"]["running"]["startedAt"].is_string());
    }
    let out = tb.kubectl_ok(&[
        "-n",
        ns.name(),
        "rollout",
        "status",
        "deployment/web",
        "--timeout=120s",
    ]);
    assert!(out.contains("successfully rolled out"), "{out}");

    // Scaling down deletes pods gracefully; the simulator completes the termination.
    tb.kubectl_ok(&["-n", ns.name(), "scale", "deployment/web", "--replicas=1"]);
    wait_running(&tb, ns.name(), "app=web", 1);
}

#[test]
fn job_pods_complete_when_annotated() {
    let tb = Testbed::from_env();
    let ns = Namespace::create("job");
    apply(
        &tb,
        &json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "report", "namespace": ns.name()},
                "spec": {"template": {"metadata": {"annotations": {"sim.kubedeck.io/complete-after-seconds": "2"}},
                         "spec": {"restartPolicy": "Never", "containers": [{"name": "report", "image": "busybox:1.32"}]}}}}),
    );
    wait_until("job complete", DEADLINE, || {
        let job = tb.kubectl_json(&["-n", ns.name(), "get", "job", "report"]);
        (job["status"]["succeeded"] == 1).then_some(())
    });
}

// ---- logs

#[test]
fn kubectl_logs_tail_timestamps_since_and_limit_bytes() {
    let tb = Testbed::from_env();
    let ns = Namespace::create("logs");
    run_pod(
        &tb,
        ns.name(),
        "talker",
        &[("sim.kubedeck.io/log-lines-per-second", "4")],
    );
    // Let it write a few lines.
    wait_until("10 log lines", DEADLINE, || {
        (tb.kubectl_ok(&["-n", ns.name(), "logs", "talker"])
            .lines()
            .count()
            >= 10)
            .then_some(())
    });

    let all = tb.kubectl_ok(&["-n", ns.name(), "logs", "talker"]);
    let first = all.lines().next().unwrap();
    assert!(
        first.contains(" INFO pod=talker container=talker restart=0 line=1 "),
        "{first}"
    );
    assert!(
        first.contains("msg=\"starting container talker (restart 0)\""),
        "{first}"
    );

    let tail = tb.kubectl_ok(&["-n", ns.name(), "logs", "talker", "--tail=3"]);
    let lines: Vec<&str> = tail.lines().collect();
    assert_eq!(lines.len(), 3, "{tail}");
    let numbers: Vec<u64> = lines.iter().map(|l| line_number(l)).collect();
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "consecutive: {numbers:?}"
    );

    let stamped = tb.kubectl_ok(&[
        "-n",
        ns.name(),
        "logs",
        "talker",
        "--tail=1",
        "--timestamps",
    ]);
    let (ts, rest) = stamped.trim_end().split_once(' ').unwrap();
    assert!(
        ts.ends_with('Z') && ts.len() == "2026-11-25T21:00:00.123456789Z".len(),
        "{stamped}"
    );
    assert!(rest.contains("pod=talker"), "{stamped}");

    let limited = tb.kubectl_ok(&["-n", ns.name(), "logs", "talker", "--limit-bytes=40"]);
    assert_eq!(limited.len(), 40, "{limited:?}");

    let recent = tb.kubectl_ok(&["-n", ns.name(), "logs", "talker", "--since=2s"]);
    let n = recent.lines().count();
    assert!(
        (1..=16).contains(&n),
        "--since=2s at 4 lines/s returned {n} lines"
    );
}

fn line_number(l: &str) -> u64 {
    l.split_whitespace()
        .find_map(|w| w.strip_prefix("line="))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no line= in {l:?}"))
}

#[test]
fn kubectl_logs_follow_streams_new_lines() {
    let tb = Testbed::from_env();
    let ns = Namespace::create("follow");
    run_pod(
        &tb,
        ns.name(),
        "streamer",
        &[("sim.kubedeck.io/log-lines-per-second", "5")],
    );
    let mut child = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(tb.admin_kubeconfig_path())
        .args(["-n", ns.name(), "logs", "streamer", "-f", "--tail=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    // Collect for a few seconds after the first line arrives.
    let (started, first) = rx
        .recv_timeout(DEADLINE)
        .expect("kubectl logs -f printed nothing");
    let mut lines = vec![first];
    while started.elapsed() < Duration::from_secs(4) {
        if let Ok((_, l)) = rx.recv_timeout(Duration::from_millis(200)) {
            lines.push(l);
        }
    }
    let still_running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(still_running, "kubectl logs -f must keep streaming");
    assert!(
        lines.len() >= 5,
        "expected new lines while following, got {lines:?}"
    );
    let numbers: Vec<u64> = lines.iter().map(|l| line_number(l)).collect();
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "lines in order without gaps: {numbers:?}"
    );
}

#[test]
fn crashing_container_restarts_and_previous_logs_show_the_crash() {
    let tb = Testbed::from_env();
    let ns = Namespace::create("crash");
    run_pod(
        &tb,
        ns.name(),
        "crasher",
        &[
            ("sim.kubedeck.io/crash-after-seconds", "3"),
            ("sim.kubedeck.io/exit-code", "3"),
        ],
    );
    let status = wait_until("a restart", DEADLINE, || {
        let p = tb.kubectl_json(&["-n", ns.name(), "get", "pod", "crasher"]);
        let cs = p["status"]["containerStatuses"][0].clone();
        (cs["restartCount"].as_u64().unwrap_or(0) >= 1).then_some(cs)
    });
    assert_eq!(status["lastState"]["terminated"]["exitCode"], 3, "{status}");
    assert_eq!(
        status["lastState"]["terminated"]["reason"], "Error",
        "{status}"
    );
    let waiting = status["state"]["waiting"]["reason"].as_str();
    assert!(
        waiting == Some("CrashLoopBackOff") || status["state"]["running"].is_object(),
        "{status}"
    );

    let previous = tb.kubectl_ok(&["-n", ns.name(), "logs", "crasher", "--previous"]);
    let last = previous.lines().last().unwrap();
    assert!(
        last.contains("FATAL pod=crasher container=crasher restart=0"),
        "{previous}"
    );
    assert!(
        last.ends_with("msg=\"simulated crash, exiting with code 3\""),
        "{previous}"
    );
    assert!(
        previous.lines().next().unwrap().contains("line=1 "),
        "{previous}"
    );

    // After the back-off the container runs again, with a fresh log.
    wait_until("the second run", DEADLINE, || {
        let out = tb.kubectl(&["-n", ns.name(), "logs", "crasher"]);
        String::from_utf8_lossy(&out.stdout)
            .contains("restart=1 line=1 ")
            .then_some(())
    });
}

#[test]
fn control_api_crashes_a_container_on_request() {
    let tb = Testbed::from_env();
    let ns = Namespace::create("ctlcrash");
    run_pod(&tb, ns.name(), "victim", &[]);
    let (code, body) = tb.sim(
        "POST",
        &format!("/pods/{}/victim/crash", ns.name()),
        Some(&json!({"exitCode": 137})),
    );
    assert_eq!(code, 202, "{body}");
    let cs = wait_until("restartCount 1", DEADLINE, || {
        let p = tb.kubectl_json(&["-n", ns.name(), "get", "pod", "victim"]);
        let cs = p["status"]["containerStatuses"][0].clone();
        (cs["restartCount"] == 1).then_some(cs)
    });
    assert_eq!(cs["lastState"]["terminated"]["exitCode"], 137);
    let (code, _) = tb.sim(
        "POST",
        &format!("/pods/{}/no-such-pod/crash", ns.name()),
        None,
    );
    assert_eq!(code, 404);
}

// ---- drain

#[test]
fn drain_evicts_pods_and_they_reschedule_elsewhere() {
    let tb = Testbed::from_env();
    let ns = Namespace::create("drain");
    let group = ns.name().to_string();
    let a = DedicatedNode::add(&tb, "drain-a", &group);
    let b = DedicatedNode::add(&tb, "drain-b", &group);
    apply(
        &tb,
        &deployment(ns.name(), "app", 4, dedicated_pod_spec(&group), json!({})),
    );
    let running = wait_running(&tb, ns.name(), "app=app", 4);
    let on = |node: &str, pods: &[Value]| {
        pods.iter()
            .filter(|p| p["spec"]["nodeName"] == node)
            .count()
    };
    // Drain whichever node holds pods (the scheduler spreads them, but do not rely on it).
    let (victim, other) = if on(&a.name, &running) > 0 {
        (&a, &b)
    } else {
        (&b, &a)
    };
    assert!(on(&victim.name, &running) > 0);

    let out = tb.kubectl(&[
        "drain",
        &victim.name,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--timeout=180s",
    ]);
    assert!(
        out.status.success(),
        "drain failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let node = tb.kubectl_json(&["get", "node", &victim.name]);
    assert_eq!(node["spec"]["unschedulable"], true);

    let after = wait_until("all 4 pods running on the other node", DEADLINE, || {
        let all = pods(&tb, ns.name(), "app=app");
        let ok = all.len() == 4
            && all
                .iter()
                .all(|p| is_running(p) && p["spec"]["nodeName"] == other.name.as_str());
        ok.then_some(all)
    });
    assert_eq!(on(&victim.name, &after), 0);
    tb.kubectl_ok(&["uncordon", &victim.name]);
}

// ---- permissions

#[test]
fn restricted_kubeconfig_is_refused_where_rbac_says_so() {
    let tb = Testbed::from_env();
    let restricted = tb.restricted_kubeconfig_path();
    let allowed = tb.restricted_namespaces();
    assert!(!allowed.is_empty());
    for ns in &allowed {
        let out = tb.kubectl_as(&restricted, &["-n", ns, "get", "pods,deployments"]);
        assert!(
            out.status.success(),
            "reading {ns}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Read-only: deleting is forbidden even for a name that does not exist.
        let out = tb.kubectl_as(&restricted, &["-n", ns, "delete", "pod", "nonexistent"]);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("forbidden"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for args in [
        &["-n", "demo-ops", "get", "pods"][..],
        &["get", "nodes"],
        &["-n", "kube-system", "get", "secrets"],
    ] {
        let out = tb.kubectl_as(&restricted, args);
        assert!(
            !out.status.success(),
            "restricted user must not run {args:?}"
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("forbidden"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let useless = tb.useless_kubeconfig_path();
    let out = tb.kubectl_as(&useless, &["get", "--raw", "/version"]);
    assert!(
        out.status.success(),
        "the useless user is still a valid user: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tb.kubectl_as(&useless, &["-n", &allowed[0], "get", "pods"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("forbidden"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    for kubeconfig in [
        tb.admin_kubeconfig(),
        tb.restricted_kubeconfig(),
        tb.useless_kubeconfig(),
    ] {
        assert!(
            !kubeconfig.contains("client-certificate:")
                && !kubeconfig.contains("certificate-authority:")
        );
        assert!(kubeconfig.contains("certificate-authority-data:"));
    }
}

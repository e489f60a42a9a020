#!/usr/bin/env python3
"""Prepares a fresh kubedeck server for the fuzz run and prints shell assignments (FUZZ_*=...).

Everything the fuzzer may change or delete is created here and owned by this run:
  - the testbed cluster imported with its admin kubeconfig (FUZZ_CLUSTER_ID) and a spare cluster imported with
    the restricted kubeconfig (FUZZ_SPARE_CLUSTER_ID: the only cluster PUT/DELETE may hit);
  - a namespace (FUZZ_NS) with a pod to read (FUZZ_POD, container FUZZ_CONTAINER) and one to delete (FUZZ_VICTIM_POD),
    and a ConfigMap (FUZZ_CM) for the generic resource routes to read, edit and delete;
  - a simulated node (FUZZ_NODE, tainted so only this run's pods land there, plus the demo DaemonSet that
    tolerates everything) for cordon/drain/labels/taints/delete;
  - a viewer account (FUZZ_VIEWER_TOKEN) and a spare account (FUZZ_USER_ID: the only user PUT/DELETE may hit).
Only the standard library is used. Progress goes to stderr.
"""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

BASE = os.environ["FUZZ_BASE_URL"]
ADMIN_PASSWORD = os.environ["KUBEDECK_ADMIN_PASSWORD"]
TB = os.environ["KUBEDECK_TESTBED_DIR"]
RUN = os.environ["FUZZ_RUN_ID"]
ENV = {}
with open(os.path.join(TB, "testbed.env")) as f:
    for line in f:
        line = line.strip()
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            ENV[k.removeprefix("export ").strip()] = v.strip().strip("'\"")


def log(msg):
    print(f"fuzz setup: {msg}", file=sys.stderr, flush=True)


def call(method, url, body=None, token=None, expect=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    if expect is not None and status not in expect:
        sys.exit(f"fuzz setup: {method} {url} answered {status}: {parsed}")
    return status, parsed


def api(method, path, body=None, token=None, expect=None):
    return call(method, BASE + path, body, token, expect)


def kubectl(*args, stdin=None):
    cmd = ["kubectl", "--kubeconfig", ENV["ADMIN_KUBECONFIG"], *args]
    out = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"fuzz setup: {' '.join(cmd)}: {out.stderr.strip()}")
    return out.stdout


def login(username, password):
    _, body = api("POST", "/api/v1/auth/login", {"username": username, "password": password}, expect={200})
    return body["access_token"]


def wait(what, check, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.5)
    sys.exit(f"fuzz setup: timed out waiting for {what}")


def main():
    admin = login("admin", ADMIN_PASSWORD)
    read = lambda name: open(os.path.join(TB, name)).read()

    _, imported = api("POST", "/api/v1/k8s/cluster",
                      {"name": f"fuzz-testbed-{RUN}", "description": "fuzz run", "credential": read("admin.kubeconfig")},
                      admin, expect={201})
    cluster = imported["cluster"]["id"]
    _, spare = api("POST", "/api/v1/k8s/cluster",
                   {"name": f"fuzz-spare-{RUN}", "description": "fuzz run: PUT/DELETE target",
                    "credential": read("restricted.kubeconfig")}, admin, expect={201})
    spare_cluster = spare["cluster"]["id"]
    log(f"imported cluster {cluster} (testbed admin) and spare cluster {spare_cluster}")

    # A node of our own: tainted so only this run's pods (and the demo DaemonSet, which tolerates all) land there.
    node = f"fuzz-{RUN}"
    taint = {"key": "kubedeck.io/fuzz", "value": RUN, "effect": "NoSchedule"}
    status, body = call("POST", ENV["SIM_CONTROL_URL"] + "/nodes",
                        {"role": "worker", "name": node, "labels": {"kubedeck.io/fuzz": RUN}, "taints": [taint]})
    if status != 201:
        sys.exit(f"fuzz setup: adding node {node}: {status} {body}")

    ns = f"kd-fuzz-{RUN}"
    pod = lambda name, extra: {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
        "spec": {"containers": [{"name": "app", "image": "busybox"}], "terminationGracePeriodSeconds": 1, **extra}}
    on_node = {"nodeSelector": {"kubedeck.io/fuzz": RUN},
               "tolerations": [{"key": "kubedeck.io/fuzz", "operator": "Equal", "value": RUN, "effect": "NoSchedule"}]}
    manifest = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
        pod("fuzz-read", {}), pod("fuzz-victim", {}), pod("fuzz-drained", on_node),
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fuzz-cm", "namespace": ns}, "data": {"a": "1"}}]}
    # The namespace first (its default service account must exist before pods are admitted).
    kubectl("apply", "-f", "-", stdin=json.dumps(manifest["items"][0]))
    wait("default service account", lambda: subprocess.run(
        ["kubectl", "--kubeconfig", ENV["ADMIN_KUBECONFIG"], "-n", ns, "get", "sa", "default"],
        capture_output=True).returncode == 0)
    kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod", "--all", "--timeout=120s")
    log(f"namespace {ns} with pods fuzz-read, fuzz-victim, fuzz-drained (on node {node})")

    # Accounts: a viewer (password changed so it is usable) and a spare account to edit and delete.
    viewer_pw = f"viewer-{RUN}-initial"
    _, viewer = api("POST", "/api/v1/users", {"username": f"fuzz-viewer-{RUN}", "password": viewer_pw,
                                               "bindings": [{"role": "viewer"}]}, admin, expect={201})
    first = login(viewer["username"], viewer_pw)
    api("POST", "/api/v1/auth/password", {"current_password": viewer_pw, "new_password": viewer_pw + "-changed"},
        first, expect={204})
    viewer_token = login(viewer["username"], viewer_pw + "-changed")
    _, spare_user = api("POST", "/api/v1/users", {"username": f"fuzz-spare-{RUN}", "password": f"spare-{RUN}-pass"},
                        admin, expect={201})

    # The node and pods are visible through the API (the watch-synced stores) before fuzzing starts.
    wait(f"node {node} in the API", lambda: api("GET", f"/api/v1/k8s/cluster/{cluster}/nodes/{node}", None, admin)[0] == 200)
    wait("pods in the API", lambda: (api("GET", f"/api/v1/k8s/cluster/{cluster}/namespaces/{ns}/pods", None, admin)[1] or {}).get("total") == 3)

    out = {
        "FUZZ_ADMIN_TOKEN": admin, "FUZZ_VIEWER_TOKEN": viewer_token,
        "FUZZ_CLUSTER_ID": cluster, "FUZZ_SPARE_CLUSTER_ID": spare_cluster,
        "FUZZ_NS": ns, "FUZZ_POD": "fuzz-read", "FUZZ_VICTIM_POD": "fuzz-victim", "FUZZ_CONTAINER": "app", "FUZZ_CM": "fuzz-cm",
        "FUZZ_NODE": node, "FUZZ_USER_ID": spare_user["id"], "FUZZ_VIEWER_ID": viewer["id"],
    }
    for k, v in out.items():
        print(f"export {k}='{v}'")


if __name__ == "__main__":
    main()

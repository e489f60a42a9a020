"""Schemathesis hooks for scripts/fuzz-api.sh: a guard that refuses (as a failed test) any state-changing request
whose path names an object this run does not own. schemathesis.toml already pins the path parameters to the
run's throwaway objects; this guard makes a mistake there fail loudly instead of draining a shared node."""
import os

import schemathesis

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _allowed():
    env = os.environ
    return {
        "id": {env["FUZZ_CLUSTER_ID"], env["FUZZ_SPARE_CLUSTER_ID"]},
        "ns": {env["FUZZ_NS"]},
        "uid": {env["FUZZ_USER_ID"]},
        "node": {env["FUZZ_NODE"]},
        "pod": {env["FUZZ_POD"], env["FUZZ_VICTIM_POD"]},
        "spare_cluster": {env["FUZZ_SPARE_CLUSTER_ID"]},
        "kind": {"configmaps"},
        "cm": {env["FUZZ_CM"]},
    }


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    method = case.method.upper()
    if method in SAFE_METHODS:
        return
    path = case.operation.path
    params = {k: str(v) for k, v in (case.path_parameters or {}).items()}
    allowed = _allowed()

    def must(param, kind):
        if param in params and params[param] not in allowed[kind]:
            raise AssertionError(
                f"fuzz guard: {method} {path} with {param}={params[param]!r} would touch an object this run "
                f"does not own (allowed: {sorted(allowed[kind])})"
            )

    must("id", "id")
    must("ns", "ns")
    must("uid", "uid")
    if "/nodes/{name}" in path:
        must("name", "node")
    if "/pods/{name}" in path:
        must("name", "pod")
    must("kind", "kind")
    if "{kind}/{name}" in path:
        must("name", "cm")
    # (other methods on it are unrouted: Schemathesis probes them expecting 405)
    if path.endswith("/namespaces/{ns}") and method in {"PUT", "DELETE"}:
        raise AssertionError(f"fuzz guard: {method} {path} would change the run's namespace itself")
    if path.endswith("/k8s/cluster/{id}"):
        must("id", "spare_cluster")

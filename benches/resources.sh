#!/usr/bin/env bash
# Every kind's lists (issue 13): a fresh testbed with OBJECTS_PER_KIND each of ConfigMaps, Secrets, Services and
# Deployments (replicas: 0, so each gets its ReplicaSet and no pods) and PODS pods, then, in the same run,
#   - for configmaps, secrets, services, deployments and replicasets, two 100-row pages through the generic list
#     API, REQUESTS requests each, interleaved with REQUESTS runs of kubectl's nearest equivalent: the filtered,
#     sorted page (`label_selector=app=a7,tier=t1&sort=-age` vs `kubectl get KIND -A --chunk-size=500 -l
#     app=a7,tier=t1 --sort-by=.metadata.creationTimestamp`, which must return the same count) and every object
#     sorted by name (`sort=name` vs `kubectl get KIND -A --chunk-size=500 --sort-by=.metadata.name`); p50/p99 of
#     both and their ratio. Every kubedeck sample keeps its HTTP status and every kubectl run its exit code; a
#     401/429/5xx (or a failed kubectl) is reported by status and never timed;
#   - the pods' filtered, sorted page (the same query and kubectl baseline as the kinds'), and every pod sorted by
#     name: its first, middle and last page and a random page each request (`/pods?sort=name&page=N`), REQUESTS
#     requests each, kubectl's `get pods -A --chunk-size=500 --sort-by=.metadata.name` beside the random pages;
#   - the console: from a click in the sidebar to the first rows of Pods, Deployments, ConfigMaps, Secrets and
#     Services in Chromium against the same server (web/e2e/list-click-bench.mjs; BENCH_CONSOLE_RUNS rounds, 7);
#   - the same all-namespaces queries with page_size=1 (REQUESTS/5 requests, kubedeck only): what the filter and
#     the page selection cost without serialising 100 rows;
#   - memory per non-pod object, two ways (see BENCHMARKS.md): (A) one server that synced the testbed with the pods
#     only, RSS before and after the objects are created while it watches; (B) a second fresh server importing the
#     full testbed, RSS against (A)'s "before" (two runs, with and without the objects). Both are read once the
#     server's snapshots (kube_pod, kube_object) hold every object and 20 s more, as the median of 5 readings.
#   benches/resources.sh [OBJECTS_PER_KIND] [PODS] [REQUESTS]     (defaults: 5000 20000 100)
# Uses target/release/kubedeck if present, else target/debug/kubedeck (the output names it, with the commit and
# what else was running). BENCH_KEEP_TESTBED=1 keeps the testbed (testbed/down --dir DIR to stop it).
# At the issue's scale (20000 150000) some kubectl baselines take seconds to minutes a run, so they run fewer times
# than kubedeck's requests, still interleaved with them: BENCH_KUBECTL_RUNS (the kinds' filtered views),
# BENCH_SLOW_KUBECTL_RUNS (the kinds' every-object views, the pods' filtered view; both default REQUESTS) and
# BENCH_POD_KUBECTL_RUNS (every pod by name; default 3). BENCH_TESTBED_DIR=DIR uses (or starts) the testbed in DIR and
# keeps it; with BENCH_POPULATE_ONLY=1 the script stops once DIR holds PODS pods and OBJECTS_PER_KIND objects of each
# kind (populate while the release binary builds, then run again without it: server 1 then reads the testbed through
# a credential that cannot see the five kinds, and memory (A) is not taken). BENCH_BOOST_TESTBED=1: see
# bench_testbed_priority in lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
OBJECTS=${1:-5000}
PODS=${2:-20000}
REQUESTS=${3:-100}
source benches/lib.sh
bench_dir
per_ns=1000
kinds=(configmaps secrets services deployments replicasets)
declare -A api_path=([configmaps]=/api/v1/configmaps [secrets]=/api/v1/secrets [services]=/api/v1/services
  [deployments]=/apis/apps/v1/deployments [replicasets]=/apis/apps/v1/replicasets [pods]=/api/v1/pods)
SNAPSHOT_WAIT=${BENCH_SNAPSHOT_WAIT:-300}

# BENCH_TESTBED_DIR: the testbed's directory (started there unless one runs; kept when the script ends), so that
# its pods can be populated ahead (BENCH_POPULATE_ONLY=1) while the release binary builds.
TB=${BENCH_TESTBED_DIR:-$DIR/tb}
testbed/up --dir "$TB" --masters 3 --workers 50 --no-demo >/dev/null
export KUBECONFIG=$TB/admin.kubeconfig
nodes=($(kubectl get nodes -l '!node-role.kubernetes.io/master' -o jsonpath='{.items[*].metadata.name}'))
namespaces=$(( ((PODS > OBJECTS ? PODS : OBJECTS) + per_ns - 1) / per_ns ))

boost() { [ -z "${BENCH_BOOST_TESTBED:-}" ] || bench_testbed_priority "$TB" "$1"; }
boost -5
if [ "$(bench_count /api/v1/pods)" -ge "$PODS" ]; then
  populate_pods="n/a (the testbed held them: $(cat "$TB/bench-populate" 2>/dev/null || echo 'time not recorded'))"
  echo "the testbed already holds $PODS pods" >&2
else
  echo "populating $PODS pods on ${#nodes[@]} workers in $namespaces namespaces (${BENCH_CREATE_PROCS:-6} kubectl at a time) ..." >&2
  start=$(date +%s)
  bench_namespaces "$namespaces"
  bench_pod_objects "$PODS" "$per_ns" "${nodes[@]}" >"$DIR/pods.jsonl"
  bench_create "$DIR/pods.jsonl"
  populate_pods=$(( $(date +%s) - start ))
  echo "$populate_pods s, $PODS pods, ${BENCH_CREATE_PROCS:-6} concurrent kubectl create, $(date '+%F %R'), load $(cut -d' ' -f1-3 /proc/loadavg)" >"$TB/bench-populate"
  echo "pods populated in ${populate_pods}s" >&2
fi
# The objects (created after server 1's sync, memory method A, or ahead with BENCH_POPULATE_ONLY): object i lives in bench-(i / 1000), labels app=a(i % 50),
# tier=t(i % 3) like the pods; the four kinds interleaved so each 500-object List holds all of them. Services have
# no selector (no Endpoints objects to maintain); Deployments select on a label of their own (no two overlap) and
# their pod template carries app/tier, which their ReplicaSets copy.
python3 - "$OBJECTS" "$per_ns" >"$DIR/objects.jsonl" <<'PY'
import base64, json, sys
n, per_ns = int(sys.argv[1]), int(sys.argv[2])
dump = lambda o: print(json.dumps(o, separators=(",", ":")))
for i in range(n):
    ns, labels = f"bench-{i // per_ns}", {"app": f"a{i % 50}", "tier": f"t{i % 3}"}
    meta = lambda name: {"namespace": ns, "name": name, "labels": labels}
    dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(f"cm-{i:06d}"), "data": {"key": f"value-{i}"}})
    dump({"apiVersion": "v1", "kind": "Secret", "metadata": meta(f"sec-{i:06d}"), "type": "Opaque",
          "data": {"password": base64.b64encode(f"secret-{i}".encode()).decode()}})
    dump({"apiVersion": "v1", "kind": "Service", "metadata": meta(f"svc-{i:06d}"),
          "spec": {"type": "ClusterIP", "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}})
    own = {"bench-deploy": f"dep-{i:06d}"}
    dump({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(f"dep-{i:06d}"),
          "spec": {"replicas": 0, "selector": {"matchLabels": own},
                   "template": {"metadata": {"labels": {**own, **labels}},
                                "spec": {"containers": [{"name": "c", "image": "nginx",
                                         "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}})
PY

# BENCH_POPULATE_ONLY=1: the objects too, now (unless the testbed holds them), then stop; a later run measures
# server 1 through a credential that cannot read them (below). Memory (A) needs them created after server 1's sync:
# run without BENCH_POPULATE_ONLY for it (half an hour longer at 20,000 per kind on this machine).
if [ -n "${BENCH_POPULATE_ONLY:-}" ]; then
  if [ "$(bench_count /apis/apps/v1/replicasets)" -lt "$OBJECTS" ]; then
    echo "populating $OBJECTS each of ConfigMaps, Secrets, Services, Deployments ..." >&2
    start=$(date +%s)
    bench_create "$DIR/objects.jsonl"
    created=$(( $(date +%s) - start ))
    until [ "$(bench_count /apis/apps/v1/replicasets)" -ge "$OBJECTS" ]; do sleep 2; done
    echo "$created s for $OBJECTS each of ConfigMaps, Secrets, Services, Deployments (${BENCH_CREATE_PROCS:-6} concurrent kubectl create), the ReplicaSets complete at $(( $(date +%s) - start )) s, $(date '+%F %R'), load $(cut -d' ' -f1-3 /proc/loadavg)" >"$TB/bench-populate-objects"
    cat "$TB/bench-populate-objects" >&2
  fi
  boost 0
  exit 0
fi
boost 0
bench_binary


rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
# The median of 5 readings, one a second (KiB).
rss_median() { local i; for i in 1 2 3 4 5; do rss; sleep 1; done | sort -n | sed -n 3p; }
# wait_until WHAT CMD...: retries CMD every 0.5 s for up to 30 minutes.
wait_until() {
  local what=$1 deadline=$(( SECONDS + 1800 ))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for $what" >&2; exit 1; }
    sleep 0.5
  done
}
# Each kind's count in the apiserver (assoc array expected), and whether kubedeck's list API holds that many.
declare -A expected
count_expected() { local k; for k in "${kinds[@]}" pods; do expected[$k]=$(bench_count "${api_path[$k]}"); done; }
kubedeck_holds_all() {
  local k t
  bench_relogin
  for k in ${holds_kinds-${kinds[@]}} pods; do
    t=$(bench_total "$k?page_size=1")
    [ "$t" = "${expected[$k]}" ] || { echo "$(date +%T) $k: kubedeck $t, apiserver ${expected[$k]}" >"$DIR/waiting"; return 1; }
  done
}
# Whether the snapshots hold every pod and every object of the kinds (kube_object may be absent in older trees).
snapshots_hold_all() {
  python3 - "$1/kubedeck.db" "${expected[pods]}" "${kinds[@]}" "${expected[configmaps]}" "${expected[secrets]}" \
    "${expected[services]}" "${expected[deployments]}" "${expected[replicasets]}" <<'PY' 2>/dev/null
import sqlite3, sys
db, pods, names, want = sys.argv[1], int(sys.argv[2]), sys.argv[3:8], [int(x) for x in sys.argv[8:13]]
c = sqlite3.connect(db, timeout=5)
ok = c.execute("select count(*) from kube_pod").fetchone()[0] >= pods
have = dict(c.execute("select kind, count(*) from kube_object group by kind").fetchall())
sys.exit(0 if ok and all(have.get(n, 0) >= w for n, w in zip(names, want)) else 1)
PY
}
# wait_snapshots DATA_DIR: waits (up to SNAPSHOT_WAIT s) for the snapshots; prints their time or why not.
wait_snapshots() {
  local t0=$SECONDS deadline=$(( SECONDS + SNAPSHOT_WAIT ))
  until snapshots_hold_all "$1"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "NOT complete within $SNAPSHOT_WAIT s ($(grep -ci 'snapshot' "$1.log") log lines about snapshots)"
      return
    fi
    sleep 1
  done
  echo "$(( SECONDS - t0 )) s"
}

# Server 1 (memory per pod, and the "without the objects" side of memory (B)): when the testbed has no objects yet,
# it syncs the pods-only testbed, then the objects are created while it watches (memory (A)). When the testbed
# already holds them (populated ahead: at 20,000 per kind that takes half an hour), server 1 imports the testbed
# with a credential that may not read the five kinds (a ServiceAccount whose ClusterRole grants every other kind it
# watches), so its stores of those kinds stay empty: the same cluster without the objects; memory (A) is not taken.
count_expected
declare -A before
for k in "${kinds[@]}"; do before[$k]=${expected[$k]}; done
if [ "${expected[configmaps]}" -ge "$OBJECTS" ] && [ "${expected[replicasets]}" -ge "$OBJECTS" ]; then
  prepopulated=1
  populate_objects="n/a (the testbed held them: $(cat "$TB/bench-populate-objects" 2>/dev/null || echo 'time not recorded'))"
  rs_s=n/a
  live1_s=n/a
  added=0
  for k in "${kinds[@]}"; do added=$(( added + expected[$k] )); done
  kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: ServiceAccount
metadata: {name: kubedeck-bench-no-objects, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kubedeck-bench-no-objects}
rules:
- apiGroups: [""]
  resources: [pods, pods/log, nodes, nodes/proxy, nodes/stats, nodes/metrics, namespaces, events, endpoints,
    persistentvolumes, persistentvolumeclaims, serviceaccounts, resourcequotas, limitranges, replicationcontrollers]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [statefulsets, daemonsets, controllerrevisions]
  verbs: [get, list, watch]
- apiGroups: [batch, autoscaling, networking.k8s.io, extensions, storage.k8s.io, policy, rbac.authorization.k8s.io,
    apiextensions.k8s.io, events.k8s.io, coordination.k8s.io, discovery.k8s.io, scheduling.k8s.io, node.k8s.io,
    metrics.k8s.io]
  resources: ["*"]
  verbs: [get, list, watch]
- nonResourceURLs: ["*"]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kubedeck-bench-no-objects}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubedeck-bench-no-objects}
subjects: [{kind: ServiceAccount, name: kubedeck-bench-no-objects, namespace: kube-system}]
YAML
  until kubectl -n kube-system get serviceaccount kubedeck-bench-no-objects -o jsonpath='{.secrets[0].name}' 2>/dev/null | grep -q .; do sleep 0.5; done
  # (counted again: the ServiceAccount's token is one more Secret)
  count_expected
  added=0
  for k in "${kinds[@]}"; do added=$(( added + expected[$k] )); done
  sa_token=$(kubectl -n kube-system get secret "$(kubectl -n kube-system get serviceaccount kubedeck-bench-no-objects -o jsonpath='{.secrets[0].name}')" -o jsonpath='{.data.token}' | base64 -d)
  kubectl config view --raw --minify --flatten >"$DIR/no-objects.kubeconfig"
  KUBECONFIG=$DIR/no-objects.kubeconfig kubectl config set-credentials no-objects --token="$sa_token" >/dev/null
  KUBECONFIG=$DIR/no-objects.kubeconfig kubectl config set-context --current --user=no-objects >/dev/null
  [ "$(KUBECONFIG=$DIR/no-objects.kubeconfig kubectl auth can-i list configmaps -A 2>/dev/null)" = no ] || { echo "the restricted credential can list configmaps" >&2; exit 1; }
  import_kubeconfig=$DIR/no-objects.kubeconfig
  # server 1 holds the pods and none of the five kinds
  declare -A expected_all
  for k in "${kinds[@]}" pods; do expected_all[$k]=${expected[$k]}; done
  for k in "${kinds[@]}"; do expected[$k]=0; done
  holds_kinds=   # only the pods are waited for
else
  prepopulated=
  import_kubeconfig=$KUBECONFIG
fi
bench_serve "$DIR/data"
rss_start1=$(rss)
id=$(bench_import bench "$import_kubeconfig")
sync_start=$SECONDS
wait_until "the pods-only sync" kubedeck_holds_all
sync1_s=$(( SECONDS - sync_start ))
sleep 2
rss_pods1=$(rss_median)
snap1=$(wait_snapshots "$DIR/data")
sleep 20
rss_empty=$(rss_median)
hwm0=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

if [ -n "$prepopulated" ]; then
  echo "server 1 (no access to the five kinds) synced the pods in ${sync1_s}s (snapshots: $snap1); RSS $(( rss_empty / 1024 )) MiB" >&2
  for k in "${kinds[@]}" pods; do expected[$k]=${expected_all[$k]}; done
  unset holds_kinds
  rss_list1=$rss_empty rss_full1=$rss_empty hwm1=$hwm0 snap1b=n/a
  bench_stop
else
echo "server 1 synced the pods-only testbed in ${sync1_s}s (snapshots: $snap1); RSS $(( rss_empty / 1024 )) MiB; creating the objects ..." >&2
start=$(date +%s)
boost -5
bench_create "$DIR/objects.jsonl"
populate_objects=$(( $(date +%s) - start ))
# The ReplicaSets come from the deployment controller, after the Deployments.
rs_ready() { [ "$(bench_count /apis/apps/v1/replicasets)" -ge $(( before[replicasets] + OBJECTS )) ]; }
wait_until "the ReplicaSets" rs_ready
rs_s=$(( $(date +%s) - start ))
count_expected
added=0
for k in "${kinds[@]}"; do added=$(( added + expected[$k] - before[$k] )); done
boost 0
echo "objects created in ${populate_objects}s (ReplicaSets complete after ${rs_s}s); $added objects added" >&2
wait_until "the objects in server 1" kubedeck_holds_all
live1_s=$(( $(date +%s) - start ))
sleep 2
rss_list1=$(rss_median)
snap1b=$(wait_snapshots "$DIR/data")
sleep 20
rss_full1=$(rss_median)
hwm1=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
bench_stop
fi

# --- Memory (B), server 2: a fresh server importing the full testbed; then the timed views against it.
mkdir -p "$DIR/data2"
bench_serve "$DIR/data2"
rss_start2=$(rss)
id=$(bench_import bench "$KUBECONFIG")
sync_start=$(date +%s.%N)
wait_until "the full sync" kubedeck_holds_all
sync2_s=$(python3 -c "import time; print(round(time.time() - $sync_start, 1))")
sleep 2
rss_list2=$(rss_median)
snap2=$(wait_snapshots "$DIR/data2")
sleep 20
rss_full2=$(rss_median)
hwm2=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

# Each view: N (default REQUESTS) kubedeck requests and KC (default N) runs of kubectl's nearest equivalent,
# interleaved: kubectl runs after every (N / KC)-th request, so both see the same machine load (KC < N for the
# baselines that take seconds a run at this scale: BENCH_KUBECTL_RUNS, BENCH_SLOW_KUBECTL_RUNS and
# BENCH_POD_KUBECTL_RUNS below). Every sample keeps its HTTP status or kubectl's exit code; only successes are timed.
# A query's @PAGE@ is replaced, for each request, by a random page of PAGES (the "any page" views).
# view NAME WHAT KUBEDECK_QUERY [KUBECTL_ARGS...] (no kubectl arguments: kubedeck only)
view() {
  local name=$1 what=$2 query=$3 n=${N:-$REQUESTS} i q done_kc=0
  local kc=${KC:-$n}
  shift 3
  : >"$DIR/kd_$name"
  printf '%s\t%s\n' "$name" "$what" >>"$DIR/views"
  if [ $# -gt 0 ]; then : >"$DIR/kc_$name"; echo "kubectl $*" >"$DIR/cmd_$name"; fi
  bench_login
  curl -s -o /dev/null -w '%{size_download}\n' "$base/api/v1/k8s/cluster/$id/${query//@PAGE@/1}" -H "authorization: Bearer $token" >"$DIR/bytes_$name"
  for ((i = 0; i < n; i++)); do
    bench_relogin
    q=${query//@PAGE@/$(( RANDOM % ${PAGES:-1} + 1 ))}
    bench_get "$base/api/v1/k8s/cluster/$id/$q" "$DIR/kd_$name"
    if [ $# -gt 0 ] && [ $(( (i + 1) * kc / n )) -gt "$done_kc" ]; then
      bench_cmd "$DIR/kc_$name" kubectl "$@"
      done_kc=$(( done_kc + 1 ))
    fi
  done
}
KC_FAST=${BENCH_KUBECTL_RUNS:-$REQUESTS}     # the kinds' filtered views (kubectl ≈ 0.1–1 s a run)
KC_SLOW=${BENCH_SLOW_KUBECTL_RUNS:-$REQUESTS} # the kinds' every-object views and the pods' filtered view (seconds)
KC_POD=${BENCH_POD_KUBECTL_RUNS:-3}           # every pod sorted by name (a minute or more a run at 150,000 pods)
sel="label_selector=app%3Da7%2Ctier%3Dt1"
bench_login
for k in "${kinds[@]}" pods; do
  echo "$k $(bench_total "$k?$sel&page_size=1") $(kubectl get "$k" -A --chunk-size=500 -l app=a7,tier=t1 --no-headers | wc -l)"
done >"$DIR/filtered_counts"
pod_pages=$(( (expected[pods] + 99) / 100 ))
: >"$DIR/views"
echo "measuring: $REQUESTS kubedeck requests a view; kubectl $KC_FAST runs (kinds filtered), $KC_SLOW (kinds by name, pods filtered), $KC_POD (every pod by name) ..." >&2
bench_load >"$DIR/load_start"
for k in "${kinds[@]}"; do
  KC=$KC_FAST view "${k}_filtered" "$k: app=a7,tier=t1, sort=-age" "$k?$sel&sort=-age&page_size=100" \
    get "$k" -A --chunk-size=500 -l app=a7,tier=t1 --sort-by=.metadata.creationTimestamp
  KC=$KC_SLOW view "${k}_name" "$k: all namespaces, sort=name, page 1" "$k?sort=name&page_size=100" \
    get "$k" -A --chunk-size=500 --sort-by=.metadata.name
done
KC=$KC_SLOW view pods_filtered "pods: app=a7,tier=t1, sort=-age" "pods?$sel&sort=-age&page_size=100" \
  get pods -A --chunk-size=500 -l app=a7,tier=t1 --sort-by=.metadata.creationTimestamp
# every pod sorted by name: the first, the middle and the last page, and a random page each request (kubectl's
# baseline beside the random pages: it sorts every pod whatever the page)
view pods_name "pods: all namespaces, sort=name, page 1" "pods?sort=name&page_size=100"
view pods_name_mid "pods: all namespaces, sort=name, page $(( pod_pages / 2 )) of $pod_pages" "pods?sort=name&page_size=100&page=$(( pod_pages / 2 ))"
view pods_name_last "pods: all namespaces, sort=name, page $pod_pages (last)" "pods?sort=name&page_size=100&page=$pod_pages"
KC=$KC_POD PAGES=$pod_pages view pods_name_any "pods: all namespaces, sort=name, a random page of $pod_pages" "pods?sort=name&page_size=100&page=@PAGE@" \
  get pods -A --chunk-size=500 --sort-by=.metadata.name
# Diagnostics, kubedeck only: the same all-namespaces sorts with a one-row page (filter and selection, almost no
# serialisation).
for k in "${kinds[@]}" pods; do
  N=$(( (REQUESTS + 4) / 5 )) view "${k}_name1" "$k: sort=name, page_size=1" "$k?sort=name&page_size=1"
done
bench_load >"$DIR/load_end"

# The console, against this server in the same run (last: it changes the admin password): a click in the
# sidebar → the first rows of Pods, Deployments, ConfigMaps, Secrets and Services (web/e2e/list-click-bench.mjs).
if [ -z "${BENCH_NO_CONSOLE:-}" ] && [ -d web/node_modules/playwright-core ] && [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "console: clicks in the sidebar ..." >&2
  bench_load >"$DIR/load_console"
  (cd web && KUBEDECK_URL=$base CLUSTER_ID=$id KUBEDECK_ADMIN_PASSWORD=bench-admin-password BENCH_RUNS=${BENCH_CONSOLE_RUNS:-7} \
    node e2e/list-click-bench.mjs) >"$DIR/console" 2>&1 || echo "console bench failed: $(tail -3 "$DIR/console")" >&2
else
  echo "(console bench not run: BENCH_NO_CONSOLE, or no web/node_modules/playwright-core or chromium)" >"$DIR/console"
fi
bench_stop

bench_machine
echo "during the measurement: start: $(cat "$DIR/load_start")"
echo "                        end:   $(cat "$DIR/load_end")"
python3 - "$DIR" "$OBJECTS" "$PODS" "$REQUESTS" <<PY
import collections, os, sys
d, objects, pods, requests = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
expected = {$(for k in "${kinds[@]}" pods; do printf '"%s": %s, ' "$k" "${expected[$k]}"; done)}
def samples(name):
    ok, failed = [], collections.Counter()
    for line in open(f"{d}/{name}"):
        status, secs = line.split()
        if status.startswith("2") or status == "exit:0":
            ok.append(float(secs) * 1000)
        else:
            failed[status] += 1
    return sorted(ok), failed
def pct(v, q):
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")
def fmt(ms):
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"
def side(v, failed):
    n = len(v) + sum(failed.values())
    f = ", ".join(f"{k}: {c}" for k, c in sorted(failed.items()))
    return f"{fmt(pct(v, .5))} / {fmt(pct(v, .99))} ({len(v)} of {n}{'; failed ' + f if f else ''})"
counts = {l.split()[0]: l.split()[1:] for l in open(f"{d}/filtered_counts")}
print(f"objects per kind {objects}, pods {pods}; in the apiserver: " + ", ".join(f"{k} {v}" for k, v in expected.items()))
print("| 100-row page, interleaved kubedeck requests and kubectl runs | rows | kubedeck p50 / p99 | kubectl p50 / p99 | kubectl / kubedeck p50 / p99 | page bytes | kubedeck p50 / p99, page_size=1 |")
print("|---|---|---|---|---|---|---|")
for line in open(f"{d}/views"):
    name, what = line.rstrip("\n").split("\t")
    if name.endswith("_name1"):
        continue
    k = name.split("_")[0]
    kd, kdf = samples(f"kd_{name}")
    if name.endswith("_filtered"):
        kdc, kcc = counts[k]
        rows = f"{kdc} / {kcc}" + ("" if kdc == kcc else " MISMATCH")
    else:
        rows = str(expected[k])
    if os.path.exists(f"{d}/kc_{name}"):
        kc, kcf = samples(f"kc_{name}")
        base = side(kc, kcf)
        ratio = f"{pct(kc, .5) / pct(kd, .5):.0f}x / {pct(kc, .99) / pct(kd, .99):.0f}x"
    else:
        base, ratio = "(not run)", "-"
    one = ""
    if name == f"{k}_name" and os.path.exists(f"{d}/kd_{k}_name1"):
        o, of = samples(f"kd_{k}_name1")
        one = side(o, of)
    size = open(f"{d}/bytes_{name}").read().strip()
    print(f"| {what} | {rows} | {side(kd, kdf)} | {base} | {ratio} | {size} | {one} |")
PY
echo "console (load at its start: $(cat "$DIR/load_console" 2>/dev/null)):"
cat "$DIR/console"
python3 - <<PY
added = $added
def per(a, b): return f"{(a - b) * 1024 / added:.0f} bytes per object"
prepopulated = "$prepopulated" == "1"
print(f"memory, {added} objects " + ("of the five kinds (server 1 could not read them)" if prepopulated else "added ($OBJECTS per kind + their ReplicaSets)") + ":")
if not prepopulated: print(f"  (A) one server, objects created while it watches: list complete {per($rss_list1, $rss_empty)} (RSS {$rss_empty // 1024} -> {$rss_list1 // 1024} MiB); "
      f"snapshots complete ($snap1b) + 20 s: {per($rss_full1, $rss_empty)} (RSS {$rss_full1 // 1024} MiB; peak {$hwm1 // 1024} MiB)")
print(f"  (B) fresh server importing the full testbed vs server 1 (" + ("the same testbed, no access to the five kinds" if prepopulated else "the pods-only testbed") + f"): list complete {per($rss_list2, $rss_empty)} (RSS {$rss_list2 // 1024} MiB); "
      f"snapshots complete ($snap2) + 20 s: {per($rss_full2, $rss_empty)} (RSS {$rss_full2 // 1024} MiB; peak {$hwm2 // 1024} MiB)")
pods = ${expected[pods]}
def per_pod(a): return f"{(a - $rss_start1) * 1024 / pods:.0f} bytes per pod"
print(f"memory per pod, server 1 ({pods} pods and the other kinds' few system objects" + (", no access to the five kinds" if prepopulated else ", before the objects") + f"): list complete {per_pod($rss_pods1)} "
      f"(RSS {$rss_start1 // 1024} -> {$rss_pods1 // 1024} MiB); snapshots complete ($snap1) + 20 s: {per_pod($rss_empty)} (RSS {$rss_empty // 1024} MiB)")
print(f"  pods-only server: synced in $sync1_s s, snapshots $snap1, RSS {$rss_empty // 1024} MiB; the servers' RSS before import: {$rss_start1 // 1024} and {$rss_start2 // 1024} MiB")
if prepopulated:
    print(f"populate: pods $populate_pods; objects $populate_objects; server 2's initial sync $sync2_s s")
else:
    print(f"populate: pods $populate_pods s; objects $populate_objects s (ReplicaSets complete at $rs_s s, in server 1's lists at $live1_s s); server 2's initial sync $sync2_s s")
PY

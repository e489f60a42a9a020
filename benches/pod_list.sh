#!/usr/bin/env bash
# Pod list benchmark (issue 6): populate PODS pods in a fresh testbed, then measure
#   - the server-side latency of a filtered, sorted 100-row page (p50/p99 over REQUESTS requests), and of the
#     first page of every pod and of one namespace's pods,
#   - kubedeck's memory per synced pod (RSS growth / pods),
#   - the time from a pod change in the cluster to the change being visible in the list API,
# and, as the baseline, `kubectl get pods -A --chunk-size=500` with the equivalent selector, in the same run.
#   benches/pod_list.sh [PODS] [REQUESTS]        (defaults: 20000 200)
#   BENCH_TESTBED_DIR=DIR benches/pod_list.sh - [REQUESTS]   (measure an already populated testbed instead)
# Uses target/release/kubedeck if present, else target/debug/kubedeck (the output names it).
set -euo pipefail
cd "$(dirname "$0")/.."
PODS=${1:-20000}
REQUESTS=${2:-200}
source benches/lib.sh
bench_binary
bench_dir
per_ns=1000
if [ -n "${BENCH_TESTBED_DIR:-}" ]; then
  # Measure a testbed populated earlier (by this script or otherwise): PODS is what it holds now.
  export KUBECONFIG=$BENCH_TESTBED_DIR/admin.kubeconfig
  PODS=$(kubectl get --raw '/api/v1/pods?limit=1' | python3 -c 'import sys,json; print(json.load(sys.stdin)["metadata"].get("remainingItemCount", 0) + 1)')
  populate="n/a (existing testbed)"
else
testbed/up --dir "$DIR/tb" --masters 3 --workers 50 --no-demo >/dev/null
export KUBECONFIG=$DIR/tb/admin.kubeconfig
nodes=($(kubectl get nodes -l '!node-role.kubernetes.io/master' -o jsonpath='{.items[*].metadata.name}'))

echo "populating $PODS pods on ${#nodes[@]} workers ..." >&2
start=$(date +%s)
namespaces=$(( (PODS + per_ns - 1) / per_ns ))
for ((n = 0; n < namespaces; n++)); do kubectl create namespace "bench-$n" >/dev/null; done
for ((n = 0; n < namespaces; n++)); do
  until kubectl -n "bench-$n" get serviceaccount default -o jsonpath='{.secrets[0].name}' 2>/dev/null | grep -q .; do sleep 0.5; done
done
python3 - "$PODS" "$per_ns" "${nodes[@]}" >"$DIR/gen.py.out" <<'PY'
import sys
pods, per_ns, nodes = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
for i in range(pods):
    ns = i // per_ns
    print(f"bench-{ns} p-{i:06d} {nodes[i % len(nodes)]} a{i % 50} t{i % 3}")
PY
# Pods bound directly to nodes (no scheduler work), created by 6 concurrent kubectl processes.
split -n l/6 "$DIR/gen.py.out" "$DIR/chunk."
for chunk in "$DIR"/chunk.*; do
  (
    awk '{printf "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"namespace\":\"%s\",\"name\":\"%s\",\"labels\":{\"app\":\"%s\",\"tier\":\"%s\"}},\"spec\":{\"nodeName\":\"%s\",\"containers\":[{\"name\":\"c\",\"image\":\"nginx\",\"resources\":{\"requests\":{\"cpu\":\"10m\",\"memory\":\"16Mi\"}}}]}}\n", $1, $2, $4, $5, $3}' "$chunk" |
      split -l 500 - "$chunk.part."
    for part in "$chunk".part.*; do
      python3 -c 'import sys,json; print(json.dumps({"apiVersion":"v1","kind":"List","items":[json.loads(l) for l in open(sys.argv[1])]}))' "$part" >"$part.json"
      kubectl create -f "$part.json" >/dev/null
    done
  ) &
done
wait
populate=$(( $(date +%s) - start ))
echo "populated in ${populate}s" >&2
fi

bench_serve
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
rss_before=$(rss)
id=$(bench_import bench "$KUBECONFIG")
sync_start=$(date +%s.%N)
until [ "$(curl -s "$base/api/v1/k8s/cluster/$id/pods?page_size=1&namespace=bench-0" -H "authorization: Bearer $token" | python3 -c 'import sys,json; print(json.load(sys.stdin).get("total",0))' 2>/dev/null)" = "$(( PODS < per_ns ? PODS : per_ns ))" ]; do sleep 0.5; done
until [ "$(curl -s "$base/api/v1/k8s/cluster/$id/pods?page_size=1" -H "authorization: Bearer $token" | python3 -c 'import sys,json; print(json.load(sys.stdin).get("total",0))' 2>/dev/null)" -ge "$PODS" ]; do sleep 0.5; done
sync_s=$(python3 -c "import time; print(round(time.time() - $sync_start, 1))")
sleep 2
rss_after=$(rss)
# Then the first KubePod snapshot write (every pod into the database) and steady state after it.
snap_start=$(date +%s.%N)
until [ "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from kube_pod").fetchone()[0])' "$DIR/data/kubedeck.db" 2>/dev/null)" -ge "$PODS" ]; do sleep 1; done
snapshot_s=$(python3 -c "import time; print(round(time.time() - $snap_start, 1))")
sleep 20
rss_steady=$(rss)
rss_peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

page_times() {
  for ((i = 0; i < REQUESTS; i++)); do
    curl -s -o /dev/null -w '%{time_total}\n' "$1" -H "authorization: Bearer $token"
  done
}
page_times "$base/api/v1/k8s/cluster/$id/pods?label_selector=app%3Da7%2Ctier%3Dt1&sort=-age&page_size=100" >"$DIR/times"
# The console's first view: every pod, sorted by name, first page.
page_times "$base/api/v1/k8s/cluster/$id/pods?sort=name&page_size=100" >"$DIR/times_all"
# One namespace (1,000 pods), the namespaced list's first page.
page_times "$base/api/v1/k8s/cluster/$id/namespaces/bench-7/pods?sort=name&page_size=100" >"$DIR/times_ns"
kstart=$(date +%s.%N)
kubectl get pods -A --chunk-size=500 -l app=a7,tier=t1 --sort-by=.metadata.creationTimestamp >/dev/null
kubectl_s=$(python3 -c "import time; print(round(time.time() - $kstart, 2))")

# Change → visible in the list.
kubectl -n bench-0 label pod p-000000 bench=changed >/dev/null
cstart=$(date +%s.%N)
until [ "$(curl -s "$base/api/v1/k8s/cluster/$id/pods?label_selector=bench%3Dchanged" -H "authorization: Bearer $token" | python3 -c 'import sys,json; print(json.load(sys.stdin)["total"])')" = 1 ]; do sleep 0.02; done
change_ms=$(python3 -c "import time; print(round((time.time() - $cstart) * 1000))")

# The console's time to its first rendered pod page against this server (last: it changes the admin password).
if [ -d web/node_modules/playwright-core ] && [ -x /usr/bin/chromium ]; then
  (cd web && KUBEDECK_URL=$base CLUSTER_ID=$id KUBEDECK_ADMIN_PASSWORD=bench-admin-password node e2e/pod-page-bench.mjs) || echo "console bench failed" >&2
fi

bench_machine
python3 - "$DIR" "$PODS" "$rss_before" "$rss_after" "$populate" "$sync_s" "$kubectl_s" "$change_ms" "$BIN" "$rss_steady" "$rss_peak" "$snapshot_s" <<'PY'
import sys
d = sys.argv[1]
pods, before, after, steady, peak = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[10]), int(sys.argv[11])
def pct(name):
    times = sorted(float(t) * 1000 for t in open(f"{d}/{name}"))
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    return f"p50={p(0.5):.1f} ms p99={p(0.99):.1f} ms ({len(times)} requests)"
print(f"pods={pods}")
print(f"page (label_selector=app=a7,tier=t1, sort=-age, 100 rows): {pct('times')}")
print(f"page (all pods, sort=name, 100 rows): {pct('times_all')}")
print(f"page (namespace bench-7, sort=name, 100 rows): {pct('times_ns')}")
per_pod = lambda kib: f"{(kib - before) * 1024 / pods:.0f} bytes per pod"
print(f"memory, list complete: {per_pod(after)} (RSS {before // 1024} MiB -> {after // 1024} MiB)")
print(f"memory, after the first KubePod snapshot write ({sys.argv[12]} s) + 20 s: {per_pod(steady)} (RSS {steady // 1024} MiB; peak {peak // 1024} MiB)")
print(f"populate: {sys.argv[5]} s; kubedeck initial sync: {sys.argv[6]} s; change visible after {sys.argv[8]} ms")
print(f"baseline kubectl get pods -A --chunk-size=500 -l app=a7,tier=t1 --sort-by=.metadata.creationTimestamp: {sys.argv[7]} s")
PY

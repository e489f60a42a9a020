#!/usr/bin/env bash
# Pod list benchmark (issue 6): populate PODS pods in a fresh testbed, then measure, in the same run,
#   - three 100-row pages through kubedeck's list API (a filtered, sorted page; the first page of every pod; one
#     namespace's first page), REQUESTS requests each, interleaved with REQUESTS runs of kubectl's nearest
#     equivalent (`kubectl get pods --chunk-size=500` with the same selector and sort) as the baseline: p50/p99 of
#     both and their ratio. Every kubedeck sample keeps its HTTP status and every kubectl run its exit code; a
#     401/429/5xx (or a failed kubectl) is reported by status and never timed;
#   - kubedeck's memory per synced pod (RSS growth / pods);
#   - the time from a pod change to the change being visible in the list API, the clock started before the
#     `kubectl label` that makes it (CHANGES changes, default 5; kubectl's own share reported beside it);
#   - the console's first rendered pod page in Chromium against this server (web/e2e/pod-page-bench.mjs).
#   benches/pod_list.sh [PODS] [REQUESTS]        (defaults: 20000 100)
#   BENCH_TESTBED_DIR=DIR benches/pod_list.sh - [REQUESTS]   (measure an already populated testbed instead)
# Uses target/release/kubedeck if present, else target/debug/kubedeck (the output names it, with the commit and
# what else was running).
set -euo pipefail
cd "$(dirname "$0")/.."
PODS=${1:-20000}
REQUESTS=${2:-100}
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
# (A request that fails while the cluster is still being imported says so on stderr; give up after 30 minutes.)
deadline=$(( SECONDS + 1800 ))
until [ "$(bench_total "pods?page_size=1&namespace=bench-0")" = "$(( PODS < per_ns ? PODS : per_ns ))" ]; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "the list API never held the pods" >&2; exit 1; }
  sleep 0.5
done
until [ "$(bench_total "pods?page_size=1")" -ge "$PODS" ] 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "the list API never held the pods" >&2; exit 1; }
  sleep 0.5
done
sync_s=$(python3 -c "import time; print(round(time.time() - $sync_start, 1))")
sleep 2
rss_after=$(rss)
# Then the first KubePod snapshot write (every pod into the database) and steady state after it.
# (A server that cannot write it says so in its log, $DIR/data.log; the figure then says it was not written.)
snap_start=$(date +%s.%N)
snap_deadline=$(( SECONDS + ${BENCH_SNAPSHOT_WAIT:-600} ))
until [ "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from kube_pod").fetchone()[0])' "$DIR/data/kubedeck.db" 2>/dev/null)" -ge "$PODS" ] 2>/dev/null; do
  [ "$SECONDS" -lt "$snap_deadline" ] || break
  sleep 1
done
if [ "$SECONDS" -lt "$snap_deadline" ]; then
  snapshot_s=$(python3 -c "import time; print(round(time.time() - $snap_start, 1))")
else
  snapshot_s="NOT WRITTEN within ${BENCH_SNAPSHOT_WAIT:-600} s: $(grep -c 'could not write the pod snapshot' "$DIR/data.log") failed writes in the server log"
  echo "the first KubePod snapshot was not written: $snapshot_s" >&2
fi
sleep 20
rss_steady=$(rss)
rss_peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

# Each view: REQUESTS kubedeck requests and REQUESTS runs of kubectl's nearest equivalent, interleaved (so both see
# the same machine load); every sample keeps its HTTP status or kubectl's exit code, and only successes are timed.
# view NAME KUBEDECK_QUERY KUBECTL_ARGS...
view() {
  local name=$1 query=$2 i
  shift 2
  : >"$DIR/kd_$name"
  : >"$DIR/kc_$name"
  echo "kubectl $*" >"$DIR/cmd_$name"
  bench_login
  for ((i = 0; i < REQUESTS; i++)); do
    bench_relogin
    bench_get "$base/api/v1/k8s/cluster/$id/$query" "$DIR/kd_$name"
    bench_cmd "$DIR/kc_$name" kubectl "$@"
  done
}
# Both sides must answer the same question: the filtered view's row count through kubedeck and kubectl.
bench_login
kd_filtered_total=$(bench_total "pods?label_selector=app%3Da7%2Ctier%3Dt1&page_size=1")
kc_filtered_total=$(kubectl get pods -A --chunk-size=500 -l app=a7,tier=t1 --no-headers | wc -l)
echo "measuring 3 views, $REQUESTS kubedeck requests and $REQUESTS kubectl runs each ..." >&2
bench_load >"$DIR/load_start"
view filtered "pods?label_selector=app%3Da7%2Ctier%3Dt1&sort=-age&page_size=100" \
  get pods -A --chunk-size=500 -l app=a7,tier=t1 --sort-by=.metadata.creationTimestamp
# The console's first view: every pod, sorted by name, first page.
view all "pods?sort=name&page_size=100" get pods -A --chunk-size=500 --sort-by=.metadata.name
# One namespace (1,000 pods), the namespaced list's first page.
view ns "namespaces/bench-7/pods?sort=name&page_size=100" -n bench-7 get pods --chunk-size=500 --sort-by=.metadata.name
bench_load >"$DIR/load_end"

# Change → visible in the list: the clock starts before the `kubectl label` that makes the change (so it includes
# kubectl's own start-up and request, reported beside it), then polls the list API every 10 ms.
bench_login
python3 - "$base" "$id" "$token" "${CHANGES:-5}" >"$DIR/change" <<'PY'
import json, statistics, subprocess, sys, time, urllib.error, urllib.request
base, cid, token, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def total(sel):
    req = urllib.request.Request(f"{base}/api/v1/k8s/cluster/{cid}/pods?page_size=1&label_selector={sel}",
                                 headers={"authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)["total"]
    except urllib.error.HTTPError as e:
        return e.code, None
visible, kubectl_ms, failed = [], [], {}
for i in range(n):
    value = f"c{int(time.time())}-{i}"  # new on every run, so an earlier run's label cannot match
    sel = f"bench%3D{value}"
    t0 = time.monotonic()
    subprocess.run(["kubectl", "-n", "bench-0", "label", "--overwrite", "pod", f"p-{i:06d}", f"bench={value}"],
                   check=True, stdout=subprocess.DEVNULL)
    kubectl_ms.append((time.monotonic() - t0) * 1000)
    while time.monotonic() - t0 < 30:
        status, t = total(sel)
        if status != 200:
            failed[status] = failed.get(status, 0) + 1
        elif t == 1:
            visible.append((time.monotonic() - t0) * 1000)
            break
        time.sleep(0.01)
    else:
        failed["not visible within 30 s"] = failed.get("not visible within 30 s", 0) + 1
med = lambda v: f"{statistics.median(v):.0f}" if v else "n/a"
print(f"change visible (kubectl label → list API, clock started before kubectl): median {med(visible)} ms over {len(visible)} changes "
      f"({', '.join(f'{v:.0f}' for v in visible)}); of which the kubectl label call itself: median {med(kubectl_ms)} ms; "
      f"failed polls/changes: {failed or 'none'}")
PY

# The console's time to its first rendered pod page against this server (last: it changes the admin password).
if [ -d web/node_modules/playwright-core ] && [ -x /usr/bin/chromium ]; then
  (cd web && KUBEDECK_URL=$base CLUSTER_ID=$id KUBEDECK_ADMIN_PASSWORD=bench-admin-password node e2e/pod-page-bench.mjs) || echo "console bench failed" >&2
fi

bench_machine
echo "during the measurement: start: $(cat "$DIR/load_start")"
echo "                        end:   $(cat "$DIR/load_end")"
python3 - "$DIR" "$PODS" "$rss_before" "$rss_after" "$populate" "$sync_s" "$BIN" "$rss_steady" "$rss_peak" "$snapshot_s" "$kd_filtered_total" "$kc_filtered_total" <<'PY'
import collections, sys
d = sys.argv[1]
pods, before, after, steady, peak = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[8]), int(sys.argv[9])
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
def side(v, failed, n):
    f = ", ".join(f"{k}: {c}" for k, c in sorted(failed.items()))
    return f"p50 {fmt(pct(v, .5))} p99 {fmt(pct(v, .99))} ({len(v)} of {n} timed; failed: {f or 'none'})"
print(f"pods={pods}")
for name, what in [("filtered", "label_selector=app=a7,tier=t1, sort=-age, 100 rows"),
                   ("all", "all pods, sort=name, 100 rows"),
                   ("ns", "namespace bench-7, sort=name, 100 rows")]:
    kd, kdf = samples(f"kd_{name}")
    kc, kcf = samples(f"kc_{name}")
    print(f"page ({what}):")
    print(f"  kubedeck: {side(kd, kdf, len(kd) + sum(kdf.values()))}")
    print(f"  baseline `{open(f'{d}/cmd_{name}').read().strip()}`: {side(kc, kcf, len(kc) + sum(kcf.values()))}")
    print(f"  kubectl / kubedeck: p50 {pct(kc, .5) / pct(kd, .5):.0f}x, p99 {pct(kc, .99) / pct(kd, .99):.0f}x")
print(f"filtered view rows: kubedeck total {sys.argv[11]}, kubectl {sys.argv[12]}" + ("" if sys.argv[11] == sys.argv[12] else "  MISMATCH"))
per_pod = lambda kib: f"{(kib - before) * 1024 / pods:.0f} bytes per pod"
print(f"memory, list complete: {per_pod(after)} (RSS {before // 1024} MiB -> {after // 1024} MiB)")
print(f"memory, after the first KubePod snapshot write ({sys.argv[10]} s) + 20 s: {per_pod(steady)} (RSS {steady // 1024} MiB; peak {peak // 1024} MiB)")
print(f"populate: {sys.argv[5]} s; kubedeck initial sync: {sys.argv[6]} s")
print(open(f"{d}/change").read().strip())
PY

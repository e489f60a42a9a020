#!/usr/bin/env bash
# Node detail benchmark (issue 19, bug 3): PODS pods bound to ONE worker of a fresh testbed, then, in the same run,
#   - the node's detail (GET .../nodes/{node}: pod counts, no pod list) and the node page's Pods tab (its first
#     page, GET .../pods?node={node}&page_size=50), REQUESTS requests each, interleaved with REQUESTS runs of
#     `kubectl get pods -A --field-selector spec.nodeName={node} --chunk-size=500` as the baseline;
#   - the node list (GET .../nodes: every node with its pod count and the requests and limits of its active
#     pods), REQUESTS requests, interleaved with REQUESTS runs of `kubectl describe nodes` (the kubectl command
#     that shows the same sums, "Allocated resources");
#   - the drain dry run of that node (POST .../drain, kubectl's default options: every bare pod refuses, 422
#     drain_blocked), DRAINS times, beside the LIST of the node's full pod objects it makes (`kubectl get --raw`
#     of the same query), to say how much of the dry run is that list. Sizes of each answer are reported.
#   benches/node_detail.sh [PODS] [REQUESTS] [DRAINS]     (defaults: 20000 50 5)
# Uses target/release/kubedeck if present, else target/debug/kubedeck (BENCH_BIN=path: that binary).
set -euo pipefail
cd "$(dirname "$0")/.."
PODS=${1:-20000}
REQUESTS=${2:-50}
DRAINS=${3:-5}
source benches/lib.sh
bench_binary
bench_dir
per_ns=1000
testbed/up --dir "$DIR/tb" --masters 1 --workers 2 --no-demo >/dev/null
export KUBECONFIG=$DIR/tb/admin.kubeconfig
node=$(kubectl get nodes -l '!node-role.kubernetes.io/master' -o jsonpath='{.items[0].metadata.name}')

echo "populating $PODS pods on $node ..." >&2
start=$(date +%s)
namespaces=$(( (PODS + per_ns - 1) / per_ns ))
for ((n = 0; n < namespaces; n++)); do kubectl create namespace "crowd-$n" >/dev/null; done
for ((n = 0; n < namespaces; n++)); do
  until kubectl -n "crowd-$n" get serviceaccount default -o jsonpath='{.secrets[0].name}' 2>/dev/null | grep -q .; do sleep 0.5; done
done
# Bare pods bound to the node directly (the scheduler would stop at 110), 500 to a kubectl create, 4 at a time.
python3 - "$PODS" "$per_ns" "$node" "$DIR" <<'PY'
import json, sys
pods, per_ns, node, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
for part in range(0, pods, 500):
    items = [{"apiVersion": "v1", "kind": "Pod",
              "metadata": {"namespace": f"crowd-{i // per_ns}", "name": f"p-{i:06d}", "labels": {"app": f"a{i % 50}"}},
              "spec": {"nodeName": node, "containers": [{"name": "c", "image": "nginx",
                       "resources": {"requests": {"cpu": "1m", "memory": "1Mi"}}}]}}
             for i in range(part, min(pods, part + 500))]
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, open(f"{d}/part-{part:06d}.json", "w"))
PY
ls "$DIR"/part-*.json | xargs -P 4 -n 1 sh -c 'kubectl create -f "$0" >/dev/null'
populate=$(( $(date +%s) - start ))
echo "populated in ${populate}s" >&2

bench_serve
id=$(bench_import bench "$KUBECONFIG")
deadline=$(( SECONDS + 1800 ))
until [ "$(bench_total "pods?page_size=1&node=$node")" -ge "$PODS" ] 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "the list API never held the pods" >&2; exit 1; }
  sleep 1
done
sleep 5

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
echo "measuring 3 views, $REQUESTS kubedeck requests and $REQUESTS kubectl runs each ..." >&2
bench_load >"$DIR/load_start"
view detail "nodes/$node" get pods -A --chunk-size=500 --field-selector "spec.nodeName=$node"
view podstab "pods?node=$node&page=1&page_size=50" get pods -A --chunk-size=500 --field-selector "spec.nodeName=$node"
view nodelist "nodes" describe nodes
bench_login
detail_bytes=$(curl -s "$base/api/v1/k8s/cluster/$id/nodes/$node" -H "authorization: Bearer $token" | wc -c)
page_bytes=$(curl -s "$base/api/v1/k8s/cluster/$id/pods?node=$node&page=1&page_size=50" -H "authorization: Bearer $token" | wc -c)
list_bytes=$(curl -s "$base/api/v1/k8s/cluster/$id/nodes" -H "authorization: Bearer $token" | wc -c)
# What both sides say the node commits: kubedeck's pod count and CPU requests, kubectl describe's "Non-terminated Pods".
kd_node=$(curl -s "$base/api/v1/k8s/cluster/$id/nodes" -H "authorization: Bearer $token" |
  python3 -c 'import json,sys; n=[x for x in json.load(sys.stdin)["items"] if x["name"]==sys.argv[1]][0]; print(n["pod_count"], n["committed"]["cpu_requests_millis"])' "$node")
kc_node=$(kubectl describe node "$node" | sed -n 's/^Non-terminated Pods:[[:space:]]*(\([0-9]*\) in total).*/\1/p')
kd_total=$(bench_total "pods?node=$node&page_size=1")
kc_total=$(kubectl get pods -A --chunk-size=500 --field-selector "spec.nodeName=$node" --no-headers | wc -l)

# The drain dry run, and the one LIST it makes (the node's pods, full objects, as the apiserver sends them).
: >"$DIR/drain"
: >"$DIR/list"
for ((i = 0; i < DRAINS; i++)); do
  curl -s -o "$DIR/drain.json" -w '%{http_code} %{time_total} %{size_download}\n' -X POST "$base/api/v1/k8s/cluster/$id/nodes/$node/drain" \
    -H "authorization: Bearer $token" -H 'content-type: application/json' -d '{"dry_run": true}' >>"$DIR/drain"
  s=$(date +%s%N)
  kubectl get --raw "/api/v1/pods?fieldSelector=spec.nodeName%3D$node" | wc -c >"$DIR/list_bytes"
  e=$(date +%s%N)
  echo "$(( (e - s) / 1000 ))e-6 $(cat "$DIR/list_bytes")" >>"$DIR/list"
done
bench_load >"$DIR/load_end"
message_chars=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["message"]))' "$DIR/drain.json")

bench_machine
echo "during the measurement: start: $(cat "$DIR/load_start")"
echo "                        end:   $(cat "$DIR/load_end")"
python3 - "$DIR" "$PODS" "$node" "$populate" "$detail_bytes" "$page_bytes" "$kd_total" "$kc_total" "$message_chars" "$list_bytes" "$kd_node" "$kc_node" <<'PY'
import collections, statistics, sys
d, pods, node = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def samples(name):
    ok, failed = [], collections.Counter()
    for line in open(f"{d}/{name}"):
        status, secs = line.split()[:2]
        if status.startswith("2") or status == "exit:0":
            ok.append(float(secs) * 1000)
        else:
            failed[status] += 1
    return sorted(ok), failed
fmt = lambda ms: f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"
print(f"pods on node {node}: {pods}; populate {sys.argv[4]} s")
for name, what, size in [("detail", "node detail (GET nodes/{node})", sys.argv[5]),
                         ("podstab", "Pods tab, first page (GET pods?node=&page_size=50)", sys.argv[6]),
                         ("nodelist", "node list (GET nodes: every node's pod count, requests and limits)", sys.argv[10])]:
    kd, kdf = samples(f"kd_{name}")
    kc, kcf = samples(f"kc_{name}")
    print(f"{what}: {size} bytes")
    print(f"  kubedeck: median {fmt(statistics.median(kd))} ({len(kd)} timed; failed: {dict(kdf) or 'none'})")
    print(f"  baseline `{open(f'{d}/cmd_{name}').read().strip()}`: median {fmt(statistics.median(kc))} ({len(kc)} timed; failed: {dict(kcf) or 'none'})")
    print(f"  kubectl / kubedeck: {statistics.median(kc) / statistics.median(kd):.0f}x")
print(f"pods on the node: kubedeck total {sys.argv[7]}, kubectl {sys.argv[8]}" + ("" if sys.argv[7] == sys.argv[8] else "  MISMATCH"))
kd_count, kd_cpu = sys.argv[11].split()
print(f"the node list's row for the node: {kd_count} active pods, {kd_cpu}m CPU requested; kubectl describe: {sys.argv[12]} non-terminated pods"
      + ("" if kd_count == sys.argv[12] else "  MISMATCH"))
drain = [l.split() for l in open(f"{d}/drain")]
codes = collections.Counter(x[0] for x in drain)
dt = [float(x[1]) * 1000 for x in drain]
lt = [float(l.split()[0]) * 1000 for l in open(f"{d}/list")]
lb = [int(l.split()[1]) for l in open(f"{d}/list")]
print(f"drain dry run (kubectl's default options, every pod refused): median {fmt(statistics.median(dt))} over {len(dt)} ({dict(codes)}), "
      f"answer {int(drain[-1][2]):,} bytes, message {int(sys.argv[9]):,} characters")
print(f"  the LIST it makes (`kubectl get --raw /api/v1/pods?fieldSelector=spec.nodeName={node}`): median {fmt(statistics.median(lt))}, "
      f"{lb[-1]:,} bytes ({statistics.median(lt) / statistics.median(dt) * 100:.0f}% of the dry run)")
PY

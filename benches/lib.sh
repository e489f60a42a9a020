# Shared by the benchmark scripts (source it from the repository root): which kubedeck binary, a scratch directory
# that is cleaned up on exit, a fresh `kubedeck serve` with an admin token, and importing a cluster.

# Sets BIN (and PROFILE) to target/release/kubedeck if present, else target/debug/kubedeck.
bench_binary() {
  PROFILE=release
  [ -x target/release/kubedeck ] || PROFILE=debug
  BIN=${BENCH_BIN:-target/$PROFILE/kubedeck}
  [ -x "$BIN" ] || { echo "build kubedeck first (cargo build --release -p kubedeck)" >&2; exit 1; }
}

# Sets DIR to a fresh scratch directory; on exit stops the server and the testbed in $DIR/tb and removes DIR.
# BENCH_KEEP_TESTBED=1 keeps the testbed (and DIR) for another run with BENCH_TESTBED_DIR=$DIR/tb.
bench_dir() {
  DIR=$(mktemp -d "${TMPDIR:-/tmp}/kd-bench.XXXXXX")
  trap bench_cleanup EXIT
}
bench_cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null
  if [ -n "${BENCH_KEEP_TESTBED:-}" ] && [ -d "$DIR/tb" ]; then
    echo "testbed kept: BENCH_TESTBED_DIR=$DIR/tb (stop: testbed/down --dir $DIR/tb)" >&2
    return
  fi
  testbed/down --dir "$DIR/tb" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}

# bench_serve [DATA_DIR]: starts `$BIN serve` on a free loopback port with its data in DATA_DIR (default $DIR/data);
# sets server (pid), base and token (admin).
bench_serve() {
  local port data=${1:-$DIR/data}
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  KUBEDECK_ADMIN_PASSWORD=bench-admin-password "$BIN" serve --data-dir "$data" --listen "127.0.0.1:$port" --log warn >"$data.log" 2>&1 &
  server=$!
  base=http://127.0.0.1:$port
  until curl -fs "$base/readyz" >/dev/null 2>&1; do sleep 0.2; done
  bench_login
}

# bench_login: sets token to a fresh admin access token (and login_at to $SECONDS). Access tokens live 15 minutes,
# so a script logs in again before each timed phase and, in a long one, every 10 minutes (bench_relogin); an expired
# token turns the samples into 401s, which bench_get reports as failures.
bench_relogin() {
  [ $(( SECONDS - ${login_at:-0} )) -lt 600 ] || bench_login
}
bench_login() {
  login_at=$SECONDS
  local out
  out=$(curl -s -w '\n%{http_code}' "$base/api/v1/auth/login" -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin-password"}')
  [ "${out##*$'\n'}" = 200 ] || { echo "login failed: $out" >&2; exit 1; }
  token=$(printf '%s' "${out%$'\n'*}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
}

# bench_get URL FILE: one timed GET with the admin token; appends "HTTP_STATUS SECONDS" to FILE (status 000: no
# answer). Whoever reads FILE times only the 2xx samples and reports the others by status.
bench_get() {
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$1" -H "authorization: Bearer $token" >>"$2"
}

# bench_cmd FILE CMD...: runs CMD once (stdout discarded, stderr to FILE.stderr) and appends "exit:RC SECONDS" to
# FILE; only exit:0 samples are timed.
bench_cmd() {
  local file=$1 start end rc=0
  shift
  start=$(date +%s%N)
  "$@" >/dev/null 2>>"$file.stderr" || rc=$?
  end=$(date +%s%N)
  echo "exit:$rc $(( (end - start) / 1000 ))e-6" >>"$file"
}

# bench_total QUERY: the list API's `total` for QUERY (a path under the cluster), or a message on stderr and an
# empty answer when the request failed (its status).
bench_total() {
  local out
  out=$(curl -s -w '\n%{http_code}' "$base/api/v1/k8s/cluster/$id/$1" -H "authorization: Bearer $token")
  if [ "${out##*$'\n'}" != 200 ]; then echo "GET $1: HTTP ${out##*$'\n'}" >&2; return 0; fi
  printf '%s' "${out%$'\n'*}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["total"])'
}

# Stops the server bench_serve started.
bench_stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=
}

# bench_import NAME KUBECONFIG: imports the cluster, prints its id.
bench_import() {
  python3 -c 'import json,sys; print(json.dumps({"name":sys.argv[1],"credential":open(sys.argv[2]).read()}))' "$1" "$2" >"$DIR/import.json"
  curl -fs "$base/api/v1/k8s/cluster" -H "authorization: Bearer $token" -H 'content-type: application/json' -d @"$DIR/import.json" | python3 -c 'import sys,json; print(json.load(sys.stdin)["cluster"]["id"])'
}

# The machine, for the record: cores, load, the commit the binary was built from (and whether the working tree
# differed), and what else was busy.
bench_machine() {
  local dirty=""
  git diff --quiet HEAD 2>/dev/null || dirty=" (working tree with uncommitted changes)"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr); binary $BIN ($(date -r "$BIN" '+built %F %R')); commit $(git rev-parse --short HEAD 2>/dev/null)$dirty; $(date '+%F %R %Z')"
  bench_load
}

# The load average and the busiest processes over one second (what else was running), % of one core.
bench_load() {
  echo "load average $(cut -d" " -f1-3 /proc/loadavg); busiest: $(top -b -n 2 -d 1 -o %CPU -w 200 | awk '/^top -/ {n++} n == 2 && $1 ~ /^[0-9]+$/ && c++ < 6 {printf "%s %s%%, ", $12, $9}' | sed 's/, $//')"
}

# --- Populating a testbed (benches/resources.sh; the same objects and method as pod_list.sh's own loop) ---

# bench_namespaces COUNT: creates the namespaces bench-0 … bench-(COUNT-1) and waits until each has its default
# service account's token (v1.20 refuses pods in a namespace before it).
bench_namespaces() {
  local n
  for ((n = 0; n < $1; n++)); do
    kubectl get namespace "bench-$n" >/dev/null 2>&1 || kubectl create namespace "bench-$n" >/dev/null
  done
  for ((n = 0; n < $1; n++)); do
    until kubectl -n "bench-$n" get serviceaccount default -o jsonpath='{.secrets[0].name}' 2>/dev/null | grep -q .; do sleep 0.5; done
  done
}

# bench_pod_objects PODS PER_NS NODE...: prints PODS pods as pod_list.sh creates them, one JSON object a line:
# p-NNNNNN, PER_NS per namespace bench-N, bound directly to the NODEs in turn (no scheduler work), labels
# app=a0..a49 and tier=t0..t2 (from the pod's number), one nginx container requesting 10m / 16Mi.
bench_pod_objects() {
  python3 - "$@" <<'PY'
import json, sys
pods, per_ns, nodes = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
for i in range(pods):
    print(json.dumps({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"namespace": f"bench-{i // per_ns}", "name": f"p-{i:06d}", "labels": {"app": f"a{i % 50}", "tier": f"t{i % 3}"}},
        "spec": {"nodeName": nodes[i % len(nodes)], "containers": [{"name": "c", "image": "nginx",
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}, separators=(",", ":")))
PY
}

# bench_create FILE [PROCS]: creates the objects in FILE (one JSON object a line) with PROCS (default
# $BENCH_CREATE_PROCS, else 6) concurrent processes, each running `kubectl create -f` of 500-object Lists in turn;
# fails when a kubectl did.
bench_create() {
  local file=$1 procs=${2:-${BENCH_CREATE_PROCS:-6}} chunk pids=() rc=0 p
  rm -f "$file".chunk.*
  split -n "l/$procs" "$file" "$file.chunk."
  for chunk in "$file".chunk.*; do
    [ -s "$chunk" ] || continue
    (
      split -l 500 "$chunk" "$chunk.part."
      for part in "$chunk".part.*; do
        python3 -c 'import sys,json; print(json.dumps({"apiVersion":"v1","kind":"List","items":[json.loads(l) for l in open(sys.argv[1])]}))' "$part" >"$part.json"
        kubectl create -f "$part.json" >/dev/null || exit 1
      done
    ) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  rm -f "$file".chunk.*
  return $rc
}

# bench_count API_PATH: how many objects the apiserver lists at API_PATH (`/api/v1/configmaps`), from one
# one-item page (its remainingItemCount).
bench_count() {
  kubectl get --raw "$1?limit=1" | python3 -c 'import sys,json; d=json.load(sys.stdin); print(len(d["items"]) + d["metadata"].get("remainingItemCount", 0))'
}

# bench_testbed_priority TESTBED_DIR NICE: sets the scheduling priority of the testbed's processes (each runs in a
# session, so an autogroup, of its own: the group's nice value is what counts against other sessions' builds).
# BENCH_BOOST_TESTBED=1 makes benches/resources.sh give them -5 while it creates objects (on a machine shared with
# builds the apiserver got ≈ 0.4 of a core: 61 pods/s; with -5, 96 pods/s) and 0 again before anything is timed.
bench_testbed_priority() {
  local f
  for f in "$1"/pids/*.pid; do echo "$2" >"/proc/$(cat "$f")/autogroup" 2>/dev/null || true; done
}

# Shared by the benchmark scripts (source it from the repository root): which kubedeck binary, a scratch directory
# that is cleaned up on exit, a fresh `kubedeck serve` with an admin token, and importing a cluster.

# Sets BIN (and PROFILE) to target/release/kubedeck if present, else target/debug/kubedeck.
bench_binary() {
  PROFILE=release
  [ -x target/release/kubedeck ] || PROFILE=debug
  BIN=target/$PROFILE/kubedeck
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

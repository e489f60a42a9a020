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
  token=$(curl -fs "$base/api/v1/auth/login" -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
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

# The machine, for the record.
bench_machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr), load average $(cut -d" " -f1-3 /proc/loadavg); binary $BIN"
}

#!/usr/bin/env bash
# Requests per second for the pod list through nginx (issue 17): Debian's nginx with the shipped configuration
# (deploy/nginx/kubedeck.conf) in front of two `kubedeck serve` replicas on one PostgreSQL database, against the same
# nginx in front of one replica, and one replica asked directly; the testbed imported. Load: wrk, CONNECTIONS
# connections for SECONDS per run, RUNS runs each (the median is reported). During each run, the CPU time of every
# process involved is read from /proc, to say where the machine's two cores went (the bottleneck).
#   benches/proxy_rps.sh [SECONDS] [RUNS] [CONNECTIONS] [PATH]     (defaults: 20 3 32 "pods?page_size=50")
# Needs PostgreSQL on 127.0.0.1:5432 (trust auth), nginx (nginx-light) and wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
RUNS=${2:-3}
CONNS=${3:-32}
QUERY=${4:-pods?page_size=50}
source benches/lib.sh
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -x /usr/sbin/nginx ] || { echo "nginx is missing: apt-get install nginx-light" >&2; exit 1; }
bench_binary
bench_dir
testbed/up --dir "$DIR/tb" --masters 1 --workers 2 >/dev/null
db="kd_rps_$$"
psql -q -h 127.0.0.1 -U postgres -d test -c "create database $db" >/dev/null
url="postgres://postgres@127.0.0.1:5432/$db"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

declare -A pid port
start() {
  local name=$1 p
  p=$(free_port)
  mkdir -p "$DIR/$name"
  KUBEDECK_ADMIN_PASSWORD=bench-admin-password "$BIN" serve --listen "127.0.0.1:$p" --data-dir "$DIR/$name" \
    --database-url "$url" --jwt-secret-file "$DIR/keys/jwt.secret" --credential-key-dir "$DIR/keys/credential" \
    --api-rate-per-minute 100000000 --trust-forwarded-for true --trusted-proxies 127.0.0.1 --log warn >>"$DIR/$name.log" 2>&1 &
  pid[$name]=$!
  port[$name]=$p
  until curl -fs "http://127.0.0.1:$p/readyz" >/dev/null 2>&1; do sleep 0.2; done
}
# nginx NAME REPLICA...: the shipped configuration with these upstream servers, on a port of its own
nginx_start() {
  local name=$1 d=$DIR/nginx-$1 p ups=""
  shift
  p=$(free_port)
  mkdir -p "$d"
  for r in "$@"; do ups+="    server 127.0.0.1:${port[$r]} max_fails=1 fail_timeout=10s;\n"; done
  awk -v ups="$ups" -v listen="    listen 127.0.0.1:$p;" '
    /^ *server 10\.0\.0\./ { if (!done) { printf "%s", ups; done = 1 } next }
    /^ *listen 80;/ { print listen; next }
    { print }' deploy/nginx/kubedeck.conf >"$d/kubedeck.conf"
  cat >"$d/nginx.conf" <<CONF
daemon off;
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $d/body; proxy_temp_path $d/proxy; fastcgi_temp_path $d/fastcgi; uwsgi_temp_path $d/uwsgi; scgi_temp_path $d/scgi;
  include $d/kubedeck.conf;
}
CONF
  /usr/sbin/nginx -p "$d" -c "$d/nginx.conf" &
  pid[nginx-$name]=$!
  port[nginx-$name]=$p
  until curl -s -o /dev/null "http://127.0.0.1:$p/healthz"; do sleep 0.1; done
}
stop_all() {
  for k in "${!pid[@]}"; do kill "${pid[$k]}" 2>/dev/null || true; done
  sleep 1
  psql -q -h 127.0.0.1 -U postgres -d test -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
}
trap 'stop_all; bench_cleanup' EXIT

start a
start b
nginx_start two a b
nginx_start one a
base=http://127.0.0.1:${port[a]}
bench_login
id=$(bench_import rps "$DIR/tb/admin.kubeconfig")
# both replicas answer the list (one from its watchers, the other from the kube_pod snapshot)
for r in a b; do
  until curl -fs "http://127.0.0.1:${port[$r]}/api/v1/k8s/cluster/$id/$QUERY" -H "authorization: Bearer $token" | grep -q '"items"'; do sleep 0.5; done
done
for r in a b; do
  echo "replica $r answers from: $(curl -s "http://127.0.0.1:${port[$r]}/api/v1/k8s/cluster/$id/$QUERY" -H "authorization: Bearer $token" | python3 -c 'import sys,json; print(json.load(sys.stdin)["source"])')" >&2
done
bench_machine

ticks_of() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
pg_pids() { pgrep -d ' ' -f 'postgres' || true; }
wrk_pids=""
# one_run TARGET_URL: prints "rps p50_ms p99_ms cpu(a) cpu(b) cpu(nginx) cpu(postgres) cpu(wrk)" (cores)
one_run() {
  local target=$1 out pa pb pn pp pw
  pa=$(ticks_of "${pid[a]}"); pb=$(ticks_of "${pid[b]}"); pn=$(ticks_of $(pgrep -d ' ' nginx)); pp=$(ticks_of $(pg_pids))
  out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "authorization: Bearer $token" "$target" 2>&1)
  local hz; hz=$(getconf CLK_TCK)
  python3 - "$out" "$SECS" "$hz" "$pa" "$(ticks_of "${pid[a]}")" "$pb" "$(ticks_of "${pid[b]}")" "$pn" "$(ticks_of $(pgrep -d ' ' nginx))" "$pp" "$(ticks_of $(pg_pids))" <<'PY'
import re, sys
out, secs, hz = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
v = [int(x) for x in sys.argv[4:]]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
def ms(label):
    m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
    n, unit = float(m.group(1)), m.group(2)
    return n / 1000 if unit == "us" else n * 1000 if unit == "s" else n
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
cores = [(v[i + 1] - v[i]) / hz / secs for i in range(0, len(v), 2)]
print(f"{rps:.0f} {ms(50):.1f} {ms(99):.1f} " + " ".join(f"{c:.2f}" for c in cores) + f" {errors.group(1) if errors else 0}")
PY
}
summary() { # summary NAME: median of the runs' lines in $DIR/NAME.runs
  python3 - "$1" "$DIR/$1.runs" <<'PY'
import sys, statistics
rows = [list(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
med = [statistics.median(c) for c in zip(*rows)]
print(f"| {sys.argv[1]} | **{med[0]:.0f}** ({', '.join(str(int(r[0])) for r in rows)}) | {med[1]:.1f} | {med[2]:.1f} | "
      f"{med[3]:.2f} | {med[4]:.2f} | {med[5]:.2f} | {med[6]:.2f} | {int(sum(r[7] for r in rows))} |")
PY
}
echo "GET /api/v1/k8s/cluster/$id/$QUERY, wrk $CONNS connections x ${SECS} s, $RUNS runs each; CPU in cores (of 2)"
echo "| path | requests/s, median (runs) | p50 ms | p99 ms | replica a | replica b | nginx | PostgreSQL | non-2xx |"
echo "|---|---|---|---|---|---|---|---|---|"
for setup in "nginx, two replicas|http://127.0.0.1:${port[nginx-two]}" "nginx, one replica|http://127.0.0.1:${port[nginx-one]}" "replica a directly|http://127.0.0.1:${port[a]}"; do
  name=${setup%%|*}; target=${setup#*|}/api/v1/k8s/cluster/$id/$QUERY
  : >"$DIR/$name.runs"
  for ((r = 1; r <= RUNS; r++)); do bench_relogin; one_run "$target" >>"$DIR/$name.runs"; done
  summary "$name"
done

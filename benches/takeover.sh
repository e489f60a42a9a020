#!/usr/bin/env bash
# Takeover (issue 17): two `kubedeck serve` replicas on one PostgreSQL database with the testbed imported. The
# replica that holds the cluster's lease (the one whose pod list answers `source: live`) is killed with SIGKILL, and
# the other is asked every 200 ms for the cluster's pods until it answers from its own watchers (`source: live`);
# the time from the kill to that answer is one sample. The killed replica is started again (it becomes the
# standby) and the next run kills whichever holds the lease then.
#   benches/takeover.sh [RUNS] [SYNC_INTERVAL_SECS]      (defaults: 5 15)
# Needs PostgreSQL on 127.0.0.1:5432 (trust auth); makes and drops a database of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
INTERVAL=${2:-15}
source benches/lib.sh
bench_binary
bench_dir
testbed/up --dir "$DIR/tb" --masters 1 --workers 2 >/dev/null
db="kd_takeover_$$"
psql -q -h 127.0.0.1 -U postgres -d test -c "create database $db" >/dev/null
url="postgres://postgres@127.0.0.1:5432/$db"
drop_db() { psql -q -h 127.0.0.1 -U postgres -d test -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true; }

declare -A pid port
# start NAME: a replica on a free port; the first one generates the keys, the second uses the same files
start() {
  local name=$1 p
  p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$DIR/$name"
  KUBEDECK_ADMIN_PASSWORD=bench-admin-password "$BIN" serve --listen "127.0.0.1:$p" --data-dir "$DIR/$name" \
    --database-url "$url" --jwt-secret-file "$DIR/keys/jwt.secret" --credential-key-dir "$DIR/keys/credential" \
    --sync-interval-secs "$INTERVAL" --log warn >>"$DIR/$name.log" 2>&1 &
  pid[$name]=$!
  disown "${pid[$name]}" # (no "Killed" line from bash for the SIGKILLs below)
  port[$name]=$p
  until curl -fs "http://127.0.0.1:$p/readyz" >/dev/null 2>&1; do sleep 0.2; done
}
source_of() { # source_of NAME: the pod list's source on that replica (or "down")
  curl -s --max-time 5 "http://127.0.0.1:${port[$1]}/api/v1/k8s/cluster/$id/pods?page_size=1" -H "authorization: Bearer $token" |
    python3 -c 'import sys,json; print(json.load(sys.stdin).get("source","?"))' 2>/dev/null || echo down
}
stop_all() { for n in a b; do [ -n "${pid[$n]:-}" ] && kill -9 "${pid[$n]}" 2>/dev/null; done; drop_db; }
trap 'stop_all; bench_cleanup' EXIT

start a
start b
base=http://127.0.0.1:${port[a]}
bench_login
id=$(bench_import takeover "$DIR/tb/admin.kubeconfig")
bench_machine
echo "replicas a (port ${port[a]}) and b (port ${port[b]}), sync interval ${INTERVAL} s, cluster $id" >&2
samples=()
for ((run = 1; run <= RUNS; run++)); do
  # wait until one replica serves live, then kill it
  holder=""
  for _ in $(seq 1 600); do
    for n in a b; do [ "$(source_of $n)" = live ] && holder=$n && break; done
    [ -n "$holder" ] && break
    sleep 0.2
  done
  [ -n "$holder" ] || { echo "no replica serves the cluster live" >&2; exit 1; }
  other=$([ "$holder" = a ] && echo b || echo a)
  base=http://127.0.0.1:${port[$other]}
  kill -9 "${pid[$holder]}"
  killed=$(date +%s%N)
  until [ "$(source_of $other)" = live ]; do sleep 0.2; done
  took=$(( ($(date +%s%N) - killed) / 1000000 ))
  samples+=("$took")
  echo "run $run: killed $holder, $other serves live after $took ms" >&2
  start "$holder"
done
printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {printf "takeover after SIGKILL: median %.1f s, min %.1f s, max %.1f s over %d runs\n", a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000, NR}'

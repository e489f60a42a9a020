#!/usr/bin/env bash
# Many clusters on two replicas (issue 17): two `kubedeck serve` replicas on one PostgreSQL database share CLUSTERS
# imported clusters — the testbed's API server imported CLUSTERS times, each with a ServiceAccount of its own (view
# on the whole cluster), since Kubedeck refuses the same server and user twice. Once every cluster is held, it
# reports how the clusters are split (their leases' holders), then each replica's RSS and CPU over SECONDS of idle
# running (nothing asked of them but their own sync, watches and metrics), in all and per cluster held.
#   benches/replicas.sh [CLUSTERS] [SECONDS] [SYNC_INTERVAL_SECS]      (defaults: 100 60 15)
# Needs PostgreSQL on 127.0.0.1:5432 (trust auth); makes and drops a database of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTERS=${1:-100}
IDLE=${2:-60}
INTERVAL=${3:-15}
source benches/lib.sh
bench_binary
bench_dir
testbed/up --dir "$DIR/tb" --masters 1 --workers 2 >/dev/null
export KUBECONFIG=$DIR/tb/admin.kubeconfig
db="kd_replicas_$$"
psql -q -h 127.0.0.1 -U postgres -d test -c "create database $db" >/dev/null
url="postgres://postgres@127.0.0.1:5432/$db"
psql_db() { psql -qtA -h 127.0.0.1 -U postgres -d "$db" -c "$1"; }

declare -A pid port
start() {
  local name=$1 p
  p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$DIR/$name"
  KUBEDECK_ADMIN_PASSWORD=bench-admin-password "$BIN" serve --listen "127.0.0.1:$p" --data-dir "$DIR/$name" \
    --database-url "$url" --jwt-secret-file "$DIR/keys/jwt.secret" --credential-key-dir "$DIR/keys/credential" \
    --sync-interval-secs "$INTERVAL" --log warn >>"$DIR/$name.log" 2>&1 &
  pid[$name]=$!
  port[$name]=$p
  until curl -fs "http://127.0.0.1:$p/readyz" >/dev/null 2>&1; do sleep 0.2; done
}
stop_all() {
  for n in a b; do [ -n "${pid[$n]:-}" ] && kill "${pid[$n]}" 2>/dev/null || true; done
  sleep 2
  psql -q -h 127.0.0.1 -U postgres -d test -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
}
trap 'stop_all; bench_cleanup' EXIT

# CLUSTERS credentials: ServiceAccounts in one namespace, each allowed to view the whole cluster
kubectl create namespace bench-importers >/dev/null
for ((i = 0; i < CLUSTERS; i++)); do echo "---
apiVersion: v1
kind: ServiceAccount
metadata: {name: importer-$i, namespace: bench-importers}"; done >"$DIR/sa.yaml"
kubectl apply -f "$DIR/sa.yaml" >/dev/null
python3 - "$CLUSTERS" >"$DIR/crb.json" <<'PY'
import json, sys
print(json.dumps({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
    "metadata": {"name": "bench-importers-view"},
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
    "subjects": [{"kind": "ServiceAccount", "name": f"importer-{i}", "namespace": "bench-importers"} for i in range(int(sys.argv[1]))]}))
PY
kubectl apply -f "$DIR/crb.json" >/dev/null
server=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
ca=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
for ((i = 0; i < CLUSTERS; i++)); do
  until secret=$(kubectl -n bench-importers get sa "importer-$i" -o jsonpath='{.secrets[0].name}' 2>/dev/null) && [ -n "$secret" ]; do sleep 0.5; done
  tok=$(kubectl -n bench-importers get secret "$secret" -o go-template='{{.data.token | base64decode}}')
  printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: tb\n  cluster: {server: %s, certificate-authority-data: %s}\nusers:\n- name: importer-%s\n  user: {token: %s}\ncontexts:\n- name: c\n  context: {cluster: tb, user: importer-%s}\ncurrent-context: c\n' \
    "$server" "$ca" "$i" "$tok" "$i" >"$DIR/importer-$i.kubeconfig"
done

start a
start b
base=http://127.0.0.1:${port[a]}
bench_login
bench_machine
for n in a b; do echo "replica $n before any import: RSS $(( $(awk '/VmRSS/ {print $2}' "/proc/${pid[$n]}/status") / 1024 )) MiB"; done
t0=$SECONDS
for ((i = 0; i < CLUSTERS; i++)); do bench_import "c$i" "$DIR/importer-$i.kubeconfig" >/dev/null; done
echo "imported $CLUSTERS clusters in $((SECONDS - t0)) s" >&2
# every cluster held, and the split settled (the same for 10 s)
last="" same=0
until [ "$same" -ge 10 ]; do
  sleep 1
  now=$(psql_db "select holder, count(*) from leases where name like 'sync:cluster:%' and expires_at > now() group by holder order by holder" | tr '\n' ' ')
  held=$(psql_db "select count(*) from leases where name like 'sync:cluster:%' and expires_at > now()")
  if [ "$now" = "$last" ] && [ "$held" = "$CLUSTERS" ]; then same=$((same + 1)); else same=0; last=$now; fi
done
echo "settled $((SECONDS - t0)) s after the first import" >&2
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A before
for n in a b; do before[$n]=$(cpu_ticks "${pid[$n]}"); done
sleep "$IDLE"
hz=$(getconf CLK_TCK)
for n in a b; do
  ticks=$(( $(cpu_ticks "${pid[$n]}") - ${before[$n]} ))
  rss=$(awk '/VmRSS/ {print $2}' "/proc/${pid[$n]}/status")
  # a replica's id begins with its process id: the leases it holds are its clusters
  mine=$(psql_db "select count(*) from leases where name like 'sync:cluster:%' and expires_at > now() and holder like '${pid[$n]}-%'")
  python3 -c "
ticks, hz, idle, rss, mine = $ticks, $hz, $IDLE, $rss, $mine
cpu = ticks / hz / idle * 100
print(f'replica $n: {mine} clusters ({mine / $CLUSTERS * 100:.0f} %), RSS {rss / 1024:.0f} MiB ({rss / max(mine, 1):.0f} KiB per cluster), '
      f'CPU {cpu:.1f} % of a core over {idle} s ({cpu / max(mine, 1) * 1000:.0f} m% per cluster)')"
done

#!/usr/bin/env bash
# Log stream benchmark (issue 6): the WebSocket `kubectl logs -f` against a fresh testbed and a real `kubedeck serve`
# (a fresh one per phase, so memory figures start from a server that has served nothing):
#   latency:    time to first line (connect → first line), median over CONNECTS connects, vs `kubectl logs -f` as
#               many times (interleaved; kubectl's bare start-up, `kubectl version --client`, reported beside it);
#               lines/s through one stream of a pod writing 1,000 lines/s, 5 runs each through kubedeck and kubectl:
#               a 20,000-line backlog timed from its first line to its last (start-up and handshake reported
#               separately), then live;
#   stalled:    the per-stream bound: 20 clients stop reading a 1,000 lines/s pod for HOLD s (RSS over time, drops);
#   concurrent: server RSS with 100 and 200 streams open for HOLD s while lines flow, after they close, and with as
#               many again; alongside, idle survival: a stream on a silent pod for 130 s (pings counted), then a
#               crash's FATAL line must arrive.
#   benches/log_stream.sh [CONNECTS] [HOLD]        (defaults: 15 60; about 7.5 minutes)
#   PHASES="stalled" benches/log_stream.sh 15 180  (some phases only, e.g. a longer stall)
# Every WebSocket upgrade's HTTP status is checked: a 401/429/5xx is a failed sample, reported by status, never timed.
# Uses target/release/kubedeck if present, else target/debug/kubedeck, and builds the client
# (crates/kubedeck-api/examples/log_stream_bench.rs) in the same profile. The output names the commit and what else
# was running, before and after each phase.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
CONNECTS=${1:-15}
HOLD=${2:-60}
bench_binary
cargo build -q --profile "$([ "$PROFILE" = debug ] && echo dev || echo release)" -p kubedeck-api --example log_stream_bench
bench_dir
testbed/up --dir "$DIR/tb" --no-demo >/dev/null
export KUBECONFIG=$DIR/tb/admin.kubeconfig
ns=logbench
kubectl create namespace "$ns" >/dev/null
until kubectl -n "$ns" get serviceaccount default -o jsonpath='{.secrets[0].name}' 2>/dev/null | grep -q .; do sleep 0.5; done
bench_machine
for phase in ${PHASES:-latency stalled concurrent}; do
  bench_serve "$DIR/data-$phase"
  id=$(bench_import "bench-$phase" "$KUBECONFIG")
  "target/$PROFILE/examples/log_stream_bench" --phase "$phase" --base "$base" --token "$token" --cluster "$id" \
    --testbed "$DIR/tb" --namespace "$ns" --server-pid "$server" --connects "$CONNECTS" --streams 100,200 \
    --hold "$HOLD" --stalled 20 --idle 130
  bench_stop
  echo "after the $phase phase: $(bench_load)"
done

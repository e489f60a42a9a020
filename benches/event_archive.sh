#!/usr/bin/env bash
# The event archive (issue 16): write rate of kube_event upserts and search latency over a large archive, on each
# backend given (a fresh database each, made like the tests make them; PostgreSQL and MariaDB from
# KUBEDECK_TEST_POSTGRES_URL / KUBEDECK_TEST_MYSQL_URL or their local defaults).
#   benches/event_archive.sh [EVENTS] [SAMPLES] [BACKEND...]      (defaults: 1000000 50 sqlite postgres)
# Store level (crates/kubedeck-store/examples/event_archive_bench.rs): the archive writer's own call, through a
# fenced store as the lease holder writes; no apiserver (one cannot emit events this fast) and no HTTP.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-1000000}
SAMPLES=${2:-50}
shift $(( $# > 2 ? 2 : $# ))
BACKENDS=("$@")
[ ${#BACKENDS[@]} -gt 0 ] || BACKENDS=(sqlite postgres)
cargo build --release -q -p kubedeck-store --example event_archive_bench
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (working tree changed)'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for b in "${BACKENDS[@]}"; do
  KUBEDECK_TEST_BACKENDS=sqlite,postgres,mysql target/release/examples/event_archive_bench "$b" "$EVENTS" "$SAMPLES"
done

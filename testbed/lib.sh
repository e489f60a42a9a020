# Shared helpers for testbed/up, testbed/down and testbed/with-testbed (sourced, not executed).

TESTBED_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$TESTBED_ROOT/.." && pwd)"
TESTBED_CACHE="${KUBEDECK_TESTBED_CACHE:-$HOME/.cache/kubedeck/testbed/v1.20.2-reflect2}"
# Marks a directory as created by testbed/up, so testbed/down never deletes anything else.
TESTBED_MARKER=".kubedeck-testbed"

log() { echo "testbed: $*" >&2; }
die() { echo "testbed: error: $*" >&2; exit 1; }

# pid_alive PIDFILE: true when the pid file names a live process.
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# stop_pids PIDFILE...: TERMs every component's process group at once, KILLs what is left after 10 s.
stop_pids() {
  local file pid pids=() i alive
  for file in "$@"; do
    [ -s "$file" ] || continue
    pid=$(cat "$file")
    # Every component runs in its own session (setsid), so its pid is also its process group.
    # Guard against a stale pid file naming a recycled pid.
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qaE 'etcd|kube-|kubedeck-sim' "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for i in $(seq 1 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 1 ] || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop in 10 s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$@"
}

# stop_testbed DIR: stops every component started in DIR and removes DIR (only if testbed/up made it).
stop_testbed() {
  local dir=$1 c etcd_data=""
  [ -d "$dir" ] || return 0
  if [ ! -e "$dir/$TESTBED_MARKER" ]; then
    log "$dir is not a testbed directory (no $TESTBED_MARKER); leaving it alone"
    return 1
  fi
  # The simulator and controllers first, so they do not log errors about a vanished apiserver.
  stop_pids "$dir/pids/sim.pid" "$dir/pids/scheduler.pid" "$dir/pids/controller-manager.pid"
  stop_pids "$dir/pids/apiserver.pid" "$dir/pids/etcd.pid"
  [ -s "$dir/etcd-data-dir" ] && etcd_data=$(cat "$dir/etcd-data-dir")
  case "$etcd_data" in
    */kubedeck-etcd.*) rm -rf "$etcd_data" ;;
  esac
  rm -rf "$dir"
}

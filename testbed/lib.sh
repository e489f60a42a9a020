# Shared helpers for testbed/up, testbed/down and testbed/with-testbed (sourced, not executed).

TESTBED_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$TESTBED_ROOT/.." && pwd)"
TESTBED_CACHE="${KUBEDECK_TESTBED_CACHE:-$HOME/.cache/kubedeck/testbed/v1.20.2}"
# Marks a directory as created by testbed/up, so testbed/down never deletes anything else.
TESTBED_MARKER=".kubedeck-testbed"
# Components in start order; testbed/down stops them in reverse.
TESTBED_COMPONENTS="etcd apiserver controller-manager scheduler sim"

log() { echo "testbed: $*" >&2; }
die() { echo "testbed: error: $*" >&2; exit 1; }

# pid_alive PIDFILE: true when the pid file names a live process.
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# stop_pid NAME PIDFILE: TERM the component's process group, KILL it after 10 s.
stop_pid() {
  local name=$1 file=$2 pid i
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # Every component runs in its own session (setsid), so its pid is also its process group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) did not stop in 10 s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

# stop_testbed DIR: stops every component started in DIR and removes DIR (only if testbed/up made it).
stop_testbed() {
  local dir=$1 c etcd_data=""
  [ -d "$dir" ] || return 0
  if [ ! -e "$dir/$TESTBED_MARKER" ]; then
    log "$dir is not a testbed directory (no $TESTBED_MARKER); leaving it alone"
    return 1
  fi
  for c in $(echo "$TESTBED_COMPONENTS" | tr ' ' '\n' | tac); do
    stop_pid "$c" "$dir/pids/$c.pid"
  done
  [ -s "$dir/etcd-data-dir" ] && etcd_data=$(cat "$dir/etcd-data-dir")
  case "$etcd_data" in
    */kubedeck-etcd.*) rm -rf "$etcd_data" ;;
  esac
  rm -rf "$dir"
}

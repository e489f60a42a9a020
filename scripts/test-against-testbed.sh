#!/usr/bin/env bash
# The part of `make test` that needs the testbed (KUBEDECK_TESTBED_DIR is set by testbed/with-testbed):
# every Rust test, then the console's end-to-end test against a real kubedeck serving the built console.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KUBEDECK_TESTBED_DIR:?run through testbed/with-testbed}"

# API tests exist once per database backend (`<test>::sqlite|postgres|mysql`); a backend scripts/test.sh left
# out (KUBEDECK_TEST_BACKENDS) is filtered here, so its tests do not run at all rather than pass untested.
left_out=()
for b in postgres mysql; do
  case ",${KUBEDECK_TEST_BACKENDS:-sqlite,postgres,mysql}," in *",$b,"*) ;; *) left_out+=("test(/::$b\$/)") ;; esac
done
filter=(); [ ${#left_out[@]} -eq 0 ] || filter=(-E "not ($(IFS='|'; echo "${left_out[*]}"))")
rust_rc=0
cargo nextest run --workspace --no-fail-fast "${filter[@]}" || rust_rc=$?

# The API fuzzed with its own OpenAPI contract (Schemathesis, against a server of its own: scripts/fuzz-api.sh).
fuzz_rc=0
scripts/fuzz-api.sh || fuzz_rc=$?

# A real server with a fresh database for the browser.
data=$(mktemp -d "${TMPDIR:-/tmp}/kubedeck-e2e.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export KUBEDECK_ADMIN_PASSWORD="e2e-admin-$(date +%s)-pass"
target/debug/kubedeck serve --data-dir "$data" --listen "127.0.0.1:$port" --sync-interval-secs 3 --alert-eval-interval-secs 2 --alert-group-wait-secs 1 >"$data/server.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
e2e_rc=0
(cd web && KUBEDECK_URL="http://127.0.0.1:$port" npm run --silent e2e) || e2e_rc=$?
if [ "$e2e_rc" != 0 ]; then echo "--- kubedeck server log (last 40 lines)"; tail -40 "$data/server.log"; fi
[ "$rust_rc" = 0 ] && [ "$e2e_rc" = 0 ] && [ "$fuzz_rc" = 0 ]

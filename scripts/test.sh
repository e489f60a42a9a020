#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (SQLite, PostgreSQL, MariaDB; the real testbed),
# the console's unit tests and type check, and the console's end-to-end test in headless Chromium.
#   make test            (or: scripts/test.sh)
# Every API and store test runs on SQLite, PostgreSQL and MariaDB (127.0.0.1:5432 / :3306; other URLs with
# KUBEDECK_TEST_POSTGRES_URL / KUBEDECK_TEST_MYSQL_URL). A server that does not answer is left out and the
# summary says NOT TESTED; with KUBEDECK_REQUIRE_ALL_DATABASES=1 (set by CI) it is an error instead. The summary
# reports what the tests connected to (their ledger), not which ports were open.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { printf '\n==> %s\n' "$*"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Which database backends this run tests. A server that does not answer is left out (and the summary says
# NOT TESTED), unless KUBEDECK_REQUIRE_ALL_DATABASES=1 (CI), which makes it an error. What the tests really
# connected to is read afterwards from the ledger they write (kubedeck-store's testing module).
url_port() { local hostport=${1#*@}; hostport=${hostport%%/*}; echo "${hostport##*:}"; }
backends=sqlite
for pair in "postgres:${KUBEDECK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}" \
            "mysql:${KUBEDECK_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}"; do
  name=${pair%%:*}; url=${pair#*:}; port=$(url_port "$url")
  if port_open "$port"; then backends+=",$name"; else
    if [ "${KUBEDECK_REQUIRE_ALL_DATABASES:-0}" = 1 ]; then
      echo "error: $name is required (KUBEDECK_REQUIRE_ALL_DATABASES=1) but nothing answers on port $port" >&2; exit 1
    fi
  fi
done
export KUBEDECK_TEST_BACKENDS=$backends
KUBEDECK_TEST_LEDGER=$(mktemp "${TMPDIR:-/tmp}/kubedeck-test-ledger.XXXXXX")
export KUBEDECK_TEST_LEDGER
trap 'rm -f "$KUBEDECK_TEST_LEDGER"' EXIT

say "testbed: control plane binaries and packages"
testbed/install.sh

say "console: install, type check, unit tests, production build"
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund)
fi
# The console's API types must be generated from the committed OpenAPI document (a Rust test checks that
# document against the server's code), so a changed API breaks the type check instead of production.
(cd web && npx --no-install openapi-typescript openapi.json -o "${TMPDIR:-/tmp}/kubedeck-schema.d.ts" >/dev/null &&
  cmp -s "${TMPDIR:-/tmp}/kubedeck-schema.d.ts" src/api/schema.d.ts) ||
  { echo "error: web/src/api/schema.d.ts is stale: run 'make openapi' and commit the result" >&2; exit 1; }
(cd web && npm run typecheck && npm test && npm run build)

say "server: build"
cargo build --workspace --all-targets
if ! command -v cargo-nextest >/dev/null 2>&1; then
  say "cargo-nextest missing: installing it"
  cargo install cargo-nextest --locked
fi
if [ ! -x /usr/sbin/nginx ]; then
  say "installing Debian's nginx for the test of two replicas behind it (deploy/nginx/kubedeck.conf)"
  # installed, not started: the test runs its own nginx on a free port (policy-rc.d keeps the package's service down)
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
if [ ! -x /usr/bin/prometheus ]; then
  say "installing Debian's prometheus for the test of linked Prometheus queries (tests/api/prometheus.rs)"
  # installed, not started: the test runs its own prometheus on a free port (policy-rc.d keeps the package's service down)
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
if ! command -v chromium >/dev/null 2>&1; then
  say "installing Debian's chromium for the console's end-to-end test"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v etcdctl >/dev/null 2>&1; then
  say "installing Debian's etcd-client: etcd snapshots are checked with etcdctl snapshot status, and restored by the test"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-client >/dev/null
fi

say "tests against a fresh testbed"
rc=0
testbed/with-testbed scripts/test-against-testbed.sh || rc=$?

say "summary"
# The backends the tests connected to, from their own ledger: backend, address, server version.
summary_rc=0
for b in sqlite postgres mysql; do
  case ",$KUBEDECK_TEST_BACKENDS," in
    *",$b,"*)
      n=$(awk -F'\t' -v b="$b" '$1 == b' "$KUBEDECK_TEST_LEDGER" | wc -l)
      where=$(awk -F'\t' -v b="$b" '$1 == b {print $2 " (" $3 ")"}' "$KUBEDECK_TEST_LEDGER" | sort -u | paste -sd ';' -)
      if [ "$n" -gt 0 ]; then echo "database $b: tested, $n test databases on $where"
      else echo "database $b: selected but NO test connected to it"; summary_rc=1; fi ;;
    *) echo "database $b: NOT TESTED (nothing answered; set KUBEDECK_REQUIRE_ALL_DATABASES=1 to make that an error)" ;;
  esac
done
[ "$rc" = 0 ] && [ "$summary_rc" = 0 ]

#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (SQLite, PostgreSQL, MariaDB; the real testbed),
# the console's unit tests and type check, and the console's end-to-end test in headless Chromium.
#   make test            (or: scripts/test.sh)
# PostgreSQL and MariaDB are tested when they answer at 127.0.0.1:5432 / :3306 (URLs can be changed with
# KUBEDECK_TEST_POSTGRES_URL / KUBEDECK_TEST_MYSQL_URL). When one does not answer, this script says so in its
# summary; with KUBEDECK_REQUIRE_ALL_DATABASES=1 (set by CI) it fails instead.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { printf '\n==> %s\n' "$*"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
db_report=()
for pair in postgres:5432 mysql:3306; do
  name=${pair%%:*}; port=${pair##*:}
  if port_open "$port"; then db_report+=("$name: tested"); else
    db_report+=("$name: NOT TESTED (nothing listens on 127.0.0.1:$port)")
    if [ "${KUBEDECK_REQUIRE_ALL_DATABASES:-0}" = 1 ]; then echo "error: $name is required but not reachable" >&2; exit 1; fi
  fi
done

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
if ! command -v chromium >/dev/null 2>&1; then
  say "installing Debian's chromium for the console's end-to-end test"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

say "tests against a fresh testbed"
testbed/with-testbed scripts/test-against-testbed.sh

say "summary"
echo "databases: sqlite: tested; ${db_report[*]}"

# The two commands a newcomer needs (see README.md): `make run` and `make test`.
.PHONY: run test console build openapi demo

run: console
	cargo run --release -p kubedeck -- serve

test:
	scripts/test.sh

console:
	cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build

build: console
	cargo build --release -p kubedeck

# Regenerates the OpenAPI document the console's types come from (a test fails when it is stale).
openapi:
	cargo run -q -p kubedeck -- openapi > web/openapi.json
	cd web && npm run gen:api

demo:
	testbed/up

# The README's two commands are `make demo` and `make test`; both install what is missing.
SHELL := /bin/bash
ENV := source scripts/env.sh

.PHONY: setup clients build bins demo test test-native test-e2e lint bench bundle fuzz load clean-build

setup:
	@bash scripts/setup.sh

# The agent frameworks the end-to-end suite drives (pinned Python venvs, npm packages).
clients: setup
	@bash scripts/setup-clients.sh

build: setup
	@$(ENV) && bash scripts/build-worker.sh

# Native binaries the demo and the end-to-end tests run: the simulator and the CLI.
bins:
	@$(ENV) && cargo build -q -p servicenow-simulator -p snmcp-cli

demo: build bins
	@$(ENV) && node scripts/demo.mjs

test: setup test-native build bins clients test-e2e

test-native:
	@$(ENV) && cargo test --workspace

test-e2e:
	@$(ENV) && SKIP_WORKER_BUILD=1 node --test --test-concurrency=1 tests/e2e/

lint: setup
	@$(ENV) && cargo fmt --all --check \
	  && cargo clippy --workspace --all-targets -- -D warnings \
	  && cargo clippy -p servicenow-mcp -p snmcp-catalog --target wasm32-unknown-unknown -- -D warnings

bench: build bins
	@$(ENV) && node scripts/bundle-report.mjs --summary && SKIP_WORKER_BUILD=1 node scripts/bench.mjs

# Where the bundle's bytes go: wrangler's gzip figure, then code size by crate.
bundle: build
	@$(ENV) && node scripts/bundle-report.mjs

# A million generated requests through the router natively (FUZZ_INPUTS, FUZZ_SEED,
# FUZZ_SECONDS override); optimised but without the release profile's slow LTO.
fuzz: setup
	@$(ENV) && FUZZ_INPUTS=$${FUZZ_INPUTS:-1000000} cargo test -q --profile fuzz -p servicenow-mcp --test fuzz_router \
	  fuzz_router_long -- --ignored --nocapture

# 50 clients for 60 s against the wasm under workerd and the simulator (LOAD_CLIENTS,
# LOAD_SECONDS override).
load: build bins
	@$(ENV) && SKIP_WORKER_BUILD=1 node scripts/load.mjs

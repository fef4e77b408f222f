# The README's two commands are `make demo` and `make test`; both install what is missing.
SHELL := /bin/bash
ENV := source scripts/env.sh

.PHONY: setup build bins demo test test-native test-e2e lint bench clean-build

setup:
	@bash scripts/setup.sh

build: setup
	@$(ENV) && bash scripts/build-worker.sh

# Native binaries the demo and the end-to-end tests run: the simulator and the CLI.
bins:
	@$(ENV) && cargo build -q -p servicenow-simulator -p snmcp-cli

demo: build bins
	@$(ENV) && node scripts/demo.mjs

test: setup test-native build bins test-e2e

test-native:
	@$(ENV) && cargo test --workspace

test-e2e:
	@$(ENV) && SKIP_WORKER_BUILD=1 node --test --test-concurrency=1 tests/e2e/

lint: setup
	@$(ENV) && cargo fmt --all --check \
	  && cargo clippy --workspace --all-targets -- -D warnings \
	  && cargo clippy -p servicenow-mcp -p snmcp-catalog --target wasm32-unknown-unknown -- -D warnings

bench: build bins
	@$(ENV) && SKIP_WORKER_BUILD=1 node scripts/bench.mjs

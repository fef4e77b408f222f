#!/usr/bin/env bash
# Builds the worker (build/index.js + wasm) with the local toolchain. Also run by
# wrangler as its build command; SKIP_WORKER_BUILD=1 reuses an existing build (tests
# build once, then start several workerd instances).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/env.sh
if [ "${SKIP_WORKER_BUILD:-}" = "1" ] && [ -f build/index.js ]; then
  exit 0
fi
exec worker-build --release

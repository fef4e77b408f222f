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
worker-build --release
# Kept for scripts/bundle-report.mjs: the names section says which crate owns each function.
mkdir -p target && cp build/index_bg.wasm target/index_bg.names.wasm
# Size pass: -Oz, and drop the names section worker-build would keep (about 160 KiB
# gzip). The feature list is worker-build's (what workerd runs) plus SIMD, which some
# dependencies emit.
"$WASM_OPT_BIN" build/index_bg.wasm -o build/index_bg.wasm -Oz --strip-debug --strip-producers \
  --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
  --enable-bulk-memory --enable-multivalue --enable-reference-types \
  --enable-exception-handling --enable-simd

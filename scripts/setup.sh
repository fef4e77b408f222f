#!/usr/bin/env bash
# Installs what the build and the tests need, skipping what is already present:
# the wasm32 target, worker-build, wasm-bindgen-cli at the locked version, npm packages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/env.sh

say() { printf 'setup: %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The two build tools are compiled from crates.io once per machine (no prebuilt
# binaries are fetched). Only what the build runs is compiled: worker-build's own binary,
# and wasm-bindgen's CLI without its test runner's TLS stack (`--no-default-features`,
# `--bin wasm-bindgen`); both share one target directory, and tools need no LTO or
# size passes (measured in docs/development.md).
tools_env=(CARGO_TARGET_DIR="$ROOT/target/tools" CARGO_PROFILE_RELEASE_LTO=false
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true)

if ! worker-build --version 2>/dev/null | grep -Eq '(^| )0\.8\.'; then
  say "installing worker-build 0.8 (a few minutes, once)"
  env "${tools_env[@]}" cargo install worker-build --version '^0.8' --locked --bin worker-build
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$("$WASM_BINDGEN_BIN" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  say "installing wasm-bindgen-cli $want (a minute or two, once)"
  # --locked can fail when a locked transitive crate was yanked; fall back to a fresh resolve.
  for locked in --locked ""; do
    env "${tools_env[@]}" cargo install wasm-bindgen-cli --version "=$want" $locked --force \
      --no-default-features --bin wasm-bindgen && break
  done
  "$WASM_BINDGEN_BIN" --version 2>/dev/null | grep -qF "$want" \
    || { say "wasm-bindgen-cli $want did not install (see cargo's output above)"; exit 1; }
fi

if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

# The official conformance suite needs Node >= 22; the npm package node@22 brings it
# (a registry package, nothing downloaded from elsewhere), kept apart from the root's tools.
if [ ! -x tests/conformance/node_modules/.bin/node ] || [ tests/conformance/package-lock.json -nt tests/conformance/node_modules/.package-lock.json ]; then
  say "installing the MCP conformance suite and Node 22 (npm ci in tests/conformance)"
  npm ci --prefix tests/conformance --no-audit --no-fund
fi

bash scripts/dev-vars.sh


# The dashboard's browser tests drive Debian's Chromium (no browser download from npm).
if [ ! -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    say "installing chromium from the distribution (dashboard browser tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    say "chromium is missing: install the distribution's package (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_BIN; the dashboard browser tests are skipped until then"
  fi
fi

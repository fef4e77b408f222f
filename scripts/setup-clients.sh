#!/usr/bin/env bash
# The agent frameworks the end-to-end suite drives against the worker, installed by
# `make test` (not by `make demo`, which needs none of them), skipping what is present.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/env.sh

say() { printf 'setup: %s\n' "$*" >&2; }

# JavaScript agent frameworks for tests/e2e/js_clients.test.mjs (the AI SDK's MCP client,
# LangChain.js's adapters, MCP Inspector's CLI, mcp-remote), pinned in their own folder.
if [ ! -d tests/js-clients/node_modules ] || [ tests/js-clients/package-lock.json -nt tests/js-clients/node_modules/.package-lock.json ]; then
  say "installing the JavaScript client frameworks (npm ci in tests/js-clients)"
  npm ci --prefix tests/js-clients --no-audit --no-fund
fi

# Real Python MCP clients for tests/e2e/python_clients.test.mjs, each in its own venv
# under target/ with every package pinned (tests/python/requirements-*.txt, from pip
# freeze): the MCP SDK 1.x with the OpenAI Agents SDK, and the MCP SDK 2.x with FastMCP
# (the two SDK majors cannot share one environment). Rebuilt when a pin file changes.
for env in mcp1 mcp2; do
  venv="target/pyenv/$env"
  pins="tests/python/requirements-$env.txt"
  if [ ! -x "$venv/bin/python" ] || [ "$pins" -nt "$venv/.installed" ]; then
    say "creating the Python client environment $venv (pinned: $pins)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check --no-input -r "$pins"
    touch "$venv/.installed"
  fi
done

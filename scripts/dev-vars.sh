#!/usr/bin/env bash
# Writes .dev.vars (the local secrets of `make demo`) when it is missing, from
# .dev.vars.example with a random ADMIN_TOKEN and CREDENTIALS_KEY; replaces a published
# example ADMIN_TOKEN left by an older checkout. Local secrets are random per clone: a
# fixed, published admin token would let any web page that rebinds a DNS name to
# 127.0.0.1 drive the local admin API.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "setup: $*"; }
random_hex() { node -e "process.stdout.write(require('crypto').randomBytes(32).toString('hex'))"; }
if [ ! -f .dev.vars ]; then
  sed -e "s/^ADMIN_TOKEN=.*/ADMIN_TOKEN=$(random_hex)/" \
      -e "s/^CREDENTIALS_KEY=.*/CREDENTIALS_KEY=$(random_hex)/" .dev.vars.example > .dev.vars
  say "created .dev.vars with a random local ADMIN_TOKEN and CREDENTIALS_KEY (make demo prints the token)"
elif grep -Eqx 'ADMIN_TOKEN=(local-admin-token-change-me(-0123456789abcdef)?|replaced-by-make-setup)' .dev.vars; then
  # The CREDENTIALS_KEY stays, so what local KV holds still opens.
  sed -i.bak "s/^ADMIN_TOKEN=.*/ADMIN_TOKEN=$(random_hex)/" .dev.vars
  rm -f .dev.vars.bak
  say "replaced the published example ADMIN_TOKEN in .dev.vars with a random one"
fi

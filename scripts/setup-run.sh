#!/usr/bin/env bash
# Installs what the main job (scripts/run.sh) uses, only what is missing: Java 17 and Maven to build
# and run the proxy, npm for the one module the demo page loads in the browser (cbor-x, from
# clients/js's lockfile). The test tools (Chromium, Emscripten, nginx, websockify, cmake) are
# scripts/setup.sh's business, run by the test command.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/setup-common.sh
install_need
if [ ! -d clients/js/node_modules/cbor-x ]; then
  echo "setup: npm ci in clients/js (the demo page's cbor-x)"
  (cd clients/js && npm ci --no-audit --no-fund --loglevel=error)
fi

#!/usr/bin/env bash
# Runs the Sockbridge proxy in the foreground, from the deployable jar (built if needed).
# Options: scripts/proxy.sh --help (also readable from --config FILE)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec java -Xss512k -jar proxy-app/target/sockbridge-proxy.jar "$@"

#!/usr/bin/env bash
# Runs the Sockbridge proxy in the foreground. Options: scripts/proxy.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec java -Xss512k -cp "proxy-app/target/classes:$(cat proxy-app/target/classpath.txt)" dev.sockbridge.app.ProxyMain "$@"

#!/usr/bin/env bash
# Runs the Sockbridge proxy in the foreground. Options: scripts/proxy.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec java -Xss512k -cp "samples/target/classes:$(cat samples/target/classpath.txt)" dev.sockbridge.samples.ProxyMain "$@"

#!/usr/bin/env bash
# Runs every test: installs what is missing, builds the Emscripten programs, runs Maven, then the JS client's node tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -x emscripten/build.sh ]; then
  echo "test: building Emscripten programs"
  bash emscripten/build.sh emscripten/out >/dev/null
fi
mvn -B -ntp verify "$@"
echo "test: the JavaScript client (node --test), its end-to-end tests against the runnable proxy"
bash scripts/build.sh
log=$(mktemp)
# the deployable jar, as users run it
java -Xss512k -jar proxy-app/target/sockbridge-proxy.jar \
  --listen 127.0.0.1:0 >"$log" 2>&1 &
proxy=$!
trap 'kill "$proxy" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 150); do
  grep -q '^ready in' "$log" && break
  kill -0 "$proxy" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.2
done
url=$(sed -n 's/^Sockbridge protocol:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$log" | head -1)
[ -n "$url" ] || { echo "test: the proxy did not start" >&2; cat "$log" >&2; exit 1; }
SOCKBRIDGE_URL="$url" npm --prefix clients/js test

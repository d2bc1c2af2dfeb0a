#!/usr/bin/env bash
# The main job: builds the deployable proxy (proxy-app/target/sockbridge-proxy.jar) if needed, starts it
# on safe defaults (127.0.0.1:8080, loopback targets only) with demo echo servers, runs the Java demo
# client through it, and leaves the proxy running with the URL of the demo page (served from inside the
# jar). Stop it with: kill $(cat target/proxy.pid)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${SOCKBRIDGE_PORT:-8080}"
bash scripts/setup-run.sh || echo "run: setup did not finish (the demo page needs clients/js/node_modules/cbor-x)" >&2
bash scripts/build.sh
JAR=proxy-app/target/sockbridge-proxy.jar
mkdir -p target
if [ -f target/proxy.pid ] && kill -0 "$(cat target/proxy.pid)" 2>/dev/null; then
  echo "run: stopping the proxy started earlier (pid $(cat target/proxy.pid))"
  kill "$(cat target/proxy.pid)"; sleep 1
fi
nohup java -Xss512k -jar "$JAR" --demo --listen "127.0.0.1:$PORT" "$@" > target/proxy.log 2>&1 &
echo $! > target/proxy.pid
for i in $(seq 1 100); do
  grep -q '^ready in' target/proxy.log 2>/dev/null && break
  if ! kill -0 "$(cat target/proxy.pid)" 2>/dev/null; then cat target/proxy.log; echo "run: the proxy did not start" >&2; exit 1; fi
  sleep 0.1
done
# the start report (stdout), without the log lines (stderr, timestamped)
grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' target/proxy.log || true
echo
java -cp "$JAR" dev.sockbridge.app.DemoClient "ws://127.0.0.1:$PORT/sockbridge"
echo
echo "The proxy keeps running (pid $(cat target/proxy.pid), log target/proxy.log)."
echo "Open the demo page: $(grep '^demo page:' target/proxy.log | cut -d' ' -f3-)"
echo "Stop it with: kill \$(cat target/proxy.pid)"

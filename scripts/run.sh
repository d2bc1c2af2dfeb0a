#!/usr/bin/env bash
# The main job: builds if needed, starts the proxy on safe defaults (127.0.0.1:8080, loopback
# targets only) with demo echo servers, runs the Java demo client through it, and leaves the proxy
# running with the URL of the demo page. Stop it with: kill $(cat target/proxy.pid)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${SOCKBRIDGE_PORT:-8080}"
bash scripts/setup-run.sh || echo "run: setup did not finish (the demo page needs clients/js/node_modules/cbor-x)" >&2
bash scripts/build.sh
CP="proxy-app/target/classes:$(cat proxy-app/target/classpath.txt)"
mkdir -p target
if [ -f target/proxy.pid ] && kill -0 "$(cat target/proxy.pid)" 2>/dev/null; then
  echo "run: stopping the proxy started earlier (pid $(cat target/proxy.pid))"
  kill "$(cat target/proxy.pid)"; sleep 1
fi
nohup java -Xss512k -cp "$CP" dev.sockbridge.app.ProxyMain --demo --listen "127.0.0.1:$PORT" "$@" > target/proxy.log 2>&1 &
echo $! > target/proxy.pid
for i in $(seq 1 100); do
  grep -q '^ready in' target/proxy.log 2>/dev/null && break
  if ! kill -0 "$(cat target/proxy.pid)" 2>/dev/null; then cat target/proxy.log; echo "run: the proxy did not start" >&2; exit 1; fi
  sleep 0.1
done
grep -v '^[A-Z][a-z][a-z] [0-9]' target/proxy.log | grep -v '^INFO:' || true
echo
java -cp "$CP" dev.sockbridge.app.DemoClient "ws://127.0.0.1:$PORT/sockbridge"
echo
echo "The proxy keeps running (pid $(cat target/proxy.pid), log target/proxy.log)."
echo "Open the demo page: $(grep '^demo page:' target/proxy.log | cut -d' ' -f3-)"
echo "Stop it with: kill \$(cat target/proxy.pid)"

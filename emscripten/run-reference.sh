#!/usr/bin/env bash
# Runs the whole suite against Emscripten's own tools instead of Sockbridge:
#   POSIX-proxy programs -> the reference websocket_to_posix_proxy (built by build.sh, bound to
#                           127.0.0.1 on a free port)
#   SOCKFS programs      -> websockify 127.0.0.1:{port} 127.0.0.1:{target}, one per program
# Expected: the errno/getsockopt/non-blocking programs FAIL against the reference proxy (it sends
# Linux errno values, a wrong getsockopt layout and ignores SOCK_NONBLOCK), and the UDP SOCKFS
# variant is skipped (websockify has no UDP). See README.md.
#   usage: ./run-reference.sh [OUT_DIR] [extra run-all.js options...]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$HERE/out}"
[ $# -gt 0 ] && shift
PROXY="$OUT/refproxy/websocket_to_posix_proxy"
[ -x "$PROXY" ] || { echo "run-reference.sh: $PROXY missing; run ./build.sh first" >&2; exit 1; }
PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
mkdir -p "$OUT/logs"
# bounded: the proxy is killed when this script ends, and in any case after 20 minutes
timeout 1200 "$PROXY" "$PORT" >"$OUT/logs/refproxy.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
echo "reference proxy (pid $PID) on ws://127.0.0.1:$PORT"
set +e
node "$HERE/run-all.js" --build-dir "$OUT" --posix-url "ws://127.0.0.1:$PORT" \
  --bridge-cmd 'websockify 127.0.0.1:{port} {target}' "$@"
rc=$?
exit $rc

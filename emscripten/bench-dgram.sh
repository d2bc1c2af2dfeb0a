#!/usr/bin/env bash
# Why datagrams matter: a wasm UDP game loop (60 datagrams a second each way, sequence numbers, send
# times) in headless Chromium over (a) the Sockbridge Emscripten backend on WebTransport datagrams and
# (b) Emscripten's default SOCKFS emulation through the proxy's /websockify-udp WebSocket bridge, at
# 0%, 1% and 5% loss with 20 ms of delay each way on the browser<->proxy link; prints delivered
# datagrams, one-way latency p50/p99 and the longest stall for each direction.
#
# Everything runs in a network and PID namespace this script creates (only lo inside; when the run
# ends or the time limit hits, every process in it dies with it). The link is impaired in the kernel
# where this kernel allows it: it has no sch_netem, so loss is iptables' statistic match (random, per
# packet: QUIC packets on one path, TCP segments on the other, which TCP then retransmits) and delay
# is nfq_delay, a userspace NFQUEUE program that holds every packet DELAY ms before letting it on.
# Both paths cross the same rules: all packets to and from the proxy's two browser-facing ports.
#
#   usage: emscripten/bench-dgram.sh [--seconds 20] [--delay 20] [--losses 0,1,5]   (as root: namespaces, iptables)
#   env: LIMIT (seconds for the whole run, default 900), MVN_FLAGS (e.g. -o), PROXY_CMD (skip the proxy build),
#        NICE (e.g. -10: run the namespace at that niceness, so other work on a shared machine steals less of it)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out/bench-dgram"
B="$HERE/bench-dgram"
LIMIT="${LIMIT:-900}"
mkdir -p "$OUT"
[ "$(id -u)" = 0 ] || { echo "bench-dgram.sh: needs root (unshare --net, iptables)" >&2; exit 1; }

# tools: iptables (statistic match, NFQUEUE target) and libnetfilter-queue for nfq_delay
need=()
command -v iptables >/dev/null || need+=(iptables)
[ -f /usr/include/libnetfilter_queue/libnetfilter_queue.h ] || need+=(libnetfilter-queue-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench-dgram.sh: apt-get install ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
if [ ! -x "$OUT/nfq_delay" ] || [ "$B/nfq_delay.c" -nt "$OUT/nfq_delay" ]; then
  gcc -O2 -Wall -o "$OUT/nfq_delay" "$B/nfq_delay.c" -lnetfilter_queue
fi

# the proxy: built from this checkout into its own target/ folders (package, not install: the shared
# ~/.m2 snapshots stay as they are), its classpath from the same reactor
if [ -z "${PROXY_CMD:-}" ]; then
  stamp="$OUT/classpath.txt"
  if [ ! -f "$stamp" ] || [ -n "$(cd "$ROOT" && find api server-proxy frontend-emscripten transport-websocket transport-webtransport proxy-app pom.xml \( -name '*.java' -o -name 'pom.xml' -o -path '*/resources/*' \) -newer "$stamp" -not -path '*/target/*' 2>/dev/null | head -1)" ]; then
    echo "bench-dgram.sh: building the proxy (mvn package -pl proxy-app -am)" >&2
    rm -f "$stamp"
    (cd "$ROOT" && mvn -q -B -ntp -Dstyle.color=never ${MVN_FLAGS:-} -pl proxy-app -am package dependency:build-classpath \
       -DskipTests -Dmdep.includeScope=runtime -Dmdep.outputFile="$stamp.part" >&2)
    mv "$stamp.part" "$stamp"   # the last module written is proxy-app, the reactor's last
  fi
  PROXY_CMD="java -Xss512k -Djava.util.logging.config.file=$ROOT/scripts/logging-quiet.properties -cp $ROOT/proxy-app/target/classes:$(cat "$stamp") dev.sockbridge.app.ProxyMain"
fi

# the game loop, twice: linked with the Sockbridge backend, and plain (SOCKFS). 3.1.6's SOCKFS
# sendto needs ntohs/htons from libc, which -O2 otherwise folds away: exported so they link.
export NODE_PATH="$HERE/node_modules${NODE_PATH:+:$NODE_PATH}"
LIB="$ROOT/clients/js/emscripten/library_sockbridge.js"
SHIM="$ROOT/clients/js/emscripten/sockbridge_socket.c"
for mode in sb sockfs; do
  out="$OUT/${mode}_game.js"
  if [ ! -f "$out" ] || [ "$B/game.c" -nt "$out" ] || [ "$LIB" -nt "$out" ] || [ "$SHIM" -nt "$out" ] || [ "$0" -nt "$out" ]; then
    if [ $mode = sb ]; then
      emcc -O2 "$B/game.c" "$SHIM" --js-library "$LIB" -sENVIRONMENT=web -sEXIT_RUNTIME=1 -o "$out"
    else
      emcc -O2 "$B/game.c" -sENVIRONMENT=web -sEXIT_RUNTIME=1 '-sEXPORTED_FUNCTIONS=["_main","_ntohs","_htons"]' -o "$out"
    fi
  fi
done

# the web root the proxy serves: the client, cbor-x, the page, the two programs
WEB="$OUT/web"
rm -rf "$WEB"
mkdir -p "$WEB/node_modules/cbor-x"
mkdir -p "$WEB/src"
for f in "$ROOT"/clients/js/src/*; do ln -s "$f" "$WEB/src/"; done   # the proxy's static server follows file links, not folder links
for f in "$ROOT"/clients/js/node_modules/cbor-x/*.js; do ln -s "$f" "$WEB/node_modules/cbor-x/"; done
ln -s "$B/page.html" "$B/page.js" "$OUT"/sb_game.js "$OUT"/sb_game.wasm "$OUT"/sockfs_game.js "$OUT"/sockfs_game.wasm "$WEB/"

echo "bench-dgram.sh: running in a new network namespace (limit ${LIMIT} s, niceness ${NICE:-0})" >&2
# --pid --fork --kill-child: when the runner ends or timeout kills unshare, the namespace's init dies
# and the kernel kills everything left in it (proxy, Chromium, nfq_delay)
exec nice -n "${NICE:-0}" timeout --kill-after=10 "$LIMIT" unshare --net --pid --fork --kill-child=SIGKILL --mount-proc \
  node "$B/run.js" --root "$WEB" --nfq "$OUT/nfq_delay" --proxy-cmd "$PROXY_CMD" "$@"

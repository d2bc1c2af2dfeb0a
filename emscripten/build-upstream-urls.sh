#!/usr/bin/env bash
# Builds Emscripten's own socket tests as upstream wrote them, URLs included, with only hosts and
# ports substituted, for a proxy already listening on those ports (run-upstream-urls.js picks
# them, starts the proxies, then calls this). Nothing here reads a URL at run time:
#   url_tcp_echo_client, url_tcp_in_two_threads  tests/websocket/*.cpp, POSIX-proxy mode: sed turns
#       "ws://localhost:8080" into ws://localhost:POSIX_PORT, "google.com" into "localhost" (loopback
#       only here) and the echo port 7777/8888 into ECHO_PORT.
#   url_sockfs_*  tests/sockets/*.c, SOCKFS mode, unchanged sources: -DSOCKK=PORT, the compile-time
#       port upstream's test_sockets.py passes too; they connect to ws://127.0.0.1:PORT/ offering
#       "binary" (SOCKFS_URL is not used).
# Same emcc flags as build.sh. One compiler at a time; every output is rebuilt (ports change).
#
#   usage: ./build-upstream-urls.sh OUT_DIR --posix-port P --echo-port E --sockk-framed A
#            --sockk-down B --sockk-udp C --sockk-partial D
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:?usage: build-upstream-urls.sh OUT_DIR --posix-port P ... (see the header)}"
shift
declare -A V=()
while [ $# -gt 0 ]; do
  case "$1" in
    --posix-port|--echo-port|--sockk-framed|--sockk-down|--sockk-udp|--sockk-partial)
      [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "build-upstream-urls.sh: $1 needs a port" >&2; exit 2; }
      V[${1#--}]="$2"; shift 2 ;;
    *) echo "build-upstream-urls.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for k in posix-port echo-port sockk-framed sockk-down sockk-udp sockk-partial; do
  [ -n "${V[$k]:-}" ] || { echo "build-upstream-urls.sh: --$k is missing" >&2; exit 2; }
done
mkdir -p "$OUT/src"
OUT="$(cd "$OUT" && pwd)"
OPT="${OPT:--O2}"
UP=/usr/share/emscripten/tests
EMCC="${EMCC:-emcc}"
command -v "$EMCC" >/dev/null || { echo "build-upstream-urls.sh: emcc not found; run ./install.sh first" >&2; exit 1; }
export NODE_PATH="$HERE/node_modules${NODE_PATH:+:$NODE_PATH}"

POSIX_FLAGS=(-lwebsocket.js -sPROXY_POSIX_SOCKETS -pthread -sPROXY_TO_PTHREAD -sPTHREAD_POOL_SIZE=4
  -sENVIRONMENT=node,worker -sEXIT_RUNTIME=1 -sINITIAL_MEMORY=64MB --pre-js "$HERE/pre/posix.js"
  -include "$HERE/pre/report_result.h")
SOCKFS_FLAGS=(-sENVIRONMENT=node -sEXIT_RUNTIME=1 --pre-js "$HERE/pre/sockfs.js"
  -include "$HERE/pre/report_result.h" -I"$UP/sockets")

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t_all=$(now_ms)
emit() { # emit NAME SOURCE FLAGS...
  local name="$1" src="$2"; shift 2
  local t0; t0=$(now_ms)
  "$EMCC" "$OPT" "$@" "$src" -o "$OUT/$name.js"
  printf 'build-upstream-urls.sh: %-34s %5d ms\n' "$name" $(( $(now_ms) - t0 ))
}

# substitute SRC DST PORT_FROM: the bridge URL, the looked-up host and the echo port; every one must apply
substitute() {
  local src="$1" dst="$2" port_from="$3"
  sed -e "s#\"ws://localhost:8080\"#\"ws://localhost:${V[posix-port]}\"#" \
      -e 's#lookup_host("google.com")#lookup_host("localhost")#' \
      -e "s#htons($port_from)#htons(${V[echo-port]})#" "$src" > "$dst"
  for want in "\"ws://localhost:${V[posix-port]}\"" 'lookup_host("localhost")' "htons(${V[echo-port]})"; do
    grep -qF "$want" "$dst" || { echo "build-upstream-urls.sh: substitution failed in $dst: $want" >&2; exit 1; }
  done
  # nothing else may differ from upstream: exactly three changed lines
  local n; n=$(diff "$src" "$dst" | grep -c '^>' || true)
  [ "$n" = 3 ] || { echo "build-upstream-urls.sh: expected 3 changed lines in $dst, got $n" >&2; exit 1; }
}

substitute "$UP/websocket/tcp_echo_client.cpp" "$OUT/src/tcp_echo_client.cpp" 7777
substitute "$UP/websocket/tcp_in_two_threads.cpp" "$OUT/src/tcp_in_two_threads.cpp" 8888
emit url_tcp_echo_client "$OUT/src/tcp_echo_client.cpp" "${POSIX_FLAGS[@]}"
emit url_tcp_in_two_threads "$OUT/src/tcp_in_two_threads.cpp" "${POSIX_FLAGS[@]}"
emit url_sockfs_echo_tcp "$UP/sockets/test_sockets_echo_client.c" "${SOCKFS_FLAGS[@]}" -DSOCKK="${V[sockk-framed]}" -DTEST_DGRAM=0
emit url_sockfs_select_closes_connection "$UP/sockets/test_sockets_select_server_closes_connection_client_rw.c" \
  "${SOCKFS_FLAGS[@]}" -DSOCKK="${V[sockk-framed]}"
emit url_sockfs_select_server_down "$UP/sockets/test_sockets_select_server_down_client.c" "${SOCKFS_FLAGS[@]}" -DSOCKK="${V[sockk-down]}"
emit url_sockfs_echo_udp "$UP/sockets/test_sockets_echo_client.c" "${SOCKFS_FLAGS[@]}" -DSOCKK="${V[sockk-udp]}" -DTEST_DGRAM=1
emit url_sockfs_partial "$UP/sockets/test_sockets_partial_client.c" "${SOCKFS_FLAGS[@]}" -DSOCKK="${V[sockk-partial]}"
printf 'build-upstream-urls.sh: built in %d ms into %s\n' $(( $(now_ms) - t_all )) "$OUT"

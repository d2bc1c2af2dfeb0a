#!/usr/bin/env bash
# Builds the programs run by run-sockbridge.js: Emscripten's own tests/sockets clients, unchanged,
# and our programs in sockbridge/programs, each linked with the Sockbridge backend
# (clients/js/emscripten/library_sockbridge.js). The backend's flags are the only addition to what
# upstream's test_sockets.py uses: --js-library and, for node, --pre-js sockbridge/pre-node.js.
# A program is rebuilt only when an input is newer than its output or its flags changed.
# TARGET=web builds the same programs for a page (sockbridge/web/page.js sets Module.sockbridge)
# into out/sockbridge-web.
#   usage: ./build-sockbridge.sh [OUT_DIR]     (default emscripten/out/sockbridge[-web])   env: OPT=-O2, TARGET=node|web
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGET="${TARGET:-node}"
if [ "$TARGET" = web ]; then OUT="${1:-$HERE/out/sockbridge-web}"; else OUT="${1:-$HERE/out/sockbridge}"; fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
OPT="${OPT:--O2}"
UP=/usr/share/emscripten/tests/sockets
EMCC="${EMCC:-emcc}"
LIB="$HERE/../clients/js/emscripten/library_sockbridge.js"
SHIM="$HERE/../clients/js/emscripten/sockbridge_socket.c"
PRE="$HERE/sockbridge/pre-node.js"
P="$HERE/sockbridge/programs"
command -v "$EMCC" >/dev/null || { echo "build-sockbridge.sh: emcc not found; run ./install.sh first" >&2; exit 1; }
export NODE_PATH="$HERE/node_modules${NODE_PATH:+:$NODE_PATH}"

# the backend's flags (what a user adds: its C file for setsockopt/shutdown, its JS library), plus what node needs to exit with the program's status
if [ "$TARGET" = web ]; then
  SB=("$SHIM" --js-library "$LIB" -sENVIRONMENT=web -sEXIT_RUNTIME=1)
else
  SB=("$SHIM" --js-library "$LIB" --pre-js "$PRE" -sENVIRONMENT=node -sEXIT_RUNTIME=1)
fi
# blocking calls: ASYNCIFY and the backend's imports that may sleep
ASYNC=(-sASYNCIFY "-sASYNCIFY_IMPORTS=[\"__syscall_connect\",\"__syscall_accept4\",\"__syscall_recvfrom\",\"__syscall_sendto\",\"__syscall_recvmsg\",\"__syscall_sendmsg\",\"__syscall_poll\",\"__syscall__newselect\",\"__syscall_bind\",\"__syscall_listen\",\"getaddrinfo\",\"gethostbyname\"]")
UPF=(-include "$HERE/pre/report_result.h" -I"$UP" -DSOCKK=49160)

built=0 skipped=0
build() {
  local name="$1" src="$2"; shift 2
  local flags=("$OPT" "$@")
  local out="$OUT/$name.js" stamp="$OUT/$name.flags"
  local want; want="$(printf '%s\n' "$EMCC" "${flags[@]}" "$src")"
  if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
     && [ "$out" -nt "$src" ] && [ "$out" -nt "$LIB" ] && [ "$out" -nt "$SHIM" ] && [ "$out" -nt "$PRE" ] && [ "$out" -nt "$HERE/build-sockbridge.sh" ] \
     && { [ ! -f "$P/common.h" ] || [ "$out" -nt "$P/common.h" ]; }; then
    skipped=$((skipped + 1)); return
  fi
  local t0=$SECONDS
  rm -f "$stamp"
  "$EMCC" "${flags[@]}" "$src" -o "$out"
  printf '%s\n' "$want" > "$stamp"
  built=$((built + 1))
  echo "build-sockbridge.sh: $name $((SECONDS - t0)) s"
}

build sb_upstream_echo_tcp "$UP/test_sockets_echo_client.c" "${SB[@]}" "${UPF[@]}" -DTEST_DGRAM=0
build sb_upstream_echo_udp "$UP/test_sockets_echo_client.c" "${SB[@]}" "${UPF[@]}" -DTEST_DGRAM=1
# the same client driven by Emscripten's socket callbacks (open/message/error) instead of a main loop,
# as upstream's test_sockets_async_echo builds it
build sb_upstream_echo_tcp_async "$UP/test_sockets_echo_client.c" "${SB[@]}" "${UPF[@]}" -DTEST_DGRAM=0 -DTEST_ASYNC=1
build sb_upstream_echo_udp_async "$UP/test_sockets_echo_client.c" "${SB[@]}" "${UPF[@]}" -DTEST_DGRAM=1 -DTEST_ASYNC=1
# the same build again, run against a closed port (upstream's "expect fail" step)
build sb_upstream_echo_async_refused "$UP/test_sockets_echo_client.c" "${SB[@]}" "${UPF[@]}" -DTEST_DGRAM=0 -DTEST_ASYNC=1
build sb_upstream_partial "$UP/test_sockets_partial_client.c" "${SB[@]}" "${UPF[@]}"
build sb_upstream_select_server_down "$UP/test_sockets_select_server_down_client.c" "${SB[@]}" "${UPF[@]}"
build sb_upstream_select_closes_connection "$UP/test_sockets_select_server_closes_connection_client_rw.c" "${SB[@]}" "${UPF[@]}"
if [ -d "$P" ]; then
  [ -f "$P/udp_game.c" ] && build sb_udp_game "$P/udp_game.c" "${SB[@]}"
  [ -f "$P/nonblocking.c" ] && build sb_nonblocking "$P/nonblocking.c" "${SB[@]}"
  [ -f "$P/backpressure.c" ] && build sb_backpressure "$P/backpressure.c" "${SB[@]}"
  [ -f "$P/blocking.c" ] && build sb_blocking "$P/blocking.c" "${SB[@]}" "${ASYNC[@]}"
  # the non-blocking program again, its main() in a pthread (syscalls proxied to the main thread,
  # where the session is); node only: a page would need cross-origin isolation for pthreads
  if [ "$TARGET" != web ] && [ -f "$P/nonblocking.c" ]; then
    build sb_nonblocking_pthread "$P/nonblocking.c" "${SB[@]/-sENVIRONMENT=node/-sENVIRONMENT=node,worker}" -pthread -sPROXY_TO_PTHREAD -sPTHREAD_POOL_SIZE=2
  fi
  # blocking calls in pthreads (no ASYNCIFY): main() on the main thread starting a network thread,
  # and the same with main() itself in a pthread (PROXY_TO_PTHREAD); a page runs them cross-origin
  # isolated (sockbridge/web/coi-sw.js)
  if [ -f "$P/threads.c" ]; then
    TSB=("${SB[@]/#-sENVIRONMENT=*/-sENVIRONMENT=$TARGET,worker}")
    build sb_threads "$P/threads.c" "${TSB[@]}" -pthread -sPTHREAD_POOL_SIZE=4
    build sb_threads_proxied "$P/threads.c" "${TSB[@]}" -pthread -sPROXY_TO_PTHREAD -sPTHREAD_POOL_SIZE=4
  fi
  # the ASYNCIFY program in a pthread build: its main-thread calls still sleep through ASYNCIFY
  if [ "$TARGET" != web ] && [ -f "$P/blocking.c" ]; then
    build sb_blocking_pthread_build "$P/blocking.c" "${SB[@]/-sENVIRONMENT=node/-sENVIRONMENT=node,worker}" "${ASYNC[@]}" -pthread -sPTHREAD_POOL_SIZE=1
  fi
fi
echo "build-sockbridge.sh: $built built, $skipped up to date, output in $OUT"

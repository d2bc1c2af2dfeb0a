#!/usr/bin/env bash
# Builds every Emscripten test program into OUT_DIR (default: emscripten/out) with Debian's
# emcc 3.1.6, plus Emscripten's reference proxy (websocket_to_posix_proxy, patched to bind
# 127.0.0.1) into OUT_DIR/refproxy, and a copy with TCP_NODELAY patched in (for the benchmark)
# into OUT_DIR/refproxy-nodelay. A program is rebuilt only when its output is older than one of
# its inputs or its compile flags changed. One compiler process at a time.
#   usage: ./build.sh [OUT_DIR]        env: OPT=-O2 (default), SOCKK=49160, NO_REFPROXY=1
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$HERE/out}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
OPT="${OPT:--O2}"
# Compile-time port of the upstream SOCKFS tests (-DSOCKK). run-all.js overrides the URL at run
# time (SOCKFS_URL, see pre/sockfs.js), so the value only shows up in their getpeername check.
SOCKK="${SOCKK:-49160}"
UP=/usr/share/emscripten/tests
EMCC="${EMCC:-emcc}"

command -v "$EMCC" >/dev/null || { echo "build.sh: emcc not found; run ./install.sh first" >&2; exit 1; }
[ -d "$HERE/node_modules/acorn" ] || { echo "build.sh: node_modules missing; run ./install.sh first" >&2; exit 1; }
# emcc -O1/-O2 runs its JS optimizer, which needs acorn; Debian's package does not find one.
export NODE_PATH="$HERE/node_modules${NODE_PATH:+:$NODE_PATH}"

POSIX_FLAGS=(-lwebsocket.js -sPROXY_POSIX_SOCKETS -pthread -sPROXY_TO_PTHREAD -sPTHREAD_POOL_SIZE=4
  -sENVIRONMENT=node,worker -sEXIT_RUNTIME=1 -sINITIAL_MEMORY=64MB --pre-js "$HERE/pre/posix.js")
SOCKFS_FLAGS=(-sENVIRONMENT=node -sEXIT_RUNTIME=1 --pre-js "$HERE/pre/sockfs.js"
  -include "$HERE/pre/report_result.h" -I"$UP/sockets" -DSOCKK="$SOCKK")

built=0 skipped=0
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs_since() { local d=$(( $(now_ms) - $1 )); printf '%d.%d' $((d / 1000)) $((d % 1000 / 100)); }
total_start=$(now_ms)
# build NAME SOURCE EXTRA_DEPS... -- FLAGS...
build() {
  local name="$1" src="$2"; shift 2
  local deps=("$src" "$HERE/build.sh")
  while [ "$1" != "--" ]; do deps+=("$1"); shift; done
  shift
  local flags=("$OPT" "$@")
  local out="$OUT/$name.js" stamp="$OUT/$name.flags"
  local want; want="$(printf '%s\n' "$EMCC" "${flags[@]}" "$src")"
  if [ -f "$out" ] && [ -f "$OUT/$name.wasm" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    local stale=0 d
    for d in "${deps[@]}"; do [ "$out" -nt "$d" ] || { stale=1; break; }; done
    if [ $stale = 0 ]; then skipped=$((skipped + 1)); return; fi
  fi
  local t0; t0=$(now_ms)
  rm -f "$stamp"
  "$EMCC" "${flags[@]}" "$src" -o "$out"
  printf '%s\n' "$want" > "$stamp"
  built=$((built + 1))
  printf 'build.sh: %-36s %5s s\n' "$name" "$(secs_since "$t0")"
}

P="$HERE/programs"
COMMON="$P/posix/common.h"
PRE_P="$HERE/pre/posix.js"
PRE_S="$HERE/pre/sockfs.js"
RR="$HERE/pre/report_result.h"

# --- POSIX-proxy mode (PROXY_POSIX_SOCKETS): upstream tests, patched copies ---
build upstream_tcp_echo_client "$P/upstream/tcp_echo_client.cpp" "$PRE_P" "$RR" -- "${POSIX_FLAGS[@]}" -include "$RR"
build upstream_tcp_in_two_threads "$P/upstream/tcp_in_two_threads.cpp" "$PRE_P" "$RR" -- "${POSIX_FLAGS[@]}" -include "$RR"
# --- POSIX-proxy mode: our own programs ---
for p in udp_echo getaddrinfo tcp_server nonblocking sockopts bulk_transfer threads; do
  build "posix_$p" "$P/posix/$p.c" "$COMMON" "$PRE_P" -- "${POSIX_FLAGS[@]}"
done
# --- SOCKFS mode (default emulation, websockify-style bridge): upstream tests, unmodified ---
build sockfs_echo_tcp "$UP/sockets/test_sockets_echo_client.c" "$PRE_S" "$RR" -- "${SOCKFS_FLAGS[@]}" -DTEST_DGRAM=0
build sockfs_echo_udp "$UP/sockets/test_sockets_echo_client.c" "$PRE_S" "$RR" -- "${SOCKFS_FLAGS[@]}" -DTEST_DGRAM=1
build sockfs_select_server_down "$UP/sockets/test_sockets_select_server_down_client.c" "$PRE_S" "$RR" -- "${SOCKFS_FLAGS[@]}"
build sockfs_select_closes_connection "$UP/sockets/test_sockets_select_server_closes_connection_client_rw.c" \
  "$PRE_S" "$RR" -- "${SOCKFS_FLAGS[@]}"
# --- benchmark clients (bench.sh; see bench/README.md) ---
build bench_posix "$HERE/bench/bench_posix.c" "$COMMON" "$PRE_P" "$HERE/bench/bench_cpu.h" "$HERE/bench/bench_common.h" -- "${POSIX_FLAGS[@]}"
build bench_sockfs "$HERE/bench/bench_sockfs.c" "$PRE_S" "$HERE/bench/bench_cpu.h" "$HERE/bench/bench_common.h" -- -sENVIRONMENT=node -sEXIT_RUNTIME=1 --pre-js "$PRE_S"
build bench_posix_st "$HERE/bench/bench_posix_st.c" "$COMMON" "$PRE_P" "$HERE/bench/bench_cpu.h" "$HERE/bench/bench_common.h" -- "${POSIX_FLAGS[@]}"
build bench_sockfs_select "$HERE/bench/bench_sockfs_select.c" "$PRE_S" "$HERE/bench/bench_cpu.h" "$HERE/bench/bench_common.h" -- -sENVIRONMENT=node -sEXIT_RUNTIME=1 --pre-js "$PRE_S"

# --- Emscripten's reference proxy (native, cmake + gcc), bound to 127.0.0.1, into OUT/refproxy;
# and the same with TCP_NODELAY set on each accepted WebSocket connection (the one-line fix its
# users apply against Nagle + delayed ACK) into OUT/refproxy-nodelay, for the benchmark ---
# refproxy DIR NODELAY(0|1)
refproxy() {
  local RSRC=/usr/share/emscripten/tools/websocket_to_posix_proxy RP="$OUT/$1" nodelay="$2" t0
  if [ -x "$RP/websocket_to_posix_proxy" ] && [ -z "$(find "$RSRC" "$HERE/build.sh" -newer "$RP/websocket_to_posix_proxy" -type f | head -1)" ]; then
    skipped=$((skipped + 1))
    return
  fi
  t0=$(now_ms)
  rm -rf "$RP/src" "$RP/build"
  mkdir -p "$RP"
  cp -r "$RSRC" "$RP/src"
  chmod -R u+w "$RP/src"
  # upstream listens on INADDR_ANY; we may only use loopback
  sed -i 's/htonl(INADDR_ANY)/htonl(INADDR_LOOPBACK)/' "$RP/src/src/main.cpp"
  grep -q 'htonl(INADDR_LOOPBACK)' "$RP/src/src/main.cpp" || { echo "build.sh: bind patch failed" >&2; exit 1; }
  if [ "$nodelay" = 1 ]; then
    # right after the accept() of a WebSocket client (posix_sockets.h includes netinet/tcp.h)
    sed -i 's/^\(\s*\)THREAD_T connection;/\1{ int one = 1; setsockopt(client_fd, IPPROTO_TCP, TCP_NODELAY, (const char *)\&one, sizeof one); }\n&/' \
      "$RP/src/src/main.cpp"
    grep -q 'setsockopt(client_fd, IPPROTO_TCP, TCP_NODELAY' "$RP/src/src/main.cpp" || { echo "build.sh: TCP_NODELAY patch failed" >&2; exit 1; }
  fi
  CC=gcc CXX=g++ cmake -S "$RP/src" -B "$RP/build" -DCMAKE_BUILD_TYPE=Release -Wno-dev -Wno-deprecated >/dev/null
  cmake --build "$RP/build" -j 1 >/dev/null
  cp "$RP/build/websocket_to_posix_proxy" "$RP/websocket_to_posix_proxy"
  printf 'build.sh: %-36s %5s s\n' "$1/websocket_to_posix_proxy" "$(secs_since "$t0")"
  built=$((built + 1))
}
if [ -z "${NO_REFPROXY:-}" ]; then
  refproxy refproxy 0
  refproxy refproxy-nodelay 1
fi
printf 'build.sh: %d built, %d up to date, %s s total, output in %s\n' "$built" "$skipped" \
  "$(secs_since "$total_start")" "$OUT"

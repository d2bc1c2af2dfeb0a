#!/usr/bin/env bash
# Benchmark: the same Emscripten-built clients against Sockbridge's Java proxy and against the
# tools it replaces, in one run, on 127.0.0.1 only, printed as one Markdown table (also written
# to out/bench/table.md) plus a "where the time goes" table.
#
# Servers:
#   POSIX-proxy mode (-sPROXY_POSIX_SOCKETS): the Java proxy ws://127.0.0.1:J/emscripten;
#     Emscripten's reference websocket_to_posix_proxy as shipped (3.1.6, out/refproxy); the same
#     with TCP_NODELAY set after accept() (out/refproxy-nodelay; both built by build.sh from
#     Debian's sources).
#   SOCKFS mode (Emscripten's default emulation): the Java bridge
#     ws://127.0.0.1:J/websockify?target=...; websockify 127.0.0.1:W 127.0.0.1:ECHO.
# Workloads (rows), as KEY-SERVER PHASE in out/bench/results.txt (SERVER: java, ref, refnd, wsk):
#   posix rt      64-byte round trips on one connection (bench/bench_posix.c)
#   posix bulk    echo through a TCP echo server, a sender and a receiver thread, 64 KiB calls
#   st st         single-threaded windowed echo: 1 MiB kept in flight, recv() with a 64 KiB buffer
#                 (bench/bench_posix_st.c echo)
#   http get1m, get16m  HTTP/1.1 GET of 1 MiB / 16 MiB from a local nginx, one connection per GET,
#                 recv() with a 64 KiB buffer in a loop; time per GET (bench_posix_st.c http)
#   sockfs rt, bulk  round trips, and echo with the callback client of bench/bench_sockfs.c
#   sel sel       SOCKFS echo with an ordinary select()-driven non-blocking client
#                 (bench/bench_sockfs_select.c, 1 MiB window, 64 KiB recv buffer)
# The reference proxies are started afresh for every client run (they leak a thread per call).
# Targets (issue 12): Java >= 2x the TCP_NODELAY reference in round trips, in every POSIX bulk
# row and in HTTP GET time; Java bridge >= 1.5x websockify in bridge echo throughput.
#
# Method: the Java proxy is warmed up first (one unmeasured run of every client against it), then
# every other server gets an unmeasured run; then REPS measured repetitions, interleaved (each
# repetition runs every client against every server except the shipped reference), and the
# table shows medians over them. The shipped reference is slow (Nagle + delayed ACK, ~44 ms per
# call) and gets one measured run with smaller sizes (RT_REF round trips, REF_ST_MIB windowed
# echo, REF_GET1M / REF_GET16M GETs). Where the time goes: around each measured phase the client
# (through node --require bench/cpu-hook.js) reads the CPU time of itself, of the proxy's and of
# the target server's process groups from /proc, and counts its recv() calls and bytes.
#
#   usage: ./bench.sh [--check] [--reps N] [--quick]
#     --check   exit 3 when a target is missed
#     --quick   a smoke test (about a minute once built): 1 repetition, small sizes
#   env: RT=5000 RT_WARMUP=1000 RT_REF=200 RT_REF_WARMUP=5 BULK_MIB=64 REF_BULK_MIB=64
#        ST_MIB=64 REF_ST_MIB=4 SEL_MIB=64 WINDOW=1048576 RECVBUF=65536
#        GET1M=9 GET16M=3 REF_GET1M=3 REF_GET16M=1 (GETs per run) REPS=5
#        LIMIT=1200 (seconds, whole run after the Java proxy is up) JAVA_START_TIMEOUT=300
#   exit: 0 every cell of the table measured (a failed or hung run is retried once and listed),
#         1 a server failed or a result is missing, 2 usage, 3 target missed (with --check)
#
# Logs: out/bench/ (build, servers, every client run, results.txt, table.md). Everything this
# script starts is stopped when it ends (trap EXIT), and every process has its own time limit.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out"
LOGS="$OUT/bench"

CHECK=0 QUICK=0
RT="${RT:-5000}" RT_WARMUP="${RT_WARMUP:-1000}" RT_REF="${RT_REF:-200}" RT_REF_WARMUP="${RT_REF_WARMUP:-5}"
BULK_MIB="${BULK_MIB:-64}" REF_BULK_MIB="${REF_BULK_MIB:-64}" ST_MIB="${ST_MIB:-64}" REF_ST_MIB="${REF_ST_MIB:-4}"
SEL_MIB="${SEL_MIB:-64}" WINDOW="${WINDOW:-1048576}" RECVBUF="${RECVBUF:-65536}"
GET1M="${GET1M:-9}" GET16M="${GET16M:-3}" REF_GET1M="${REF_GET1M:-3}" REF_GET16M="${REF_GET16M:-1}"
REPS="${REPS:-5}" LIMIT="${LIMIT:-1200}" JAVA_START_TIMEOUT="${JAVA_START_TIMEOUT:-300}"
while [ $# -gt 0 ]; do
  case "$1" in
    --check) CHECK=1; shift ;;
    --reps) REPS="$2"; shift 2 ;;
    --quick) QUICK=1 RT=1000 RT_WARMUP=200 RT_REF=20 BULK_MIB=16 REF_BULK_MIB=16 ST_MIB=16 REF_ST_MIB=2 SEL_MIB=16
      GET1M=3 GET16M=1 REF_GET1M=1 REF_GET16M=1 REPS=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done

START=$SECONDS
mkdir -p "$LOGS"
rm -f "$LOGS"/run-*.log "$LOGS"/results.txt "$LOGS"/table.md
export NODE_PATH="$HERE/node_modules${NODE_PATH:+:$NODE_PATH}"
export BENCH_CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)"

# ---- process bookkeeping: every service runs under `timeout`, which makes its own process
# group; on exit we signal exactly those groups.
PGIDS=()
NGX_DIR=""
cleanup() {
  local rc=$? g
  for g in ${PGIDS[@]+"${PGIDS[@]}"}; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in ${PGIDS[@]+"${PGIDS[@]}"}; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$g" 2>/dev/null || true
  done
  [ -n "$NGX_DIR" ] && rm -rf "$NGX_DIR"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

remaining() { echo $(( LIMIT - (SECONDS - START) )); }
die() { echo "bench.sh: $*" >&2; exit 1; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_port() { # PORT SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# ---- build (incremental) ----
echo "bench.sh: building (log: out/bench/build.log)"
"$HERE/build.sh" >"$LOGS/build.log" 2>&1 || { tail -20 "$LOGS/build.log" >&2; die "build failed"; }
tail -1 "$LOGS/build.log"
REFPROXY="$OUT/refproxy/websocket_to_posix_proxy" REFPROXY_ND="$OUT/refproxy-nodelay/websocket_to_posix_proxy"
[ -x "$REFPROXY" ] && [ -x "$REFPROXY_ND" ] || die "reference proxies missing (build.sh with NO_REFPROXY set?)"
command -v websockify >/dev/null || die "websockify not installed (./install.sh)"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || die "nginx not installed (./install.sh)"

# ---- services ----

JP="$(free_port)"
echo "bench.sh: starting the Java proxy on 127.0.0.1:$JP (scripts/proxy.sh; may build first)"
( cd "$ROOT" && exec timeout $((LIMIT + JAVA_START_TIMEOUT)) bash scripts/proxy.sh --listen "127.0.0.1:$JP" --bridge-url-targets ) \
  >"$LOGS/java-proxy.log" 2>&1 &
PGIDS+=($!)
JAVA_PG=$!
t=0
until grep -q 'ready in' "$LOGS/java-proxy.log" 2>/dev/null; do
  kill -0 "$JAVA_PG" 2>/dev/null || { tail -20 "$LOGS/java-proxy.log" >&2; die "Java proxy exited"; }
  ((t++ < JAVA_START_TIMEOUT * 5)) || die "Java proxy not ready after ${JAVA_START_TIMEOUT}s"
  sleep 0.2
done
grep -o 'ready in [0-9]* ms' "$LOGS/java-proxy.log" | sed 's/^/bench.sh: Java proxy /'
START=$SECONDS # the time limit counts from here: a Maven build above is not part of the benchmark

timeout "$LIMIT" node "$HERE/bench/echo-server.js" --timeout "$LIMIT" >"$LOGS/echo-server.log" 2>&1 &
PGIDS+=($!)
ECHO_PG=$!
ECHO=""
for _ in $(seq 50); do
  ECHO="$(sed -n 's/^{"tcp":\([0-9]*\)}$/\1/p' "$LOGS/echo-server.log")"
  [ -n "$ECHO" ] && break
  sleep 0.1
done
[ -n "$ECHO" ] || die "echo server did not start (out/bench/echo-server.log)"

# The reference proxies get a fresh process for every client run (start_ref, below): they start a
# joinable thread for every blocking call and never join it, so each call leaves its thread's
# stack mapped. After some ten thousand calls (two or three of our runs) thread creation fails,
# new connections are refused ("Failed to create a connection handler thread") and calls whose
# thread could not start are never answered, so the client hangs.
# start_ref BINARY LOG: starts it on a free port; sets REF_PORT and REF_PG (its process group)
REF_PORT="" REF_PG=""
start_ref() {
  REF_PORT="$(free_port)"
  timeout "$LIMIT" "$1" "$REF_PORT" >>"$2" 2>&1 &
  REF_PG=$!
  PGIDS+=($REF_PG)
  wait_port "$REF_PORT" 10 || die "$1 did not listen on $REF_PORT"
}
stop_ref() {
  kill -TERM -- "-$REF_PG" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$REF_PG" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$REF_PG" 2>/dev/null || true
}
: >"$LOGS/refproxy.log"
: >"$LOGS/refproxy-nodelay.log"
start_ref "$REFPROXY" "$LOGS/refproxy.log" && stop_ref
start_ref "$REFPROXY_ND" "$LOGS/refproxy-nodelay.log" && stop_ref

WP="$(free_port)"
timeout "$LIMIT" websockify "127.0.0.1:$WP" "127.0.0.1:$ECHO" >"$LOGS/websockify.log" 2>&1 &
PGIDS+=($!)
WSK_PG=$!
wait_port "$WP" 15 || die "websockify did not listen on $WP"

# nginx: its own prefix, config, logs and temp paths in a private directory; files it serves are
# generated there. As root its worker runs as nobody (so everything must be world-readable).
NGX_DIR="$(mktemp -d /tmp/sockbridge-bench-nginx.XXXXXX)"
chmod 755 "$NGX_DIR"
mkdir -p "$NGX_DIR/html" "$NGX_DIR/temp"
node "$HERE/bench/make-files.js" "$NGX_DIR/html" 1m.bin:1048576 16m.bin:16777216
NGP="$(free_port)"
{
  echo "worker_processes 1;"
  echo "pid $NGX_DIR/nginx.pid;"
  echo "error_log $NGX_DIR/error.log warn;"
  [ "$(id -u)" = 0 ] && echo "user nobody $(id -gn nobody 2>/dev/null || echo nogroup);"
  echo "events { worker_connections 64; }"
  echo "http {"
  echo "  access_log off;"
  for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $NGX_DIR/temp/$t;"; done
  echo "  sendfile on; tcp_nodelay on; keepalive_timeout 5s; default_type application/octet-stream;"
  echo "  server { listen 127.0.0.1:$NGP; root $NGX_DIR/html; }"
  echo "}"
} >"$NGX_DIR/nginx.conf"
timeout "$LIMIT" "$NGINX" -p "$NGX_DIR" -c "$NGX_DIR/nginx.conf" -e "$NGX_DIR/error.log" -g 'daemon off;' \
  >"$LOGS/nginx.log" 2>&1 &
PGIDS+=($!)
NGX_PG=$!
wait_port "$NGP" 10 || { cat "$NGX_DIR/error.log" >&2 || true; die "nginx did not listen on $NGP"; }

echo "bench.sh: echo 127.0.0.1:$ECHO, nginx 127.0.0.1:$NGP, Java ws://127.0.0.1:$JP, websockify ws://127.0.0.1:$WP;" \
  "the reference proxies start afresh for every run"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench.sh: load average at start: $LOAD_START"

# ---- runs ----
POSIX_JS="$OUT/bench_posix.js" ST_JS="$OUT/bench_posix_st.js" SOCKFS_JS="$OUT/bench_sockfs.js" SEL_JS="$OUT/bench_sockfs_select.js"
HOOK="$HERE/bench/cpu-hook.js"
MIB=1048576
FAILURES=()
# run KEY LABEL: runs KEY's client (KEY = WORKLOAD-SERVER) and appends "KEY LABEL <BENCH line>"
# to results.txt. Sizes depend on the server (the shipped reference gets smaller ones) and on
# LABEL (warm-up runs of the native proxies are small). A run that fails or hangs keeps what it
# printed, under the label LABEL-failed (used only when a column has nothing else), and returns 1.
run() {
  local key="$1" label="$2" left cap log rc url proxy_pg server_pg
  local wl="${key%-*}" srv="${key##*-}"
  left=$(remaining)
  ((left > 5)) || die "time limit (${LIMIT}s) reached before $key $label"
  case "$srv" in
    java) proxy_pg=$JAVA_PG; url="ws://127.0.0.1:$JP/emscripten" ;;
    ref) start_ref "$REFPROXY" "$LOGS/refproxy.log"; proxy_pg=$REF_PG; url="ws://127.0.0.1:$REF_PORT" ;;
    refnd) start_ref "$REFPROXY_ND" "$LOGS/refproxy-nodelay.log"; proxy_pg=$REF_PG; url="ws://127.0.0.1:$REF_PORT" ;;
    wsk) proxy_pg=$WSK_PG ;;
  esac
  server_pg=$ECHO_PG
  [ "$wl" = http ] && server_pg=$NGX_PG
  local rt=$RT rtw=$RT_WARMUP bulk=$BULK_MIB st=$ST_MIB g1=$GET1M g16=$GET16M
  if [ "$srv" = ref ]; then
    rt=$RT_REF rtw=$RT_REF_WARMUP bulk=$REF_BULK_MIB st=$REF_ST_MIB g1=$REF_GET1M g16=$REF_GET16M
  fi
  if [ "$label" = warmup ] && [ "$srv" != java ] && [ "$srv" != wsk ]; then
    # native proxies have no JIT to warm: one connection's worth is enough
    rt=10 rtw=2 bulk=1 st=1 g1=1 g16=1
  fi
  # generous caps: a run normally takes a few seconds, the shipped reference's ~44 ms per call more
  cap=40
  [ "$srv" = ref ] && cap=$((40 + rt / 5 + st * 3 + g1 + g16 * 3))
  ((cap < left)) || cap=$left
  log="$LOGS/run-$key-$label.log"
  local cmd=(timeout "$cap" env BENCH_PROXY_PGID="$proxy_pg" BENCH_SERVER_PGID="$server_pg" node --require "$HOOK")
  set +e
  case "$wl" in
    posix) "${cmd[@]}" "$POSIX_JS" "$url" "$ECHO" "$rt" "$rtw" $((bulk * MIB)) >"$log" 2>&1 ;;
    st) "${cmd[@]}" "$ST_JS" "$url" echo "$ECHO" $((st * MIB)) "$WINDOW" "$RECVBUF" >"$log" 2>&1 ;;
    http) "${cmd[@]}" "$ST_JS" "$url" http "$NGP" "$RECVBUF" "get1m:/1m.bin:$g1" "get16m:/16m.bin:$g16" >"$log" 2>&1 ;;
    sockfs|sel)
      local surl="ws://127.0.0.1:$WP/"
      [ "$srv" = java ] && surl="ws://127.0.0.1:$JP/websockify?target=127.0.0.1:$ECHO"
      if [ "$wl" = sockfs ]; then
        SOCKFS_URL="$surl" "${cmd[@]}" "$SOCKFS_JS" "$ECHO" "$rt" "$rtw" $((bulk * MIB)) "$WINDOW" >"$log" 2>&1
      else
        SOCKFS_URL="$surl" "${cmd[@]}" "$SEL_JS" "$ECHO" $((SEL_MIB * MIB)) "$WINDOW" "$RECVBUF" >"$log" 2>&1
      fi ;;
    raw) timeout "$cap" node "$HERE/bench/raw-posix-client.js" "$url" "$ECHO" "$rt" "$rtw" \
      >"$log" 2>&1 && echo "BENCH done" >>"$log" ;;
  esac
  rc=$?
  set -e
  case "$srv" in ref|refnd) stop_ref ;; esac
  local tag="$label" ok=1
  if [ $rc -ne 0 ] || ! grep -q '^BENCH done' "$log"; then
    ok=0
    tag="$label-failed"
  fi
  sed -n 's/^RAW rt /BENCH rt /; /^BENCH \(done\|error\)/d; /^BENCH [a-z0-9-]* /p' "$log" | sed "s/^/$key $tag /" >>"$LOGS/results.txt"
  if [ $ok = 0 ]; then
    local why
    why="$( (grep '^BENCH error' "$log" || tail -1 "$log") | head -1)"
    [ $rc -eq 124 ] && why="killed after ${cap}s; last line: $why"
    FAILURES+=("$key $label: exit $rc, $why")
    printf 'bench.sh: %-12s %-7s FAILED (exit %s): %s\n' "$key" "$label" "$rc" "$why"
    return 1
  fi
  printf 'bench.sh: %-12s %-7s %s\n' "$key" "$label" "$(grep -o ' \(rate\|mbps\|p50_ms\)=[0-9.]*' "$log" | tr -d '\n')"
}
# run_retry KEY LABEL: a failed (hung) measured run is repeated once, as LABEL-retry
run_retry() { run "$1" "$2" || run "$1" "$2-retry" || true; }

POSIX_KEYS="posix st http"
echo "bench.sh: warm-up runs, the Java proxy first (not counted)"
for k in posix-java st-java http-java sockfs-java sel-java; do run "$k" warmup || true; done
# the native proxies have no JIT: --quick skips their warm-up runs
NATIVE_WARM="posix-ref st-ref http-ref posix-refnd st-refnd http-refnd"
[ $QUICK = 1 ] && NATIVE_WARM=""
for k in $NATIVE_WARM sockfs-wsk sel-wsk; do run "$k" warmup || true; done
echo "bench.sh: shipped reference proxy: $RT_REF round trips (~11/s), $REF_BULK_MIB MiB threaded echo," \
  "$REF_ST_MIB MiB windowed echo (~1.3 MB/s), $REF_GET1M + $REF_GET16M GETs"
for w in $POSIX_KEYS; do run_retry "$w-ref" run1; done
for ((r = 1; r <= REPS; r++)); do
  for k in posix-java posix-refnd st-java st-refnd http-java http-refnd sockfs-java sockfs-wsk sel-java sel-wsk; do
    run_retry "$k" "run$r"
  done
  run raw-java "run$r" || true # diagnostic, see below
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- report ----
RES="$LOGS/results.txt"
touch "$RES"
# med KEY PHASE FIELD: median of FIELD (or of FIELD_A/FIELD_B, computed per run) over the
# measured runs (not warm-up) of KEY; failed runs only when there is nothing else
med() {
  awk -v k="$1" -v p="$2" -v f="$3" '$1 == k && $2 != "warmup" && $4 == p {
      delete kv; for (i = 5; i <= NF; i++) { split($i, a, "="); kv[a[1]] = a[2] }
      n = split(f, ff, "/"); if (!(ff[1] in kv)) next
      v = kv[ff[1]]; if (n == 2) { if (!(ff[2] in kv) || kv[ff[2]] + 0 == 0) next; v = v / kv[ff[2]] }
      if ($2 ~ /-failed$/) bad[++nb] = v; else good[++ng] = v }
    END { if (ng) for (i = 1; i <= ng; i++) print good[i]; else for (i = 1; i <= nb; i++) print bad[i] }' "$RES" |
    sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2];
      else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
count() { awk -v k="$1" -v p="$2" '$1 == k && $2 != "warmup" && $2 !~ /-failed$/ && $4 == p' "$RES" | wc -l; }
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "-") print "-"; else printf "%.*f\n", d, v }'; }
# ratio A B HIGHER: how many times better A is than B (HIGHER=1: bigger is better, 0: smaller)
ratio() { awk -v a="$1" -v b="$2" -v h="$3" 'BEGIN { if (a == "-" || b == "-" || a + 0 == 0 || b + 0 == 0) print "n/a";
  else printf "%.2f\n", h ? a / b : b / a }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { if (t == "") print "-"; else if (r == "n/a") print "NO DATA";
  else if (r + 0 >= t) print "met"; else print "**MISSED**" }'; }

WSK_VER="$(dpkg-query -W -f='${Version}' websockify 2>/dev/null | cut -d+ -f1)"
NGX_VER="$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')"
MISSED=0
TABLE="$LOGS/table.md"
# value KEY PHASE FIELD DIGITS [PREFIX FIELD2 DIGITS2]: "median" or "median (p50 …)"
val() { fmt "$(med "$1" "$2" "$3")" "$4"; }
MISSED_ROWS=()
# mrow LABEL UNIT JAVA REF REFND WSK BASE HIGHER TARGET [JAVA-KEY PHASE BASE-KEY]: one row of the
# main table; a missed target is remembered with the keys for the "why" lines under the tables
mrow() {
  local r v
  r="$(ratio "$3" "$7" "$8")"
  v="$(verdict "$r" "$9")"
  if [ "$v" != "met" ] && [ "$v" != "-" ]; then
    MISSED=1
    MISSED_ROWS+=("${10}:${11}:${12}:${1}")
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5" "$6" \
    "$( [ "$r" = n/a ] && echo n/a || echo "${r}x")" "$( [ -n "$9" ] && echo "≥ ${9}x: $v" || echo "(no target)")"
}
{
echo "Sockbridge Emscripten benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), node $(node --version), $(nproc) cores," \
  "load average $LOAD_START at the start and $LOAD_END at the end$( [ $QUICK = 1 ] && echo '; --quick: a smoke test, not the benchmark')."
echo "Medians of $REPS interleaved repetitions after one warm-up run per client, the Java proxy warmed up first;" \
  "the shipped reference: one run with smaller sizes. MB = 10^6 B. Command: \`emscripten/bench.sh$( [ $QUICK = 1 ] && echo ' --quick')\`."
echo
echo "| workload | unit | Sockbridge | reference 3.1.6 | reference + TCP_NODELAY | websockify $WSK_VER | Sockbridge vs baseline | target |"
echo "|---|---|---|---|---|---|---|---|"
J="$(val posix-java rt rate 0)"; N="$(val posix-refnd rt rate 0)"
mrow "POSIX proxy: 64 B round trips, 1 connection" "round trips/s" "$J" "$(val posix-ref rt rate 0)" "$N" "-" "$N" 1 2 posix-java rt posix-refnd
J="$(val posix-java bulk mbps 1)"; N="$(val posix-refnd bulk mbps 1)"
mrow "POSIX proxy: echo, sender + receiver thread, 64 KiB calls ($BULK_MIB MiB)" "MB/s" "$J" "$(val posix-ref bulk mbps 1)" "$N" "-" "$N" 1 2 posix-java bulk posix-refnd
J="$(val st-java st mbps 1)"; N="$(val st-refnd st mbps 1)"
mrow "POSIX proxy: windowed echo, 1 thread, $((WINDOW / 1024)) KiB window, recv $((RECVBUF / 1024)) KiB ($ST_MIB MiB; shipped ref. $REF_ST_MIB)" \
  "MB/s" "$J" "$(val st-ref st mbps 1)" "$N" "-" "$N" 1 2 st-java st st-refnd
J="$(val http-java get1m p50_ms 1)"; N="$(val http-refnd get1m p50_ms 1)"
mrow "POSIX proxy: HTTP GET 1 MiB from nginx $NGX_VER, recv $((RECVBUF / 1024)) KiB loop" "ms per GET" "$J" "$(val http-ref get1m p50_ms 1)" "$N" "-" "$N" 0 2 http-java get1m http-refnd
J="$(val http-java get16m p50_ms 1)"; N="$(val http-refnd get16m p50_ms 1)"
mrow "POSIX proxy: HTTP GET 16 MiB, same" "ms per GET" "$J" "$(val http-ref get16m p50_ms 1)" "$N" "-" "$N" 0 2 http-java get16m http-refnd
J="$(val sockfs-java rt rate 0)"; W="$(val sockfs-wsk rt rate 0)"
mrow "SOCKFS bridge: 64 B round trips, 1 connection" "round trips/s" "$J" "-" "-" "$W" "$W" 1 ""
J="$(val sockfs-java bulk mbps 1)"; W="$(val sockfs-wsk bulk mbps 1)"
mrow "SOCKFS bridge: echo, callback client (bench_sockfs.c), $((WINDOW / 1024)) KiB window ($BULK_MIB MiB)" "MB/s" "$J" "-" "-" "$W" "$W" 1 1.5 sockfs-java bulk sockfs-wsk
J="$(val sel-java sel mbps 1)"; W="$(val sel-wsk sel mbps 1)"
mrow "SOCKFS bridge: echo, ordinary select() client, $((WINDOW / 1024)) KiB window, recv $((RECVBUF / 1024)) KiB ($SEL_MIB MiB)" \
  "MB/s" "$J" "-" "-" "$W" "$W" 1 1.5 sel-java sel sel-wsk
echo
echo "Baseline: the reference with TCP_NODELAY for POSIX-proxy rows, websockify for bridge rows; time rows compare baseline time / Sockbridge time."
echo
echo "Where the time goes: CPU per unit of work (user + sys; ms per MiB moved, or µs per round trip)"
echo "of the proxy (its process group), the client (node, all threads) and the target server (echo server / nginx);"
echo "kernel = the sys part of those three; bytes per recv() = what the client's recv() calls returned on average."
echo
echo "| workload | server | proxy CPU | client CPU | server CPU | kernel | bytes per recv() |"
echo "|---|---|---|---|---|---|---|"
# crow WORKLOAD-LABEL KEY PHASE SERVER-LABEL UNIT
crow() {
  [ "$(count "$2" "$3")" -gt 0 ] || [ "$(med "$2" "$3" recvs)" != "-" ] || return 0
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$4" \
    "$(val "$2" "cpu-$3" proxy 2)" "$(val "$2" "cpu-$3" client 2)" "$(val "$2" "cpu-$3" server 2)" \
    "$(val "$2" "cpu-$3" kernel 2)" "$(fmt "$(med "$2" "$3" recv_bytes/recvs)" 0)"
}
# crows WORKLOAD-LABEL WORKLOAD PHASE SERVER:LABEL...: one crow per server
crows() {
  local label="$1" wl="$2" ph="$3" s
  shift 3
  for s in "$@"; do crow "$label" "$wl-${s%%:*}" "$ph" "${s#*:}"; done
}
POSIX_SERVERS=(java:Sockbridge "ref:reference 3.1.6" "refnd:reference + TCP_NODELAY")
BRIDGE_SERVERS=(java:Sockbridge wsk:websockify)
crows "POSIX round trips (µs/round trip)" posix rt "${POSIX_SERVERS[@]}"
crows "POSIX echo, 2 threads (ms/MiB)" posix bulk "${POSIX_SERVERS[@]}"
crows "POSIX windowed echo, 1 thread (ms/MiB)" st st "${POSIX_SERVERS[@]}"
crows "HTTP GET 1 MiB (ms/MiB)" http get1m "${POSIX_SERVERS[@]}"
crows "HTTP GET 16 MiB (ms/MiB)" http get16m "${POSIX_SERVERS[@]}"
crows "SOCKFS round trips (µs/round trip)" sockfs rt "${BRIDGE_SERVERS[@]}"
crows "SOCKFS echo, callback client (ms/MiB)" sockfs bulk "${BRIDGE_SERVERS[@]}"
crows "SOCKFS echo, select() client (ms/MiB)" sel sel "${BRIDGE_SERVERS[@]}"
if [ ${#MISSED_ROWS[@]} -gt 0 ]; then
  echo
  echo "Targets missed, and where the time goes (Sockbridge vs baseline, medians; CPU per unit as in the second table)."
  echo "\"CPU bound\": on a machine whose cores are saturated, work per unit of time is capped by CPU per unit, so a proxy"
  echo "that used no CPU at all would reach at most (baseline's proxy + client + server CPU) / (Sockbridge's client + server CPU)."
  echo
  for m in "${MISSED_ROWS[@]}"; do
    IFS=: read -r jk ph bk label <<<"$m"
    [ -n "$jk" ] || continue
    bound="$(awk -v bp="$(med "$bk" "cpu-$ph" proxy)" -v bc="$(med "$bk" "cpu-$ph" client)" -v bs="$(med "$bk" "cpu-$ph" server)" \
      -v jc="$(med "$jk" "cpu-$ph" client)" -v js="$(med "$jk" "cpu-$ph" server)" \
      'BEGIN { if (bp == "-" || bc == "-" || jc == "-" || jc + js <= 0) print "n/a"; else printf "%.2fx\n", (bp + bc + bs) / (jc + js) }')"
    echo "- $label: proxy CPU $(val "$jk" "cpu-$ph" proxy 2) vs $(val "$bk" "cpu-$ph" proxy 2)," \
      "client CPU $(val "$jk" "cpu-$ph" client 2) vs $(val "$bk" "cpu-$ph" client 2)," \
      "kernel $(val "$jk" "cpu-$ph" kernel 2) vs $(val "$bk" "cpu-$ph" kernel 2)," \
      "bytes per recv() $(fmt "$(med "$jk" "$ph" recv_bytes/recvs)" 0) vs $(fmt "$(med "$bk" "$ph" recv_bytes/recvs)" 0);" \
      "CPU bound with a free proxy: $bound"
  done
fi
} >"$TABLE"
cat "$TABLE"

echo
echo "notes: no client sets TCP_NODELAY on its own sockets; the shipped reference writes each reply in two send()s without"
echo "  TCP_NODELAY (Nagle + delayed ACK, ~44 ms per call). /proc counts CPU in ticks of $((1000 / BENCH_CLK_TCK)) ms."
echo "  The reference's threaded echo can deadlock (more often with TCP_NODELAY): it runs SEND on the connection's own thread,"
echo "  so while a send() to the echo server blocks it reads no further requests, among them the RECVs that would drain the"
echo "  echo. Such runs are killed after their time limit, retried once and listed below; the medians use the runs that ended."
# spread KEY PHASE FIELD DIGITS: "min-max" over the measured runs
spread() {
  awk -v k="$1" -v p="$2" -v f="$3" -v d="$4" '$1 == k && $2 != "warmup" && $2 !~ /-failed$/ && $4 == p {
      for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) { v = kv[2] + 0; n++;
        if (n == 1 || v < lo) lo = v; if (n == 1 || v > hi) hi = v } } }
    END { if (n == 0) print "-"; else printf "%.*f-%.*f", d, lo, d, hi }' "$RES"
}
warm() { awk -v k="$1" -v p="$2" -v f="$3" '$1 == k && $2 == "warmup" && $4 == p {
    for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' "$RES" | head -1; }
echo "round-trip latency, p50 / p99 µs (medians): Sockbridge $(val posix-java rt p50_us 0) / $(val posix-java rt p99_us 0)," \
  "reference $(val posix-ref rt p50_us 0) / $(val posix-ref rt p99_us 0), reference + TCP_NODELAY $(val posix-refnd rt p50_us 0) / $(val posix-refnd rt p99_us 0);" \
  "SOCKFS: Sockbridge $(val sockfs-java rt p50_us 0) / $(val sockfs-java rt p99_us 0), websockify $(val sockfs-wsk rt p50_us 0) / $(val sockfs-wsk rt p99_us 0)"
echo "where a POSIX-mode round trip goes with the Java proxy (medians of p50s): Emscripten client send() $(val posix-java diag send_p50_us 0) µs" \
  "+ recv() $(val posix-java diag 'recv_p50_us~' 0) µs; one synchronous pthread -> main thread call (no I/O) $(val posix-java diag main_thread_hop_p50_us 0) µs;"
echo "  the same round trip spoken directly in the bridge protocol by plain node (bench/raw-posix-client.js, no wasm): $(val raw-java rt p50_us 0) µs, $(val raw-java rt rate 0)/s"
echo "spread over the measured runs (min-max), and the warm-up run (fresh processes, cold JIT):"
for spec in posix:rt:rate:0 posix:bulk:mbps:1 st:st:mbps:1 http:get1m:p50_ms:1 http:get16m:p50_ms:1 sockfs:rt:rate:0 sockfs:bulk:mbps:1 sel:sel:mbps:1; do
  IFS=: read -r wl ph f d <<<"$spec"
  for srv in java ref refnd wsk; do
    k="$wl-$srv"
    n="$(count "$k" "$ph")"
    [ "$n" -gt 0 ] || continue
    printf '  %-12s %-6s %-6s %d run(s): %s; warm-up run: %s\n' "$k" "$ph" "$f" "$n" "$(spread "$k" "$ph" "$f" "$d")" "$(warm "$k" "$ph" "$f")"
  done
done
if grep -q 'NoClassDefFoundError\|ClassNotFoundException' "$LOGS/java-proxy.log" 2>/dev/null; then
  echo "warning: the Java proxy lost classes while running (its jars were rebuilt underneath it?): see out/bench/java-proxy.log"
fi
echo "table: out/bench/table.md; per-run results: out/bench/results.txt; logs: out/bench/; $((SECONDS - START)) s after the Java proxy was ready"

if [ ${#FAILURES[@]} -gt 0 ]; then
  echo "failed or hung runs (logs in out/bench/run-KEY-LABEL.log; partial results are used only where nothing else exists):"
  printf '  %s\n' "${FAILURES[@]}"
fi
MISSING=0
for spec in posix-java:rt:rate posix-ref:rt:rate posix-refnd:rt:rate posix-java:bulk:mbps posix-ref:bulk:mbps posix-refnd:bulk:mbps \
  st-java:st:mbps st-ref:st:mbps st-refnd:st:mbps http-java:get1m:p50_ms http-ref:get1m:p50_ms http-refnd:get1m:p50_ms \
  http-java:get16m:p50_ms http-ref:get16m:p50_ms http-refnd:get16m:p50_ms sockfs-java:rt:rate sockfs-wsk:rt:rate \
  sockfs-java:bulk:mbps sockfs-wsk:bulk:mbps sel-java:sel:mbps sel-wsk:sel:mbps; do
  IFS=: read -r k ph f <<<"$spec"
  [ "$(med "$k" "$ph" "$f")" != "-" ] || { echo "missing: $k $ph" >&2; MISSING=1; }
done
[ $MISSING -eq 0 ] || { echo "bench.sh: some results are missing (see above)" >&2; exit 1; }
if [ $CHECK -eq 1 ] && [ $MISSED -eq 1 ]; then exit 3; fi
exit 0

#!/usr/bin/env bash
# Benchmark: the same Emscripten-built clients against Sockbridge's Java proxy and against
# Emscripten's own tools, in one run, on 127.0.0.1 only.
#
#   POSIX-proxy mode (bench/bench_posix.c, -sPROXY_POSIX_SOCKETS):
#       Java proxy ws://127.0.0.1:J/emscripten   vs   reference websocket_to_posix_proxy
#   SOCKFS mode (bench/bench_sockfs.c, Emscripten's default socket emulation):
#       Java bridge ws://127.0.0.1:J/websockify?target=...   vs   websockify 127.0.0.1:W 127.0.0.1:ECHO
#
# Every client does 64-byte round trips on one connection (send 64 bytes, receive the 64 echoed
# bytes; each timed), then a 64 MiB echo on a second connection (MB/s = bytes echoed / seconds,
# 1 MB = 10^6 bytes), all against one native TCP echo server (bench/echo-server.js).
# Each server first gets one warm-up run (the same client and sizes; the reference proxy only 10
# round trips), whose results are shown but not used; then REPS measured runs, interleaved
# (Java proxy, Java bridge, websockify, repeat), and the table shows the median of each column
# over those runs. The reference proxy's round trips are slow (Nagle, ~11/s), so it gets one
# measured run of RT_REF (200, ~18 s) round trips; its 64 MiB echo is not scaled down (it takes
# about a second: with a sender and a receiver thread its Nagle delays overlap).
#
#   usage: ./bench.sh [--check] [--reps N] [--quick]
#     --check   exit 3 when a target is missed (round trips Java/reference >= 250, Java bridge
#               echo MB/s >= websockify's)
#     --quick   fewer round trips and a 16 MiB echo (a smoke test; not the benchmark)
#   env: RT=5000 RT_WARMUP=1000 RT_REF=200 RT_REF_WARMUP=5 BULK_MIB=64 REF_BULK_MIB=64 REPS=7
#        SOCKFS_WINDOW=1048576 LIMIT=420 (seconds, whole run) JAVA_START_TIMEOUT=300
#   exit: 0 every cell of the table measured (a failed or hung run is retried once and listed),
#         1 a server failed or a result is missing, 2 usage, 3 target missed (with --check)
#
# Logs: out/bench/ (build, servers, every client run). Everything this script starts is stopped
# when it ends (trap EXIT), and every process has its own time limit.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out"
LOGS="$OUT/bench"

CHECK=0
RT="${RT:-5000}" RT_WARMUP="${RT_WARMUP:-1000}" RT_REF="${RT_REF:-200}" RT_REF_WARMUP="${RT_REF_WARMUP:-5}"
BULK_MIB="${BULK_MIB:-64}" REF_BULK_MIB="${REF_BULK_MIB:-64}" REPS="${REPS:-7}"
SOCKFS_WINDOW="${SOCKFS_WINDOW:-1048576}" LIMIT="${LIMIT:-420}" JAVA_START_TIMEOUT="${JAVA_START_TIMEOUT:-300}"
while [ $# -gt 0 ]; do
  case "$1" in
    --check) CHECK=1; shift ;;
    --reps) REPS="$2"; shift 2 ;;
    --quick) RT=1000 RT_WARMUP=200 RT_REF=20 BULK_MIB=16 REF_BULK_MIB=16 REPS=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done

START=$SECONDS
mkdir -p "$LOGS"
rm -f "$LOGS"/run-*.log "$LOGS"/results.txt
export NODE_PATH="$HERE/node_modules${NODE_PATH:+:$NODE_PATH}"

# ---- process bookkeeping: every service runs under `timeout`, which makes its own process
# group; on exit we signal exactly those groups.
PGIDS=()
cleanup() {
  local rc=$? g
  for g in ${PGIDS[@]+"${PGIDS[@]}"}; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in ${PGIDS[@]+"${PGIDS[@]}"}; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$g" 2>/dev/null || true
  done
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
REFPROXY="$OUT/refproxy/websocket_to_posix_proxy"
[ -x "$REFPROXY" ] || die "$REFPROXY missing (build.sh with NO_REFPROXY set?)"
command -v websockify >/dev/null || die "websockify not installed (./install.sh)"

# ---- services ----

JP="$(free_port)"
echo "bench.sh: starting the Java proxy on 127.0.0.1:$JP (scripts/proxy.sh; may build first)"
( cd "$ROOT" && exec timeout $((LIMIT + JAVA_START_TIMEOUT)) bash scripts/proxy.sh --listen "127.0.0.1:$JP" --bridge-url-targets ) \
  >"$LOGS/java-proxy.log" 2>&1 &
PGIDS+=($!)
JAVA_PID=$!
t=0
until grep -q 'ready in' "$LOGS/java-proxy.log" 2>/dev/null; do
  kill -0 "$JAVA_PID" 2>/dev/null || { tail -20 "$LOGS/java-proxy.log" >&2; die "Java proxy exited"; }
  ((t++ < JAVA_START_TIMEOUT * 5)) || die "Java proxy not ready after ${JAVA_START_TIMEOUT}s"
  sleep 0.2
done
grep -o 'ready in [0-9]* ms' "$LOGS/java-proxy.log" | sed 's/^/bench.sh: Java proxy /'
START=$SECONDS # the time limit counts from here: a Maven build above is not part of the benchmark

timeout "$LIMIT" node "$HERE/bench/echo-server.js" --timeout "$LIMIT" >"$LOGS/echo-server.log" 2>&1 &
PGIDS+=($!)
ECHO=""
for _ in $(seq 50); do
  ECHO="$(sed -n 's/^{"tcp":\([0-9]*\)}$/\1/p' "$LOGS/echo-server.log")"
  [ -n "$ECHO" ] && break
  sleep 0.1
done
[ -n "$ECHO" ] || die "echo server did not start (out/bench/echo-server.log)"

RP="$(free_port)"
timeout "$LIMIT" "$REFPROXY" "$RP" >"$LOGS/refproxy.log" 2>&1 &
PGIDS+=($!)
wait_port "$RP" 10 || die "reference proxy did not listen on $RP"

WP="$(free_port)"
timeout "$LIMIT" websockify "127.0.0.1:$WP" "127.0.0.1:$ECHO" >"$LOGS/websockify.log" 2>&1 &
PGIDS+=($!)
wait_port "$WP" 15 || die "websockify did not listen on $WP"

echo "bench.sh: echo 127.0.0.1:$ECHO, Java ws://127.0.0.1:$JP, reference ws://127.0.0.1:$RP, websockify ws://127.0.0.1:$WP"
echo "bench.sh: load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- runs ----
POSIX_JS="$OUT/bench_posix.js" SOCKFS_JS="$OUT/bench_sockfs.js"
MIB=1048576
FAILURES=()
# run KEY LABEL ROUNDS WARMUP BULK_BYTES: runs the client for KEY and appends "KEY LABEL <BENCH line>"
# to results.txt. A run that fails or hangs keeps what it printed, under the label LABEL-failed
# (used only when a column has nothing else), and returns 1.
run() {
  local key="$1" label="$2" rounds="$3" warm="$4" bytes="$5" left cap log rc
  left=$(remaining)
  ((left > 5)) || die "time limit (${LIMIT}s) reached before $key $label"
  # a run takes a few seconds; the reference's 200 round trips about 20
  cap=40
  [ "$key" = posix-ref ] && cap=$((30 + rounds / 5))
  ((cap < left)) || cap=$left
  log="$LOGS/run-$key-$label.log"
  set +e
  case "$key" in
    posix-java) timeout "$cap" node "$POSIX_JS" "ws://127.0.0.1:$JP/emscripten" "$ECHO" "$rounds" "$warm" "$bytes" >"$log" 2>&1 ;;
    posix-ref) timeout "$cap" node "$POSIX_JS" "ws://127.0.0.1:$RP" "$ECHO" "$rounds" "$warm" "$bytes" >"$log" 2>&1 ;;
    sockfs-java) SOCKFS_URL="ws://127.0.0.1:$JP/websockify?target=127.0.0.1:$ECHO" \
      timeout "$cap" node "$SOCKFS_JS" "$ECHO" "$rounds" "$warm" "$bytes" "$SOCKFS_WINDOW" >"$log" 2>&1 ;;
    sockfs-wsk) SOCKFS_URL="ws://127.0.0.1:$WP/" \
      timeout "$cap" node "$SOCKFS_JS" "$ECHO" "$rounds" "$warm" "$bytes" "$SOCKFS_WINDOW" >"$log" 2>&1 ;;
    raw-java) timeout "$cap" node "$HERE/bench/raw-posix-client.js" "ws://127.0.0.1:$JP/emscripten" "$ECHO" "$rounds" "$warm" \
      >"$log" 2>&1 && echo "BENCH done" >>"$log" ;;
  esac
  rc=$?
  set -e
  local tag="$label" ok=1
  if [ $rc -ne 0 ] || ! grep -q '^BENCH done' "$log"; then
    ok=0
    tag="$label-failed"
  fi
  sed -n 's/^RAW rt /BENCH rt /; /^BENCH \(rt\|bulk\|diag\) /p' "$log" | sed "s/^/$key $tag /" >>"$LOGS/results.txt"
  if [ $ok = 0 ]; then
    local why
    why="$( (grep '^BENCH error' "$log" || tail -1 "$log") | head -1)"
    [ $rc -eq 124 ] && why="killed after ${cap}s; last line: $why"
    FAILURES+=("$key $label: exit $rc, $why")
    printf 'bench.sh: %-11s %-7s FAILED (exit %s): %s\n' "$key" "$label" "$rc" "$why"
    return 1
  fi
  [ "$key" = raw-java ] && return 0
  printf 'bench.sh: %-11s %-7s %s | %s\n' "$key" "$label" \
    "$(grep -o 'rate=[0-9.]*' "$log" | head -1) rt/s" "$(grep -o 'mbps=[0-9.]*' "$log" | head -1) MB/s"
}

echo "bench.sh: warm-up run for each server (not counted)"
run posix-ref warmup 10 2 $((REF_BULK_MIB * MIB)) || true
run posix-java warmup "$RT" "$RT_WARMUP" $((BULK_MIB * MIB)) || true
run sockfs-java warmup "$RT" "$RT_WARMUP" $((BULK_MIB * MIB)) || true
run sockfs-wsk warmup "$RT" "$RT_WARMUP" $((BULK_MIB * MIB)) || true
echo "bench.sh: reference proxy: $RT_REF round trips (about $((RT_REF / 11)) s at ~11/s) and a $REF_BULK_MIB MiB echo"
# a failed (hung) measured run is repeated once, as LABEL-retry
run posix-ref run1 "$RT_REF" "$RT_REF_WARMUP" $((REF_BULK_MIB * MIB)) ||
  run posix-ref run1-retry "$RT_REF" "$RT_REF_WARMUP" $((REF_BULK_MIB * MIB)) || true
for ((r = 1; r <= REPS; r++)); do
  for k in posix-java sockfs-java sockfs-wsk; do
    run "$k" "run$r" "$RT" "$RT_WARMUP" $((BULK_MIB * MIB)) ||
      run "$k" "run$r-retry" "$RT" "$RT_WARMUP" $((BULK_MIB * MIB)) || true
  done
  run raw-java "run$r" "$RT" "$RT_WARMUP" 0 || true # diagnostic, see below
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- report ----
RES="$LOGS/results.txt"
touch "$RES"
# med KEY PHASE FIELD: median of FIELD over the measured runs (not warm-up) of KEY
med() {
  awk -v k="$1" -v p="$2" -v f="$3" '$1 == k && $2 != "warmup" && $4 == p {
      for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) { if ($2 ~ /-failed$/) bad[++nb] = kv[2]; else good[++ng] = kv[2] } } }
    END { if (ng) for (i = 1; i <= ng; i++) print good[i]; else for (i = 1; i <= nb; i++) print bad[i] }' "$RES" |
    sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2];
      else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
count() { awk -v k="$1" -v p="$2" '$1 == k && $2 != "warmup" && $2 !~ /-failed$/ && $4 == p' "$RES" | wc -l; }
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "-") print "-"; else printf "%.*f\n", d, v }'; }
row() { # KEY MODE SERVER
  printf '| %s | %s | %s | %s | %s | %s |\n' "$2" "$3" "$(fmt "$(med "$1" rt rate)" 0)" \
    "$(fmt "$(med "$1" rt p50_us)" 0)" "$(fmt "$(med "$1" rt p99_us)" 0)" "$(fmt "$(med "$1" bulk mbps)" 1)"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "n/a"; else printf "%.2fx\n", a / b }'; }

echo
echo "Sockbridge Emscripten benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), node $(node --version), $(nproc) cores, load $LOAD_END at the end"
echo "round trips: 64 B send + 64 B echoed back, one connection, timed each; echo: $BULK_MIB MiB through the echo server (reference proxy: $REF_BULK_MIB MiB), MB = 10^6 B"
echo "medians of $REPS measured runs after one warm-up run (reference proxy: 1 run of $RT_REF round trips; others: $RT each after $RT_WARMUP untimed)"
echo
echo "| mode | server | 64 B round trips/s | RTT p50 µs | RTT p99 µs | echo MB/s |"
echo "|---|---|---|---|---|---|"
row posix-java "POSIX proxy (-sPROXY_POSIX_SOCKETS)" "Sockbridge Java proxy"
row posix-ref "POSIX proxy (-sPROXY_POSIX_SOCKETS)" "reference websocket_to_posix_proxy (3.1.6)"
row sockfs-java "SOCKFS (websockify protocol)" "Sockbridge Java bridge"
row sockfs-wsk "SOCKFS (websockify protocol)" "websockify $(dpkg-query -W -f='${Version}' websockify 2>/dev/null | cut -d+ -f1)"
echo
RT_RATIO="$(ratio "$(med posix-java rt rate)" "$(med posix-ref rt rate)")"
BULK_RATIO="$(ratio "$(med sockfs-java bulk mbps)" "$(med sockfs-wsk bulk mbps)")"
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { if (r == "n/a") print "NO DATA"; else if (r + 0 >= t) print "target met"; else print "TARGET MISSED" }'; }
echo "round trips, Java proxy / reference proxy:   ${RT_RATIO}  (target >= 250x: $(verdict "$RT_RATIO" 250))"
echo "echo MB/s, Java bridge / websockify:         ${BULK_RATIO}  (target >= 1x: $(verdict "$BULK_RATIO" 1))"
# paired: the Java bridge and websockify runs of the same repetition ran back to back
PAIRED="$(awk '$4 == "bulk" && $2 != "warmup" && $2 !~ /-failed$/ && ($1 == "sockfs-java" || $1 == "sockfs-wsk") {
    for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "mbps") v[$1, $2] = kv[2] } ; reps[$2] = 1 }
  END { for (r in reps) if (v["sockfs-wsk", r] > 0 && v["sockfs-java", r] != "") print v["sockfs-java", r] / v["sockfs-wsk", r] }' "$RES" |
  sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
    printf "%.2fx (%d of %d repetitions >= 1x)", m, c, NR } } { if ($1 >= 1) c++ }')"
echo "  paired, per repetition (Java bridge run / websockify run right after it), median: $PAIRED"
echo "also: echo MB/s Java proxy / reference proxy $(ratio "$(med posix-java bulk mbps)" "$(med posix-ref bulk mbps)");" \
  "round trips Java bridge / websockify $(ratio "$(med sockfs-java rt rate)" "$(med sockfs-wsk rt rate)")"
echo "notes: no TCP_NODELAY is set by the clients; the reference proxy writes each reply in two send()s on a socket"
echo "  without TCP_NODELAY (Nagle + delayed ACK, ~44 ms per call), measured as-is. POSIX-mode echo: a sender pthread"
echo "  and a receiving thread, 64 KiB calls. SOCKFS echo: event-driven, at most $SOCKFS_WINDOW bytes unechoed."
# spread KEY PHASE FIELD DIGITS: "min-max" over the measured runs
spread() {
  awk -v k="$1" -v p="$2" -v f="$3" -v d="$4" '$1 == k && $2 != "warmup" && $2 !~ /-failed$/ && $4 == p {
      for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) { v = kv[2] + 0; n++;
        if (n == 1 || v < lo) lo = v; if (n == 1 || v > hi) hi = v } } }
    END { if (n == 0) print "-"; else printf "%.*f-%.*f", d, lo, d, hi }' "$RES"
}
echo "where a POSIX-mode round trip goes with the Java proxy (medians of p50s):"
echo "  Emscripten client: send() $(fmt "$(med posix-java diag send_p50_us)" 0) µs + recv() $(fmt "$(med posix-java diag 'recv_p50_us~')" 0) µs;" \
  "one synchronous call from the pthread to the main thread (no I/O): $(fmt "$(med posix-java diag main_thread_hop_p50_us)" 0) µs"
echo "  the same round trip spoken directly in the bridge protocol by plain node (bench/raw-posix-client.js," \
  "no wasm, no pthreads): $(fmt "$(med raw-java rt p50_us)" 0) µs, $(fmt "$(med raw-java rt rate)" 0)/s"
warm() { awk -v k="$1" -v p="$2" -v f="$3" '$1 == k && $2 == "warmup" && $4 == p {
    for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' "$RES" | head -1; }
echo "spread over the measured runs (min-max), and the warm-up run (fresh processes, cold JIT):"
for k in posix-java posix-ref sockfs-java sockfs-wsk; do
  n="$(count "$k" rt)"
  if [ "$n" -gt 0 ]; then
    printf '  %-11s %d run(s): %s round trips/s, p50 %s µs, %s MB/s; warm-up run: %s/s, %s MB/s\n' "$k" "$n" \
      "$(spread "$k" rt rate 0)" "$(spread "$k" rt p50_us 0)" "$(spread "$k" bulk mbps 1)" \
      "$(warm "$k" rt rate)" "$(warm "$k" bulk mbps)"
  else
    echo "warning: no measured results for $k"
  fi
done
if grep -q 'NoClassDefFoundError\|ClassNotFoundException' "$LOGS/java-proxy.log" 2>/dev/null; then
  echo "warning: the Java proxy lost classes while running (its jars were rebuilt underneath it?): see out/bench/java-proxy.log"
fi
echo "per-run results: out/bench/results.txt; logs: out/bench/; $((SECONDS - START)) s after the Java proxy was ready"

if [ ${#FAILURES[@]} -gt 0 ]; then
  echo "failed or hung runs (logs in out/bench/run-KEY-LABEL.log; partial results are used only where nothing else exists):"
  printf '  %s\n' "${FAILURES[@]}"
fi
MISSING=0
for k in posix-java posix-ref sockfs-java sockfs-wsk; do
  for ph in rt bulk; do [ "$(med "$k" "$ph" "$([ $ph = rt ] && echo rate || echo mbps)")" != "-" ] || MISSING=1; done
done
[ $MISSING -eq 0 ] || { echo "bench.sh: some results are missing (see above)" >&2; exit 1; }
if [ $CHECK -eq 1 ]; then
  [ "$(verdict "$RT_RATIO" 250)" = "target met" ] && [ "$(verdict "$BULK_RATIO" 1)" = "target met" ] || exit 3
fi
exit 0

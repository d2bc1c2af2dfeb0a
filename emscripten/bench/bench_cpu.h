/* CPU accounting around a measured phase, for bench.sh's "where the time goes" table.
 *
 * cpu_start() / cpu_end(phase, units) call globalThis.benchCpuMark on the main (runtime) thread,
 * which bench/cpu-hook.js defines when node runs with `--require bench/cpu-hook.js`; without the
 * hook both are no-ops. The hook snapshots the CPU time of this node process (all its threads),
 * of the proxy's and of the target server's process groups ($BENCH_PROXY_PGID,
 * $BENCH_SERVER_PGID) and prints one line at cpu_end:
 *   BENCH cpu-PHASE units=U wall_ms=… proxy=… client=… server=… kernel=…
 * each the CPU milliseconds (user + sys; kernel = the sys part of all three) divided by U.
 * The clients pass U = MiB moved for bulk phases and round trips / 1000 for round trips, so the
 * figures read "CPU ms per MiB" and "CPU µs per round trip". */
#ifndef BENCH_CPU_H
#define BENCH_CPU_H
#include <emscripten.h>

static void cpu_start(void) {
  MAIN_THREAD_EM_ASM({
    if (typeof globalThis.benchCpuMark === 'function') globalThis.benchCpuMark(null, 0);
  });
}

static void cpu_end(const char *phase, double units) {
  MAIN_THREAD_EM_ASM({
    if (typeof globalThis.benchCpuMark === 'function') globalThis.benchCpuMark(UTF8ToString($0), $1);
  }, phase, units);
}
#endif

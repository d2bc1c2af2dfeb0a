/* Benchmark client for POSIX-proxy mode (-sPROXY_POSIX_SOCKETS): every socket call goes over the
 * bridge WebSocket to a proxy (Sockbridge's Java proxy, or Emscripten's websocket_to_posix_proxy),
 * which makes the real call against a native TCP echo server.
 *
 *   usage: bench_posix.js ws://127.0.0.1:PROXY_PORT ECHO_PORT ROUNDS WARMUP BULK_BYTES
 *
 * 1. Round trips: WARMUP untimed, then ROUNDS timed round trips of 64 bytes on one connection:
 *    send(64), then recv() until 64 bytes are back. Each is timed with emscripten_get_now().
 * 2. Echo: BULK_BYTES (multiple of 64 KiB) through the echo server on a second connection. A
 *    sender pthread sends 64 KiB chunks while the calling thread receives; the echoed bytes are
 *    compared against what was sent. Both directions run at once, like any echo client with a
 *    reader and a writer; the reference proxy runs each blocking recv() in its own thread, so
 *    this works there too.
 *
 * The sockets are plain blocking TCP sockets with default options: no TCP_NODELAY, since a
 * request/response client would not normally set it, and the point is to measure the proxies as
 * they are (the reference proxy's own Nagle delay on its WebSocket included).
 *
 * Output, one line each (parsed by bench.sh):
 *   BENCH rt count=N seconds=S rate=R p50_us=X p99_us=Y min_us=A max_us=B recvs=C recv_bytes=D
 *   BENCH bulk bytes=N seconds=S mbps=M recvs=C recv_bytes=D
 *   (recvs: recv() calls that returned data in the timed part, recv_bytes: what they returned)
 *   and, with node --require bench/cpu-hook.js, BENCH cpu-rt / cpu-bulk lines (bench_cpu.h)
 *   BENCH done            (exit 0)    or    BENCH error <what> (exit 1)
 */
#include "../programs/posix/common.h"
#include "bench_cpu.h"
#include "bench_common.h"
#include <pthread.h>

#define RT_SIZE 64

static unsigned char g_block[CHUNK];
static int g_bulk_fd;
static uint64_t g_bulk_bytes;
static atomic_int g_send_failed = 0;

static void die(const char *what) {
  printf("BENCH error %s: errno %d (%s)\n", what, errno, errno_name(errno));
  fflush(stdout);
  exit(1);
}

static double g_send_us; /* time spent in send() during the last round trip */
static uint64_t g_recvs, g_recv_bytes; /* recv() calls that returned data, and their bytes */

/* recv() exactly len bytes, counting the calls; returns 0, or -1 on error/EOF. */
static int recv_all_counted(int fd, void *buf, size_t len) {
  char *p = (char *)buf;
  while (len > 0) {
    ssize_t n = recv(fd, p, len, 0);
    if (n <= 0) return -1;
    g_recvs++;
    g_recv_bytes += (uint64_t)n;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int one_round_trip(int fd, unsigned char *out, unsigned char *in, int i) {
  memset(out, (unsigned char)i, RT_SIZE);
  out[0] = (unsigned char)(i >> 8);
  double a = emscripten_get_now();
  if (send_all(fd, out, RT_SIZE) != 0) return -1;
  g_send_us = (emscripten_get_now() - a) * 1000.0;
  if (recv_all_counted(fd, in, RT_SIZE) != 0) return -1;
  return memcmp(out, in, RT_SIZE) == 0 ? 0 : -2;
}

static void *sender(void *arg) {
  (void)arg;
  for (uint64_t sent = 0; sent < g_bulk_bytes; sent += CHUNK) {
    if (send_all(g_bulk_fd, g_block, CHUNK) != 0) {
      atomic_store(&g_send_failed, errno ? errno : -1);
      break;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  bridge_connect(argc, argv, 5, "ECHO_PORT ROUNDS WARMUP BULK_BYTES");
  int port = atoi(argv[2]);
  int rounds = atoi(argv[3]);
  int warmup = atoi(argv[4]);
  g_bulk_bytes = (uint64_t)strtoull(argv[5], 0, 10);
  if (rounds < 1 || warmup < 0 || g_bulk_bytes % CHUNK != 0) {
    printf("BENCH error arguments: ROUNDS >= 1, WARMUP >= 0, BULK_BYTES a multiple of %d\n", CHUNK);
    return 1;
  }

  /* ---- 64-byte round trips ---- */
  int fd = tcp_connect(port);
  if (fd < 0) die("connect (round trips)");
  unsigned char out[RT_SIZE], in[RT_SIZE];
  for (int i = 0; i < warmup; i++) {
    int r = one_round_trip(fd, out, in, i);
    if (r == -2) { printf("BENCH error round trip %d: echo differs\n", i); return 1; }
    if (r != 0) die("warm-up round trip");
  }
  double *us = (double *)malloc(sizeof(double) * (size_t)rounds);
  double *send_us = (double *)malloc(sizeof(double) * (size_t)rounds);
  if (!us || !send_us) die("malloc");
  g_recvs = g_recv_bytes = 0;
  cpu_start();
  double t0 = emscripten_get_now();
  for (int i = 0; i < rounds; i++) {
    double a = emscripten_get_now();
    int r = one_round_trip(fd, out, in, i);
    double b = emscripten_get_now();
    if (r == -2) { printf("BENCH error round trip %d: echo differs\n", i); return 1; }
    if (r != 0) die("round trip");
    us[i] = (b - a) * 1000.0;
    send_us[i] = g_send_us;
  }
  double secs = (emscripten_get_now() - t0) / 1000.0;
  cpu_end("rt", rounds / 1000.0);
  shutdown(fd, SHUT_RDWR);
  qsort(us, (size_t)rounds, sizeof(double), cmp_double);
  printf("BENCH rt count=%d seconds=%.3f rate=%.1f p50_us=%.0f p99_us=%.0f min_us=%.0f max_us=%.0f recvs=%llu recv_bytes=%llu\n",
         rounds, secs, rounds / secs, percentile(us, rounds, 50), percentile(us, rounds, 99), us[0], us[rounds - 1],
         (unsigned long long)g_recvs, (unsigned long long)g_recv_bytes);
  /* Diagnostics: the share of send() in a round trip, and the cost of one synchronous call from
   * this pthread to the main (runtime) thread that owns the bridge WebSocket, with no network in
   * it: emscripten_websocket_get_ready_state() is proxied exactly like the
   * emscripten_websocket_send_binary() every socket call makes. */
  qsort(send_us, (size_t)rounds, sizeof(double), cmp_double);
  int hops = rounds < 2000 ? rounds : 2000;
  double *hop_us = (double *)malloc(sizeof(double) * (size_t)hops);
  unsigned short st;
  for (int i = 0; i < hops; i++) {
    double a = emscripten_get_now();
    emscripten_websocket_get_ready_state(g_bridge, &st);
    hop_us[i] = (emscripten_get_now() - a) * 1000.0;
  }
  qsort(hop_us, (size_t)hops, sizeof(double), cmp_double);
  printf("BENCH diag send_p50_us=%.0f recv_p50_us~=%.0f main_thread_hop_p50_us=%.0f hop_p99_us=%.0f\n",
         percentile(send_us, rounds, 50), percentile(us, rounds, 50) - percentile(send_us, rounds, 50),
         percentile(hop_us, hops, 50), percentile(hop_us, hops, 99));
  fflush(stdout);
  free(us);
  free(send_us);
  free(hop_us);

  /* ---- bulk echo ---- */
  if (g_bulk_bytes > 0) {
    pattern_fill(g_block);
    g_bulk_fd = tcp_connect(port);
    if (g_bulk_fd < 0) die("connect (echo)");
    static unsigned char buf[CHUNK];
    pthread_t th;
    g_recvs = g_recv_bytes = 0;
    cpu_start();
    double b0 = emscripten_get_now();
    if (pthread_create(&th, 0, sender, 0) != 0) die("pthread_create");
    uint64_t got = 0;
    while (got < g_bulk_bytes) {
      ssize_t n = recv(g_bulk_fd, buf, CHUNK, 0);
      if (n <= 0) {
        if (n == 0) errno = 0;
        die(n == 0 ? "echo: server closed early" : "echo: recv");
      }
      long long bad = pattern_differs(g_block, buf, (size_t)n, got);
      if (bad >= 0) {
        printf("BENCH error echo: data differs near byte %llu\n", (unsigned long long)(got + bad));
        return 1;
      }
      got += (uint64_t)n;
      g_recvs++;
    }
    double bsecs = (emscripten_get_now() - b0) / 1000.0;
    cpu_end("bulk", g_bulk_bytes / 1048576.0);
    g_recv_bytes = got;
    pthread_join(th, 0);
    if (atomic_load(&g_send_failed)) { errno = atomic_load(&g_send_failed); die("echo: send"); }
    shutdown(g_bulk_fd, SHUT_RDWR);
    printf("BENCH bulk bytes=%llu seconds=%.3f mbps=%.2f recvs=%llu recv_bytes=%llu\n", (unsigned long long)g_bulk_bytes,
           bsecs, g_bulk_bytes / 1e6 / bsecs, (unsigned long long)g_recvs, (unsigned long long)g_recv_bytes);
  }
  printf("BENCH done\n");
  fflush(stdout);
  return 0;
}

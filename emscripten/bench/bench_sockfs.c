/* Benchmark client for Emscripten's default socket emulation (SOCKFS): every socket is a
 * WebSocket to a websockify-style bridge (websockify, or Sockbridge's /websockify route), which
 * forwards the bytes to a native TCP echo server.
 *
 *   usage: SOCKFS_URL=ws://127.0.0.1:BRIDGE/... bench_sockfs.js ECHO_PORT ROUNDS WARMUP BULK_BYTES [WINDOW]
 *
 * SOCKFS sockets never block under node: connect() returns EINPROGRESS and recv() EAGAIN. The
 * program is event-driven, with the emscripten_set_socket_{open,message,error,close}_callback API
 * (no polling main loop, which under node would add a timer tick to every step):
 * 1. Round trips: WARMUP untimed, then ROUNDS timed round trips of 64 bytes on one connection
 *    (send 64 bytes; on each message event recv() until all 64 are back; send the next).
 * 2. Echo: BULK_BYTES (multiple of 64 KiB) on a second connection, in 64 KiB send()s, keeping at
 *    most WINDOW bytes (default 1 MiB) sent but not yet echoed (SOCKFS's send() never pushes back,
 *    so without a window the whole transfer would pile up in the client's WebSocket buffer). The
 *    echoed bytes are compared against what was sent.
 * pre/sockfs.js points every socket at $SOCKFS_URL; ECHO_PORT is what connect() is given (used
 * for the URL only when SOCKFS_URL is unset).
 *
 * Output: the same BENCH lines as bench_posix.c (recvs= counts recv() calls that returned data;
 * a SOCKFS recv() returns at most one WebSocket message, so recv_bytes/recvs is the bridge's
 * message size as the program sees it), and with node --require bench/cpu-hook.js the cpu-rt and
 * cpu-bulk lines of bench_cpu.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <emscripten.h>
#include "bench_cpu.h"
#include "bench_common.h"

#define RT_SIZE 64

enum { PH_RT_CONNECT, PH_RT, PH_BULK_CONNECT, PH_BULK, PH_DONE };
static int phase = PH_RT_CONNECT;
static int rt_fd = -1, bulk_fd = -1;
static int rounds, warmup, round_i;   /* round_i counts warm-up + timed rounds */
static double *us, rt_t0, rt_start;
static unsigned char rt_out[RT_SIZE], rt_in[RT_SIZE];
static int rt_have;
static uint64_t bulk_bytes, window_bytes = 1 << 20, sent, got;
static double bulk_t0;
static unsigned char block[CHUNK], rbuf[CHUNK];
static uint64_t recvs, recv_bytes; /* recv() calls that returned data in the timed part, and bytes */

static int open_socket(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) bench_fail("socket", errno);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) bench_fail("connect", errno);
  return fd;
}

static void send_exact(int fd, const void *p, size_t n) {
  ssize_t r = send(fd, p, n, 0);
  if (r != (ssize_t)n) bench_fail("send", r < 0 ? errno : -1);
}

static void rt_send_next(void) {
  memset(rt_out, (unsigned char)round_i, RT_SIZE);
  rt_out[0] = (unsigned char)(round_i >> 8);
  rt_have = 0;
  rt_t0 = emscripten_get_now();
  send_exact(rt_fd, rt_out, RT_SIZE);
}

static void bulk_pump(void) {
  while (sent < bulk_bytes && sent - got + CHUNK <= window_bytes) {
    send_exact(bulk_fd, block, CHUNK);
    sent += CHUNK;
  }
}

static int g_port;

static void start_bulk(void) {
  if (bulk_bytes == 0) {
    printf("BENCH done\n");
    fflush(stdout);
    bench_exit(0);
  }
  pattern_fill(block);
  phase = PH_BULK_CONNECT;
  bulk_fd = open_socket(g_port);
}

static void on_open(int fd, void *ud) {
  (void)ud;
  if (phase == PH_RT_CONNECT && fd == rt_fd) {
    phase = PH_RT;
    round_i = 0;
    if (warmup == 0) cpu_start();
    rt_start = emscripten_get_now();
    rt_send_next();
  } else if (phase == PH_BULK_CONNECT && fd == bulk_fd) {
    phase = PH_BULK;
    cpu_start();
    bulk_t0 = emscripten_get_now();
    bulk_pump();
  }
}

static void on_message(int fd, void *ud) {
  (void)ud;
  if (phase == PH_RT && fd == rt_fd) {
    for (;;) {
      ssize_t n = recv(rt_fd, rt_in + rt_have, RT_SIZE - rt_have, 0);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        bench_fail("recv (round trips)", errno);
      }
      if (n == 0) bench_fail("round trips: connection closed", 0);
      rt_have += (int)n;
      if (round_i >= warmup) { recvs++; recv_bytes += (uint64_t)n; }
      if (rt_have < RT_SIZE) continue;
      double t1 = emscripten_get_now();
      if (memcmp(rt_out, rt_in, RT_SIZE) != 0) {
        printf("BENCH error round trip %d: echo differs\n", round_i);
        bench_exit(1);
      }
      if (round_i + 1 == warmup) cpu_start();
      if (round_i == warmup) rt_start = rt_t0; /* timed part starts with the first timed send */
      if (round_i >= warmup) us[round_i - warmup] = (t1 - rt_t0) * 1000.0;
      round_i++;
      if (round_i < warmup + rounds) {
        rt_send_next();
        continue; /* nothing should be queued, but drain anyway */
      }
      double secs = (t1 - rt_start) / 1000.0;
      cpu_end("rt", rounds / 1000.0);
      qsort(us, (size_t)rounds, sizeof(double), cmp_double);
      printf("BENCH rt count=%d seconds=%.3f rate=%.1f p50_us=%.0f p99_us=%.0f min_us=%.0f max_us=%.0f recvs=%llu recv_bytes=%llu\n",
             rounds, secs, rounds / secs, percentile(us, rounds, 50), percentile(us, rounds, 99), us[0],
             us[rounds - 1], (unsigned long long)recvs, (unsigned long long)recv_bytes);
      recvs = recv_bytes = 0;
      fflush(stdout);
      /* rt_fd stays open until exit: closing it could hand its number to the echo socket
       * while a late close event for the old one is still to come */
      start_bulk();
      return;
    }
  } else if (phase == PH_BULK && fd == bulk_fd) {
    recv_bytes += recv_echo(bulk_fd, rbuf, CHUNK, block, &got, &recvs, "recv (echo)", "echo: connection closed");
    if (got >= bulk_bytes) {
      double secs = (emscripten_get_now() - bulk_t0) / 1000.0;
      cpu_end("bulk", bulk_bytes / 1048576.0);
      printf("BENCH bulk bytes=%llu seconds=%.3f mbps=%.2f recvs=%llu recv_bytes=%llu\n", (unsigned long long)bulk_bytes,
             secs, bulk_bytes / 1e6 / secs, (unsigned long long)recvs, (unsigned long long)recv_bytes);
      printf("BENCH done\n");
      fflush(stdout);
      phase = PH_DONE;
      bench_exit(0);
    }
    bulk_pump();
  }
}

static void on_error(int fd, int err, const char *msg, void *ud) {
  (void)ud;
  if (phase == PH_DONE) return;
  printf("BENCH error socket %d: error %d %s\n", fd, err, msg ? msg : "");
  fflush(stdout);
  bench_exit(1);
}

static void on_close(int fd, void *ud) {
  (void)ud;
  if ((phase == PH_RT_CONNECT || phase == PH_RT) && fd == rt_fd) bench_fail("round-trip connection closed by the bridge", 0);
  if ((phase == PH_BULK_CONNECT || phase == PH_BULK) && fd == bulk_fd) bench_fail("echo connection closed by the bridge", 0);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: SOCKFS_URL=ws://127.0.0.1:BRIDGE/... %s ECHO_PORT ROUNDS WARMUP BULK_BYTES [WINDOW]\n", argv[0]);
    return 2;
  }
  g_port = atoi(argv[1]);
  rounds = atoi(argv[2]);
  warmup = atoi(argv[3]);
  bulk_bytes = strtoull(argv[4], 0, 10);
  if (argc > 5) window_bytes = strtoull(argv[5], 0, 10);
  if (rounds < 1 || warmup < 0 || bulk_bytes % CHUNK != 0 || window_bytes < CHUNK) {
    printf("BENCH error arguments: ROUNDS >= 1, WARMUP >= 0, BULK_BYTES a multiple of %d, WINDOW >= %d\n", CHUNK, CHUNK);
    return 1;
  }
  us = (double *)malloc(sizeof(double) * (size_t)rounds);
  emscripten_set_socket_open_callback(0, on_open);
  emscripten_set_socket_message_callback(0, on_message);
  emscripten_set_socket_error_callback(0, on_error);
  emscripten_set_socket_close_callback(0, on_close);
  rt_fd = open_socket(g_port);
  /* the callbacks keep the runtime alive; they end the program with bench_exit() */
  return 0;
}

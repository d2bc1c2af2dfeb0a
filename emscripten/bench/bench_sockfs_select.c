/* An ordinary event-driven client of Emscripten's default socket emulation (SOCKFS), for the
 * bridge benchmark: written the way Emscripten's own tests/sockets/test_sockets_echo_client.c
 * (TEST_ASYNC) is, not tuned for the benchmark. One non-blocking socket (fcntl O_NONBLOCK,
 * connect -> EINPROGRESS); the open and message callbacks call the same loop function, which
 * asks select() what the socket is ready for, recv()s into a RECVBUF buffer until EAGAIN and
 * send()s 64 KiB blocks while at most WINDOW bytes are unechoed.
 *
 *   usage: SOCKFS_URL=ws://127.0.0.1:BRIDGE/... bench_sockfs_select.js ECHO_PORT BYTES [WINDOW [RECVBUF]]
 *   defaults: WINDOW 1 MiB, RECVBUF 64 KiB; BYTES a multiple of 64 KiB.
 *
 * Output: BENCH sel bytes=N seconds=S mbps=M recvs=C recv_bytes=D events=E, then BENCH done
 * (exit 0) or BENCH error <what> (exit 1); with node --require bench/cpu-hook.js also BENCH
 * cpu-sel (bench_cpu.h). recvs counts recv() calls that returned data, events the message
 * callbacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <emscripten.h>
#include "bench_cpu.h"
#include "bench_common.h"

static int fd = -1, connected, done_flag;
static uint64_t total, window_bytes = 1 << 20, sent, got, recvs, events;
static size_t bufsize = CHUNK;
static unsigned char block[CHUNK], *buf;
static double t0;

static void main_loop(void) {
  fd_set fdr, fdw;
  FD_ZERO(&fdr);
  FD_ZERO(&fdw);
  FD_SET(fd, &fdr);
  FD_SET(fd, &fdw);
  struct timeval tv = {0, 0};
  if (select(fd + 1, &fdr, &fdw, NULL, &tv) < 0) bench_fail("select", errno);

  if (FD_ISSET(fd, &fdr)) {
    recv_echo(fd, buf, bufsize, block, &got, &recvs, "recv", "connection closed");
    if (got >= total) {
      double secs = (emscripten_get_now() - t0) / 1000.0;
      cpu_end("sel", total / 1048576.0);
      printf("BENCH sel bytes=%llu seconds=%.3f mbps=%.2f recvs=%llu recv_bytes=%llu events=%llu\n",
             (unsigned long long)total, secs, total / 1e6 / secs, (unsigned long long)recvs,
             (unsigned long long)got, (unsigned long long)events);
      printf("BENCH done\n");
      done_flag = 1;
      bench_exit(0);
    }
  }
  if (FD_ISSET(fd, &fdw)) {
    if (!connected) {
      connected = 1;
      cpu_start();
      t0 = emscripten_get_now();
    }
    while (sent < total && sent - got + CHUNK <= window_bytes) {
      ssize_t n = send(fd, block, CHUNK, 0);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        bench_fail("send", errno);
      }
      if (n != CHUNK) bench_fail("short send", 0); /* SOCKFS sends whole messages */
      sent += CHUNK;
    }
  }
}

static void on_open(int s, void *ud) { (void)s; (void)ud; main_loop(); }
static void on_message(int s, void *ud) { (void)s; (void)ud; events++; main_loop(); }
static void on_error(int s, int err, const char *msg, void *ud) {
  (void)s; (void)ud;
  if (done_flag) return;
  printf("BENCH error socket: error %d %s\n", err, msg ? msg : "");
  bench_exit(1);
}
static void on_close(int s, void *ud) {
  (void)s; (void)ud;
  if (!done_flag) bench_fail("connection closed by the bridge", 0);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: SOCKFS_URL=ws://127.0.0.1:BRIDGE/... %s ECHO_PORT BYTES [WINDOW [RECVBUF]]\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  total = strtoull(argv[2], 0, 10);
  if (argc > 3) window_bytes = strtoull(argv[3], 0, 10);
  if (argc > 4) bufsize = (size_t)atoi(argv[4]);
  if (total == 0 || total % CHUNK != 0 || window_bytes < CHUNK || bufsize < 1) {
    printf("BENCH error arguments: BYTES a multiple of %d, WINDOW >= %d, RECVBUF >= 1\n", CHUNK, CHUNK);
    return 1;
  }
  buf = (unsigned char *)malloc(bufsize);
  pattern_fill(block);

  fd = socket(PF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (fd < 0) bench_fail("socket", errno);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS) bench_fail("connect", errno);
  emscripten_set_socket_error_callback(0, on_error);
  emscripten_set_socket_open_callback(0, on_open);
  emscripten_set_socket_message_callback(0, on_message);
  emscripten_set_socket_close_callback(0, on_close);
  return 0;
}

/* Single-threaded benchmark clients for POSIX-proxy mode (-sPROXY_POSIX_SOCKETS), written the
 * way an ordinary program is: one thread, blocking sockets, a recv() loop with a 64 KiB buffer.
 * Each recv() is one round trip through the bridge, so these measure how much a proxy hands back
 * per call as much as its speed.
 *
 *   bench_posix_st.js ws://127.0.0.1:PROXY echo ECHO_PORT BYTES WINDOW RECVBUF
 *       Windowed echo: sends BYTES (a multiple of 64 KiB) in 64 KiB send()s to a TCP echo
 *       server, keeping at most WINDOW bytes sent but not yet echoed, and receives with
 *       recv(RECVBUF) between sends; every echoed byte is checked.
 *       BENCH st bytes=N seconds=S mbps=M recvs=C recv_bytes=D
 *   bench_posix_st.js ws://127.0.0.1:PROXY http HTTP_PORT RECVBUF NAME:PATH:COUNT...
 *       HTTP/1.1 GETs: for each NAME, COUNT times: connect, send one GET for PATH (with
 *       Connection: close), recv(RECVBUF) until the Content-Length body is in, check the body,
 *       shutdown. The body must be bench.sh's pattern (byte i = pattern[i % 65536], below).
 *       Each GET is timed from socket() to the last body byte.
 *       BENCH NAME count=N bytes=BODY p50_ms= min_ms= max_ms= recvs=C recv_bytes=D
 *   recvs counts recv() calls that returned data, recv_bytes what they returned (headers too).
 *   With node --require bench/cpu-hook.js also BENCH cpu-st / cpu-NAME (bench_cpu.h), per MiB.
 *   Then BENCH done (exit 0), or BENCH error <what> (exit 1).
 */
#include "../programs/posix/common.h"
#include "bench_cpu.h"
#include "bench_common.h"
#include <strings.h>

#define MIB 1048576.0

static unsigned char g_block[CHUNK];
static unsigned char *g_buf;
static size_t g_bufsize;
static uint64_t g_recvs, g_recv_bytes;

static void die(const char *what) {
  printf("BENCH error %s: errno %d (%s)\n", what, errno, errno_name(errno));
  fflush(stdout);
  exit(1);
}

/* compares data (n bytes at stream offset pos) with the repeating pattern block: 0, or -1 */
static int check(const unsigned char *data, size_t n, uint64_t pos) {
  return pattern_differs(g_block, data, n, pos) < 0 ? 0 : -1;
}

/* recv() that returned data, counted; dies on end of stream (`closed`) or an error (`failed`) */
static size_t counted_recv(int fd, void *buf, size_t len, const char *closed, const char *failed) {
  ssize_t n = recv(fd, buf, len, 0);
  if (n <= 0) {
    if (n == 0) errno = 0;
    die(n == 0 ? closed : failed);
  }
  g_recvs++;
  g_recv_bytes += (uint64_t)n;
  return (size_t)n;
}

static int run_echo(int port, uint64_t bytes, uint64_t window) {
  int fd = tcp_connect(port);
  if (fd < 0) die("connect");
  uint64_t sent = 0, got = 0;
  g_recvs = g_recv_bytes = 0;
  cpu_start();
  double t0 = emscripten_get_now();
  while (got < bytes) {
    while (sent < bytes && sent - got + CHUNK <= window) {
      if (send_all(fd, g_block, CHUNK) != 0) die("send");
      sent += CHUNK;
    }
    size_t n = counted_recv(fd, g_buf, g_bufsize, "echo: server closed early", "recv");
    if (check(g_buf, n, got) != 0) {
      printf("BENCH error echo: data differs near byte %llu\n", (unsigned long long)got);
      return 1;
    }
    got += (uint64_t)n;
  }
  double secs = (emscripten_get_now() - t0) / 1000.0;
  cpu_end("st", bytes / MIB);
  shutdown(fd, SHUT_RDWR);
  printf("BENCH st bytes=%llu seconds=%.3f mbps=%.2f recvs=%llu recv_bytes=%llu\n", (unsigned long long)bytes, secs,
         bytes / 1e6 / secs, (unsigned long long)g_recvs, (unsigned long long)g_recv_bytes);
  fflush(stdout);
  return 0;
}

/* One GET; returns the body length, or -1 after printing BENCH error. */
static long long one_get(int port, const char *path) {
  int fd = tcp_connect(port);
  if (fd < 0) die("connect (http)");
  char req[512];
  int rl = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", path, port);
  if (send_all(fd, req, (size_t)rl) != 0) die("send (http)");
  /* the head: received into g_buf until the blank line (a recv may also carry body bytes) */
  size_t have = 0;
  char *end = 0;
  while (!end) {
    if (have == g_bufsize) { printf("BENCH error http: response head larger than the buffer\n"); return -1; }
    have += counted_recv(fd, g_buf + have, g_bufsize - have, "http: closed before the head", "recv (http head)");
    for (size_t i = 3; i < have && !end; i++)
      if (memcmp(g_buf + i - 3, "\r\n\r\n", 4) == 0) end = (char *)g_buf + i + 1;
  }
  if (strncmp((char *)g_buf, "HTTP/1.1 200", 12) != 0) {
    printf("BENCH error http: status %.12s\n", (char *)g_buf);
    return -1;
  }
  long long length = -1;
  for (char *p = (char *)g_buf; p < end; p++) {
    if ((p == (char *)g_buf || p[-1] == '\n') && strncasecmp(p, "Content-Length:", 15) == 0) {
      length = strtoll(p + 15, 0, 10);
      break;
    }
  }
  if (length < 0) { printf("BENCH error http: no Content-Length\n"); return -1; }
  uint64_t body = have - (size_t)(end - (char *)g_buf);
  if (check((unsigned char *)end, (size_t)body, 0) != 0) { printf("BENCH error http: body differs at the start\n"); return -1; }
  while (body < (uint64_t)length) {
    size_t n = counted_recv(fd, g_buf, g_bufsize, "http: closed before the end of the body", "recv (http body)");
    if (check(g_buf, n, body) != 0) {
      printf("BENCH error http: body differs near byte %llu\n", (unsigned long long)body);
      return -1;
    }
    body += (uint64_t)n;
  }
  shutdown(fd, SHUT_RDWR);
  if (body != (uint64_t)length) { printf("BENCH error http: %llu bytes for Content-Length %lld\n", (unsigned long long)body, length); return -1; }
  return length;
}

static int run_http(int port, int nspecs, char **specs) {
  for (int s = 0; s < nspecs; s++) {
    char name[64], path[256];
    int count = 0;
    if (sscanf(specs[s], "%63[^:]:%255[^:]:%d", name, path, &count) != 3 || count < 1) {
      printf("BENCH error arguments: NAME:PATH:COUNT expected, got %s\n", specs[s]);
      return 1;
    }
    double *ms = (double *)malloc(sizeof(double) * (size_t)count);
    long long length = 0;
    g_recvs = g_recv_bytes = 0;
    cpu_start();
    for (int i = 0; i < count; i++) {
      double a = emscripten_get_now();
      length = one_get(port, path);
      if (length < 0) return 1;
      ms[i] = emscripten_get_now() - a;
    }
    cpu_end(name, (double)length * count / MIB);
    qsort(ms, (size_t)count, sizeof(double), cmp_double);
    double p50 = count % 2 ? ms[count / 2] : (ms[count / 2 - 1] + ms[count / 2]) / 2;
    printf("BENCH %s count=%d bytes=%lld p50_ms=%.2f min_ms=%.2f max_ms=%.2f recvs=%llu recv_bytes=%llu\n", name,
           count, length, p50, ms[0], ms[count - 1], (unsigned long long)g_recvs, (unsigned long long)g_recv_bytes);
    fflush(stdout);
    free(ms);
  }
  return 0;
}

int main(int argc, char **argv) {
  bridge_connect(argc, argv, 4,
                 "echo ECHO_PORT BYTES WINDOW RECVBUF | http HTTP_PORT RECVBUF NAME:PATH:COUNT...");
  pattern_fill(g_block);
  int port = atoi(argv[3]);
  int rc;
  if (strcmp(argv[2], "echo") == 0 && argc == 7) {
    uint64_t bytes = strtoull(argv[4], 0, 10), window = strtoull(argv[5], 0, 10);
    g_bufsize = (size_t)atoi(argv[6]);
    if (bytes % CHUNK != 0 || window < CHUNK || g_bufsize < 1) {
      printf("BENCH error arguments: BYTES a multiple of %d, WINDOW >= %d, RECVBUF >= 1\n", CHUNK, CHUNK);
      return 1;
    }
    g_buf = (unsigned char *)malloc(g_bufsize);
    rc = run_echo(port, bytes, window);
  } else if (strcmp(argv[2], "http") == 0 && argc >= 6) {
    g_bufsize = (size_t)atoi(argv[4]);
    if (g_bufsize < 1024) { printf("BENCH error arguments: RECVBUF >= 1024\n"); return 1; }
    g_buf = (unsigned char *)malloc(g_bufsize);
    rc = run_http(port, argc - 5, argv + 5);
  } else {
    printf("BENCH error arguments: echo ECHO_PORT BYTES WINDOW RECVBUF | http HTTP_PORT RECVBUF NAME:PATH:COUNT...\n");
    return 1;
  }
  if (rc == 0) printf("BENCH done\n");
  fflush(stdout);
  return rc;
}

/* Shared helpers for Sockbridge's own PROXY_POSIX_SOCKETS test programs.
 *
 * Every program takes the bridge URL (ws://127.0.0.1:PORT) as argv[1], connects the
 * POSIX-socket bridge, runs its checks and prints one line per check:
 *     PASS <what>            or        FAIL <what>: <details>
 * and finally "RESULT: PASS" (exit 0) or "RESULT: FAIL (n failed)" (exit 1).
 *
 * Rules of the 3.1.6 client library (see shared/emscripten-notes.md):
 *   - close() is not proxied: release sockets with shutdown(fd, SHUT_RDWR);
 *   - getsockname/getpeername hang, getnameinfo is a stub, sendmsg/recvmsg exit: never call them;
 *   - every socket call must run off the main browser thread (PROXY_TO_PTHREAD does that for main()).
 */
#ifndef SOCKBRIDGE_COMMON_H
#define SOCKBRIDGE_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stdatomic.h>
#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>
#include <emscripten.h>
#include <emscripten/websocket.h>
#include <emscripten/threading.h>
#include <emscripten/posix_socket.h>

static atomic_int g_failures = 0;
static atomic_int g_checks = 0;

#define PASS(...) do { atomic_fetch_add(&g_checks, 1); printf("PASS "); printf(__VA_ARGS__); printf("\n"); fflush(stdout); } while (0)
#define FAILF(what, ...) do { atomic_fetch_add(&g_checks, 1); atomic_fetch_add(&g_failures, 1); \
    printf("FAIL %s: ", what); printf(__VA_ARGS__); printf("\n"); fflush(stdout); } while (0)
/* CHECK(cond, what, fmt, ...): PASS "what" if cond, else FAIL "what: fmt..." */
#define CHECK(cond, what, ...) do { if (cond) PASS("%s", what); else FAILF(what, __VA_ARGS__); } while (0)

/* musl / Emscripten (WASI-numbered) errno values the programs compare against. They come from
 * the headers the program is compiled with; the static asserts pin the numbers we document. */
_Static_assert(EAGAIN == 6, "musl EAGAIN");
_Static_assert(EINPROGRESS == 26, "musl EINPROGRESS");
_Static_assert(ECONNREFUSED == 14, "musl ECONNREFUSED");
_Static_assert(ENOPROTOOPT == 50, "musl ENOPROTOOPT");
_Static_assert(EALREADY == 7, "musl EALREADY");
_Static_assert(EISCONN == 30, "musl EISCONN");
_Static_assert(ENOTCONN == 53, "musl ENOTCONN");

static const char *errno_name(int e) {
  switch (e) {
    case 0: return "0";
    case EAGAIN: return "EAGAIN";
    case EINPROGRESS: return "EINPROGRESS";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EALREADY: return "EALREADY";
    case EISCONN: return "EISCONN";
    case ENOTCONN: return "ENOTCONN";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EPIPE: return "EPIPE";
    case ECONNRESET: return "ECONNRESET";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EADDRINUSE: return "EADDRINUSE";
    case ENOSYS: return "ENOSYS";
    case 11: return "Linux EAGAIN (untranslated)";
    case 92: return "Linux ENOPROTOOPT (untranslated)";
    case 111: return "Linux ECONNREFUSED (untranslated)";
    case 115: return "Linux EINPROGRESS (untranslated)";
    default: return "?";
  }
}

static EMSCRIPTEN_WEBSOCKET_T g_bridge = 0;

/* Connects the bridge and waits (max 10 s) until the WebSocket is OPEN. Exits on failure. */
static void bridge_connect(int argc, char **argv, int needed_args, const char *usage) {
  if (argc < needed_args + 1) {
    fprintf(stderr, "usage: %s ws://127.0.0.1:PROXY_PORT %s\n", argv[0], usage);
    exit(2);
  }
  g_bridge = emscripten_init_websocket_to_posix_socket_bridge(argv[1]);
  unsigned short state = 0;
  for (int i = 0; i < 1000; i++) {
    emscripten_websocket_get_ready_state(g_bridge, &state);
    if (state != 0) break; /* 0 = CONNECTING */
    emscripten_thread_sleep(10);
  }
  if (state != 1) { /* 1 = OPEN */
    printf("FAIL bridge: WebSocket to %s not open (readyState %d)\n", argv[1], state);
    printf("RESULT: FAIL (bridge)\n");
    fflush(stdout);
    exit(1);
  }
  printf("bridge open: %s\n", argv[1]);
  fflush(stdout);
}

static int finish(void) {
  int f = atomic_load(&g_failures), n = atomic_load(&g_checks);
  if (f == 0 && n > 0) printf("RESULT: PASS (%d checks)\n", n);
  else printf("RESULT: FAIL (%d of %d checks failed)\n", f, n);
  fflush(stdout);
  return f == 0 && n > 0 ? 0 : 1;
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/* Blocking TCP connect to 127.0.0.1:port; returns fd or -1 (errno set). */
static int tcp_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = loopback(port);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    int e = errno;
    shutdown(fd, SHUT_RDWR);
    errno = e;
    return -1;
  }
  return fd;
}

/* send() all of buf; returns 0 or -1. */
static int send_all(int fd, const void *buf, size_t len) {
  const char *p = (const char *)buf;
  while (len > 0) {
    ssize_t n = send(fd, p, len, 0);
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* recv() exactly len bytes; returns 0, or -1 on error/EOF. */
static int recv_all(int fd, void *buf, size_t len) {
  char *p = (char *)buf;
  while (len > 0) {
    ssize_t n = recv(fd, p, len, 0);
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* FNV-1a, 32 bit (same function in echo-servers.js). */
static uint32_t fnv1a_update(uint32_t h, const void *data, size_t len) {
  const unsigned char *p = (const unsigned char *)data;
  for (size_t i = 0; i < len; i++) { h ^= p[i]; h *= 16777619u; }
  return h;
}
#define FNV1A_INIT 2166136261u

#endif

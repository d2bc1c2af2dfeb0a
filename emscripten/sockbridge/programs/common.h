// Shared by the Sockbridge backend's test programs: PASS/FAIL lines that run-sockbridge.js reads.
#pragma once
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <emscripten.h>

static int g_failures = 0;
#define CHECK(cond, ...) do { if (cond) { printf("ok   "); printf(__VA_ARGS__); printf("\n"); } \
  else { g_failures++; printf("FAIL "); printf(__VA_ARGS__); printf(" (errno %d %s)\n", errno, strerror(errno)); } } while (0)
// an errno check: the call returned -1 with exactly the errno musl defines for that name
#define CHECK_ERRNO(call, name) do { int r_ = (int)(call); int e_ = errno; errno = e_; \
  CHECK(r_ == -1 && e_ == name, "%s: ret %d errno %d, want -1 errno %d", #name, r_, e_, name); } while (0)

// 127.0.0.1:port, where the test runner's servers are
static struct sockaddr_in addr_of(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  return a;
}

// getaddrinfo(name, port) for IPv4 TCP
static inline int lookup_tcp4(const char *name, int port, struct addrinfo **res) {
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  char service[16];
  snprintf(service, sizeof service, "%d", port);
  return getaddrinfo(name, service, &hints, res);
}

// A blocking connect to res (freed), then 1 MiB through blocking send (sends of 200,000 bytes wait for the window)
// and blocking recv, reading what has come back between sends so neither side's window fills; the connected fd.
static inline int connect_and_echo_1mib(struct addrinfo *res) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(connect(fd, res->ai_addr, res->ai_addrlen) == 0, "blocking connect returns 0");
  freeaddrinfo(res);
  struct sockaddr_in local;
  socklen_t ll = sizeof local;
  CHECK(getsockname(fd, (struct sockaddr *)&local, &ll) == 0 && ntohs(local.sin_port) != 0, "getsockname after connect: port %d", ntohs(local.sin_port));
  enum { N = 1 << 20 };
  unsigned char *out = malloc(N), *in = malloc(N);
  for (int i = 0; i < N; i++) out[i] = (unsigned char)(i * 31 + (i >> 9));
  size_t got = 0, put = 0;
  while (put < N) {
    ssize_t n = send(fd, out + put, N - put > 200000 ? 200000 : N - put, 0);
    if (n <= 0) { CHECK(0, "send %zd", n); break; }
    put += n;
    while (got < put) {
      struct pollfd p = { fd, POLLIN, 0 };
      if (poll(&p, 1, 0) != 1) break;
      ssize_t m = recv(fd, in + got, N - got, 0);
      if (m <= 0) break;
      got += m;
    }
  }
  while (got < N) {
    ssize_t m = recv(fd, in + got, N - got, 0);
    if (m <= 0) { CHECK(0, "blocking recv %zd", m); break; }
    got += m;
  }
  CHECK(got == N && !memcmp(in, out, N), "1 MiB echoed intact through blocking send/recv (%zu bytes)", got);
  free(out);
  free(in);
  return fd;
}

// listen on 127.0.0.1:port (LISTENING is the runner's cue to start its native client), a blocking accept, the
// client's line read and sent back, then its close seen (the client closes once it has its line back: the
// program's end would end the session)
static inline void listen_accept_echo_line(int listen_port) {
  int lf = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lf, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in l = addr_of(listen_port);
  CHECK(bind(lf, (struct sockaddr *)&l, sizeof l) == 0, "bind 127.0.0.1:%d", listen_port);
  CHECK(listen(lf, 4) == 0, "listen (waits for the proxy's answer)");
  struct sockaddr_in local;
  socklen_t ll = sizeof local;
  CHECK(getsockname(lf, (struct sockaddr *)&local, &ll) == 0 && ntohs(local.sin_port) == listen_port, "getsockname of the listener");
  printf("LISTENING 127.0.0.1:%d\n", listen_port);
  fflush(stdout);
  struct sockaddr_in peer;
  socklen_t pl = sizeof peer;
  int cf = accept(lf, (struct sockaddr *)&peer, &pl);
  CHECK(cf >= 0 && ntohs(peer.sin_port) != 0, "blocking accept: fd %d from port %d", cf, ntohs(peer.sin_port));
  char line[256];
  size_t len = 0;
  while (len < sizeof line && (len == 0 || line[len - 1] != '\n')) {
    ssize_t n = recv(cf, line + len, sizeof line - len, 0);
    if (n <= 0) break;
    len += n;
  }
  CHECK(len > 0 && line[len - 1] == '\n', "read the client's line (%zu bytes)", len);
  CHECK(send(cf, line, len, 0) == (ssize_t)len, "sent it back");
  CHECK(recv(cf, line, sizeof line, 0) == 0, "the native client closed after the reply");
  close(cf);
  close(lf);
}

static void finish(void) {
  printf(g_failures ? "RESULT: FAIL (%d)\n" : "RESULT: PASS\n", g_failures);
  fflush(stdout);
  emscripten_force_exit(g_failures ? 1 : 0);
}

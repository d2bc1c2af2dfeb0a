// Shared by the Sockbridge backend's test programs: PASS/FAIL lines that run-sockbridge.js reads.
#pragma once
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void finish(void) {
  printf(g_failures ? "RESULT: FAIL (%d)\n" : "RESULT: PASS\n", g_failures);
  fflush(stdout);
  emscripten_force_exit(g_failures ? 1 : 0);
}

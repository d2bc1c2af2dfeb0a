/* What the benchmark clients share: bench.sh's byte pattern and its check, the round-trip
 * percentiles, and for the SOCKFS clients how they stop and how they read the echo. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <emscripten.h>

#define CHUNK 65536

/* bench.sh's pattern: byte i of every stream is block[i % CHUNK] */
static inline void pattern_fill(unsigned char *block) {
  for (int i = 0; i < CHUNK; i++) block[i] = (unsigned char)((i * 2654435761u) >> 24);
}

/* Compares data (n bytes at stream offset pos) with the pattern in runs up to the next multiple of
 * CHUNK; returns -1 when they agree, else the offset in data of the first run that differs. */
static inline long long pattern_differs(const unsigned char *block, const unsigned char *data, size_t n, uint64_t pos) {
  size_t off = (size_t)(pos % CHUNK), done = 0;
  while (done < n) {
    size_t k = CHUNK - off < n - done ? CHUNK - off : n - done;
    if (memcmp(data + done, block + off, k) != 0) return (long long)done;
    done += k;
    off = 0;
  }
  return -1;
}

static inline int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y ? 1 : 0;
}

/* nearest-rank percentile of sorted v[0..n) */
static inline double percentile(const double *v, int n, double p) {
  int k = (int)(p / 100.0 * n + 0.999999) - 1;
  if (k < 0) k = 0;
  if (k >= n) k = n - 1;
  return v[k];
}

/* The SOCKFS clients end with these: their socket callbacks keep the runtime alive (a keepalive
 * reference that is never dropped), so plain exit() would only set the exit code and leave node
 * running while a WebSocket is open; emscripten_force_exit() ends the process. */
static inline void bench_exit(int code) {
  fflush(stdout);
  emscripten_force_exit(code);
}

static inline void bench_fail(const char *what, int e) {
  printf("BENCH error %s: errno %d\n", what, e);
  bench_exit(1);
}

/* A SOCKFS client's echo reader: recv()s into buf (len bytes) until EAGAIN, checks every piece
 * against the pattern at stream offset *got and advances *got and *recvs (recv() calls that
 * returned data); fails on an error (`failed`) or end of stream (`closed`). Returns the bytes read. */
static inline uint64_t recv_echo(int fd, unsigned char *buf, size_t len, const unsigned char *block,
                                 uint64_t *got, uint64_t *recvs, const char *failed, const char *closed) {
  uint64_t taken = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, len, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return taken;
      bench_fail(failed, errno);
    }
    if (n == 0) bench_fail(closed, 0);
    long long bad = pattern_differs(block, buf, (size_t)n, *got);
    if (bad >= 0) {
      printf("BENCH error echo: data differs near byte %llu\n", (unsigned long long)(*got + bad));
      bench_exit(1);
    }
    *got += (uint64_t)n;
    (*recvs)++;
    taken += (uint64_t)n;
  }
}
#endif

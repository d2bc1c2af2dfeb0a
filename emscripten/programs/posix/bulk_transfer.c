/* 8 MiB over TCP through the POSIX-socket bridge, checksummed in both directions.
 * usage: bulk_transfer.js ws://127.0.0.1:PROXY_PORT BULK_PORT [MIB]
 * Protocol of the native "bulk" server in echo-servers.js:
 *   client -> server: u32 LE size N, u32 LE seed, then N bytes (xorshift32 stream from seed)
 *   server -> client: u32 LE FNV-1a-32 of the N bytes it received, then N bytes of the
 *                     xorshift32 stream from seed ^ 0x5a5a5a5a
 * The wasm side checks the upload hash the server computed against its own, and the hash of
 * the downloaded bytes against the locally generated expected stream. Prints MB/s each way. */
#include "common.h"
#include <time.h>

#define CHUNK 65536

static uint32_t xs_state;
static uint32_t xs_next(void) {
  uint32_t x = xs_state;
  x ^= x << 13; x ^= x >> 17; x ^= x << 5;
  return xs_state = x;
}
/* fill buf (len multiple of 4) with the next words of the stream, little-endian */
static void xs_fill(unsigned char *buf, size_t len) {
  for (size_t i = 0; i < len; i += 4) {
    uint32_t w = xs_next();
    buf[i] = (unsigned char)w; buf[i + 1] = (unsigned char)(w >> 8);
    buf[i + 2] = (unsigned char)(w >> 16); buf[i + 3] = (unsigned char)(w >> 24);
  }
}
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  bridge_connect(argc, argv, 2, "BULK_PORT [MIB]");
  int port = atoi(argv[2]);
  uint32_t mib = argc > 3 ? (uint32_t)atoi(argv[3]) : 8;
  uint32_t size = mib * 1024u * 1024u, seed = 0x1234abcdu;
  static unsigned char buf[CHUNK], expect[CHUNK];

  int fd = tcp_connect(port);
  CHECK(fd > 0, "connect() to the bulk server", "errno %d (%s)", errno, errno_name(errno));
  if (fd <= 0) return finish();

  unsigned char hdr[8] = { (unsigned char)size, (unsigned char)(size >> 8), (unsigned char)(size >> 16),
                           (unsigned char)(size >> 24), (unsigned char)seed, (unsigned char)(seed >> 8),
                           (unsigned char)(seed >> 16), (unsigned char)(seed >> 24) };
  int ok = send_all(fd, hdr, 8) == 0;

  /* upload */
  double t0 = now_s();
  uint32_t up_hash = FNV1A_INIT;
  xs_state = seed;
  for (uint32_t sent = 0; ok && sent < size; sent += CHUNK) {
    xs_fill(buf, CHUNK);
    up_hash = fnv1a_update(up_hash, buf, CHUNK);
    ok = send_all(fd, buf, CHUNK) == 0;
  }
  unsigned char rh[4] = {0};
  ok = ok && recv_all(fd, rh, 4) == 0;
  double t1 = now_s();
  uint32_t server_hash = rh[0] | (rh[1] << 8) | (rh[2] << 16) | ((uint32_t)rh[3] << 24);
  printf("upload: %u bytes in %.2f s (%.2f MB/s), fnv1a local %08x server %08x\n", size, t1 - t0,
         size / 1e6 / (t1 - t0), up_hash, server_hash);
  char what[96];
  snprintf(what, sizeof what, "upload %u MiB: server's FNV-1a matches", mib);
  CHECK(ok && server_hash == up_hash, what, "ok %d local %08x server %08x errno %d", ok, up_hash, server_hash, errno);

  /* download */
  uint32_t down_hash = FNV1A_INIT, want_hash = FNV1A_INIT, got = 0;
  xs_state = seed ^ 0x5a5a5a5au;
  size_t pending = 0; /* bytes of the current expected chunk already compared */
  xs_fill(expect, CHUNK);
  int mismatch_at = -1;
  while (ok && got < size) {
    ssize_t n = recv(fd, buf, CHUNK, 0);
    if (n <= 0) { ok = 0; break; }
    down_hash = fnv1a_update(down_hash, buf, (size_t)n);
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] != expect[pending] && mismatch_at < 0) mismatch_at = (int)(got + i);
      if (++pending == CHUNK) {
        want_hash = fnv1a_update(want_hash, expect, CHUNK);
        xs_fill(expect, CHUNK);
        pending = 0;
      }
    }
    got += (uint32_t)n;
  }
  double t2 = now_s();
  printf("download: %u bytes in %.2f s (%.2f MB/s), fnv1a received %08x expected %08x\n", got, t2 - t1,
         got / 1e6 / (t2 - t1), down_hash, want_hash);
  snprintf(what, sizeof what, "download %u MiB: FNV-1a of received data matches", mib);
  CHECK(ok && got == size && down_hash == want_hash && mismatch_at < 0, what,
        "received %u of %u bytes, hash %08x expected %08x, first mismatch at %d", got, size, down_hash, want_hash,
        mismatch_at);
  shutdown(fd, SHUT_RDWR);
  return finish();
}

// Receive backpressure: a native server sends 16 MiB as fast as the connection takes it while the
// program reads nothing for 1.5 s. What waits in the page must stay bounded by the backend's
// receive limit (the rest is held back by the proxy's credit window and TCP), then every byte must
// arrive intact once the program reads. Non-blocking, emscripten_set_main_loop, no ASYNCIFY.
//   usage: sb_backpressure.js SOURCE_PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

#define TOTAL (16u << 20)
static int fd, state;
static unsigned x = 0x12345678u, got, bad, pos;
static unsigned char pending[4];
static double t_pause, deadline;

static unsigned next_word(void) {
  x ^= x << 13; x ^= x >> 17; x ^= x << 5;
  return x;
}

static void check_bytes(const unsigned char *b, ssize_t n) {
  for (ssize_t i = 0; i < n; i++) {
    if (pos == 0) {
      unsigned w = next_word();
      pending[0] = w; pending[1] = w >> 8; pending[2] = w >> 16; pending[3] = w >> 24;
    }
    if (b[i] != pending[pos]) bad++;
    pos = (pos + 1) & 3;
  }
}

static void step(void) {
  double now = emscripten_get_now();
  struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
  poll(&p, 1, 0);
  if (state == 0 && (p.revents & POLLOUT)) {
    unsigned char req[4] = { TOTAL & 0xff, (TOTAL >> 8) & 0xff, (TOTAL >> 16) & 0xff, TOTAL >> 24 };
    CHECK(send(fd, req, 4, 0) == 4, "asked for %u bytes", TOTAL);
    state = 1;
    t_pause = now + 1500;
  } else if (state == 1 && now >= t_pause) {
    int queued = EM_ASM_INT({ var s = SOCKFS.getSocket($0); return s && s.sb ? s.sb.rqBytes : -1; }, fd);
    int limit = EM_ASM_INT({ return SOCKBRIDGE.RECV_HIGH; });
    printf("after 1.5 s without reading: %d bytes wait in the page (receive limit %d)\n", queued, limit);
    CHECK(queued > 0 && queued < 2 * limit, "unread data in the page is bounded (%d < %d)", queued, 2 * limit);
    state = 2;
  } else if (state == 2) {
    static unsigned char buf[65536];
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n > 0) { check_bytes(buf, n); got += n; continue; }
      if (n == 0) {
        CHECK(got == TOTAL && bad == 0, "all %u bytes arrived intact (%u, %u wrong)", TOTAL, got, bad);
        close(fd);
        emscripten_cancel_main_loop();
        finish();
        return;
      }
      if (errno != EAGAIN) { CHECK(0, "recv errno %d", errno); state = 3; }
      break;
    }
  }
  if (now > deadline) {
    CHECK(0, "timed out in state %d with %u bytes", state, got);
    emscripten_cancel_main_loop();
    finish();
  }
}

int main(int argc, char **argv) {
  if (argc < 2) { printf("usage: %s SOURCE_PORT\n", argv[0]); return 2; }
  deadline = emscripten_get_now() + 60000;
  fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = addr_of(atoi(argv[1]));
  CHECK_ERRNO(connect(fd, (struct sockaddr *)&a, sizeof a), EINPROGRESS);
  emscripten_set_main_loop(step, 0, 0);
  return 0;
}

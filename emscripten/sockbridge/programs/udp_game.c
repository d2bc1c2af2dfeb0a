// A game's network loop over UDP: 60 small datagrams a second to a native server, which sends each
// one back (60 a second the other way), with sequence numbers; counts loss, duplicates, reordering
// and round-trip time. Non-blocking sockets driven by emscripten_set_main_loop, no ASYNCIFY.
//   usage: sb_udp_game.js UDP_ECHO_PORT SECONDS
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

#define MAGIC 0x5342474dU
struct packet { unsigned magic, seq; double sent_ms; char pad[16]; };

static int fd, total, sent, received, dups, reordered, bad, last_seq = -1;
static unsigned char *seen;
static double rtt_sum, rtt_max, end_at;
// after the loop: datagrams larger than one QUIC datagram (they go on the session's stream instead)
static const int big_sizes[2] = { 1400, 8000 };
static int big_got[2], big_phase;
static double big_deadline;
static struct sockaddr_in server;

static void drain(void) {
  for (;;) {
    struct packet p;
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(fd, &p, sizeof p, 0, (struct sockaddr *)&from, &fl);
    if (n < 0) {
      if (errno != EAGAIN) { bad++; printf("FAIL recvfrom errno %d\n", errno); }
      return;
    }
    if (n != sizeof p || p.magic != MAGIC || p.seq >= (unsigned)total || from.sin_port != server.sin_port
        || from.sin_addr.s_addr != server.sin_addr.s_addr) { bad++; continue; }
    if (seen[p.seq]) { dups++; continue; }
    seen[p.seq] = 1;
    received++;
    if ((int)p.seq < last_seq) reordered++;
    else last_seq = p.seq;
    double rtt = emscripten_get_now() - p.sent_ms;
    rtt_sum += rtt;
    if (rtt > rtt_max) rtt_max = rtt;
  }
}

static void big_fill(unsigned char *b, int n) {
  for (int i = 0; i < n; i++) b[i] = (unsigned char)(i * 7 + n);
}

static void big_step(double now) {
  static unsigned char buf[9000], want[9000];
  if (big_phase == 0) {
    for (int k = 0; k < 2; k++) {
      big_fill(buf, big_sizes[k]);
      ssize_t n = sendto(fd, buf, big_sizes[k], 0, (struct sockaddr *)&server, sizeof server);
      CHECK(n == big_sizes[k], "sendto of a %d-byte datagram", big_sizes[k]);
    }
    big_phase = 1;
    big_deadline = now + 5000;
    return;
  }
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) break;
    for (int k = 0; k < 2; k++) {
      if (n == big_sizes[k]) {
        big_fill(want, n);
        if (!memcmp(buf, want, n)) big_got[k] = 1;
      }
    }
  }
  if ((big_got[0] && big_got[1]) || now > big_deadline) {
    CHECK(big_got[0] && big_got[1], "the 1400- and 8000-byte datagrams came back intact (%d, %d)", big_got[0], big_got[1]);
    emscripten_cancel_main_loop();
    close(fd);
    finish();
  }
}

static void frame(void) {
  double now = emscripten_get_now();
  if (big_phase) { big_step(now); return; }
  if (sent < total) {
    struct packet p = { MAGIC, (unsigned)sent, now, {0} };
    ssize_t n = sendto(fd, &p, sizeof p, 0, (struct sockaddr *)&server, sizeof server);
    if (n == sizeof p) sent++;
    else if (!(n < 0 && errno == EAGAIN)) { bad++; printf("FAIL sendto %zd errno %d\n", n, errno); sent++; }
    if (sent == total) end_at = now + 2000; // stragglers
  }
  drain();
  if (sent == total && (received == total || now > end_at)) {
    struct sockaddr_in local;
    socklen_t ll = sizeof local;
    getsockname(fd, (struct sockaddr *)&local, &ll);
    int lost = total - received;
    printf("sent %d received %d lost %d (%.1f%%) duplicates %d reordered %d malformed %d rtt avg %.2f ms max %.2f ms local port %d\n",
           sent, received, lost, 100.0 * lost / total, dups, reordered, bad, received ? rtt_sum / received : 0.0, rtt_max, ntohs(local.sin_port));
    CHECK(received * 100 >= total * 95, "at least 95%% of %d datagrams came back (%d)", total, received);
    CHECK(dups == 0 && bad == 0, "no duplicates or malformed datagrams");
    CHECK(ntohs(local.sin_port) != 0, "getsockname reports the proxy-side port");
    big_step(now);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) { printf("usage: %s UDP_ECHO_PORT SECONDS\n", argv[0]); return 2; }
  total = atoi(argv[2]) * 60;
  seen = calloc(total, 1);
  fd = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(fd >= 0, "socket(AF_INET, SOCK_DGRAM)");
  fcntl(fd, F_SETFL, O_NONBLOCK);
  // what game clients do before their first sendto
  struct sockaddr_in any;
  memset(&any, 0, sizeof any);
  any.sin_family = AF_INET;
  CHECK(bind(fd, (struct sockaddr *)&any, sizeof any) == 0, "bind(INADDR_ANY, 0)");
  server = addr_of(atoi(argv[1]));
  struct packet p;
  CHECK_ERRNO(recv(fd, &p, sizeof p, 0), EAGAIN);
  emscripten_set_main_loop(frame, 60, 0);
  return 0;
}

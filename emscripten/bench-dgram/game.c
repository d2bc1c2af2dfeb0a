// The benchmark's game loop: 60 datagrams a second to a native server for SECONDS, while the server
// sends its own 60 a second back; every datagram carries a sequence number and its send time on the
// wall clock (browser and server run on one machine, so one-way latency is arrival - send). Prints
// one DGRAM_DOWN line with what arrived from the server. The same source is linked with the Sockbridge
// backend and with Emscripten's default SOCKFS emulation. Non-blocking, emscripten_set_main_loop, no
// ASYNCIFY, as a ported game's client would be.
//   usage: game.js SERVER_UDP_PORT SECONDS
#include <arpa/inet.h>
#include <emscripten.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UP_MAGIC 0x53425550U   // client -> server
#define DOWN_MAGIC 0x5342444eU // server -> client
struct packet { unsigned magic, seq; double sent_ms; char pad[16]; };

#define WARMUP 60
static int timed, late;
// later than this a game has already drawn the frames the datagram was for
#define LATE_MS 100
static int fd, total, sent, recv_count, expected_down, dups;
static double *lat, start_ms, end_at, last_arrival, max_gap, first_arrival;
static unsigned char *seen;
static struct sockaddr_in server;

static double wall_ms(void) { return EM_ASM_DOUBLE({ return performance.timeOrigin + performance.now(); }); }

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void drain(double now) {
  for (;;) {
    struct packet p;
    ssize_t n = recv(fd, &p, sizeof p, 0);
    if (n < 0) return;
    if (n != sizeof p || p.magic != DOWN_MAGIC) continue;
    if (p.seq >= (unsigned)(total * 2)) continue;
    if (seen[p.seq]) { dups++; continue; }
    seen[p.seq] = 1;
    if (p.seq + 1 > (unsigned)expected_down) expected_down = p.seq + 1;
    recv_count++;
    // the first second (connection setup: SOCKFS queues datagrams until its WebSocket is open) is
    // counted as delivered but not timed
    if (p.seq < WARMUP) continue;
    lat[timed++] = now - p.sent_ms;
    if (now - p.sent_ms > LATE_MS) late++;
    // a stall: the longest time without any new datagram arriving, once the stream has started
    if (last_arrival > 0 && now - last_arrival > max_gap) max_gap = now - last_arrival;
    if (last_arrival == 0) first_arrival = now;
    last_arrival = now;
  }
}

static void frame(void) {
  double now = wall_ms();
  if (sent < total) {
    // the schedule, not the frame count, decides: a late frame sends what is due
    while (sent < total && sent * (1000.0 / 60) <= now - start_ms) {
      struct packet p = { UP_MAGIC, (unsigned)sent, wall_ms(), {0} };
      ssize_t n = sendto(fd, &p, sizeof p, 0, (struct sockaddr *)&server, sizeof server);
      if (n != sizeof p && !(n < 0 && errno == EAGAIN)) printf("sendto %zd errno %d\n", n, errno);
      sent++;
    }
    if (sent == total) end_at = now + 3000; // stragglers (retransmissions on the TCP path)
  }
  drain(wall_ms());
  if (sent == total && now > end_at) {
    qsort(lat, timed, sizeof *lat, cmp);
    double p50 = timed ? lat[timed / 2] : -1;
    double p99 = timed ? lat[(int)(timed * 0.99)] : -1;
    printf("DGRAM_DOWN {\"received\":%d,\"p50\":%.2f,\"p99\":%.2f,\"max\":%.2f,\"stall\":%.2f,\"dups\":%d,\"span\":%.1f,\"timed\":%d,\"late\":%d}\n",
           recv_count, p50, p99, timed ? lat[timed - 1] : -1, max_gap, dups, last_arrival - first_arrival, timed, late);
    emscripten_cancel_main_loop();
    close(fd);
    exit(0);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) { printf("usage: %s SERVER_UDP_PORT SECONDS\n", argv[0]); return 2; }
  total = atoi(argv[2]) * 60;
  lat = calloc(total * 2, sizeof *lat);
  seen = calloc(total * 2, 1);
  fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { printf("socket errno %d\n", errno); return 1; }
  fcntl(fd, F_SETFL, O_NONBLOCK);
  memset(&server, 0, sizeof server);
  server.sin_family = AF_INET;
  server.sin_port = htons(atoi(argv[1]));
  inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  start_ms = wall_ms();
  emscripten_set_main_loop(frame, 60, 0);
  return 0;
}

/* Two pthreads using several sockets at once over the single bridge WebSocket.
 * usage: threads.js ws://127.0.0.1:PROXY_PORT TCP_ECHO_PORT UDP_ECHO_PORT [ROUNDS]
 * Thread A: two TCP sockets; each round sends a tagged 32-byte message on both, then reads both
 * echoes. Thread B: one TCP socket and one UDP socket, same pattern. ROUNDS (argv[4], default 100) rounds each, all tags
 * are checked (no cross-talk between sockets/threads), then every socket is shut down. */
#include "common.h"
#include <pthread.h>

static int ROUNDS = 100;
#define MSG 32

typedef struct {
  char name;
  int tcp_port, udp_port, use_udp;
  int fail;
  char why[160];
} job_t;

static void make_msg(char *m, char t, int sock, int round) {
  memset(m, '.', MSG);
  snprintf(m, MSG, "thread %c sock %d round %d", t, sock, round);
}

static void *worker(void *arg) {
  job_t *j = (job_t *)arg;
  int fds[2] = { -1, -1 };
  int udp = 0;
  fds[0] = tcp_connect(j->tcp_port);
  if (j->use_udp) {
    fds[1] = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = loopback(j->udp_port);
    if (fds[1] > 0 && connect(fds[1], (struct sockaddr *)&a, sizeof a) != 0) fds[1] = -1;
    udp = 1;
  } else {
    fds[1] = tcp_connect(j->tcp_port);
  }
  if (fds[0] <= 0 || fds[1] <= 0) {
    j->fail = 1;
    snprintf(j->why, sizeof j->why, "connect failed: fds %d %d errno %d", fds[0], fds[1], errno);
    return NULL;
  }
  char out[MSG], in[MSG];
  for (int r = 0; r < ROUNDS && !j->fail; r++) {
    for (int k = 0; k < 2; k++) {
      make_msg(out, j->name, k, r);
      if (send(fds[k], out, MSG, 0) != MSG) {
        j->fail = 1;
        snprintf(j->why, sizeof j->why, "send on socket %d round %d: errno %d", k, r, errno);
      }
    }
    for (int k = 0; k < 2 && !j->fail; k++) {
      make_msg(out, j->name, k, r);
      int got;
      if (k == 1 && udp) got = (int)recv(fds[k], in, MSG, 0);
      else got = recv_all(fds[k], in, MSG) == 0 ? MSG : -1;
      if (got != MSG || memcmp(in, out, MSG) != 0) {
        j->fail = 1;
        snprintf(j->why, sizeof j->why, "socket %d round %d: got %d bytes '%.*s'", k, r, got,
                 got > 0 ? got : 0, in);
      }
    }
  }
  for (int k = 0; k < 2; k++) shutdown(fds[k], SHUT_RDWR);
  return NULL;
}

int main(int argc, char **argv) {
  bridge_connect(argc, argv, 3, "TCP_ECHO_PORT UDP_ECHO_PORT [ROUNDS]");
  if (argc > 4) ROUNDS = atoi(argv[4]);
  printf("%d rounds per thread\n", ROUNDS);
  job_t a = { 'A', atoi(argv[2]), atoi(argv[3]), 0, 0, "" };
  job_t b = { 'B', atoi(argv[2]), atoi(argv[3]), 1, 0, "" };
  pthread_t ta, tb;
  int ca = pthread_create(&ta, NULL, worker, &a);
  int cb = pthread_create(&tb, NULL, worker, &b);
  CHECK(ca == 0 && cb == 0, "pthread_create x2", "%d %d", ca, cb);
  if (ca == 0) pthread_join(ta, NULL);
  if (cb == 0) pthread_join(tb, NULL);
  CHECK(!a.fail, "thread A: 2 TCP sockets, interleaved rounds", "%s", a.why);
  CHECK(!b.fail, "thread B: 1 TCP + 1 UDP socket, interleaved rounds", "%s", b.why);
  return finish();
}

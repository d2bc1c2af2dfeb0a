// Blocking socket calls in pthreads (built with -pthread, no ASYNCIFY): main() starts a network
// thread and returns to the event loop, as a game's main loop would (or, built with
// -sPROXY_TO_PTHREAD, main() itself is a pthread and joins it). The network thread: name lookup on
// the proxy, a blocking connect, 1 MiB through blocking send/recv, poll/select/SO_RCVTIMEO timeouts
// that expire, a refused connect, and listen + blocking accept with a native client; meanwhile a
// second thread sits in blocking recvfrom on a UDP socket and gets the echoes of the datagrams the
// first one sends from it, and a third is blocked in recv when another thread's shutdown wakes it.
//   usage: sb_threads.js TCP_ECHO_PORT UDP_ECHO_PORT CLOSED_PORT LISTEN_PORT
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <emscripten/threading.h>
#include "common.h"

static int echo_port, udp_port, closed_port, listen_port;

enum { DATAGRAMS = 20 };
static int udp_fd;
static int udp_received;

// blocks in recvfrom until every echo is back (each one checked: sequence number and source)
static void *udp_reader(void *arg) {
  (void)arg;
  int bad = 0;
  for (int i = 0; i < DATAGRAMS; i++) {
    unsigned char buf[64];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(udp_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    if (n != 8 || buf[0] != (unsigned char)i || ntohs(from.sin_port) != udp_port) bad++;
    if (n <= 0) break;
    __atomic_add_fetch(&udp_received, 1, __ATOMIC_SEQ_CST);
  }
  return (void *)(long)bad;
}

static int blocked_fd;
static ssize_t blocked_result = -2;

static void *recv_until_shutdown(void *arg) {
  (void)arg;
  char b[8];
  blocked_result = recv(blocked_fd, b, sizeof b, 0);
  return NULL;
}

static void tcp_tests(void) {
  // name lookup on the proxy, waited for in this thread
  struct addrinfo *res = NULL;
  int rc = lookup_tcp4("localhost", echo_port, &res);
  char ip[64] = "";
  if (rc == 0) inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip, sizeof ip);
  CHECK(rc == 0 && !strcmp(ip, "127.0.0.1"), "getaddrinfo(localhost) through the proxy in a pthread: %s (rc %d)", ip, rc);
  if (rc != 0) return;

  int fd = connect_and_echo_1mib(res);

  // timeouts that expire: poll, select, SO_RCVTIMEO
  struct pollfd p = { fd, POLLIN, 0 };
  double t0 = emscripten_get_now();
  int pr = poll(&p, 1, 300);
  CHECK(pr == 0 && p.revents == 0 && emscripten_get_now() - t0 >= 250, "poll(300 ms) on an idle socket waited and returned 0 (%d)", pr);
  fd_set rs;
  FD_ZERO(&rs);
  FD_SET(fd, &rs);
  struct timeval stv = { 0, 200000 };
  t0 = emscripten_get_now();
  int sr = select(fd + 1, &rs, NULL, NULL, &stv);
  CHECK(sr == 0 && !FD_ISSET(fd, &rs) && emscripten_get_now() - t0 >= 150, "select(200 ms) on an idle socket waited and returned 0 (%d)", sr);
  struct timeval tv = { 0, 200000 };
  CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO 200 ms");
  char b[16];
  t0 = emscripten_get_now();
  CHECK_ERRNO(recv(fd, b, sizeof b, 0), EAGAIN);
  CHECK(emscripten_get_now() - t0 >= 150, "recv waited for SO_RCVTIMEO before EAGAIN");
  // poll with a timeout that data ends early, then a blocking recv that gets it
  CHECK(send(fd, "tail", 4, 0) == 4, "send after the timeout");
  p.revents = 0;
  pr = poll(&p, 1, 10000);
  CHECK(pr == 1 && (p.revents & POLLIN), "poll(10 s) returns when the echo arrives (%d, revents %#x)", pr, p.revents);
  ssize_t tn = recv(fd, b, sizeof b, 0);
  CHECK(tn == 4 && !memcmp(b, "tail", 4), "blocking recv gets the echo (%zd)", tn);
  // non-blocking still means non-blocking in a pthread
  CHECK_ERRNO(recv(fd, b, sizeof b, MSG_DONTWAIT), EAGAIN);
  CHECK(shutdown(fd, SHUT_WR) == 0, "shutdown(SHUT_WR)");
  CHECK(recv(fd, b, sizeof b, 0) == 0, "recv returns 0 after the peer's FIN");
  close(fd);

  // a thread blocked in recv is woken by another thread's shutdown(SHUT_RD)
  blocked_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in e = addr_of(echo_port);
  CHECK(connect(blocked_fd, (struct sockaddr *)&e, sizeof e) == 0, "second blocking connect");
  pthread_t t;
  pthread_create(&t, NULL, recv_until_shutdown, NULL);
  // wait (bounded) until the reader is in recv: it cannot be seen from here, so give it a poll's time
  struct pollfd idle = { blocked_fd, POLLIN, 0 };
  poll(&idle, 1, 200);
  CHECK(blocked_result == -2, "the reader is still blocked in recv");
  CHECK(shutdown(blocked_fd, SHUT_RD) == 0, "shutdown(SHUT_RD) from another thread");
  pthread_join(t, NULL);
  CHECK(blocked_result == 0, "the blocked recv returned 0 after the shutdown (%zd)", blocked_result);
  close(blocked_fd);

  // a refused connect, blocking
  int rf = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in c = addr_of(closed_port);
  CHECK_ERRNO(connect(rf, (struct sockaddr *)&c, sizeof c), ECONNREFUSED);
  close(rf);
}

static void udp_tests(void) {
  udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in any;
  memset(&any, 0, sizeof any);
  any.sin_family = AF_INET;
  CHECK(bind(udp_fd, (struct sockaddr *)&any, sizeof any) == 0, "UDP bind (waits for the proxy's answer)");
  pthread_t reader;
  pthread_create(&reader, NULL, udp_reader, NULL);
  struct sockaddr_in to = addr_of(udp_port);
  int sent = 0;
  for (int i = 0; i < DATAGRAMS; i++) {
    unsigned char d[8] = { (unsigned char)i, 's', 'b', 'r', 'i', 'd', 'g', 'e' };
    if (sendto(udp_fd, d, sizeof d, 0, (struct sockaddr *)&to, sizeof to) == 8) sent++;
    // one at a time, so that the reader waits in recvfrom for each echo (at most 4 s each)
    for (int k = 0; k < 2000 && __atomic_load_n(&udp_received, __ATOMIC_SEQ_CST) <= i; k++) usleep(2000);
  }
  void *bad;
  pthread_join(reader, &bad);
  CHECK(sent == DATAGRAMS && udp_received == DATAGRAMS && bad == NULL,
        "a thread blocked in recvfrom got all %d echoes in order (%d received, %ld bad)", DATAGRAMS, udp_received, (long)bad);
  unsigned char b[8];
  struct timeval tv = { 0, 100000 };
  setsockopt(udp_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  CHECK_ERRNO(recvfrom(udp_fd, b, sizeof b, 0, NULL, NULL), EAGAIN);
  close(udp_fd);
}

static void server_tests(void) {
  listen_accept_echo_line(listen_port);
}

static void *network_thread(void *arg) {
  (void)arg;
  CHECK(!emscripten_is_main_browser_thread(), "the socket calls run in a pthread");
  tcp_tests();
  udp_tests();
  server_tests();
  finish();
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 5) { printf("usage: %s TCP_ECHO_PORT UDP_ECHO_PORT CLOSED_PORT LISTEN_PORT\n", argv[0]); return 2; }
  echo_port = atoi(argv[1]);
  udp_port = atoi(argv[2]);
  closed_port = atoi(argv[3]);
  listen_port = atoi(argv[4]);
  pthread_t t;
  pthread_create(&t, NULL, network_thread, NULL);
  if (emscripten_is_main_browser_thread()) {
    // the session's events need the main thread's event loop: return to it (finish() exits)
    emscripten_exit_with_live_runtime();
  }
  pthread_join(t, NULL);
  return 0;
}

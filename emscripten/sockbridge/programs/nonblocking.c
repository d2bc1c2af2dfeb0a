// Non-blocking sockets as SOCKFS programs use them (no ASYNCIFY, no pthreads): errno values musl
// defines, EINPROGRESS/EAGAIN/EISCONN, poll readiness, SO_ERROR after a refused connect, a name
// resolved by the proxy when connecting (Emscripten's stand-in address from getaddrinfo), and
// listen/accept with a native client. One emscripten_set_main_loop iteration per step.
//   usage: sb_nonblocking.js TCP_ECHO_PORT CLOSED_PORT LISTEN_PORT
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

static int echo_port, closed_port, listen_port;
static int echo_fd, refused_fd, named_fd, listen_fd, conn_fd = -1;
static int echo_done, refused_done, named_done, server_done, echo_sent, named_sent;
static char server_buf[256];
static int server_len, server_replied;
static double deadline;

static int tcp_nonblocking(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  return fd;
}

static short revents(int fd, short events) {
  struct pollfd p = { fd, events, 0 };
  return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

// sends msg once writable, then checks the echo; returns 1 when done
static int echo_step(int fd, int *sent, const char *msg, const char *what) {
  short r = revents(fd, POLLIN | POLLOUT);
  if (!*sent && (r & POLLOUT)) {
    ssize_t n = send(fd, msg, strlen(msg), 0);
    CHECK(n == (ssize_t)strlen(msg), "%s: send once writable (%zd)", what, n);
    *sent = 1;
    return 0;
  }
  if (*sent && (r & POLLIN)) {
    char buf[64] = {0};
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n < 0 && errno == EAGAIN) return 0;
    CHECK(n == (ssize_t)strlen(msg) && !memcmp(buf, msg, n), "%s: echo came back (%zd bytes)", what, n);
    return 1;
  }
  return 0;
}

static void step(void) {
  if (!echo_done && echo_step(echo_fd, &echo_sent, "ping", "echo")) {
    struct sockaddr_in a = addr_of(echo_port);
    CHECK_ERRNO(connect(echo_fd, (struct sockaddr *)&a, sizeof a), EISCONN);
    struct sockaddr_in peer, local;
    socklen_t pl = sizeof peer, ll = sizeof local;
    CHECK(getpeername(echo_fd, (struct sockaddr *)&peer, &pl) == 0 && ntohs(peer.sin_port) == echo_port, "getpeername is the echo server");
    CHECK(getsockname(echo_fd, (struct sockaddr *)&local, &ll) == 0 && ntohs(local.sin_port) != 0, "getsockname has the proxy-side port (%d)", ntohs(local.sin_port));
    int one = 1;
    CHECK(setsockopt(echo_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0, "TCP_NODELAY set");
    int v = 0; socklen_t vl = sizeof v;
    CHECK(getsockopt(echo_fd, IPPROTO_TCP, TCP_NODELAY, &v, &vl) == 0 && v == 1, "TCP_NODELAY reads back 1");
    CHECK(shutdown(echo_fd, SHUT_WR) == 0, "shutdown(SHUT_WR)");
    echo_done = 1;
  }
  if (echo_done == 1) {
    // after our FIN the echo server ends too: recv gives 0
    char b[8];
    ssize_t n = recv(echo_fd, b, sizeof b, 0);
    if (!(n < 0 && errno == EAGAIN)) {
      CHECK(n == 0, "recv after shutdown(SHUT_WR) ends with 0 once the peer closes (%zd)", n);
      close(echo_fd);
      echo_done = 2;
    }
  }
  if (!refused_done) {
    short r = revents(refused_fd, POLLIN | POLLOUT);
    if (r & (POLLERR | POLLHUP)) {
      int err = -1; socklen_t el = sizeof err;
      CHECK(getsockopt(refused_fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == ECONNREFUSED,
            "closed port: SO_ERROR is ECONNREFUSED (%d, want %d)", err, ECONNREFUSED);
      err = -1;
      CHECK(getsockopt(refused_fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0, "SO_ERROR is cleared once read");
      close(refused_fd);
      refused_done = 1;
    }
  }
  if (!named_done && echo_step(named_fd, &named_sent, "by name", "localhost via the proxy's resolver")) {
    close(named_fd);
    named_done = 1;
  }
  if (!server_done) {
    if (conn_fd < 0) {
      struct sockaddr_in peer;
      socklen_t pl = sizeof peer;
      conn_fd = accept(listen_fd, (struct sockaddr *)&peer, &pl);
      if (conn_fd < 0) {
        if (errno != EAGAIN) { CHECK(0, "accept: errno %d", errno); server_done = 1; }
      } else {
        char ip[32];
        inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
        CHECK(!strcmp(ip, "127.0.0.1") && ntohs(peer.sin_port) != 0, "accept fills in the native client's address %s:%d", ip, ntohs(peer.sin_port));
        fcntl(conn_fd, F_SETFL, O_NONBLOCK);
      }
    } else {
      ssize_t n = recv(conn_fd, server_buf + server_len, sizeof server_buf - 1 - server_len, 0);
      if (n > 0) server_len += n;
      if (!server_replied && server_len && server_buf[server_len - 1] == '\n') {
        CHECK(send(conn_fd, server_buf, server_len, 0) == server_len, "echoed the native client's line back");
        server_replied = 1;
      } else if (n == 0) {
        // the client closes once it has the line back; leaving earlier could cut the reply off
        // (the program's end ends the session)
        CHECK(server_replied, "the native client closed after the reply");
        close(conn_fd);
        close(listen_fd);
        server_done = 1;
      }
    }
  }
  if ((echo_done == 2 && refused_done && named_done && server_done) || emscripten_get_now() > deadline) {
    CHECK(echo_done == 2 && refused_done && named_done && server_done, "every step finished (echo %d refused %d name %d server %d)",
          echo_done, refused_done, named_done, server_done);
    emscripten_cancel_main_loop();
    finish();
  }
}

int main(int argc, char **argv) {
  if (argc < 4) { printf("usage: %s TCP_ECHO_PORT CLOSED_PORT LISTEN_PORT\n", argv[0]); return 2; }
  echo_port = atoi(argv[1]); closed_port = atoi(argv[2]); listen_port = atoi(argv[3]);
  deadline = emscripten_get_now() + 20000;

  // errno values musl defines (Emscripten's numbering, not Linux's)
  CHECK_ERRNO(socket(AF_UNIX, SOCK_STREAM, 0), EAFNOSUPPORT);
  CHECK_ERRNO(socket(AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT);
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK_ERRNO(send(u, "x", 1, 0), EDESTADDRREQ);
  close(u);
  char b[4];
  CHECK_ERRNO(recv(1, b, sizeof b, MSG_DONTWAIT), ENOTSOCK);
  CHECK_ERRNO(recv(999, b, sizeof b, 0), EBADF);

  echo_fd = tcp_nonblocking();
  CHECK_ERRNO(recv(echo_fd, b, sizeof b, 0), ENOTCONN);
  struct sockaddr_in pa; socklen_t pal = sizeof pa;
  CHECK_ERRNO(getpeername(echo_fd, (struct sockaddr *)&pa, &pal), ENOTCONN);
  int v; socklen_t vl = sizeof v;
  CHECK_ERRNO(getsockopt(echo_fd, SOL_SOCKET, 12345, &v, &vl), ENOPROTOOPT);
  struct sockaddr_in a = addr_of(echo_port);
  CHECK_ERRNO(connect(echo_fd, (struct sockaddr *)&a, sizeof a), EINPROGRESS);
#ifndef __EMSCRIPTEN_PTHREADS__
  // on the main thread nothing can happen between these calls; from a pthread each call is a round
  // trip to the main thread's event loop, where the connection may complete in between
  CHECK_ERRNO(connect(echo_fd, (struct sockaddr *)&a, sizeof a), EALREADY);
  CHECK_ERRNO(send(echo_fd, "x", 1, 0), EAGAIN);
  CHECK_ERRNO(recv(echo_fd, b, sizeof b, 0), EAGAIN);
#endif

  refused_fd = tcp_nonblocking();
  struct sockaddr_in c = addr_of(closed_port);
  CHECK_ERRNO(connect(refused_fd, (struct sockaddr *)&c, sizeof c), EINPROGRESS);

  // getaddrinfo without ASYNCIFY: Emscripten hands out a stand-in address; connecting to it sends the
  // name to the proxy, which resolves it under its policy
  struct addrinfo *res = NULL;
  CHECK(lookup_tcp4("localhost", echo_port, &res) == 0 && res, "getaddrinfo(localhost)");
  named_fd = tcp_nonblocking();
  CHECK_ERRNO(connect(named_fd, res->ai_addr, res->ai_addrlen), EINPROGRESS);
  freeaddrinfo(res);

  listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  CHECK(setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0, "SO_REUSEADDR");
  struct sockaddr_in l = addr_of(listen_port);
  CHECK(bind(listen_fd, (struct sockaddr *)&l, sizeof l) == 0, "bind 127.0.0.1:%d", listen_port);
  CHECK(listen(listen_fd, 4) == 0, "listen");
  int nb = 1;
  CHECK(ioctl(listen_fd, FIONBIO, &nb) == 0, "ioctl(FIONBIO)");
  CHECK_ERRNO(accept(listen_fd, NULL, NULL), EAGAIN);
  printf("LISTENING 127.0.0.1:%d\n", listen_port);
  fflush(stdout);
  emscripten_set_main_loop(step, 0, 0);
  return 0;
}

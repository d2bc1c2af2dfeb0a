/* Non-blocking sockets and errno values through the POSIX-socket bridge.
 * usage: nonblocking.js ws://127.0.0.1:PROXY_PORT TCP_ECHO_PORT CLOSED_PORT
 * (CLOSED_PORT: a loopback port where nothing listens.)
 * Checks, comparing errno with the musl/Emscripten numbers (not Linux ones):
 *   - blocking connect() to CLOSED_PORT -> -1, ECONNREFUSED (14)
 *   - socket(SOCK_STREAM | SOCK_NONBLOCK) + connect() to the echo server -> -1, EINPROGRESS (26);
 *     then a retry loop (connect() again -> EALREADY/EINPROGRESS until 0/EISCONN) finishes the
 *     connection and getsockopt(SO_ERROR) reads 0
 *   - recv() on that non-blocking socket with no data -> -1, EAGAIN (6); after an echo, data arrives
 *   - non-blocking connect() to CLOSED_PORT -> ECONNREFUSED, immediately or via SO_ERROR/connect retry
 *   - recv(MSG_DONTWAIT) on a blocking socket with no data -> -1, EAGAIN (6) */
#include "common.h"

static void check_errno(const char *what, int ret, int err, int expected_errno) {
  printf("%s: ret %d errno %d (%s), expected -1/%d (%s)\n", what, ret, err, errno_name(err), expected_errno,
         errno_name(expected_errno));
  CHECK(ret == -1 && err == expected_errno, what, "ret %d errno %d (%s), expected %d (%s)", ret, err,
        errno_name(err), expected_errno, errno_name(expected_errno));
}

/* Finish a non-blocking connect without poll/select (not proxied): retry connect() and read
 * SO_ERROR until the outcome is known. Returns 0 if connected, else the error number. */
static int finish_connect(int fd, const struct sockaddr_in *a, int *rounds) {
  for (int i = 0; i < 500; i++) {
    *rounds = i + 1;
    int soerr = -12345;
    socklen_t len = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0) return soerr;
    int r = connect(fd, (const struct sockaddr *)a, sizeof *a);
    if (r == 0 || (r == -1 && errno == EISCONN)) return 0;
    if (errno != EALREADY && errno != EINPROGRESS && errno != EAGAIN) return errno;
    emscripten_thread_sleep(10);
  }
  return ETIMEDOUT;
}

int main(int argc, char **argv) {
  bridge_connect(argc, argv, 3, "TCP_ECHO_PORT CLOSED_PORT");
  int echo_port = atoi(argv[2]), closed_port = atoi(argv[3]);
  struct sockaddr_in echo = loopback(echo_port), closed = loopback(closed_port);

  /* 1. blocking connect to a closed port */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  errno = 0;
  int r = connect(fd, (struct sockaddr *)&closed, sizeof closed);
  check_errno("blocking connect() to a closed port -> ECONNREFUSED", r, errno, ECONNREFUSED);
  shutdown(fd, SHUT_RDWR);

  /* 2. non-blocking connect to the echo server */
  fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  CHECK(fd > 0, "socket(SOCK_STREAM | SOCK_NONBLOCK)", "ret %d errno %d", fd, errno);
  errno = 0;
  r = connect(fd, (struct sockaddr *)&echo, sizeof echo);
  int e = errno, cr = r;
  check_errno("non-blocking connect() -> EINPROGRESS", r, e, EINPROGRESS);
  int rounds = 0;
  int res = (r == 0) ? 0 : finish_connect(fd, &echo, &rounds);
  printf("non-blocking connect finished after %d round(s): %d (%s)\n", rounds, res, errno_name(res));
  CHECK(res == 0, "non-blocking connect completes (retry loop)", "error %d (%s)", res, errno_name(res));
  int soerr = -1;
  socklen_t len = sizeof soerr;
  r = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
  printf("getsockopt(SO_ERROR) after connect: ret %d value %d len %u\n", r, soerr, (unsigned)len);
  CHECK(r == 0 && soerr == 0, "getsockopt(SO_ERROR) == 0 after the connect succeeded", "ret %d value %d", r, soerr);

  /* 3. recv with no data on the non-blocking socket. If connect() returned 0 the server
   * ignored SOCK_NONBLOCK (the reference proxy does): recv() would block forever, so skip it. */
  char buf[64];
  ssize_t n;
  if (cr == 0) {
    FAILF("recv() on a non-blocking socket with no data -> EAGAIN", "skipped: the socket is blocking "
          "(connect returned 0), recv would hang");
  } else {
    errno = 0;
    n = recv(fd, buf, sizeof buf, 0);
    check_errno("recv() on a non-blocking socket with no data -> EAGAIN", (int)n, errno, EAGAIN);
  }

  /* the non-blocking socket still moves data: send, then poll recv until the echo arrives */
  ssize_t s = send(fd, "nonblock", 8, 0);
  int got = 0, eagains = 0;
  for (int i = 0; i < 500 && got < 8; i++) {
    n = recv(fd, buf + got, sizeof buf - (size_t)got, 0);
    if (n > 0) got += (int)n;
    else if (n == -1 && errno == EAGAIN) { eagains++; emscripten_thread_sleep(10); }
    else break;
  }
  CHECK(s == 8 && got == 8 && memcmp(buf, "nonblock", 8) == 0, "non-blocking send + recv (EAGAIN retries) echo",
        "send %d got %d", (int)s, got);
  printf("echo arrived after %d EAGAIN(s)\n", eagains);
  shutdown(fd, SHUT_RDWR);

  /* 4. non-blocking connect to a closed port */
  fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  errno = 0;
  r = connect(fd, (struct sockaddr *)&closed, sizeof closed);
  e = errno;
  printf("non-blocking connect() to a closed port: ret %d errno %d (%s)\n", r, e, errno_name(e));
  if (r == -1 && e == EINPROGRESS) res = finish_connect(fd, &closed, &rounds);
  else res = (r == 0) ? 0 : e;
  printf("non-blocking connect to a closed port ends with %d (%s)\n", res, errno_name(res));
  CHECK(res == ECONNREFUSED, "non-blocking connect() to a closed port -> ECONNREFUSED (14)", "got %d (%s)", res,
        errno_name(res));
  shutdown(fd, SHUT_RDWR);

  /* 5. MSG_DONTWAIT on a blocking socket */
  fd = tcp_connect(echo_port);
  CHECK(fd > 0, "blocking connect() to the echo server", "errno %d (%s)", errno, errno_name(errno));
  if (fd > 0) {
    errno = 0;
    n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    check_errno("recv(MSG_DONTWAIT) with no data -> EAGAIN", (int)n, errno, EAGAIN);
    shutdown(fd, SHUT_RDWR);
  }
  return finish();
}

/* setsockopt/getsockopt through the POSIX-socket bridge.
 * usage: sockopts.js ws://127.0.0.1:PROXY_PORT TCP_ECHO_PORT
 * Checks that values read back correctly (each option is set to two different values, so a
 * server that returns a constant, e.g. the reference proxy's length word 4, is caught):
 *   SO_REUSEADDR 1/0, SO_KEEPALIVE 1/0, TCP_NODELAY 1/0 (level IPPROTO_TCP),
 *   SO_RCVBUF (read back >= the requested 65536; Linux doubles it), SO_TYPE == SOCK_STREAM,
 *   SO_ERROR == 0, the returned option length == 4, and an unknown option number ->
 *   -1/ENOPROTOOPT (50) for both getsockopt and setsockopt. */
#include "common.h"

static int get_int(int fd, int level, int opt, int *value, socklen_t *len) {
  *value = -12345;
  *len = sizeof *value;
  return getsockopt(fd, level, opt, value, len);
}

static void roundtrip(int fd, int level, int opt, const char *name, int v1, int v2) {
  int vals[2] = { v1, v2 };
  for (int i = 0; i < 2; i++) {
    int v = vals[i], got;
    socklen_t len;
    int s = setsockopt(fd, level, opt, &v, sizeof v);
    int g = get_int(fd, level, opt, &got, &len);
    char what[96];
    snprintf(what, sizeof what, "%s set %d reads back %d", name, v, v);
    printf("%s: setsockopt ret %d, getsockopt ret %d value %d len %u\n", name, s, g, got, (unsigned)len);
    /* Linux reports boolean options as 0/1; accept any non-zero for "on". */
    int ok = s == 0 && g == 0 && len == sizeof(int) && (v ? got != 0 : got == 0);
    CHECK(ok, what, "setsockopt %d, getsockopt %d, value %d, len %u (errno %d)", s, g, got, (unsigned)len, errno);
  }
}

int main(int argc, char **argv) {
  bridge_connect(argc, argv, 2, "TCP_ECHO_PORT");
  int port = atoi(argv[2]);

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd > 0, "socket()", "ret %d errno %d", fd, errno);
  if (fd <= 0) return finish();

  roundtrip(fd, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR", 1, 0);
  roundtrip(fd, SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", 1, 0);
  roundtrip(fd, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", 1, 0);

  int v = 65536, got;
  socklen_t len;
  int s = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
  int g = get_int(fd, SOL_SOCKET, SO_RCVBUF, &got, &len);
  printf("SO_RCVBUF: set %d -> setsockopt ret %d, getsockopt ret %d value %d len %u\n", v, s, g, got, (unsigned)len);
  CHECK(s == 0 && g == 0 && got >= v && len == sizeof(int), "SO_RCVBUF set 65536 reads back >= 65536",
        "setsockopt %d getsockopt %d value %d len %u", s, g, got, (unsigned)len);

  g = get_int(fd, SOL_SOCKET, SO_TYPE, &got, &len);
  CHECK(g == 0 && got == SOCK_STREAM, "SO_TYPE == SOCK_STREAM (1)", "ret %d value %d len %u", g, got, (unsigned)len);

  /* connect, then SO_ERROR and TCP_NODELAY on a connected socket, and the echo still works */
  struct sockaddr_in a = loopback(port);
  int c = connect(fd, (struct sockaddr *)&a, sizeof a);
  CHECK(c == 0, "connect() to the echo server", "errno %d (%s)", errno, errno_name(errno));
  g = get_int(fd, SOL_SOCKET, SO_ERROR, &got, &len);
  CHECK(g == 0 && got == 0, "SO_ERROR == 0 on a connected socket", "ret %d value %d len %u", g, got, (unsigned)len);
  v = 1;
  s = setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
  g = get_int(fd, IPPROTO_TCP, TCP_NODELAY, &got, &len);
  CHECK(s == 0 && g == 0 && got != 0, "TCP_NODELAY on a connected socket reads back on", "set %d get %d value %d",
        s, g, got);
  char buf[8] = {0};
  int ok = c == 0 && send_all(fd, "opts", 4) == 0 && recv_all(fd, buf, 4) == 0 && memcmp(buf, "opts", 4) == 0;
  CHECK(ok, "echo after setting options", "errno %d", errno);

  /* unknown option numbers */
  const int unknown = 12345;
  errno = 0;
  g = get_int(fd, SOL_SOCKET, unknown, &got, &len);
  int e = errno;
  printf("getsockopt(SOL_SOCKET, %d): ret %d errno %d (%s), expected -1/%d (ENOPROTOOPT)\n", unknown, g, e,
         errno_name(e), ENOPROTOOPT);
  CHECK(g == -1 && e == ENOPROTOOPT, "getsockopt of an unknown option -> ENOPROTOOPT (50)", "ret %d errno %d (%s)", g,
        e, errno_name(e));
  v = 1;
  errno = 0;
  s = setsockopt(fd, SOL_SOCKET, unknown, &v, sizeof v);
  e = errno;
  printf("setsockopt(SOL_SOCKET, %d): ret %d errno %d (%s), expected -1/%d (ENOPROTOOPT)\n", unknown, s, e,
         errno_name(e), ENOPROTOOPT);
  CHECK(s == -1 && e == ENOPROTOOPT, "setsockopt of an unknown option -> ENOPROTOOPT (50)", "ret %d errno %d (%s)", s,
        e, errno_name(e));

  shutdown(fd, SHUT_RDWR);
  return finish();
}

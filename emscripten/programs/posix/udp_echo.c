/* UDP through the POSIX-socket bridge: sendto/recvfrom against a native UDP echo server.
 * usage: udp_echo.js ws://127.0.0.1:PROXY_PORT UDP_ECHO_PORT
 * Checks: datagram boundaries are kept (sizes 1..1400, two datagrams in a row stay two),
 * contents match, a short receive buffer truncates one datagram without touching the next,
 * and recvfrom reports the sender 127.0.0.1:UDP_ECHO_PORT. */
#include "common.h"

static int send_dgram(int fd, const struct sockaddr_in *to, const char *buf, int len) {
  return (int)sendto(fd, buf, (size_t)len, 0, (const struct sockaddr *)to, sizeof *to);
}

int main(int argc, char **argv) {
  bridge_connect(argc, argv, 2, "UDP_ECHO_PORT");
  int port = atoi(argv[2]);
  struct sockaddr_in to = loopback(port);

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(fd > 0, "socket(AF_INET, SOCK_DGRAM)", "ret %d errno %d", fd, errno);
  if (fd <= 0) return finish();

  static char out[2048], in[2048];
  const int sizes[] = { 1, 17, 100, 512, 1000, 1400 };
  for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    int n = sizes[i];
    for (int k = 0; k < n; k++) out[k] = (char)('a' + (k * 7 + i) % 26);
    int s = send_dgram(fd, &to, out, n);
    struct sockaddr_in from;
    socklen_t fromlen = sizeof from;
    memset(&from, 0, sizeof from);
    int r = (int)recvfrom(fd, in, sizeof in, 0, (struct sockaddr *)&from, &fromlen);
    char what[64];
    snprintf(what, sizeof what, "echo of a %d-byte datagram", n);
    CHECK(s == n && r == n && memcmp(in, out, (size_t)n) == 0, what,
          "sendto %d recvfrom %d errno %d", s, r, errno);
    if (i == 0) {
      CHECK(fromlen == sizeof from && from.sin_family == AF_INET && ntohs(from.sin_port) == port &&
            from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
            "recvfrom reports sender 127.0.0.1:echo_port",
            "fromlen %u family %d addr %s port %d", (unsigned)fromlen, from.sin_family,
            inet_ntoa(from.sin_addr), ntohs(from.sin_port));
    }
  }

  /* Two datagrams back to back must come back as two datagrams, not merged. */
  memset(out, 'A', 10);
  memset(out + 10, 'B', 20);
  int s1 = send_dgram(fd, &to, out, 10);
  int s2 = send_dgram(fd, &to, out + 10, 20);
  int r1 = (int)recvfrom(fd, in, sizeof in, 0, NULL, NULL);
  int ok1 = r1 == 10 && in[0] == 'A' && in[9] == 'A';
  int r2 = (int)recvfrom(fd, in, sizeof in, 0, NULL, NULL);
  int ok2 = r2 == 20 && in[0] == 'B' && in[19] == 'B';
  CHECK(s1 == 10 && s2 == 20 && ok1 && ok2, "two datagrams stay separate (10 then 20 bytes)",
        "sent %d,%d received %d,%d", s1, s2, r1, r2);

  /* A receive buffer smaller than the datagram truncates it; the rest is discarded. */
  memset(out, 'C', 300);
  memset(out + 300, 'D', 5);
  send_dgram(fd, &to, out, 300);
  send_dgram(fd, &to, out + 300, 5);
  int t1 = (int)recvfrom(fd, in, 50, 0, NULL, NULL);
  int t2 = (int)recvfrom(fd, in + 100, sizeof in - 100, 0, NULL, NULL);
  CHECK(t1 == 50 && in[0] == 'C' && t2 == 5 && in[100] == 'D',
        "short buffer truncates one datagram (300 -> 50), next datagram intact",
        "first recvfrom %d, second %d (first byte '%c')", t1, t2, t2 > 0 ? in[100] : '?');

  /* connect() + send()/recv() on the UDP socket. */
  int c = connect(fd, (struct sockaddr *)&to, sizeof to);
  int s3 = (int)send(fd, "connected-udp", 13, 0);
  memset(in, 0, 32);
  int r3 = (int)recv(fd, in, sizeof in, 0);
  CHECK(c == 0 && s3 == 13 && r3 == 13 && memcmp(in, "connected-udp", 13) == 0,
        "connected UDP socket send/recv", "connect %d send %d recv %d errno %d", c, s3, r3, errno);

  CHECK(shutdown(fd, SHUT_RDWR) == 0 || errno == ENOTCONN, "shutdown(SHUT_RDWR) releases the UDP socket",
        "errno %d", errno);
  return finish();
}

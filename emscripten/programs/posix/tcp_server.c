/* A TCP server inside wasm, through the POSIX-socket bridge.
 * usage: tcp_server.js ws://127.0.0.1:PROXY_PORT LISTEN_PORT
 * socket/setsockopt(SO_REUSEADDR)/bind(127.0.0.1:LISTEN_PORT)/listen, prints
 * "LISTENING 127.0.0.1:PORT", accepts one native client (tcp-client.js), reads one line
 * (up to '\n'), echoes it back and releases both sockets with shutdown(SHUT_RDWR).
 * (accept() never fills in the peer address in 3.1.6's client library: not checked.) */
#include "common.h"

int main(int argc, char **argv) {
  bridge_connect(argc, argv, 2, "LISTEN_PORT");
  int port = atoi(argv[2]);

  int ls = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(ls > 0, "socket()", "ret %d errno %d", ls, errno);
  int one = 1;
  int r = setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  CHECK(r == 0, "setsockopt(SO_REUSEADDR)", "ret %d errno %d", r, errno);
  struct sockaddr_in a = loopback(port);
  r = bind(ls, (struct sockaddr *)&a, sizeof a);
  CHECK(r == 0, "bind(127.0.0.1:port)", "ret %d errno %d (%s)", r, errno, errno_name(errno));
  if (r != 0) return finish();
  r = listen(ls, 4);
  CHECK(r == 0, "listen()", "ret %d errno %d", r, errno);
  if (r != 0) return finish();
  printf("LISTENING 127.0.0.1:%d\n", port);
  fflush(stdout);

  struct sockaddr_in peer;
  socklen_t peerlen = sizeof peer;
  memset(&peer, 0, sizeof peer);
  int cs = accept(ls, (struct sockaddr *)&peer, &peerlen);
  CHECK(cs > 0, "accept() returns a new socket", "ret %d errno %d", cs, errno);
  if (cs <= 0) return finish();
  printf("accepted socket %d (peer address not reported by 3.1.6: family %d)\n", cs, peer.sin_family);

  char line[1024];
  int len = 0;
  while (len < (int)sizeof line) {
    ssize_t n = recv(cs, line + len, sizeof line - (size_t)len, 0);
    if (n <= 0) break;
    len += (int)n;
    if (memchr(line, '\n', (size_t)len)) break;
  }
  CHECK(len > 0 && line[len - 1] == '\n', "received one line from the native client", "got %d bytes", len);
  printf("received %d bytes: %.*s", len, len, line);
  r = send_all(cs, line, (size_t)len);
  CHECK(r == 0, "echoed the line back", "errno %d", errno);

  /* Wait for the client to close (recv returns 0) so the echo is surely delivered. */
  char tmp[16];
  ssize_t e = recv(cs, tmp, sizeof tmp, 0);
  CHECK(e == 0, "client closed after reading the echo (recv returns 0)", "recv returned %d errno %d", (int)e, errno);
  CHECK(shutdown(cs, SHUT_RDWR) == 0 || errno == ENOTCONN, "shutdown(accepted socket)", "errno %d", errno);
  CHECK(shutdown(ls, SHUT_RDWR) == 0 || errno == ENOTCONN, "shutdown(listening socket)", "errno %d", errno);
  return finish();
}

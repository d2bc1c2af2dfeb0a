// Blocking-style socket code on the main thread, built with -sASYNCIFY (no pthreads): getaddrinfo
// and gethostbyname answered by the proxy's resolver, blocking connect/send/recv/accept, poll with a
// timeout, SO_RCVTIMEO, a refused connect, listen/accept with a native client.
//   usage: sb_blocking.js TCP_ECHO_PORT CLOSED_PORT LISTEN_PORT
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv) {
  if (argc < 4) { printf("usage: %s TCP_ECHO_PORT CLOSED_PORT LISTEN_PORT\n", argv[0]); return 2; }
  int echo_port = atoi(argv[1]), closed_port = atoi(argv[2]), listen_port = atoi(argv[3]);

  // name lookup on the proxy: a real address, not Emscripten's 172.29.x.y stand-in
  struct addrinfo *res = NULL;
  int rc = lookup_tcp4("localhost", echo_port, &res);
  char ip[64] = "";
  if (rc == 0) inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip, sizeof ip);
  CHECK(rc == 0 && !strcmp(ip, "127.0.0.1"), "getaddrinfo(localhost) through the proxy: %s (rc %d)", ip, rc);
  struct hostent *he = gethostbyname("localhost");
  char hip[64] = "";
  if (he) inet_ntop(AF_INET, he->h_addr_list[0], hip, sizeof hip);
  CHECK(he && !strcmp(hip, "127.0.0.1"), "gethostbyname(localhost) through the proxy: %s", hip);
  struct addrinfo *bad = NULL;
  int brc = lookup_tcp4("no-such-host.invalid", 80, &bad);
  CHECK(brc == EAI_NONAME || brc == EAI_FAIL || brc == EAI_AGAIN, "an unknown name fails with an EAI code (%d: %s)", brc, gai_strerror(brc));

  // blocking connect to the address getaddrinfo gave, and 1 MiB each way
  int fd = connect_and_echo_1mib(res);

  // poll with a timeout waits, then reports nothing
  struct pollfd p = { fd, POLLIN, 0 };
  double t0 = emscripten_get_now();
  int pr = poll(&p, 1, 300);
  CHECK(pr == 0 && emscripten_get_now() - t0 >= 250, "poll(300 ms) on an idle socket waited and returned 0 (%d)", pr);
  struct timeval tv = { 0, 200000 };
  CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO 200 ms");
  char b[16];
  CHECK_ERRNO(recv(fd, b, sizeof b, 0), EAGAIN);
  CHECK(send(fd, "tail", 4, 0) == 4, "send after the timeout");
  ssize_t tn = recv(fd, b, sizeof b, 0);
  CHECK(tn == 4 && !memcmp(b, "tail", 4), "blocking recv gets the echo (%zd)", tn);
  CHECK(shutdown(fd, SHUT_WR) == 0, "shutdown(SHUT_WR)");
  CHECK(recv(fd, b, sizeof b, 0) == 0, "recv returns 0 after the peer's FIN");
  close(fd);

  // a refused connect, blocking
  int rf = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in c = addr_of(closed_port);
  CHECK_ERRNO(connect(rf, (struct sockaddr *)&c, sizeof c), ECONNREFUSED);
  close(rf);

  // listen and accept, blocking, with a native client
  int lf = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lf, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in l = addr_of(listen_port);
  CHECK(bind(lf, (struct sockaddr *)&l, sizeof l) == 0, "bind 127.0.0.1:%d", listen_port);
  CHECK(listen(lf, 4) == 0, "listen (waits for the proxy's answer)");
  struct sockaddr_in local;
  socklen_t ll = sizeof local;
  CHECK(getsockname(lf, (struct sockaddr *)&local, &ll) == 0 && ntohs(local.sin_port) == listen_port, "getsockname of the listener");
  printf("LISTENING 127.0.0.1:%d\n", listen_port);
  fflush(stdout);
  struct sockaddr_in peer;
  socklen_t pl = sizeof peer;
  int cf = accept(lf, (struct sockaddr *)&peer, &pl);
  CHECK(cf >= 0 && ntohs(peer.sin_port) != 0, "blocking accept: fd %d from port %d", cf, ntohs(peer.sin_port));
  char line[256];
  size_t len = 0;
  while (len < sizeof line && (len == 0 || line[len - 1] != '\n')) {
    ssize_t n = recv(cf, line + len, sizeof line - len, 0);
    if (n <= 0) break;
    len += n;
  }
  CHECK(len > 0 && line[len - 1] == '\n', "read the client's line (%zu bytes)", len);
  CHECK(send(cf, line, len, 0) == (ssize_t)len, "sent it back");
  // the client closes once it has its line back (the program's end would end the session)
  CHECK(recv(cf, line, sizeof line, 0) == 0, "the native client closed after the reply");
  close(cf);
  close(lf);
  finish();
  return 0;
}

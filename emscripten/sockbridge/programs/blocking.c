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
  listen_accept_echo_line(listen_port);
  finish();
  return 0;
}

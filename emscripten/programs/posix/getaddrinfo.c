/* getaddrinfo through the POSIX-socket bridge (no DNS traffic: only localhost and numeric names).
 * usage: getaddrinfo.js ws://127.0.0.1:PROXY_PORT
 * Checks: "localhost" (AF_INET) -> 127.0.0.1 with the service port; numeric "::1" with
 * AI_NUMERICHOST (AF_INET6) -> ::1, addrlen 28; numeric "127.0.0.1" with AF_UNSPEC;
 * a non-numeric name with AI_NUMERICHOST -> EAI_NONAME (musl -2), without any lookup;
 * the returned addrinfo works for connect() to a native server (optional TCP_PORT). */
#include "common.h"

_Static_assert(EAI_NONAME == -2, "musl EAI_NONAME");

int main(int argc, char **argv) {
  bridge_connect(argc, argv, 1, "[TCP_ECHO_PORT]");
  struct addrinfo hints, *res = NULL;
  char buf[INET6_ADDRSTRLEN];

  /* 1. localhost, IPv4, with a numeric service. */
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  int r = getaddrinfo("localhost", "4242", &hints, &res);
  int ok = 0;
  if (r == 0 && res) {
    struct sockaddr_in *sin = (struct sockaddr_in *)res->ai_addr;
    inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
    printf("localhost -> family %d addr %s port %d addrlen %u socktype %d\n", res->ai_family, buf,
           ntohs(sin->sin_port), (unsigned)res->ai_addrlen, res->ai_socktype);
    ok = res->ai_family == AF_INET && res->ai_addrlen == sizeof(struct sockaddr_in) &&
         strcmp(buf, "127.0.0.1") == 0 && ntohs(sin->sin_port) == 4242;
  }
  CHECK(ok, "getaddrinfo(\"localhost\", \"4242\", AF_INET) -> 127.0.0.1:4242", "ret %d", r);
  if (res) freeaddrinfo(res);
  res = NULL;

  /* 2. numeric IPv6 ::1 */
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET6;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  r = getaddrinfo("::1", "80", &hints, &res);
  ok = 0;
  if (r == 0 && res) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)res->ai_addr;
    inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
    printf("::1 -> family %d addr %s port %d addrlen %u\n", res->ai_family, buf, ntohs(sin6->sin6_port),
           (unsigned)res->ai_addrlen);
    ok = res->ai_family == AF_INET6 && res->ai_addrlen == sizeof(struct sockaddr_in6) &&
         strcmp(buf, "::1") == 0 && ntohs(sin6->sin6_port) == 80;
  }
  CHECK(ok, "getaddrinfo(\"::1\", \"80\", AF_INET6, AI_NUMERICHOST) -> [::1]:80 (addrlen 28)", "ret %d", r);
  if (res) freeaddrinfo(res);
  res = NULL;

  /* 3. numeric IPv4 with AF_UNSPEC and no hints for the socket type */
  memset(&hints, 0, sizeof hints);
  hints.ai_flags = AI_NUMERICHOST;
  r = getaddrinfo("127.0.0.1", NULL, &hints, &res);
  ok = 0;
  int n = 0;
  for (struct addrinfo *p = res; r == 0 && p; p = p->ai_next) {
    n++;
    if (p->ai_family == AF_INET) {
      inet_ntop(AF_INET, &((struct sockaddr_in *)p->ai_addr)->sin_addr, buf, sizeof buf);
      if (strcmp(buf, "127.0.0.1") == 0) ok = 1;
    }
  }
  CHECK(ok, "getaddrinfo(\"127.0.0.1\", NULL, AF_UNSPEC, AI_NUMERICHOST) -> 127.0.0.1", "ret %d entries %d", r, n);
  if (res) freeaddrinfo(res);
  res = NULL;

  /* 4. failing name: AI_NUMERICHOST with a non-numeric host never reaches DNS */
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = AI_NUMERICHOST;
  r = getaddrinfo("no-such-host.invalid", "80", &hints, &res);
  printf("no-such-host.invalid (AI_NUMERICHOST) -> ret %d (EAI_NONAME = %d)\n", r, EAI_NONAME);
  CHECK(r == EAI_NONAME && res == NULL, "getaddrinfo of a non-numeric name with AI_NUMERICHOST -> EAI_NONAME (-2)",
        "ret %d", r);
  if (r == 0 && res) freeaddrinfo(res);
  res = NULL;

  /* 5. optional: connect using the result */
  if (argc > 2) {
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    r = getaddrinfo("127.0.0.1", argv[2], &hints, &res);
    int fd = -1, c = -1;
    char echo[8] = {0};
    if (r == 0 && res) {
      fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
      c = connect(fd, res->ai_addr, res->ai_addrlen);
      if (c == 0 && send_all(fd, "gai!", 4) == 0) recv_all(fd, echo, 4);
      shutdown(fd, SHUT_RDWR);
      freeaddrinfo(res);
    }
    CHECK(c == 0 && memcmp(echo, "gai!", 4) == 0, "connect() with the getaddrinfo result, echo works",
          "gai %d socket %d connect %d errno %d", r, fd, c, errno);
  }
  return finish();
}

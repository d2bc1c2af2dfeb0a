// Part of the Sockbridge socket backend for Emscripten (see library_sockbridge.js): link it with the
// program (emcc ... clients/js/emscripten/sockbridge_socket.c --js-library .../library_sockbridge.js).
//
// Emscripten's libc answers setsockopt() and shutdown() in compiled code (emscripten_syscall_stubs.c:
// ENOPROTOOPT and ENOSYS for every call) instead of asking JavaScript as it does for the other socket
// calls, so a JS library cannot reach them. These two definitions take the place of musl's (the
// linker then never pulls musl's setsockopt.o/shutdown.o) and hand the calls to the backend.
#include <emscripten.h>
#include <errno.h>
#include <sys/socket.h>

// The word of the shared heap that pthreads waiting in a blocking socket call sleep on
// (Atomics.wait); the main thread bumps it and wakes them on every socket change. Only pthread
// builds use it.
static int sockbridge_wake;

EMSCRIPTEN_KEEPALIVE int *sockbridge_wake_word(void) {
  return &sockbridge_wake;
}

int sockbridge_setsockopt_js(int fd, int level, int name, const void *value, int len);
int sockbridge_shutdown_js(int fd, int how);

int setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
  int r = sockbridge_setsockopt_js(fd, level, name, value, (int)len);
  if (r < 0) {
    errno = -r;
    return -1;
  }
  return r;
}

int shutdown(int fd, int how) {
  int r = sockbridge_shutdown_js(fd, how);
  if (r < 0) {
    errno = -r;
    return -1;
  }
  return r;
}

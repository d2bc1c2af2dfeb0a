// Wire constants of the Sockbridge protocol (docs/protocol.md). Every number is in Linux numbering,
// the one numbering Sockbridge uses on the wire (dev.sockbridge.api.Posix, Errno, GaiError).

/** The protocol version this client speaks (HELLO offers it, WELCOME confirms it). */
export const PROTOCOL_VERSION = 1;

/**
 * Version 1 plus the proxy's GOING_AWAY notice (a proxy that drains). HELLO offers it too; a proxy
 * that knows it chooses it, and only then sends GOING_AWAY.
 */
export const PROTOCOL_VERSION_GOING_AWAY = 2;

/** The WebSocket subprotocol of the Sockbridge CBOR protocol. */
export const SUBPROTOCOL = 'sockbridge.v1';

/** Message type codes: the first element of every message array (dev.sockbridge.api.message.MessageType). */
export const MessageType = Object.freeze({
  HELLO: 0x01, WELCOME: 0x02, GOODBYE: 0x03, CREDIT: 0x04, GOING_AWAY: 0x05,
  DATA_EVENT: 0x08, ACCEPT_EVENT: 0x09, READY_EVENT: 0x0a,
  SOCKET: 0x10, SOCKETPAIR: 0x11, BIND: 0x12, CONNECT: 0x13, LISTEN: 0x14, ACCEPT: 0x15,
  SEND: 0x16, RECV: 0x17, SENDTO: 0x18, RECVFROM: 0x19, SENDMSG: 0x1a, RECVMSG: 0x1b,
  SHUTDOWN: 0x1c, CLOSE: 0x1d, GETSOCKOPT: 0x1e, SETSOCKOPT: 0x1f, GETADDRINFO: 0x20,
  GETNAMEINFO: 0x21, POLL: 0x22, GETSOCKNAME: 0x23, GETPEERNAME: 0x24, PUSH: 0x25,
  ERROR_REPLY: 0x40, OK_REPLY: 0x41, VALUE_REPLY: 0x42, SOCKETPAIR_REPLY: 0x43, ACCEPT_REPLY: 0x44,
  DATA_REPLY: 0x45, ADDRESS_REPLY: 0x46, ADDRINFO_REPLY: 0x47, NAMEINFO_REPLY: 0x48, POLL_REPLY: 0x49,
});

/** Type code → name. */
export const MessageTypeName = Object.freeze(
  Object.fromEntries(Object.entries(MessageType).map(([k, v]) => [v, k])));

/** POSIX constants in Linux numbering (dev.sockbridge.api.Posix). */
export const Posix = Object.freeze({
  AF_UNSPEC: 0, AF_UNIX: 1, AF_INET: 2, AF_INET6: 10,
  SOCK_STREAM: 1, SOCK_DGRAM: 2, SOCK_RAW: 3, SOCK_SEQPACKET: 5, SOCK_TYPE_MASK: 0xf,
  SOCK_NONBLOCK: 0x800, SOCK_CLOEXEC: 0x80000,
  IPPROTO_IP: 0, IPPROTO_TCP: 6, IPPROTO_UDP: 17, IPPROTO_IPV6: 41, SOL_SOCKET: 1,
  SHUT_RD: 0, SHUT_WR: 1, SHUT_RDWR: 2,
  MSG_OOB: 0x1, MSG_PEEK: 0x2, MSG_TRUNC: 0x20, MSG_DONTWAIT: 0x40, MSG_WAITALL: 0x100, MSG_NOSIGNAL: 0x4000,
  POLLIN: 0x1, POLLPRI: 0x2, POLLOUT: 0x4, POLLERR: 0x8, POLLHUP: 0x10, POLLNVAL: 0x20, POLLRDHUP: 0x2000,
  AI_PASSIVE: 0x1, AI_CANONNAME: 0x2, AI_NUMERICHOST: 0x4, AI_V4MAPPED: 0x8, AI_ALL: 0x10,
  AI_ADDRCONFIG: 0x20, AI_NUMERICSERV: 0x400,
  NI_NUMERICHOST: 0x1, NI_NUMERICSERV: 0x2, NI_NOFQDN: 0x4, NI_NAMEREQD: 0x8, NI_DGRAM: 0x10,
});

/** Linux errno numbers (dev.sockbridge.api.Errno). */
export const Errno = Object.freeze({
  EPERM: 1, ENOENT: 2, EINTR: 4, EIO: 5, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14,
  EBUSY: 16, EEXIST: 17, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOSPC: 28, EPIPE: 32, ERANGE: 34,
  ENAMETOOLONG: 36, ENOSYS: 38, EPROTO: 71, EBADMSG: 74, EOVERFLOW: 75, ENOTSOCK: 88, EDESTADDRREQ: 89,
  EMSGSIZE: 90, EPROTOTYPE: 91, ENOPROTOOPT: 92, EPROTONOSUPPORT: 93, ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95, EPFNOSUPPORT: 96, EAFNOSUPPORT: 97, EADDRINUSE: 98, EADDRNOTAVAIL: 99,
  ENETDOWN: 100, ENETUNREACH: 101, ENETRESET: 102, ECONNABORTED: 103, ECONNRESET: 104, ENOBUFS: 105,
  EISCONN: 106, ENOTCONN: 107, ESHUTDOWN: 108, ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTDOWN: 112,
  EHOSTUNREACH: 113, EALREADY: 114, EINPROGRESS: 115, ECANCELED: 125,
});

/** getaddrinfo/getnameinfo errors: negative, in the same field as an errno (dev.sockbridge.api.GaiError). */
export const GaiError = Object.freeze({
  EAI_BADFLAGS: -1, EAI_NONAME: -2, EAI_AGAIN: -3, EAI_FAIL: -4, EAI_NODATA: -5, EAI_FAMILY: -6,
  EAI_SOCKTYPE: -7, EAI_SERVICE: -8, EAI_MEMORY: -10, EAI_SYSTEM: -11, EAI_OVERFLOW: -12,
});

const ERRNO_NAMES = Object.fromEntries(Object.entries(Errno).map(([k, v]) => [v, k]));
const GAI_NAMES = Object.fromEntries(Object.entries(GaiError).map(([k, v]) => [v, k]));

/**
 * The name of an error number: `ECONNREFUSED` for 111, `EAI_NONAME` for -2, `errno N` / `EAI N` otherwise.
 * @param {number} code
 * @returns {string}
 */
export function errnoName(code) {
  if (code < 0) return GAI_NAMES[code] ?? `EAI ${code}`;
  return ERRNO_NAMES[code] ?? `errno ${code}`;
}

/**
 * Socket options as [level, name] pairs (dev.sockbridge.api.SocketOption). Every value is one
 * integer on the wire: flags 0/1, sizes as is, timeouts in microseconds (0 = none), SO_LINGER in
 * seconds or -1 for off.
 */
export const SocketOption = Object.freeze({
  SO_REUSEADDR: [1, 2], SO_TYPE: [1, 3], SO_ERROR: [1, 4], SO_BROADCAST: [1, 6], SO_SNDBUF: [1, 7],
  SO_RCVBUF: [1, 8], SO_KEEPALIVE: [1, 9], SO_OOBINLINE: [1, 10], SO_LINGER: [1, 13], SO_REUSEPORT: [1, 15],
  SO_RCVTIMEO: [1, 20], SO_SNDTIMEO: [1, 21], SO_ACCEPTCONN: [1, 30], TCP_NODELAY: [6, 1],
  IP_TTL: [0, 2], IP_TOS: [0, 1], IPV6_V6ONLY: [41, 26],
  /** Sockbridge's own, read-only: datagrams of this socket the proxy dropped (level SOL_SOCKBRIDGE 0x5342). */
  SB_DATAGRAMS_DROPPED: [0x5342, 1],
});

/** The socket option level of Sockbridge's own options (getsockopt only). */
export const SOL_SOCKBRIDGE = 0x5342;

/** GOODBYE / close codes (WebSocket numbering plus Sockbridge's own 4xxx). */
export const CloseCode = Object.freeze({
  NORMAL: 1000, GOING_AWAY: 1001, PROTOCOL_ERROR: 1002, POLICY_VIOLATION: 1008, TOO_BIG: 1009,
  INTERNAL_ERROR: 1011, UNSUPPORTED_VERSION: 4001, LIMIT_EXCEEDED: 4002,
});

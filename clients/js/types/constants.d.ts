/**
 * The name of an error number: `ECONNREFUSED` for 111, `EAI_NONAME` for -2, `errno N` / `EAI N` otherwise.
 * @param {number} code
 * @returns {string}
 */
export function errnoName(code: number): string;
/** The protocol version this client speaks (HELLO offers it, WELCOME confirms it). */
export const PROTOCOL_VERSION: 1;
/**
 * Version 1 plus the proxy's GOING_AWAY notice (a proxy that drains). HELLO offers it too; a proxy
 * that knows it chooses it, and only then sends GOING_AWAY.
 */
export const PROTOCOL_VERSION_GOING_AWAY: 2;
/** The WebSocket subprotocol of the Sockbridge CBOR protocol. */
export const SUBPROTOCOL: "sockbridge.v1";
/** Message type codes: the first element of every message array (dev.sockbridge.api.message.MessageType). */
export const MessageType: Readonly<{
    HELLO: 1;
    WELCOME: 2;
    GOODBYE: 3;
    CREDIT: 4;
    GOING_AWAY: 5;
    DATA_EVENT: 8;
    ACCEPT_EVENT: 9;
    READY_EVENT: 10;
    SOCKET: 16;
    SOCKETPAIR: 17;
    BIND: 18;
    CONNECT: 19;
    LISTEN: 20;
    ACCEPT: 21;
    SEND: 22;
    RECV: 23;
    SENDTO: 24;
    RECVFROM: 25;
    SENDMSG: 26;
    RECVMSG: 27;
    SHUTDOWN: 28;
    CLOSE: 29;
    GETSOCKOPT: 30;
    SETSOCKOPT: 31;
    GETADDRINFO: 32;
    GETNAMEINFO: 33;
    POLL: 34;
    GETSOCKNAME: 35;
    GETPEERNAME: 36;
    PUSH: 37;
    ERROR_REPLY: 64;
    OK_REPLY: 65;
    VALUE_REPLY: 66;
    SOCKETPAIR_REPLY: 67;
    ACCEPT_REPLY: 68;
    DATA_REPLY: 69;
    ADDRESS_REPLY: 70;
    ADDRINFO_REPLY: 71;
    NAMEINFO_REPLY: 72;
    POLL_REPLY: 73;
}>;
/** Type code → name. */
export const MessageTypeName: Readonly<{
    [k: string]: string;
}>;
/** POSIX constants in Linux numbering (dev.sockbridge.api.Posix). */
export const Posix: Readonly<{
    AF_UNSPEC: 0;
    AF_UNIX: 1;
    AF_INET: 2;
    AF_INET6: 10;
    SOCK_STREAM: 1;
    SOCK_DGRAM: 2;
    SOCK_RAW: 3;
    SOCK_SEQPACKET: 5;
    SOCK_TYPE_MASK: 15;
    SOCK_NONBLOCK: 2048;
    SOCK_CLOEXEC: 524288;
    IPPROTO_IP: 0;
    IPPROTO_TCP: 6;
    IPPROTO_UDP: 17;
    IPPROTO_IPV6: 41;
    SOL_SOCKET: 1;
    SHUT_RD: 0;
    SHUT_WR: 1;
    SHUT_RDWR: 2;
    MSG_OOB: 1;
    MSG_PEEK: 2;
    MSG_TRUNC: 32;
    MSG_DONTWAIT: 64;
    MSG_WAITALL: 256;
    MSG_NOSIGNAL: 16384;
    POLLIN: 1;
    POLLPRI: 2;
    POLLOUT: 4;
    POLLERR: 8;
    POLLHUP: 16;
    POLLNVAL: 32;
    POLLRDHUP: 8192;
    AI_PASSIVE: 1;
    AI_CANONNAME: 2;
    AI_NUMERICHOST: 4;
    AI_V4MAPPED: 8;
    AI_ALL: 16;
    AI_ADDRCONFIG: 32;
    AI_NUMERICSERV: 1024;
    NI_NUMERICHOST: 1;
    NI_NUMERICSERV: 2;
    NI_NOFQDN: 4;
    NI_NAMEREQD: 8;
    NI_DGRAM: 16;
}>;
/** Linux errno numbers (dev.sockbridge.api.Errno). */
export const Errno: Readonly<{
    EPERM: 1;
    ENOENT: 2;
    EINTR: 4;
    EIO: 5;
    EBADF: 9;
    EAGAIN: 11;
    ENOMEM: 12;
    EACCES: 13;
    EFAULT: 14;
    EBUSY: 16;
    EEXIST: 17;
    EINVAL: 22;
    ENFILE: 23;
    EMFILE: 24;
    ENOSPC: 28;
    EPIPE: 32;
    ERANGE: 34;
    ENAMETOOLONG: 36;
    ENOSYS: 38;
    EPROTO: 71;
    EBADMSG: 74;
    EOVERFLOW: 75;
    ENOTSOCK: 88;
    EDESTADDRREQ: 89;
    EMSGSIZE: 90;
    EPROTOTYPE: 91;
    ENOPROTOOPT: 92;
    EPROTONOSUPPORT: 93;
    ESOCKTNOSUPPORT: 94;
    EOPNOTSUPP: 95;
    EPFNOSUPPORT: 96;
    EAFNOSUPPORT: 97;
    EADDRINUSE: 98;
    EADDRNOTAVAIL: 99;
    ENETDOWN: 100;
    ENETUNREACH: 101;
    ENETRESET: 102;
    ECONNABORTED: 103;
    ECONNRESET: 104;
    ENOBUFS: 105;
    EISCONN: 106;
    ENOTCONN: 107;
    ESHUTDOWN: 108;
    ETIMEDOUT: 110;
    ECONNREFUSED: 111;
    EHOSTDOWN: 112;
    EHOSTUNREACH: 113;
    EALREADY: 114;
    EINPROGRESS: 115;
    ECANCELED: 125;
}>;
/** getaddrinfo/getnameinfo errors: negative, in the same field as an errno (dev.sockbridge.api.GaiError). */
export const GaiError: Readonly<{
    EAI_BADFLAGS: -1;
    EAI_NONAME: -2;
    EAI_AGAIN: -3;
    EAI_FAIL: -4;
    EAI_NODATA: -5;
    EAI_FAMILY: -6;
    EAI_SOCKTYPE: -7;
    EAI_SERVICE: -8;
    EAI_MEMORY: -10;
    EAI_SYSTEM: -11;
    EAI_OVERFLOW: -12;
}>;
/**
 * Socket options as [level, name] pairs (dev.sockbridge.api.SocketOption). Every value is one
 * integer on the wire: flags 0/1, sizes as is, timeouts in microseconds (0 = none), SO_LINGER in
 * seconds or -1 for off.
 */
export const SocketOption: Readonly<{
    SO_REUSEADDR: number[];
    SO_TYPE: number[];
    SO_ERROR: number[];
    SO_BROADCAST: number[];
    SO_SNDBUF: number[];
    SO_RCVBUF: number[];
    SO_KEEPALIVE: number[];
    SO_OOBINLINE: number[];
    SO_LINGER: number[];
    SO_REUSEPORT: number[];
    SO_RCVTIMEO: number[];
    SO_SNDTIMEO: number[];
    SO_ACCEPTCONN: number[];
    TCP_NODELAY: number[];
    IP_TTL: number[];
    IP_TOS: number[];
    IPV6_V6ONLY: number[];
    /** Sockbridge's own, read-only: datagrams of this socket the proxy dropped (level SOL_SOCKBRIDGE 0x5342). */
    SB_DATAGRAMS_DROPPED: number[];
}>;
/** The socket option level of Sockbridge's own options (getsockopt only). */
export const SOL_SOCKBRIDGE: 21314;
/** GOODBYE / close codes (WebSocket numbering plus Sockbridge's own 4xxx). */
export const CloseCode: Readonly<{
    NORMAL: 1000;
    GOING_AWAY: 1001;
    PROTOCOL_ERROR: 1002;
    POLICY_VIOLATION: 1008;
    TOO_BIG: 1009;
    INTERNAL_ERROR: 1011;
    UNSUPPORTED_VERSION: 4001;
    LIMIT_EXCEEDED: 4002;
}>;

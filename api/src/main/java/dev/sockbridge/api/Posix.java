package dev.sockbridge.api;

/**
 * The POSIX constants that socket calls carry, in Linux numbering (the one numbering Sockbridge
 * uses on the wire; see {@link Errno}). Emscripten's musl values differ only for a few options,
 * which its codec translates.
 */
public final class Posix {
    private Posix() {
    }

    // address families
    public static final int AF_UNSPEC = 0;
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    // socket types and the flags that may be OR-ed into them
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_TYPE_MASK = 0xf;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;

    // protocols and option levels
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_IPV6 = 41;
    public static final int SOL_SOCKET = 1;

    // shutdown
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;

    // message flags
    public static final int MSG_OOB = 0x1;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_WAITALL = 0x100;
    public static final int MSG_NOSIGNAL = 0x4000;

    // poll events
    public static final int POLLIN = 0x1;
    public static final int POLLPRI = 0x2;
    public static final int POLLOUT = 0x4;
    public static final int POLLERR = 0x8;
    public static final int POLLHUP = 0x10;
    public static final int POLLNVAL = 0x20;
    public static final int POLLRDHUP = 0x2000;

    // getaddrinfo flags
    public static final int AI_PASSIVE = 0x1;
    public static final int AI_CANONNAME = 0x2;
    public static final int AI_NUMERICHOST = 0x4;
    public static final int AI_V4MAPPED = 0x8;
    public static final int AI_ALL = 0x10;
    public static final int AI_ADDRCONFIG = 0x20;
    public static final int AI_NUMERICSERV = 0x400;

    // getnameinfo flags
    public static final int NI_NUMERICHOST = 0x1;
    public static final int NI_NUMERICSERV = 0x2;
    public static final int NI_NOFQDN = 0x4;
    public static final int NI_NAMEREQD = 0x8;
    public static final int NI_DGRAM = 0x10;
}

package dev.sockbridge.frontend.emscripten.internal;

import static dev.sockbridge.frontend.emscripten.internal.PosixWire.*;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * Emscripten request bytes → engine {@link Request}s, with musl's constants turned into Linux's. Stateless and
 * socket-free: what a reply will need is noted in the {@link PosixCall}; which descriptors are datagram sockets
 * (for MSG_TRUNC) is passed in. See {@code shared/emscripten-protocol.md} A2.2 for every layout.
 */
public final class PosixDecoder {
    /** More than the largest UDP payload: what a MSG_TRUNC receive asks the engine for, to learn the real length. */
    static final int WHOLE_DATAGRAM = 65536;
    /** Linux EDOM (not in {@link Errno}): what Linux answers for a tv_usec out of range. */
    static final int LINUX_EDOM = 33;

    private PosixDecoder() {
    }

    /** A request that cannot run: answered at once with this (Linux) errno. */
    public static final class Malformed extends Exception {
        /** Linux numbering, like every engine errno. */
        public final int errno;

        Malformed(Errno errno, String message) {
            this(errno.code(), message);
        }

        Malformed(int errno, String message) {
            super(message, null, false, false);
            this.errno = errno;
        }
    }

    /** The engine descriptor a handle field names. */
    static int fd(ByteBuf f, int at) {
        return f.getIntLE(at) - HANDLE_OFFSET;
    }

    /**
     * Decodes the request in {@code f}'s readable bytes (at least {@link PosixWire#REQUEST_HEADER}), whose header
     * {@code c} holds, into an engine request with id {@code eid}, and notes in {@code c} what its reply needs.
     * The contract PosixDecodeFuzzTest checks on arbitrary bytes: a request (SEND and SENDTO data is a retained
     * slice of {@code f}) or {@link Malformed}, never another exception, and no reference kept on failure.
     */
    public static Request decode(PosixCall c, ByteBuf f, int eid) throws Malformed {
        return decode(c, f, eid, Set.of());
    }

    /** As {@link #decode(PosixCall, ByteBuf, int)}, knowing which descriptors are datagram sockets (for MSG_TRUNC). */
    public static Request decode(PosixCall c, ByteBuf f, int eid, Set<Integer> datagramFds) throws Malformed {
        int b = f.readerIndex();
        int n = f.readableBytes();
        if (n < minRequestSize(c.op)) {
            throw new Malformed(Errno.EINVAL, name(c.op) + " request of " + n + " bytes, needs " + minRequestSize(c.op));
        }
        switch (c.op) {
            case SOCKET:
                c.datagram = (f.getIntLE(b + 12) & Posix.SOCK_TYPE_MASK) == Posix.SOCK_DGRAM;
                return new Request.Socket(eid, f.getIntLE(b + 8), f.getIntLE(b + 12), f.getIntLE(b + 16));
            case SOCKETPAIR:
                c.datagram = (f.getIntLE(b + 12) & Posix.SOCK_TYPE_MASK) == Posix.SOCK_DGRAM;
                return new Request.SocketPair(eid, f.getIntLE(b + 8), f.getIntLE(b + 12), f.getIntLE(b + 16));
            case SHUTDOWN: {
                int fd = fd(f, b + 8);
                int how = f.getIntLE(b + 12);
                if (how == Posix.SHUT_RDWR) {
                    // close() is never proxied: SHUT_RDWR is how an Emscripten program releases a socket
                    c.closeAfter = true;
                    c.fd = fd;
                }
                return new Request.Shutdown(eid, fd, how);
            }
            case BIND:
            case CONNECT: {
                int fd = fd(f, b + 8);
                int len = Math.min(u32(f, b + 12), n - 16);
                InetSocketAddress a = address(f, b + 16, len);
                return c.op == BIND ? new Request.Bind(eid, fd, a) : new Request.Connect(eid, fd, a);
            }
            case LISTEN:
                return new Request.Listen(eid, fd(f, b + 8), f.getIntLE(b + 12));
            case ACCEPT:
                c.addrMax = u32(f, b + 12);
                return new Request.Accept(eid, fd(f, b + 8), 0);
            case GETSOCKNAME:
            case GETPEERNAME:
                // The client sizes this message 16 + *address_len - 256, so only a buffer of 256+ bytes
                // gives all 16 bytes; 12-15 bytes still carry the socket, and their length field is
                // then at least 252: more than any address we send.
                c.addrMax = n >= 16 ? u32(f, b + 12) : MAX_SOCKADDR;
                return c.op == GETSOCKNAME ? new Request.GetSockName(eid, fd(f, b + 8))
                        : new Request.GetPeerName(eid, fd(f, b + 8));
            case SEND: {
                int len = Math.min(u32(f, b + 12), n - 20);
                return new Request.Send(eid, fd(f, b + 8), f.getIntLE(b + 16), f.retainedSlice(b + 20, len));
            }
            case RECV:
                return new Request.Recv(eid, fd(f, b + 8), receiveLength(c, f, b, datagramFds), f.getIntLE(b + 16));
            case SENDTO: {
                int dataAt = 24 + MAX_SOCKADDR;
                int destLen = Math.min(u32(f, b + 20), MAX_SOCKADDR);
                InetSocketAddress to = destLen == 0 ? null : address(f, b + 24, destLen);
                int len = Math.min(u32(f, b + 12), n - dataAt);
                return new Request.SendTo(eid, fd(f, b + 8), f.getIntLE(b + 16), to, f.retainedSlice(b + dataAt, len));
            }
            case RECVFROM:
                c.addrMax = u32(f, b + 20);
                return new Request.RecvFrom(eid, fd(f, b + 8), receiveLength(c, f, b, datagramFds), f.getIntLE(b + 16));
            case GETSOCKOPT: {
                int level = f.getIntLE(b + 12);
                int name = f.getIntLE(b + 16);
                c.optLen = u32(f, b + 20);
                c.opt = option(level, name);
                return c.opt != null ? new Request.GetSockOpt(eid, fd(f, b + 8), c.opt.level(), c.opt.optname())
                        : new Request.GetSockOpt(eid, fd(f, b + 8), level, name);
            }
            case SETSOCKOPT:
                return setSockOpt(eid, f, b, n);
            case GETADDRINFO: {
                String node = cString(f, b + 8, MAX_NODE);
                String service = cString(f, b + 8 + MAX_NODE, MAX_SERVICE);
                int at = b + 8 + MAX_NODE + MAX_SERVICE;
                boolean hints = f.getIntLE(at) != 0;
                int flags = hints ? f.getIntLE(at + 4) : 0;
                c.gaiFlags = flags;
                // the wire cannot tell NULL from "": empty means NULL, as POSIX callers mean it
                return new Request.GetAddrInfo(eid, node.isEmpty() ? null : node, service.isEmpty() ? null : service, flags,
                        hints ? f.getIntLE(at + 8) : Posix.AF_UNSPEC, hints ? f.getIntLE(at + 12) : 0,
                        hints ? f.getIntLE(at + 16) : 0);
            }
            case SENDMSG:
            case RECVMSG:
            case GETNAMEINFO:
                throw new Malformed(Errno.ENOSYS, name(c.op) + " is not implemented by the Emscripten client");
            default:
                throw new Malformed(Errno.ENOSYS, "unknown opcode " + c.op);
        }
    }

    /**
     * The length to ask the engine for. With MSG_TRUNC on a datagram socket Linux returns the datagram's real
     * length, not what fit: the engine is asked for the whole datagram and the reply carries the caller's part.
     */
    private static int receiveLength(PosixCall c, ByteBuf f, int b, Set<Integer> datagramFds) {
        int len = u32(f, b + 12);
        if ((f.getIntLE(b + 16) & Posix.MSG_TRUNC) != 0 && datagramFds.contains(fd(f, b + 8))) {
            c.truncLength = len;
            return Math.max(len, WHOLE_DATAGRAM);
        }
        return len;
    }

    private static InetSocketAddress address(ByteBuf f, int at, int len) throws Malformed {
        try {
            return SockAddr.decode(f, at, len);
        } catch (SockAddr.BadAddress e) {
            throw new Malformed(e.errno, e.getMessage());
        }
    }

    private static Request setSockOpt(int eid, ByteBuf f, int b, int n) throws Malformed {
        int fd = fd(f, b + 8);
        int level = f.getIntLE(b + 12);
        int name = f.getIntLE(b + 16);
        int optLen = f.getIntLE(b + 20);
        if (optLen < 0) {
            throw new Malformed(Errno.EINVAL, "negative option length");
        }
        int len = Math.min(optLen, n - 24);
        int v = b + 24;
        SocketOption<?> opt = option(level, name);
        if (opt == null) {
            // unknown to the engine, which answers ENOPROTOOPT
            return new Request.SetSockOpt(eid, fd, level, name, len >= 4 ? f.getIntLE(v) : 0);
        }
        long value;
        switch (opt.kind()) {
            case TIMEOUT: {
                // struct timeval: {i32 sec, i32 usec} before Emscripten 3.1.16, {i64 sec, long usec (+pad)} after
                if (len < 8) {
                    throw new Malformed(Errno.EINVAL, opt.name() + " needs a struct timeval");
                }
                long sec = len >= 16 ? f.getLongLE(v) : f.getIntLE(v);
                long usec = len >= 16 ? f.getIntLE(v + 8) : f.getIntLE(v + 4);
                if (usec < 0 || usec >= 1_000_000) {
                    throw new Malformed(LINUX_EDOM, "tv_usec out of range: " + usec);
                }
                // Linux: a negative time means no timeout
                value = sec < 0 ? 0 : Math.min(sec, Long.MAX_VALUE / 2_000_000) * 1_000_000 + usec;
                break;
            }
            case LINGER:
                if (len < 8) {
                    throw new Malformed(Errno.EINVAL, "SO_LINGER needs a struct linger");
                }
                value = f.getIntLE(v) == 0 ? -1 : Math.max(0, f.getIntLE(v + 4));
                break;
            case FLAG:
                if (len < 4) {
                    throw new Malformed(Errno.EINVAL, opt.name() + " needs an int");
                }
                value = f.getIntLE(v) != 0 ? 1 : 0;
                break;
            default:
                if (len < 4) {
                    throw new Malformed(Errno.EINVAL, opt.name() + " needs an int");
                }
                value = f.getIntLE(v);
                break;
        }
        return new Request.SetSockOpt(eid, fd, opt.level(), opt.optname(), value);
    }
}

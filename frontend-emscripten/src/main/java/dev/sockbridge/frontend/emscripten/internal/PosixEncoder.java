package dev.sockbridge.frontend.emscripten.internal;

import static dev.sockbridge.frontend.emscripten.internal.PosixWire.*;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.message.AddrInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * POSIX results → the exact reply bytes the 3.1.6 client parses ({@code shared/emscripten-protocol.md} A2.2, A3):
 * Emscripten (WASI) errno numbers, handles offset by {@link PosixWire#HANDLE_OFFSET}, and every reply at least the
 * size the client waits for. Stateless and socket-free; each method returns a new buffer the caller owns.
 */
public final class PosixEncoder {
    private PosixEncoder() {
    }

    /**
     * A failed call: ret -1 and the errno in Emscripten numbering, or for GETADDRINFO ret the EAI code (a Linux
     * errno travels as EAI_SYSTEM with its errno); padded with zeros to the call's minimum reply size.
     */
    public static ByteBuf error(ByteBufAllocator alloc, PosixCall c, int code) {
        int ret = -1;
        int errno;
        if (c.op == GETADDRINFO) {
            ret = code < 0 ? code : EAI_SYSTEM;
            errno = code < 0 ? 0 : WasiErrno.fromLinux(code);
        } else {
            errno = WasiErrno.fromLinux(code);
        }
        int size = minReplySize(c.op);
        ByteBuf out = alloc.buffer(size);
        header(out, c.id, ret, errno);
        return out.writeZero(size - REPLY_HEADER);
    }

    /** Header only with ret {@code ret}: SEND/SENDTO byte counts, and 0 for SHUTDOWN, BIND, CONNECT, LISTEN, SETSOCKOPT. */
    public static ByteBuf value(ByteBufAllocator alloc, PosixCall c, int ret) {
        ByteBuf out = alloc.buffer(REPLY_HEADER);
        header(out, c.id, ret, 0);
        return out;
    }

    /** SOCKET: the engine descriptor as the program's handle. */
    public static ByteBuf socket(ByteBufAllocator alloc, PosixCall c, int fd) {
        return value(alloc, c, fd + HANDLE_OFFSET);
    }

    /** SOCKETPAIR: 20 bytes, ret 0, @12 sv[0], @16 sv[1]. */
    public static ByteBuf socketPair(ByteBufAllocator alloc, PosixCall c, int fd0, int fd1) {
        ByteBuf out = alloc.buffer(REPLY_HEADER + 8);
        header(out, c.id, 0, 0);
        return out.writeIntLE(fd0 + HANDLE_OFFSET).writeIntLE(fd1 + HANDLE_OFFSET);
    }

    /**
     * ACCEPT: ret the new handle and errno 0 (the client sets errno from this reply whenever ret != 0), @12 the
     * peer's real address length, @16 as much of it as the caller's buffer holds. The 3.1.6 client only reads the
     * address when ret == 0, which a new handle never is; sent anyway, for clients that get this right one day.
     */
    public static ByteBuf accepted(ByteBufAllocator alloc, PosixCall c, int fd, InetSocketAddress peer) {
        return withAddress(alloc, c, fd + HANDLE_OFFSET, peer);
    }

    /** GETSOCKNAME, GETPEERNAME: ret 0, @12 the real address length, @16 at most the caller's buffer of it. */
    public static ByteBuf address(ByteBufAllocator alloc, PosixCall c, InetSocketAddress a) {
        return withAddress(alloc, c, 0, a);
    }

    private static ByteBuf withAddress(ByteBufAllocator alloc, PosixCall c, int ret, InetSocketAddress a) {
        int len = SockAddr.length(a, false);
        int m = Math.min(len, c.addrMax);
        ByteBuf out = alloc.buffer(16 + m);
        header(out, c.id, ret, 0);
        out.writeIntLE(len);
        SockAddr.write(out, a, false, m);
        return out;
    }

    /**
     * RECV: ret the length received, @12 the data (the client copies min(ret, length) bytes, so the reply carries
     * at least that many). RECVFROM: ret the length, @12 data_len (what is carried), @16 the sender's real
     * address length, @20 the data, then at most the caller's buffer of the address. With MSG_TRUNC on a datagram
     * ({@link PosixCall#truncLength}) ret is the datagram's real length and only the caller's part is carried.
     * {@code data} stays the caller's.
     */
    public static ByteBuf data(ByteBufAllocator alloc, PosixCall c, ByteBuf data, InetSocketAddress from) {
        int k = data.readableBytes();
        int carried = c.truncLength < 0 ? k : Math.min(k, c.truncLength);
        if (c.op != RECVFROM) {
            ByteBuf out = alloc.buffer(REPLY_HEADER + carried);
            header(out, c.id, k, 0);
            return out.writeBytes(data, data.readerIndex(), carried);
        }
        int alen = from == null ? 0 : SockAddr.length(from, false);
        int m = Math.min(alen, c.addrMax);
        ByteBuf out = alloc.buffer(20 + carried + m);
        header(out, c.id, k, 0);
        out.writeIntLE(carried).writeIntLE(alen);
        out.writeBytes(data, data.readerIndex(), carried);
        if (from != null) {
            SockAddr.write(out, from, false, m);
        }
        return out;
    }

    /**
     * GETSOCKOPT: the value right after the 12-byte header, with no length word (the client takes everything after
     * the header as the value; the reference proxy's extra length word reads back as "4"), truncated to the
     * caller's length like Linux does. Timeouts are a struct timeval of 8 or 16 bytes (Emscripten before and
     * after 3.1.16, told apart by the caller's length), SO_LINGER a struct linger, SO_ERROR an Emscripten errno.
     */
    public static ByteBuf sockOpt(ByteBufAllocator alloc, PosixCall c, long v) {
        ByteBuf val = alloc.heapBuffer(16);
        try {
            SocketOption.Kind kind = c.opt == null ? SocketOption.Kind.INT : c.opt.kind();
            switch (kind) {
                case TIMEOUT: {
                    long sec = v / 1_000_000;
                    int usec = (int) (v % 1_000_000);
                    if (c.optLen >= 16) {
                        val.writeLongLE(sec).writeIntLE(usec).writeIntLE(0);
                    } else {
                        val.writeIntLE((int) Math.min(sec, Integer.MAX_VALUE)).writeIntLE(usec);
                    }
                    break;
                }
                case LINGER:
                    val.writeIntLE(v < 0 ? 0 : 1).writeIntLE(v < 0 ? 0 : (int) v);
                    break;
                default:
                    if (c.opt == SocketOption.SO_ERROR) {
                        v = WasiErrno.fromLinux((int) v);
                    }
                    val.writeIntLE((int) v);
                    break;
            }
            int k = Math.min(val.readableBytes(), c.optLen);
            ByteBuf out = alloc.buffer(REPLY_HEADER + k);
            header(out, c.id, 0, 0);
            return out.writeBytes(val, 0, k);
        } finally {
            val.release();
        }
    }

    /**
     * GETADDRINFO: ret 0, @12 ai_canonname char[2048] (NUL-terminated, possibly empty), @2060 addrCount, @2064
     * entries of {flags, family, socktype, protocol, addrlen, addr[addrlen]} packed back to back.
     */
    public static ByteBuf addrInfos(ByteBufAllocator alloc, PosixCall c, List<AddrInfo> results) {
        ByteBuf out = alloc.buffer(GETADDRINFO_REPLY + results.size() * 48);
        header(out, c.id, 0, 0);
        String canon = results.isEmpty() || results.get(0).canonName() == null ? "" : results.get(0).canonName();
        byte[] cn = canon.getBytes(StandardCharsets.UTF_8);
        int cl = Math.min(cn.length, MAX_NODE - 1);
        out.writeBytes(cn, 0, cl).writeZero(MAX_NODE - cl);
        out.writeIntLE(results.size());
        for (AddrInfo ai : results) {
            boolean v6 = ai.family() == Posix.AF_INET6;
            int alen = SockAddr.length(ai.address(), v6);
            out.writeIntLE(c.gaiFlags).writeIntLE(ai.family()).writeIntLE(ai.socktype()).writeIntLE(ai.protocol())
                    .writeIntLE(alen);
            SockAddr.write(out, ai.address(), v6, alen);
        }
        return out;
    }

    private static void header(ByteBuf out, int id, int ret, int errno) {
        out.writeIntLE(id).writeIntLE(ret).writeIntLE(errno);
    }
}

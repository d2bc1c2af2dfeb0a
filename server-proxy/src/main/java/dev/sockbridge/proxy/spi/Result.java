package dev.sockbridge.proxy.spi;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.api.message.PollFd;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The POSIX outcome of one {@link Call}, as the engine hands it to the call's {@link Route}: what the C call
 * would return (a value, an errno with a reason, data with its source address, ...), with no wire format in it.
 * A front end encodes it in its own protocol.
 *
 * <p><b>Buffers.</b> {@link Data} carries a Netty buffer; the route that receives it owns one reference and must
 * release it (encoding it into a frame that the transport sends, or {@link #release}).
 */
public sealed interface Result {
    /** Success without a value (bind, connect, listen, shutdown, close, setsockopt, push). */
    Ok OK = new Ok();

    /** Success without a value. */
    record Ok() implements Result {
    }

    /** Success with a number: a descriptor (socket), a byte count (send), an option value (getsockopt). */
    record Value(long value) implements Result {
    }

    /**
     * Failure. {@code code} is a Linux errno ({@link Errno#code()}), or for getaddrinfo/getnameinfo a negative
     * {@code EAI_*} code ({@link dev.sockbridge.api.GaiError}); {@code reason} says why, for people.
     */
    record Error(int code, String reason) implements Result {
        public Error(Errno errno, String reason) {
            this(errno.code(), reason);
        }

        /** The errno, or null for a getaddrinfo code. */
        public Errno errno() {
            return code > 0 ? Errno.of(code) : null;
        }
    }

    /**
     * Received data (recv, recvfrom, recvmsg): {@code flags} as recvmsg reports them (MSG_TRUNC), {@code from} the
     * source (null for recv and for stream sockets), an empty buffer at end of stream.
     */
    record Data(int flags, InetSocketAddress from, ByteBuf data) implements Result {
    }

    /** An address (getsockname, getpeername). */
    record Address(InetSocketAddress address) implements Result {
    }

    /** A connection was accepted as descriptor {@code fd}. */
    record Accepted(int fd, InetSocketAddress peer) implements Result {
    }

    /** The two descriptors of a socketpair. */
    record SocketPair(int fd0, int fd1) implements Result {
    }

    /** getaddrinfo's answer. */
    record AddrInfos(List<AddrInfo> results) implements Result {
    }

    /** getnameinfo's answer. */
    record NameInfo(String host, String service) implements Result {
    }

    /** poll's answer: the descriptors with events (empty on timeout). */
    record Polled(List<PollFd> ready) implements Result {
    }

    static Result value(long v) {
        return new Value(v);
    }

    static Result error(Errno e, String reason) {
        return new Error(e, reason);
    }

    /** Releases the buffer a result carries, if any. Safe on every result. */
    static void release(Result r) {
        if (r instanceof Data) {
            ByteBuf b = ((Data) r).data();
            if (b != null && b.refCnt() > 0) {
                b.release();
            }
        }
    }
}

package dev.sockbridge.proxy.internal;


/**
 * What the engine needs of native channels beyond picking them (which {@link dev.sockbridge.api.transport.EventLoops}
 * does, for the group a session's loop belongs to): telling a channel that was never created from one that failed,
 * the errno for it, and whole-datagram reads.
 */
public final class NativeIo {
    private NativeIo() {
    }

    /**
     * True when a bootstrap's bind or connect failed before the channel existed on a loop: creating or
     * registering it failed (descriptors exhausted, say). Netty then hands back a placeholder channel (or one
     * it closed without a close event), which must not be cast, tracked or closed as ours.
     */
    static boolean failedAtCreation(io.netty.channel.ChannelFuture f) {
        return f.isDone() && !f.isSuccess() && !f.channel().isRegistered();
    }

    /**
     * The errno for a channel that could not be created: the kernel's EMFILE, ENFILE or ENOBUFS (ENOMEM reads as
     * ENOBUFS); anything else that stops a socket from existing reads as ENOBUFS too, never as an internal error.
     */
    static dev.sockbridge.api.Errno creationErrno(Throwable t) {
        dev.sockbridge.api.Errno e = ErrnoMapper.of(t);
        if (e == dev.sockbridge.api.Errno.EMFILE || e == dev.sockbridge.api.Errno.ENFILE
                || e == dev.sockbridge.api.Errno.ENOBUFS) {
            return e;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (m.contains("too many open files in system")) {
                return dev.sockbridge.api.Errno.ENFILE;
            }
            if (m.contains("too many open files")) {
                return dev.sockbridge.api.Errno.EMFILE;
            }
        }
        return dev.sockbridge.api.Errno.ENOBUFS;
    }

    /** Room for the largest UDP payload (65,507 bytes over IPv4, 65,527 over IPv6) in one read. */
    static final int DATAGRAM_READ_SIZE = 65536;

    /**
     * The receive allocator every datagram channel of the proxy needs: Netty's default for datagram channels
     * reads into 2,048 bytes and silently cuts longer datagrams there. One read buffer of 64 KiB holds any
     * datagram whole; {@link #rightSized} then gives a queued datagram a buffer of its own size.
     */
    public static io.netty.channel.RecvByteBufAllocator datagramReceiveAllocator() {
        return new io.netty.channel.FixedRecvByteBufAllocator(DATAGRAM_READ_SIZE);
    }

    /**
     * A datagram read into a 64 KiB buffer, moved into one just its size when it is much smaller, so a queue
     * of small datagrams does not pin 64 KiB each. Takes ownership of {@code b}.
     */
    static io.netty.buffer.ByteBuf rightSized(io.netty.buffer.ByteBuf b, io.netty.buffer.ByteBufAllocator alloc) {
        int n = b.readableBytes();
        if (b.capacity() - n <= 4096) {
            return b;
        }
        io.netty.buffer.ByteBuf copy = alloc.directBuffer(n, n);
        try {
            copy.writeBytes(b, b.readerIndex(), n);
        } finally {
            b.release();
        }
        return copy;
    }

}

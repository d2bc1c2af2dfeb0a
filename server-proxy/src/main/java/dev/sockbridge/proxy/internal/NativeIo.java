package dev.sockbridge.proxy.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Picks epoll where it loads and NIO elsewhere, with the matching channel classes. */
public final class NativeIo {
    private static final boolean EPOLL = !Boolean.getBoolean("sockbridge.noEpoll") && Epoll.isAvailable();

    private NativeIo() {
    }

    public static boolean epoll() {
        return EPOLL;
    }

    public static String name() {
        return EPOLL ? "epoll" : "nio";
    }

    public static IoHandlerFactory ioHandlerFactory() {
        return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    public static EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), ioHandlerFactory());
    }

    public static Class<? extends SocketChannel> socketChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public static Class<? extends ServerChannel> serverSocketChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
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

    public static Class<? extends DatagramChannel> datagramChannel() {
        return EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}

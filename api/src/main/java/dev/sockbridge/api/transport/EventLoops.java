package dev.sockbridge.api.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
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

/**
 * Netty event loop groups for Sockbridge servers, clients and transports: native (epoll) where it loads, NIO
 * elsewhere, and the channel classes that fit a group. Every Sockbridge module makes its groups here, so the choice
 * is made once per JVM and the same for all of them.
 *
 * <pre>
 *   EventLoopGroup group = EventLoops.newGroup(4, "game-io");     // epoll on Linux with the native jar, else NIO
 *   SockbridgeProxy proxy = SockbridgeProxy.builder().eventLoopGroup(group).build();
 *   WebSocketServer ws = WebSocketServer.builder().eventLoopGroup(group).build();
 *   ...
 *   group.shutdownGracefully();                                 // the caller's group: the caller shuts it down
 * </pre>
 *
 * <p><b>Native I/O.</b> Epoll is used when the application has {@code netty-transport-native-epoll} with the
 * classifier of its platform (for example {@code linux-x86_64}) on its class or module path, its library loads, and
 * the system property {@code sockbridge.noEpoll} is not {@code true}. The library modules declare no native jar:
 * that is the application's choice (see the README). Without it everything runs on NIO, with the same behaviour.
 *
 * <p><b>Lifecycle.</b> A group from {@link #newGroup} or {@link #newNioGroup} belongs to the caller, who shuts it down
 * once the servers and transports on it are closed. Its threads are daemon threads, so a group left running does not
 * keep the JVM alive.
 *
 * <p><b>Threading.</b> All methods are safe from any thread; the native choice is made once, on first use.
 */
public final class EventLoops {
    private static final boolean NATIVE = !Boolean.getBoolean("sockbridge.noEpoll") && epollLoads();

    private EventLoops() {
    }

    private static boolean epollLoads() {
        try {
            return Epoll.isAvailable();
        } catch (LinkageError e) {
            // netty-transport-classes-epoll left out of the application: NIO
            return false;
        }
    }

    /** Whether new groups use native epoll (else NIO). */
    public static boolean isNative() {
        return NATIVE;
    }

    /** {@code "epoll"} or {@code "nio"}: the I/O of new groups, for logs. */
    public static String ioName() {
        return NATIVE ? "epoll" : "nio";
    }

    /** The I/O handler factory of new groups, for callers that make their own {@link MultiThreadIoEventLoopGroup}. */
    public static IoHandlerFactory ioHandlerFactory() {
        return NATIVE ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /**
     * A new group of {@code threads} daemon threads named {@code name-P-N} (Netty's {@link DefaultThreadFactory}),
     * on epoll if {@link #isNative()}, else NIO. {@code threads} 0 means Netty's default (twice the cores).
     */
    public static EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), ioHandlerFactory());
    }

    /** Like {@link #newGroup} but always NIO, for a caller that turned native I/O off. */
    public static EventLoopGroup newNioGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), NioIoHandler.newFactory());
    }

    /**
     * Whether {@code group} (or a single loop of one) runs epoll. A group that is neither epoll nor NIO (io_uring,
     * local) gets NIO channel classes from the methods below, which it will refuse at registration.
     */
    public static boolean isNative(EventLoopGroup group) {
        if (!(group instanceof IoEventLoopGroup)) {
            return false;
        }
        try {
            return ((IoEventLoopGroup) group).isIoType(EpollIoHandler.class);
        } catch (LinkageError e) {
            return false;
        }
    }

    /** The TCP client channel class for {@code group}. */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        return isNative(group) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The TCP listening channel class for {@code group}. */
    public static Class<? extends ServerChannel> serverSocketChannel(EventLoopGroup group) {
        return isNative(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The UDP channel class for {@code group}. */
    public static Class<? extends DatagramChannel> datagramChannel(EventLoopGroup group) {
        return isNative(group) ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}

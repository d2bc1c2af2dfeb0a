package dev.sockbridge.transport.websocket.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The event loops WebSocket transports run on when the caller brings none: one shared group per I/O
 * kind (epoll where its native library loads, NIO otherwise), made on first use, of daemon threads,
 * never shut down (as gRPC's shared resources are not while in use).
 */
public final class EventLoops {
    private EventLoops() {
    }

    private static final class EpollHolder {
        static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(0,
                new DefaultThreadFactory("sockbridge-ws-epoll", true), EpollIoHandler.newFactory());
    }

    private static final class NioHolder {
        static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(0,
                new DefaultThreadFactory("sockbridge-ws-nio", true), NioIoHandler.newFactory());
    }

    /** Whether epoll can be used here. */
    public static boolean epollAvailable() {
        try {
            return Epoll.isAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    /** The shared group: epoll if wanted and available, else NIO. */
    public static EventLoopGroup shared(boolean preferNative) {
        return preferNative && epollAvailable() ? EpollHolder.GROUP : NioHolder.GROUP;
    }

    private static boolean isEpoll(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup && epollAvailable()
                && ((IoEventLoopGroup) group).isIoType(EpollIoHandler.class);
    }

    public static Class<? extends ServerChannel> serverChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends Channel> channel(EventLoopGroup group) {
        return isEpoll(group) ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}

package dev.sockbridge.transport.websocket.internal;

import io.netty.channel.EventLoopGroup;

/**
 * The event loops WebSocket transports run on when the caller brings none: one shared group per I/O
 * kind (chosen by {@link dev.sockbridge.api.transport.EventLoops}: epoll where its native library loads, NIO
 * otherwise), made on first use, of daemon threads, never shut down (as gRPC's shared resources are not while
 * in use).
 */
public final class EventLoops {
    private EventLoops() {
    }

    private static final class NativeHolder {
        static final EventLoopGroup GROUP = dev.sockbridge.api.transport.EventLoops.newGroup(0,
                "sockbridge-ws-" + dev.sockbridge.api.transport.EventLoops.ioName());
    }

    private static final class NioHolder {
        static final EventLoopGroup GROUP = dev.sockbridge.api.transport.EventLoops.newNioGroup(0, "sockbridge-ws-nio");
    }

    /** The shared group: native if wanted and available, else NIO. */
    public static EventLoopGroup shared(boolean preferNative) {
        return preferNative && dev.sockbridge.api.transport.EventLoops.isNative() ? NativeHolder.GROUP : NioHolder.GROUP;
    }
}

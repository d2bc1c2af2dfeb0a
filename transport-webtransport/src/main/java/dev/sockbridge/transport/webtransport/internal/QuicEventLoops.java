package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.api.transport.EventLoops;
import io.netty.channel.EventLoopGroup;

/**
 * The event loops of the Sockbridge QUIC transports: one group for servers (each server's UDP socket and all of its
 * connections live on one loop of it) and one for clients (each connection on one loop). Shared by every transport
 * of the JVM, made on first use with daemon threads and never shut down, so that a transport's executor stays usable
 * after its server stopped, as the transport contract expects. Native (epoll) or NIO as {@link EventLoops} chooses.
 *
 * <p>Threading: safe from any thread.
 */
public final class QuicEventLoops {
    private static final int THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private static volatile EventLoopGroup server;
    private static volatile EventLoopGroup client;

    private QuicEventLoops() {
    }

    public static EventLoopGroup server() {
        EventLoopGroup g = server;
        if (g == null) {
            synchronized (QuicEventLoops.class) {
                if (server == null) {
                    server = newGroup("sockbridge-quic-server");
                }
                g = server;
            }
        }
        return g;
    }

    public static EventLoopGroup client() {
        EventLoopGroup g = client;
        if (g == null) {
            synchronized (QuicEventLoops.class) {
                if (client == null) {
                    client = newGroup("sockbridge-quic-client");
                }
                g = client;
            }
        }
        return g;
    }

    private static EventLoopGroup newGroup(String name) {
        return EventLoops.newGroup(THREADS, name);
    }
}

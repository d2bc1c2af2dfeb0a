package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.transport.webtransport.ServerCertificate;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One bound UDP socket with a QUIC server codec: what {@code WebTransportServer} and {@code RawQuicServer} share.
 * Tracks the live QUIC connections so that {@link #close()} can end them with an application close, and runs
 * the certificate renewal timer.
 *
 * <p>Lifecycle: {@link #start} binds; {@link #close()} closes every connection, the socket and (if it created
 * it) the event loop group, waiting a bounded time.
 *
 * <p>Threading: one event loop serves the socket and every connection on it. Methods are safe from any thread.
 */
public final class QuicServerRuntime implements AutoCloseable {
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(QuicServerRuntime.class);
    private static final long CLOSE_WAIT_MS = 2_000;

    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final ChannelGroup connections;
    private final Channel udp;
    private final TlsContextHolder tls;
    private volatile ScheduledFuture<?> renewal;

    private QuicServerRuntime(EventLoopGroup group, boolean ownsGroup, ChannelGroup connections, Channel udp,
                              TlsContextHolder tls) {
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.connections = connections;
        this.udp = udp;
        this.tls = tls;
    }

    /**
     * @param connectionInit installs the per-connection handlers on each new QuicChannel
     * @param externalGroup  event loops to use, or {@code null} for an own single-thread group
     */
    public static QuicServerRuntime start(InetSocketAddress bindAddress, QuicOptions options, TlsContextHolder tls,
                                          Consumer<QuicChannel> connectionInit, EventLoopGroup externalGroup,
                                          String threadName) throws InterruptedException {
        boolean ownsGroup = externalGroup == null;
        EventLoopGroup group = ownsGroup
                ? new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(threadName, true),
                NioIoHandler.newFactory())
                : externalGroup;
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        try {
            ChannelHandler codec = options.applyTo(new QuicServerCodecBuilder())
                    .sslEngineProvider(tls::newEngine)
                    .handler(new ChannelInitializer<QuicChannel>() {
                        @Override
                        protected void initChannel(QuicChannel ch) {
                            connections.add(ch);
                            connectionInit.accept(ch);
                        }
                    })
                    .build();
            Channel udp = new Bootstrap()
                    .group(group)
                    .channel(NioDatagramChannel.class)
                    .handler(codec)
                    .bind(bindAddress)
                    .sync()
                    .channel();
            return new QuicServerRuntime(group, ownsGroup, connections, udp, tls);
        } catch (InterruptedException | RuntimeException e) {
            if (ownsGroup) {
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            throw e;
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) udp.localAddress();
    }

    public TlsContextHolder tls() {
        return tls;
    }

    public int connectionCount() {
        return connections.size();
    }

    /**
     * Every {@code every}, makes a new certificate with {@code source}, switches new connections to it and tells
     * {@code listener} (on the event loop). A failing renewal is logged and retried at the next tick.
     */
    public void scheduleRenewal(Duration every, Supplier<ServerCertificate> source,
                                Consumer<ServerCertificate> listener) {
        long periodMs = Math.max(1, every.toMillis());
        renewal = group.next().scheduleAtFixedRate(() -> {
            try {
                ServerCertificate next = source.get();
                tls.replace(next);
                listener.accept(next);
            } catch (RuntimeException e) {
                LOG.warn("certificate renewal failed; keeping {}", tls.certificate(), e);
            }
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        ScheduledFuture<?> r = renewal;
        if (r != null) {
            r.cancel(false);
        }
        for (Channel c : connections) {
            ((QuicChannel) c).close(true, 0,
                    Unpooled.copiedBuffer("server closing", StandardCharsets.UTF_8));
        }
        connections.newCloseFuture().awaitUninterruptibly(CLOSE_WAIT_MS);
        udp.close().awaitUninterruptibly(CLOSE_WAIT_MS);
        if (ownsGroup) {
            group.shutdownGracefully(0, CLOSE_WAIT_MS, TimeUnit.MILLISECONDS).awaitUninterruptibly(CLOSE_WAIT_MS * 2);
        }
    }
}

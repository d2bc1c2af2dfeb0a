package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.api.transport.EventLoops;
import dev.sockbridge.transport.webtransport.ServerCertificate;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger LOG = LoggerFactory.getLogger(QuicServerRuntime.class);
    private static final long CLOSE_WAIT_MS = 2_000;
    /** RFC 9000 §20.1: the server refuses to accept a new connection. */
    static final int CONNECTION_REFUSED = 0x2;
    /** Packets per GSO send at most (Netty's own example uses 10; the kernel takes up to 64). */
    private static final int GSO_SEGMENTS = 16;

    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final ChannelGroup connections;
    private final Channel udp;
    private final TlsContextHolder tls;
    private final Limits limits;
    private final AtomicLong refused;
    private final AtomicLong reassemblyBytes;
    private volatile ScheduledFuture<?> renewal;

    /**
     * What a server refuses or bounds per connection.
     *
     * @param tokens             address validation (Retry) with these tokens, or null for none
     * @param maxConnections     QUIC connections at once; the next is closed with CONNECTION_REFUSED at its first
     *                           packet, before any handshake work
     * @param maxReassemblyBytes per connection, bytes of partly received frames ({@link ReassemblyBudget}); 0 for
     *                           no budget (servers whose handlers read the streams themselves)
     */
    public record Limits(AddressValidationTokens tokens, int maxConnections, long maxReassemblyBytes) {
        public Limits {
            if (maxConnections < 1 || maxReassemblyBytes < 0) {
                throw new IllegalArgumentException("maxConnections must be positive, maxReassemblyBytes not negative");
            }
        }
    }

    private QuicServerRuntime(EventLoopGroup group, boolean ownsGroup, ChannelGroup connections, Channel udp,
                              TlsContextHolder tls, Limits limits, AtomicLong refused, AtomicLong reassemblyBytes) {
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.connections = connections;
        this.udp = udp;
        this.tls = tls;
        this.limits = limits;
        this.refused = refused;
        this.reassemblyBytes = reassemblyBytes;
    }

    /**
     * @param connectionInit installs the per-connection handlers on each new QuicChannel
     * @param externalGroup  event loops to use, or {@code null} for an own single-thread group
     */
    public static QuicServerRuntime start(InetSocketAddress bindAddress, QuicOptions options, TlsContextHolder tls,
                                          Consumer<QuicChannel> connectionInit, EventLoopGroup externalGroup,
                                          String threadName, Limits limits) throws InterruptedException {
        boolean ownsGroup = externalGroup == null;
        EventLoopGroup group = ownsGroup ? EventLoops.newGroup(1, threadName) : externalGroup;
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        AtomicLong refused = new AtomicLong();
        AtomicLong reassemblyBytes = new AtomicLong();
        try {
            QuicServerCodecBuilder builder = options.applyTo(new QuicServerCodecBuilder())
                    .sslEngineProvider(tls::newEngine)
                    .handler(new ChannelInitializer<QuicChannel>() {
                        @Override
                        protected void initChannel(QuicChannel ch) {
                            // the group's size is exact here: every connection of this server is added on its
                            // codec's loop, and a closed one leaves the group before a later one is initialised
                            if (connections.size() >= limits.maxConnections()) {
                                refused.incrementAndGet();
                                LOG.debug("refusing {}: {} connections open", ch.remoteSocketAddress(),
                                        connections.size());
                                // once the codec has fed quiche the client's Initial, so that quiche has the keys
                                // to tell the client (closed before, it would send nothing and the client would wait
                                // for its connect timeout)
                                ch.eventLoop().execute(() -> ch.close(false, CONNECTION_REFUSED,
                                        Unpooled.copiedBuffer("server connection limit", StandardCharsets.UTF_8)));
                                return;
                            }
                            connections.add(ch);
                            if (limits.maxReassemblyBytes() > 0) {
                                ReassemblyBudget.attach(ch, limits.maxReassemblyBytes(), reassemblyBytes);
                            }
                            connectionInit.accept(ch);
                        }
                    });
            if (limits.tokens() != null) {
                builder.tokenHandler(limits.tokens());
            }
            if (EventLoops.isNative(group)) {
                // UDP GSO: the packets quiche makes in one go leave in one sendmsg (the kernel splits them),
                // instead of one system call per 1200-1452 bytes; only the native epoll channel can do it
                builder.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR,
                        EpollQuicUtils.newSegmentedAllocator(GSO_SEGMENTS));
            }
            ChannelHandler codec = builder.build();
            Channel udp = new Bootstrap()
                    .group(group)
                    .channel(EventLoops.datagramChannel(group))
                    .handler(codec)
                    .bind(bindAddress)
                    .sync()
                    .channel();
            return new QuicServerRuntime(group, ownsGroup, connections, udp, tls, limits, refused, reassemblyBytes);
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

    /** Connections closed at once because {@link Limits#maxConnections()} were open. */
    public long refusedConnections() {
        return refused.get();
    }

    /** Retry packets sent (0 without address validation). */
    public long retries() {
        return limits.tokens() == null ? 0 : limits.tokens().retries();
    }

    /** Initial packets dropped for a forged, expired or foreign token. */
    public long invalidTokens() {
        return limits.tokens() == null ? 0 : limits.tokens().invalidTokens();
    }

    /** Bytes of partly received frames held for all connections now ({@link ReassemblyBudget}). */
    public long reassemblyBytes() {
        return reassemblyBytes.get();
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

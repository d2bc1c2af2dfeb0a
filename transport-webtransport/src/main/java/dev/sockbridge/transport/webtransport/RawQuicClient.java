package dev.sockbridge.transport.webtransport;

import dev.sockbridge.transport.webtransport.internal.PinnedCertificateTrustManager;
import dev.sockbridge.transport.webtransport.internal.QuicOptions;
import dev.sockbridge.transport.webtransport.internal.RawQuicSession;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import javax.net.ssl.TrustManagerFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Connects to a {@link RawQuicServer} (or any QUIC server speaking the ALPN): each connection is one
 * {@link WebTransportSession} with plain streams and datagrams, the same interface servers hand out.
 *
 * <pre>{@code
 * try (RawQuicClient client = RawQuicClient.builder().pinCertificateSha256(server.certificate().sha256()).build()) {
 *     WebTransportSession s = client.connect(server.localAddress(), handler).get(5, SECONDS);
 * }
 * }</pre>
 *
 * <p><b>Trust.</b> Either certificate pins (SHA-256 of the DER leaf, like a page's {@code serverCertificateHashes})
 * or a {@link TrustManagerFactory}; one of them is required.
 *
 * <p><b>Lifecycle.</b> {@link #close()} closes every connection and the client's event loop.
 *
 * <p><b>Threading, Backpressure:</b> as {@link WebTransportSession}.
 */
public final class RawQuicClient implements AutoCloseable {
    private final EventLoopGroup group;
    private final QuicSslContext sslContext;
    private final QuicOptions options;
    private final String alpn;
    private final List<Channel> sockets = new ArrayList<>(); // guarded by itself
    private final List<QuicChannel> connections = new ArrayList<>(); // guarded by sockets

    private RawQuicClient(EventLoopGroup group, QuicSslContext sslContext, QuicOptions options, String alpn) {
        this.group = group;
        this.sslContext = sslContext;
        this.options = options;
        this.alpn = alpn;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens a QUIC connection from a new UDP socket (loopback-bound for a loopback server).
     *
     * @return completes with the session once the handshake is done (after {@code handler.sessionOpened}),
     *         fails if the handshake or the trust check fails
     */
    public Future<WebTransportSession> connect(InetSocketAddress server, WebTransportSessionHandler handler) {
        Objects.requireNonNull(handler, "handler");
        Promise<WebTransportSession> opened = group.next().newPromise();
        ChannelHandler codec = options.applyTo(new QuicClientCodecBuilder())
                .sslContext(sslContext)
                .build();
        InetAddress local = server.getAddress().isLoopbackAddress()
                ? server.getAddress() : new InetSocketAddress(0).getAddress();
        new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec)
                .bind(new InetSocketAddress(local, 0))
                .addListener(bound -> {
                    if (!bound.isSuccess()) {
                        opened.tryFailure(bound.cause());
                        return;
                    }
                    Channel udp = ((ChannelFuture) bound).channel();
                    synchronized (sockets) {
                        sockets.add(udp);
                    }
                    udp.closeFuture().addListener(f -> {
                        synchronized (sockets) {
                            sockets.remove(udp);
                        }
                    });
                    QuicChannel.newBootstrap(udp)
                            .handler(new ChannelInitializer<QuicChannel>() {
                                @Override
                                protected void initChannel(QuicChannel ch) {
                                    RawQuicSession.install(ch, alpn, handler, opened);
                                    synchronized (sockets) {
                                        connections.add(ch);
                                    }
                                    ch.closeFuture().addListener(f -> {
                                        synchronized (sockets) {
                                            connections.remove(ch);
                                        }
                                        udp.close();
                                    });
                                }
                            })
                            .remoteAddress(server)
                            .connect()
                            .addListener(f -> {
                                if (!f.isSuccess()) {
                                    opened.tryFailure(f.cause());
                                    udp.close();
                                }
                            });
                });
        return opened;
    }

    /** Closes every connection (application close, code 0), then the sockets and the event loop. */
    @Override
    public void close() {
        List<Channel> open;
        List<QuicChannel> live;
        synchronized (sockets) {
            open = new ArrayList<>(sockets);
            live = new ArrayList<>(connections);
        }
        for (QuicChannel quic : live) {
            quic.close(true, 0, Unpooled.EMPTY_BUFFER).awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        for (Channel udp : open) {
            udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(4, TimeUnit.SECONDS);
    }

    /** Configures a {@link RawQuicClient}. Threading: one thread at a time. */
    public static final class Builder {
        private final QuicOptions options = new QuicOptions();
        private final List<byte[]> pins = new ArrayList<>();
        private TrustManagerFactory trustManagerFactory;
        private String alpn = RawQuicServer.DEFAULT_ALPN;

        private Builder() {
        }

        public Builder applicationProtocol(String protocol) {
            this.alpn = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /** Trusts a server whose leaf certificate has this SHA-256 (of the DER); may be given several times. */
        public Builder pinCertificateSha256(byte[] sha256) {
            if (sha256.length != 32) {
                throw new IllegalArgumentException("a SHA-256 hash has 32 bytes, not " + sha256.length);
            }
            pins.add(sha256.clone());
            return this;
        }

        /** Trusts servers this factory's trust managers accept (CA certificates). */
        public Builder trustManager(TrustManagerFactory factory) {
            this.trustManagerFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        public Builder idleTimeout(Duration timeout) {
            options.idleTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public Builder flowControlWindows(long connectionBytes, long streamBytes) {
            options.initialMaxData = connectionBytes;
            options.initialMaxStreamData = streamBytes;
            return this;
        }

        public RawQuicClient build() {
            QuicSslContextBuilder tls = QuicSslContextBuilder.forClient().applicationProtocols(alpn);
            if (!pins.isEmpty()) {
                tls.trustManager(new PinnedCertificateTrustManager(pins));
            } else if (trustManagerFactory != null) {
                tls.trustManager(trustManagerFactory);
            } else {
                throw new IllegalStateException("set pinCertificateSha256 or trustManager");
            }
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                    new DefaultThreadFactory("raw-quic-client", true), NioIoHandler.newFactory());
            return new RawQuicClient(group, tls.build(), options.copy(), alpn);
        }
    }
}

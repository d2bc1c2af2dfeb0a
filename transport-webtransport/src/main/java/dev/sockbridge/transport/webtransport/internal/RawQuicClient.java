package dev.sockbridge.transport.webtransport.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
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
    private final boolean ownsGroup;
    private final QuicSslContext sslContext;
    private final QuicOptions options;
    private final String alpn;
    private final Duration connectTimeout;
    private final List<Channel> sockets = new ArrayList<>(); // guarded by itself
    private final List<QuicChannel> connections = new ArrayList<>(); // guarded by sockets

    private RawQuicClient(EventLoopGroup group, boolean ownsGroup, QuicSslContext sslContext, QuicOptions options,
                          String alpn, Duration connectTimeout) {
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.sslContext = sslContext;
        this.options = options;
        this.alpn = alpn;
        this.connectTimeout = connectTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens a QUIC connection from a new UDP socket (loopback-bound for a loopback server).
     *
     * @return completes with the session once the handshake is done (after {@code handler.sessionOpened}),
     *         fails if the handshake or the trust check fails, or it takes longer than the connect timeout
     */
    public Future<WebTransportSession> connect(InetSocketAddress server, WebTransportSessionHandler handler) {
        Objects.requireNonNull(handler, "handler");
        EventLoop loop = group.next();
        Promise<WebTransportSession> opened = loop.newPromise();
        ChannelHandler codec = options.applyTo(new QuicClientCodecBuilder())
                .sslContext(sslContext)
                .build();
        QuicClientSupport.connect(loop, server, codec, ch -> RawQuicSession.install(ch, alpn, handler, opened),
                opened, connectTimeout, sockets, connections);
        return opened;
    }

    /** Closes every connection (application close, code 0), then the sockets and, if it made it, the event loop. */
    @Override
    public void close() {
        QuicClientSupport.closeAll(sockets, connections);
        if (ownsGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(4, TimeUnit.SECONDS);
        }
    }

    /** Configures a {@link RawQuicClient}. Threading: one thread at a time. */
    public static final class Builder {
        private final QuicOptions options = new QuicOptions();
        private final List<byte[]> pins = new ArrayList<>();
        private TrustManagerFactory trustManagerFactory;
        private java.io.File clientCertChain;
        private java.io.File clientKey;
        private String alpn = RawQuicServer.DEFAULT_ALPN;
        private EventLoopGroup eventLoopGroup;
        private Duration connectTimeout = Duration.ofSeconds(10);

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

        /**
         * Presents this certificate chain (PEM, leaf first) with its key (PEM, PKCS#8) when the server
         * asks for one (mutual TLS, for servers that admit clients by certificate).
         */
        public Builder clientCertificate(java.io.File certChainPem, java.io.File keyPem) {
            this.clientCertChain = Objects.requireNonNull(certChainPem, "certChainPem");
            this.clientKey = Objects.requireNonNull(keyPem, "keyPem");
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

        /** Runs on these event loops instead of an own single thread; the caller shuts them down. */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = Objects.requireNonNull(group, "group");
            return this;
        }

        /** How long {@link #connect} may take before it fails (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
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
            if (clientCertChain != null) {
                tls.keyManager(clientKey, null, clientCertChain);
            }
            boolean own = eventLoopGroup == null;
            EventLoopGroup group = own ? dev.sockbridge.api.transport.EventLoops.newGroup(1, "raw-quic-client")
                    : eventLoopGroup;
            return new RawQuicClient(group, own, tls.build(), options.copy(), alpn, connectTimeout);
        }
    }
}

package dev.sockbridge.transport.webtransport.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import javax.net.ssl.TrustManagerFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A minimal WebTransport-over-HTTP/3 client (draft-02 framing, as {@link WebTransportServer} and Chromium 156
 * speak it), for Java programs and tests: each {@link #connect} is one QUIC connection carrying one
 * {@link WebTransportSession}, the same interface servers hand out.
 *
 * <pre>{@code
 * try (WebTransportClient client = WebTransportClient.builder()
 *         .pinCertificateSha256(server.certificate().sha256()).build()) {
 *     WebTransportSession s = client.connect(URI.create("https://127.0.0.1:4433/echo"),
 *             "https://app.example", handler).get(5, SECONDS);
 * }
 * }</pre>
 *
 * <p>What it does not do: pool sessions on one connection, negotiate newer drafts, or send anything but the
 * CONNECT on its HTTP/3 request stream.
 *
 * <p><b>Trust.</b> Certificate pins (SHA-256 of the DER leaf, like a page's {@code serverCertificateHashes}) or a
 * {@link TrustManagerFactory}; one of them is required.
 *
 * <p><b>Lifecycle.</b> A session's end closes its QUIC connection. {@link #close()} closes every connection and,
 * if the client made it, its event loop.
 *
 * <p><b>Threading, Backpressure:</b> as {@link WebTransportSession}.
 */
public final class WebTransportClient implements AutoCloseable {
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final QuicSslContext sslContext;
    private final QuicOptions options;
    private final Duration connectTimeout;
    private final List<Channel> sockets = new ArrayList<>(); // guarded by itself
    private final List<QuicChannel> connections = new ArrayList<>(); // guarded by sockets

    private WebTransportClient(EventLoopGroup group, boolean ownsGroup, QuicSslContext sslContext,
                               QuicOptions options, Duration connectTimeout) {
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.sslContext = sslContext;
        this.options = options;
        this.connectTimeout = connectTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens a session at {@code url} ({@code https://host:port/path}; the host must be a literal address or
     * resolvable name).
     *
     * @param origin the {@code Origin} header the server checks, or {@code null} for none
     * @return completes with the session once the server answered the CONNECT with 200 (after
     *         {@code handler.sessionOpened}); fails on any other status, a failed handshake or trust check, or the
     *         connect timeout
     */
    public Future<WebTransportSession> connect(URI url, String origin, WebTransportSessionHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (url.getHost() == null || url.getPort() < 0) {
            throw new IllegalArgumentException("need https://host:port/path, not " + url);
        }
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        InetSocketAddress server = new InetSocketAddress(url.getHost(), url.getPort());
        String authority = url.getRawAuthority();
        EventLoop loop = group.next();
        Promise<WebTransportSession> opened = loop.newPromise();
        if (server.isUnresolved()) {
            return opened.setFailure(new java.net.UnknownHostException(url.getHost()));
        }
        ChannelHandler codec = options.applyTo(Http3.newQuicClientCodecBuilder())
                .sslContext(sslContext)
                .build();
        String p = path;
        QuicClientSupport.connect(loop, server, codec,
                ch -> WebTransportClientSession.install(ch, authority, p, origin, handler, opened),
                opened, connectTimeout, sockets, connections);
        return opened;
    }

    @Override
    public void close() {
        QuicClientSupport.closeAll(sockets, connections);
        if (ownsGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(4, TimeUnit.SECONDS);
        }
    }

    /** Configures a {@link WebTransportClient}. Threading: one thread at a time. */
    public static final class Builder {
        private final QuicOptions options = new QuicOptions();
        private final List<byte[]> pins = new ArrayList<>();
        private TrustManagerFactory trustManagerFactory;
        private java.io.File clientCertChain;
        private java.io.File clientKey;
        private EventLoopGroup eventLoopGroup;
        private Duration connectTimeout = Duration.ofSeconds(10);

        private Builder() {
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

        /** Concurrent streams the server may open, per direction type (at least 3 unidirectional for HTTP/3). */
        public Builder maxStreams(long bidirectional, long unidirectional) {
            options.maxBidiStreams = bidirectional;
            options.maxUniStreams = Math.max(3, unidirectional);
            return this;
        }

        /** Runs on these event loops instead of an own single thread; the caller shuts them down. */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = Objects.requireNonNull(group, "group");
            return this;
        }

        /** How long {@link #connect} may take, handshake and CONNECT included (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public WebTransportClient build() {
            QuicSslContextBuilder tls = QuicSslContextBuilder.forClient()
                    .applicationProtocols(Http3.supportedApplicationProtocols());
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
            EventLoopGroup group = own ? dev.sockbridge.api.transport.EventLoops.newGroup(1, "webtransport-client")
                    : eventLoopGroup;
            return new WebTransportClient(group, own, tls.build(), options.copy(), connectTimeout);
        }
    }
}

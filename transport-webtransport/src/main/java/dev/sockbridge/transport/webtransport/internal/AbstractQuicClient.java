package dev.sockbridge.transport.webtransport.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import javax.net.ssl.TrustManagerFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What {@link RawQuicClient} and {@link WebTransportClient} share: trust and client-certificate configuration,
 * QUIC options, the event loop (own or the caller's), and closing every connection they opened. A subclass adds
 * only what its protocol puts on a new QUIC connection.
 *
 * <p><b>Lifecycle.</b> {@link #close()} closes every connection (application close, code 0), then the sockets
 * and, if the client made it, its event loop.
 *
 * <p><b>Threading.</b> {@link #connect} and {@link #close} may be called from any thread.
 */
public abstract class AbstractQuicClient implements AutoCloseable {
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final QuicSslContext sslContext;
    private final QuicOptions options;
    private final Duration connectTimeout;
    private final List<Channel> sockets = new ArrayList<>(); // guarded by itself
    private final List<QuicChannel> connections = new ArrayList<>(); // guarded by sockets

    protected AbstractQuicClient(Builder<?> builder, String threadName, String... alpn) {
        QuicSslContextBuilder tls = QuicSslContextBuilder.forClient().applicationProtocols(alpn);
        if (!builder.pins.isEmpty()) {
            tls.trustManager(new PinnedCertificateTrustManager(builder.pins));
        } else if (builder.trustManagerFactory != null) {
            tls.trustManager(builder.trustManagerFactory);
        } else {
            throw new IllegalStateException("set pinCertificateSha256 or trustManager");
        }
        if (builder.clientCertChain != null) {
            tls.keyManager(builder.clientKey, null, builder.clientCertChain);
        }
        this.sslContext = tls.build();
        this.ownsGroup = builder.eventLoopGroup == null;
        this.group = ownsGroup ? dev.sockbridge.api.transport.EventLoops.newGroup(1, threadName)
                : builder.eventLoopGroup;
        this.options = builder.options.copy();
        this.connectTimeout = builder.connectTimeout;
    }

    /**
     * Starts one QUIC connection to {@code server} with a codec from {@code codecBuilder}; {@code install} puts the
     * protocol on the new connection and completes the returned promise (see {@link QuicClientSupport#connect}).
     */
    protected final Future<WebTransportSession> connect(InetSocketAddress server, QuicClientCodecBuilder codecBuilder,
            InstallSession install) {
        EventLoop loop = group.next();
        Promise<WebTransportSession> opened = loop.newPromise();
        ChannelHandler codec = options.applyTo(codecBuilder).sslContext(sslContext).build();
        Consumer<QuicChannel> init = ch -> install.install(ch, opened);
        QuicClientSupport.connect(loop, server, codec, init, opened, connectTimeout, sockets, connections);
        return opened;
    }

    /** A connect attempt that failed before it started (on one of the client's event loops). */
    protected final Future<WebTransportSession> failed(Throwable cause) {
        return group.next().newFailedFuture(cause);
    }

    /** Puts a protocol on a new QUIC connection; it completes {@code opened} when the session is open. */
    @FunctionalInterface
    protected interface InstallSession {
        void install(QuicChannel channel, Promise<WebTransportSession> opened);
    }

    /** Closes every connection (application close, code 0), then the sockets and, if it made it, the event loop. */
    @Override
    public void close() {
        QuicClientSupport.closeAll(sockets, connections);
        if (ownsGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(4, TimeUnit.SECONDS);
        }
    }

    /**
     * The settings both clients take. Trust: certificate pins or a {@link TrustManagerFactory}; one of them is
     * required. Threading: one thread at a time.
     */
    public abstract static class Builder<B extends Builder<B>> {
        protected final QuicOptions options = new QuicOptions();
        private final List<byte[]> pins = new ArrayList<>();
        private TrustManagerFactory trustManagerFactory;
        private java.io.File clientCertChain;
        private java.io.File clientKey;
        private EventLoopGroup eventLoopGroup;
        private Duration connectTimeout = Duration.ofSeconds(10);

        protected Builder() {
        }

        @SuppressWarnings("unchecked")
        protected final B self() {
            return (B) this;
        }

        /** Trusts a server whose leaf certificate has this SHA-256 (of the DER); may be given several times. */
        public B pinCertificateSha256(byte[] sha256) {
            if (sha256.length != 32) {
                throw new IllegalArgumentException("a SHA-256 hash has 32 bytes, not " + sha256.length);
            }
            pins.add(sha256.clone());
            return self();
        }

        /**
         * Presents this certificate chain (PEM, leaf first) with its key (PEM, PKCS#8) when the server
         * asks for one (mutual TLS, for servers that admit clients by certificate).
         */
        public B clientCertificate(java.io.File certChainPem, java.io.File keyPem) {
            this.clientCertChain = Objects.requireNonNull(certChainPem, "certChainPem");
            this.clientKey = Objects.requireNonNull(keyPem, "keyPem");
            return self();
        }

        /** Trusts servers this factory's trust managers accept (CA certificates). */
        public B trustManager(TrustManagerFactory factory) {
            this.trustManagerFactory = Objects.requireNonNull(factory, "factory");
            return self();
        }

        public B idleTimeout(Duration timeout) {
            options.idleTimeout = Objects.requireNonNull(timeout, "timeout");
            return self();
        }

        public B flowControlWindows(long connectionBytes, long streamBytes) {
            options.initialMaxData = connectionBytes;
            options.initialMaxStreamData = streamBytes;
            return self();
        }

        /** Runs on these event loops instead of an own single thread; the caller shuts them down. */
        public B eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = Objects.requireNonNull(group, "group");
            return self();
        }

        /** How long a connect may take, handshake and any protocol setup included (default 10 s). */
        public B connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return self();
        }
    }
}

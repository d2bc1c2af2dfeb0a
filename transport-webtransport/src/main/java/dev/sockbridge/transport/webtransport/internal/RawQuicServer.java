package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.transport.webtransport.ServerCertificate;
import io.netty.channel.EventLoopGroup;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A plain QUIC server for non-browser clients: each QUIC connection with the configured ALPN (default
 * {@value #DEFAULT_ALPN}) is one {@link WebTransportSession} (id 0, {@code path()} = ALPN, no origin), whose
 * streams and datagrams carry application bytes with no prefix and no HTTP/3.
 *
 * <p><b>Lifecycle, Threading, Backpressure, certificates:</b> as {@link WebTransportServer}. A session ends with
 * the QUIC connection; {@link WebTransportSession#close} sends an application CONNECTION_CLOSE with its code and
 * reason, which the peer's {@code sessionClosed} receives.
 */
public final class RawQuicServer implements AutoCloseable {
    public static final String DEFAULT_ALPN = "sockbridge";

    private final QuicServerRuntime runtime;
    private final ServerSettings settings;

    private RawQuicServer(QuicServerRuntime runtime, ServerSettings settings) {
        this.runtime = runtime;
        this.settings = settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    public InetSocketAddress localAddress() {
        return runtime.localAddress();
    }

    public ServerCertificate certificate() {
        return runtime.tls().certificate();
    }

    /** Switches new connections to {@code next} and tells the certificate listener; open ones keep theirs. */
    public void rotateCertificate(ServerCertificate next) {
        runtime.tls().replace(Objects.requireNonNull(next, "next"));
        settings.certificateListener.accept(next);
    }

    public int connectionCount() {
        return runtime.connectionCount();
    }

    /** Connections closed at their first packet because {@link Builder#maxConnections} were open. */
    public long refusedConnections() {
        return runtime.refusedConnections();
    }

    /** Retry packets sent for address validation (0 when it is off). */
    public long addressValidationRetries() {
        return runtime.retries();
    }

    @Override
    public void close() {
        runtime.close();
    }

    /** Configures a {@link RawQuicServer}; defaults as {@link WebTransportServer.Builder}. */
    public static final class Builder {
        private final ServerSettings settings = new ServerSettings();
        private String alpn = DEFAULT_ALPN;
        private WebTransportSessionHandler handler;

        private Builder() {
        }

        public Builder bindAddress(InetSocketAddress address) {
            settings.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        public Builder applicationProtocol(String protocol) {
            this.alpn = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        public Builder handler(WebTransportSessionHandler sessionHandler) {
            this.handler = Objects.requireNonNull(sessionHandler, "sessionHandler");
            return this;
        }

        public Builder certificate(ServerCertificate certificate) {
            settings.certificate = Objects.requireNonNull(certificate, "certificate");
            return this;
        }

        public Builder selfSignedCertificate(Duration validity, Duration renewEvery) {
            settings.selfSigned(validity, renewEvery);
            return this;
        }

        public Builder certificateListener(Consumer<ServerCertificate> listener) {
            settings.certificateListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * On by default: a client's first packet is answered with a Retry carrying an HMAC token bound to its
         * address and port (valid 10 s, key random per server), and only a packet bringing the token back starts a
         * handshake, so a spoofed source address costs the server nothing but one small Retry (RFC 9000 8.1). Costs
         * a client one round trip per connection.
         */
        public Builder addressValidation(boolean on) {
            settings.addressValidation = on;
            return this;
        }

        /**
         * QUIC connections served at once (default 1024); the next is closed at its first packet with the transport
         * error CONNECTION_REFUSED (0x2), before any handshake work, and counted in {@code refusedConnections()}.
         */
        public Builder maxConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnections must be positive: " + max);
            }
            settings.maxConnections = max;
            return this;
        }

        public Builder idleTimeout(Duration timeout) {
            settings.quic.idleTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public Builder flowControlWindows(long connectionBytes, long streamBytes) {
            settings.quic.initialMaxData = connectionBytes;
            settings.quic.initialMaxStreamData = streamBytes;
            return this;
        }

        public Builder maxStreams(long bidirectional, long unidirectional) {
            settings.quic.maxBidiStreams = bidirectional;
            settings.quic.maxUniStreams = unidirectional;
            return this;
        }

        public Builder eventLoopGroup(EventLoopGroup group) {
            settings.eventLoopGroup = Objects.requireNonNull(group, "group");
            return this;
        }

        public RawQuicServer start() throws InterruptedException {
            WebTransportSessionHandler h = Objects.requireNonNull(handler, "handler not set");
            String protocol = alpn;
            QuicServerRuntime runtime = settings.start(new String[] {protocol},
                    ch -> RawQuicSession.install(ch, protocol, h, null), "raw-quic-server");
            return new RawQuicServer(runtime, settings);
        }
    }
}

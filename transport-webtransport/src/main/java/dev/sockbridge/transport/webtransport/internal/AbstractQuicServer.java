package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.transport.webtransport.ServerCertificate;
import io.netty.channel.EventLoopGroup;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What {@link RawQuicServer} and {@link WebTransportServer} share: the running QUIC socket and its counters,
 * certificate rotation, and the builder settings of {@link ServerSettings}. A subclass adds only its protocol.
 *
 * <p><b>Lifecycle.</b> A builder's {@code start()} binds and serves; {@link #close()} closes every connection,
 * the socket and the server's own event loop.
 *
 * <p><b>Threading.</b> Safe from any thread.
 */
public abstract class AbstractQuicServer implements AutoCloseable {
    private final QuicServerRuntime runtime;
    private final Consumer<ServerCertificate> certificateListener;

    protected AbstractQuicServer(QuicServerRuntime runtime, Consumer<ServerCertificate> certificateListener) {
        this.runtime = runtime;
        this.certificateListener = certificateListener;
    }

    /** The bound UDP address (with the real port when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return runtime.localAddress();
    }

    /** The certificate new connections get now. */
    public ServerCertificate certificate() {
        return runtime.tls().certificate();
    }

    /** Switches new connections to {@code next} and tells the certificate listener; open ones keep theirs. */
    public void rotateCertificate(ServerCertificate next) {
        runtime.tls().replace(Objects.requireNonNull(next, "next"));
        certificateListener.accept(next);
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

    /** The settings both servers take. Threading: one thread at a time. */
    public abstract static class Builder<B extends Builder<B>> {
        protected final ServerSettings settings = new ServerSettings();

        protected Builder() {
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** UDP address to bind; use a loopback address unless the server is meant to be reachable. */
        public B bindAddress(InetSocketAddress address) {
            settings.bindAddress = Objects.requireNonNull(address, "address");
            return self();
        }

        /** A fixed certificate (no automatic renewal; see {@link AbstractQuicServer#rotateCertificate}). */
        public B certificate(ServerCertificate certificate) {
            settings.certificate = Objects.requireNonNull(certificate, "certificate");
            return self();
        }

        /** Self-signed certificates of {@code validity} (at most 14 days), a new one every {@code renewEvery}. */
        public B selfSignedCertificate(Duration validity, Duration renewEvery) {
            settings.selfSigned(validity, renewEvery);
            return self();
        }

        /** Told of every certificate after the first (renewal or rotation), on an event loop thread. */
        public B certificateListener(Consumer<ServerCertificate> listener) {
            settings.certificateListener = Objects.requireNonNull(listener, "listener");
            return self();
        }

        /**
         * On by default: a client's first packet is answered with a Retry carrying an HMAC token bound to its
         * address and port (valid 10 s, key random per server), and only a packet bringing the token back starts a
         * handshake, so a spoofed source address costs the server nothing but one small Retry (RFC 9000 8.1). Costs
         * a client one round trip per connection.
         */
        public B addressValidation(boolean on) {
            settings.addressValidation = on;
            return self();
        }

        /**
         * QUIC connections served at once (default 1024); the next is closed at its first packet with the transport
         * error CONNECTION_REFUSED (0x2), before any handshake work, and counted in {@code refusedConnections()}.
         */
        public B maxConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnections must be positive: " + max);
            }
            settings.maxConnections = max;
            return self();
        }

        public B idleTimeout(Duration timeout) {
            settings.quic.idleTimeout = Objects.requireNonNull(timeout, "timeout");
            return self();
        }

        /** QUIC flow-control windows: whole connection and each stream. */
        public B flowControlWindows(long connectionBytes, long streamBytes) {
            settings.quic.initialMaxData = connectionBytes;
            settings.quic.initialMaxStreamData = streamBytes;
            return self();
        }

        /** Runs on these event loops instead of an own single thread; the caller shuts them down. */
        public B eventLoopGroup(EventLoopGroup group) {
            settings.eventLoopGroup = Objects.requireNonNull(group, "group");
            return self();
        }
    }
}

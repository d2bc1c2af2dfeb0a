package dev.sockbridge.transport.webtransport.internal;

import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.util.concurrent.Future;

import javax.net.ssl.TrustManagerFactory;
import java.net.InetSocketAddress;
import java.util.Objects;

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
public final class RawQuicClient extends AbstractQuicClient {
    private final String alpn;

    private RawQuicClient(Builder builder) {
        super(builder, "raw-quic-client", builder.alpn);
        this.alpn = builder.alpn;
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
        return connect(server, new QuicClientCodecBuilder(),
                (ch, opened) -> RawQuicSession.install(ch, alpn, handler, opened));
    }

    /** Configures a {@link RawQuicClient}. Threading: one thread at a time. */
    public static final class Builder extends AbstractQuicClient.Builder<Builder> {
        private String alpn = RawQuicServer.DEFAULT_ALPN;

        private Builder() {
        }

        public Builder applicationProtocol(String protocol) {
            this.alpn = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        public RawQuicClient build() {
            return new RawQuicClient(this);
        }
    }
}

package dev.sockbridge.transport.webtransport.internal;


import java.util.Objects;

/**
 * A plain QUIC server for non-browser clients: each QUIC connection with the configured ALPN (default
 * {@value #DEFAULT_ALPN}) is one {@link WebTransportSession} (id 0, {@code path()} = ALPN, no origin), whose
 * streams and datagrams carry application bytes with no prefix and no HTTP/3.
 *
 * <p><b>Lifecycle, Threading, Backpressure, certificates:</b> as {@link WebTransportServer}. A session ends with
 * the QUIC connection; {@link WebTransportSession#close} sends an application CONNECTION_CLOSE with its code and
 * reason, which the peer's {@code sessionClosed} receives.
 */
public final class RawQuicServer extends AbstractQuicServer {
    public static final String DEFAULT_ALPN = "sockbridge";

    private RawQuicServer(QuicServerRuntime runtime, ServerSettings settings) {
        super(runtime, settings.certificateListener);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link RawQuicServer}; defaults as {@link WebTransportServer.Builder}. */
    public static final class Builder extends AbstractQuicServer.Builder<Builder> {
        private String alpn = DEFAULT_ALPN;
        private WebTransportSessionHandler handler;

        private Builder() {
        }

        public Builder applicationProtocol(String protocol) {
            this.alpn = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        public Builder handler(WebTransportSessionHandler sessionHandler) {
            this.handler = Objects.requireNonNull(sessionHandler, "sessionHandler");
            return this;
        }

        public Builder maxStreams(long bidirectional, long unidirectional) {
            settings.quic.maxBidiStreams = bidirectional;
            settings.quic.maxUniStreams = unidirectional;
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

package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.testing.AbstractProxyConformanceTest;
import java.net.URI;
import org.junit.jupiter.api.Nested;

/** The proxy's behaviour over raw QUIC and over WebTransport on 127.0.0.1: the shared proxy-level suite, twice. */
class QuicProxyConformanceTest {
    /** Serves {@code uri} with a self-signed certificate, which clients pin. */
    abstract static class OverQuic extends AbstractProxyConformanceTest {
        abstract URI serverUri();

        @Override
        protected ServerTransport newServer(TransportOptions options) {
            return QuicServerTransport.create(serverUri(), options);
        }

        @Override
        protected TransportOptions clientOptions(ServerTransport server) {
            return QuicProxies.pinned((QuicServerTransport) server);
        }
    }

    @Nested
    class RawQuic extends OverQuic {
        @Override
        URI serverUri() {
            return URI.create("quic://127.0.0.1:0");
        }
    }

    @Nested
    class WebTransport extends OverQuic {
        @Override
        URI serverUri() {
            return URI.create("webtransport://127.0.0.1:0/sockbridge");
        }
    }
}

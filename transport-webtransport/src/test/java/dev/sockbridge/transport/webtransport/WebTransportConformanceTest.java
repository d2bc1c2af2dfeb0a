package dev.sockbridge.transport.webtransport;

import java.net.URI;

/** The WebTransport transport ({@code webtransport://}, HTTP/3) against the transport contract. */
class WebTransportConformanceTest extends QuicConformanceTestBase {
    @Override
    protected URI serverUri() {
        return URI.create("webtransport://127.0.0.1:0/sockbridge");
    }
}

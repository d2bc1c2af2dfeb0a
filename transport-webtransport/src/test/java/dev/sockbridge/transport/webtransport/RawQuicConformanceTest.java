package dev.sockbridge.transport.webtransport;

import java.net.URI;

/** The raw QUIC transport ({@code quic://}) against the transport contract. */
class RawQuicConformanceTest extends QuicConformanceTestBase {
    @Override
    protected URI serverUri() {
        return URI.create("quic://127.0.0.1:0");
    }
}

package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.transport.AbstractTransportConformanceTest;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.TransportProvider;

import java.net.URI;

/** The raw QUIC transport ({@code quic://}) against the transport contract. */
class RawQuicConformanceTest extends AbstractTransportConformanceTest {
    static final int STREAM_WINDOW = 256 * 1024;

    @Override
    protected TransportProvider provider() {
        return new QuicTransportProvider();
    }

    @Override
    protected URI serverUri() {
        return URI.create("quic://127.0.0.1:0");
    }

    @Override
    protected TransportOptions options() {
        return super.options().with(QuicTransportOptions.STREAM_WINDOW, STREAM_WINDOW);
    }

    @Override
    protected TransportOptions clientOptions() {
        return options()
                .with(QuicTransportOptions.CERTIFICATE_SHA256, ((QuicServerTransport) server).certificate().sha256Base64())
                .with(QuicTransportOptions.CONNECT_TIMEOUT_MILLIS, 3000);
    }

    @Override
    protected long backpressureSendLimit() {
        // the receiver's stream window (what QUIC holds for a peer that does not read), the high-water mark, a frame
        return STREAM_WINDOW + 64 * 1024 + 16 * 1024;
    }
}

package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.testing.EpollCheck;
import dev.sockbridge.api.transport.AbstractTransportConformanceTest;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.TransportProvider;
import org.junit.jupiter.api.Test;

/**
 * Both QUIC transports (raw {@code quic://} and {@code webtransport://}) against the transport contract: the same
 * provider, stream window and pinned certificate; a subclass names only its URI.
 */
abstract class QuicConformanceTestBase extends AbstractTransportConformanceTest {
    static final int STREAM_WINDOW = 256 * 1024;

    @Override
    protected TransportProvider provider() {
        return new QuicTransportProvider();
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

    /** The shared QUIC groups are made by api's EventLoops, as the proxy's and WebSocket's are: epoll where it loads. */
    @Test
    void runsOnEpollWhereAvailable() throws Exception {
        EpollCheck.assumeEpoll();
        EpollCheck.assertOnEpoll(connect().transport, nextAccepted().transport);
    }
}

package dev.sockbridge.transport.websocket;

import dev.sockbridge.api.testing.EpollCheck;
import dev.sockbridge.api.transport.AbstractTransportConformanceTest;
import dev.sockbridge.api.transport.TransportProvider;
import org.junit.jupiter.api.Test;

/** The WebSocket transport against the transport contract, over ws:// or wss:// as the subclass's URI says. */
abstract class WebSocketConformanceTestBase extends AbstractTransportConformanceTest {

    @Override
    protected TransportProvider provider() {
        return new WebSocketTransportProvider();
    }

    @Test
    void runsOnEpollWhereAvailable() throws Exception {
        EpollCheck.assumeEpoll();
        EpollCheck.assertOnEpoll(connect().transport, nextAccepted().transport);
    }
}

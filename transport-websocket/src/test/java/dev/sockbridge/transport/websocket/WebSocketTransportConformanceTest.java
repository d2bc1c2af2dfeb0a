package dev.sockbridge.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.sockbridge.api.transport.Transports;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The WebSocket transport over plain ws:// on 127.0.0.1 against the transport contract. */
class WebSocketTransportConformanceTest extends WebSocketConformanceTestBase {

    @Override
    protected URI serverUri() {
        return URI.create("ws://127.0.0.1:0/sockbridge");
    }

    @Test
    void providerIsFoundByScheme() {
        assertInstanceOf(WebSocketTransportProvider.class, Transports.forScheme("ws"));
        assertInstanceOf(WebSocketTransportProvider.class, Transports.forScheme("wss"));
    }
}

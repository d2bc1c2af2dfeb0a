package dev.sockbridge.transport.websocket;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.testing.AbstractProxyConformanceTest;
import java.net.URI;

/** The proxy's behaviour over ws:// on 127.0.0.1: the shared proxy-level suite. */
class WebSocketProxyConformanceTest extends AbstractProxyConformanceTest {
    @Override
    protected ServerTransport newServer(TransportOptions options) {
        return new WebSocketTransportProvider().newServer(URI.create("ws://127.0.0.1:0/sockbridge"), options);
    }
}

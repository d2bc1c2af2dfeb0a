package dev.sockbridge.transport.websocket;

import dev.sockbridge.api.testing.AbstractCallerEventLoopGroupTest;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The WebSocket provider on a group the caller brings. */
class CallerEventLoopGroupTest extends AbstractCallerEventLoopGroupTest {
    private final WebSocketTransportProvider provider = new WebSocketTransportProvider();

    @Override
    protected List<String> serverUris() {
        return List.of("ws://127.0.0.1:0/sockbridge");
    }

    @Override
    protected String threadPrefix() {
        return "caller-ws";
    }

    @Override
    protected ServerTransport newServer(URI uri, EventLoopGroup group) {
        return provider.newServer(uri, TransportOptions.defaults(), group);
    }

    @Override
    protected CompletableFuture<Transport> connect(ServerTransport server, URI bound, EventLoopGroup group) {
        return provider.connect(bound, TransportOptions.defaults(), group);
    }
}

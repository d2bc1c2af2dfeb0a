package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.testing.AbstractCallerEventLoopGroupTest;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Both QUIC transports on a group the caller brings. A native group is the case that failed while the QUIC code
 * bound NIO datagram channels whatever the group.
 */
class CallerEventLoopGroupTest extends AbstractCallerEventLoopGroupTest {
    private final QuicTransportProvider provider = new QuicTransportProvider();

    @Override
    protected List<String> serverUris() {
        return List.of("quic://127.0.0.1:0", "webtransport://127.0.0.1:0/sockbridge");
    }

    @Override
    protected String threadPrefix() {
        return "caller-quic";
    }

    @Override
    protected ServerTransport newServer(URI uri, EventLoopGroup group) {
        return provider.newServer(uri, TransportOptions.defaults(), group);
    }

    @Override
    protected CompletableFuture<Transport> connect(ServerTransport server, URI bound, EventLoopGroup group) {
        String pin = ((QuicServerTransport) server).certificate().sha256Base64();
        return provider.connect(bound, TransportOptions.defaults().with(QuicTransportOptions.CERTIFICATE_SHA256, pin),
                group);
    }
}

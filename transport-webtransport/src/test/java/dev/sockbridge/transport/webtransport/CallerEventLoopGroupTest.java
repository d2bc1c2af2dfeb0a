package dev.sockbridge.transport.webtransport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.EchoRoundTrip;
import dev.sockbridge.api.testing.EpollCheck;
import dev.sockbridge.api.transport.EventLoops;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both QUIC transports on a group the caller brings (the public way to share event loops with a game server): the
 * server's socket, its connections and the client run there, on the channel classes the group needs, and a frame
 * echoes. A native group is the case that failed while the QUIC code bound NIO datagram channels whatever the group.
 */
class CallerEventLoopGroupTest {

    @ParameterizedTest
    @ValueSource(strings = {"quic://127.0.0.1:0", "webtransport://127.0.0.1:0/sockbridge"})
    void aNativeGroupOfTheCallerCarriesServerAndClient(String uri) throws Exception {
        EpollCheck.assumeEpoll();
        EventLoopGroup group = EventLoops.newGroup(1, "caller-quic");
        try {
            EpollCheck.assertOnEpoll(echoOn(group, URI.create(uri)));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic://127.0.0.1:0", "webtransport://127.0.0.1:0/sockbridge"})
    void anNioGroupOfTheCallerCarriesServerAndClient(String uri) throws Exception {
        EventLoopGroup group = EventLoops.newNioGroup(1, "caller-quic");
        try {
            echoOn(group, URI.create(uri));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Server and client on {@code group}; one frame echoed; returns the client and server transports, closed. */
    private static Transport[] echoOn(EventLoopGroup group, URI uri) throws Exception {
        QuicTransportProvider provider = new QuicTransportProvider();
        QuicServerTransport server = provider.newServer(uri, TransportOptions.defaults(), group);
        CompletableFuture<Transport> accepted = new CompletableFuture<>();
        try {
            URI bound = EchoRoundTrip.serveEcho(server, accepted, 10);
            TransportOptions clientOptions = TransportOptions.defaults()
                    .with(QuicTransportOptions.CERTIFICATE_SHA256, server.certificate().sha256Base64());
            Transport client = provider.connect(bound, clientOptions, group).get(10, TimeUnit.SECONDS);
            assertEquals("ping", EchoRoundTrip.roundTrip(client, "ping", 10));
            Transport serverSide = accepted.get(10, TimeUnit.SECONDS);
            for (Transport t : new Transport[] {client, serverSide}) {
                String thread = t.executor().submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
                assertTrue(thread.startsWith("caller-quic-"), t + " runs on " + thread);
            }
            client.close(1000, "done");
            client.closeFuture().get(10, TimeUnit.SECONDS);
            serverSide.closeFuture().get(10, TimeUnit.SECONDS);
            return new Transport[] {client, serverSide};
        } finally {
            server.shutdownNow().get(10, TimeUnit.SECONDS);
        }
    }
}

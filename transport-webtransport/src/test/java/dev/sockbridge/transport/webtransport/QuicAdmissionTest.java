package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who gets in on the QUIC servers: address validation by Retry, the cap on connections, the cap on streams per
 * connection. Both schemes, through {@link QuicTransportProvider}, real QUIC on loopback.
 */
@Timeout(60)
class QuicAdmissionTest {
    private final QuicTransportProvider provider = new QuicTransportProvider();
    private final List<ServerTransport> servers = new ArrayList<>();
    private final List<Transport> clients = new ArrayList<>();
    private final BlockingQueue<Transport> accepted = new LinkedBlockingQueue<>();

    /** Echoes every frame back. */
    private static final class Echo implements TransportListener {
        private final Transport t;

        Echo(Transport t) {
            this.t = t;
            t.start(this);
        }

        @Override
        public void frameReceived(ByteBuf frame) {
            t.send(frame);
        }

        @Override
        public void streamOpened(Transport stream) {
            new Echo(stream);
        }

        @Override
        public void closed(int code, String reason) {
        }
    }

    /** Collects frames. */
    private static final class Frames implements TransportListener {
        final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();

        @Override
        public void frameReceived(ByteBuf frame) {
            frames.add(ByteBufUtil.getBytes(frame));
            frame.release();
        }

        @Override
        public void closed(int code, String reason) {
        }
    }

    private QuicServerTransport start(String uri, TransportOptions options) throws Exception {
        QuicServerTransport s = (QuicServerTransport) provider.newServer(URI.create(uri),
                options.with(QuicTransportOptions.ALLOWED_ORIGINS, "*"));
        servers.add(s);
        s.start(t -> {
            new Echo(t);
            accepted.add(t);
        }).get(10, TimeUnit.SECONDS);
        return s;
    }

    private Transport connect(QuicServerTransport s, URI uri) throws Exception {
        Transport t = provider.connect(uri, TransportOptions.defaults()
                .with(QuicTransportOptions.CERTIFICATE_SHA256, s.certificate().sha256Base64())
                .with(QuicTransportOptions.CONNECT_TIMEOUT_MILLIS, 5_000)).get(15, TimeUnit.SECONDS);
        clients.add(t);
        return t;
    }

    /** The URI of {@code s}, but at {@code port}. */
    private static URI at(QuicServerTransport s, int port) {
        URI u = s.uri();
        return URI.create(u.getScheme() + "://127.0.0.1:" + port + (u.getPath() == null ? "" : u.getPath()));
    }

    private final Map<Transport, Frames> started = new HashMap<>();

    /** Sends a frame on {@code t} (started on first use) and expects the server's echo. */
    private void assertEchoes(Transport t) throws Exception {
        Frames f = started.get(t);
        if (f == null) {
            f = new Frames();
            started.put(t, f);
            t.start(f);
        }
        t.send(Unpooled.wrappedBuffer(new byte[] {4, 5, 6}));
        assertArrayEquals(new byte[] {4, 5, 6}, f.frames.poll(10, TimeUnit.SECONDS));
    }

    @AfterEach
    void stop() throws Exception {
        for (Transport t : clients) {
            t.close(1000, "test over");
        }
        for (ServerTransport s : servers) {
            s.shutdownNow().get(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic://127.0.0.1:0", "webtransport://127.0.0.1:0/sockbridge"})
    void theServerAnswersAFirstPacketWithARetryAndAcceptsTheTokenBroughtBack(String uri) throws Exception {
        QuicServerTransport s = start(uri, TransportOptions.defaults());
        try (UdpRelay relay = new UdpRelay(s.localAddress())) {
            Transport c = connect(s, at(s, relay.address().getPort()));
            assertEchoes(c);
            assertEquals(3, relay.firstServerPacketType, "the server's first packet is a Retry");
            assertTrue(relay.retries.get() >= 1);
            assertTrue(s.addressValidationRetries() >= 1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic://127.0.0.1:0", "webtransport://127.0.0.1:0/sockbridge"})
    void withoutAddressValidationTheServerStartsTheHandshakeAtOnce(String uri) throws Exception {
        // the relay's classification, seen from the other side: without validation the first answer is an Initial
        QuicServerTransport s = start(uri, TransportOptions.defaults()
                .with(QuicTransportOptions.ADDRESS_VALIDATION, false));
        try (UdpRelay relay = new UdpRelay(s.localAddress())) {
            Transport c = connect(s, at(s, relay.address().getPort()));
            assertEchoes(c);
            assertEquals(0, relay.firstServerPacketType, "the server's first packet is an Initial");
            assertEquals(0, relay.retries.get());
            assertEquals(0, s.addressValidationRetries());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic://127.0.0.1:0", "webtransport://127.0.0.1:0/sockbridge"})
    void connectionsBeyondTheCapAreRefusedAndTheServedOnesGoOn(String uri) throws Exception {
        QuicServerTransport s = start(uri, TransportOptions.defaults().with(QuicTransportOptions.MAX_CONNECTIONS, 2));
        Transport first = connect(s, s.uri());
        Transport second = connect(s, s.uri());
        assertEquals(2, s.connectionCount());

        ExecutionException refused = assertThrows(ExecutionException.class, () -> connect(s, s.uri()));
        // the client fails at once rather than at its connect timeout; what it reports depends on whether quiche
        // read the server's CONNECTION_REFUSED before the channel closed ("transport error 0x2") or not (closed)
        String why = String.valueOf(refused.getCause());
        assertTrue(why.contains("transport error 0x2") || why.contains("QuicClosedChannelException"), why);
        assertTrue(s.refusedConnections() >= 1, "refused " + s.refusedConnections() + ": " + refused);
        assertEquals(2, s.connectionCount());
        assertEchoes(first);
        assertEchoes(second);

        // a place freed is a place for the next client
        first.close(1000, "leaving");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (s.connectionCount() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, s.connectionCount());
        assertEchoes(connect(s, s.uri()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic://127.0.0.1:0", "webtransport://127.0.0.1:0/sockbridge"})
    void aClientCannotOpenMoreStreamsThanTheServerAllowsAndItsOpenStreamsGoOn(String uri)
            throws Exception {
        // 4 bidirectional streams at once: the main channel (and on WebTransport the CONNECT stream) and extra ones
        QuicServerTransport s = start(uri, TransportOptions.defaults().with(QuicTransportOptions.MAX_STREAMS, 4));
        int extraAllowed = uri.startsWith("webtransport") ? 2 : 3;
        Transport main = connect(s, s.uri());
        assertEchoes(main);
        List<Transport> extras = new ArrayList<>();
        for (int i = 0; i < extraAllowed; i++) {
            Transport x = main.openStream().get(10, TimeUnit.SECONDS);
            assertEchoes(x);
            extras.add(x);
        }

        // the next is refused by QUIC's stream credit: its open fails, and nothing else does
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> main.openStream().get(10, TimeUnit.SECONDS));
        assertEchoes(extras.get(0));

        assertEchoes(main);
        for (Transport x : extras) {
            assertEchoes(x);
        }
    }

    /**
     * A stream that closed gives its credit back, so a long session that opens and closes streams one after another
     * (ten times the cap here) keeps opening them. The credit comes back a little after the close (the server's
     * MAX_STREAMS frame), so an open may be refused meanwhile; such a refusal must cost nothing. It did: Netty took a
     * stream id for the refused open, the next stream's higher id opened the skipped one at the server, where it
     * never closed, and after two refusals no stream could be opened again.
     */
    @ParameterizedTest
    @ValueSource(strings = {"quic://127.0.0.1:0", "webtransport://127.0.0.1:0/sockbridge"})
    void streamsThatCloseGiveTheirCreditBackSoALongSessionKeepsOpeningThem(String uri) throws Exception {
        QuicServerTransport s = start(uri, TransportOptions.defaults().with(QuicTransportOptions.MAX_STREAMS, 4));
        int extraAllowed = uri.startsWith("webtransport") ? 2 : 3;
        Transport main = connect(s, s.uri());
        assertEchoes(main);
        // all but one of the extra streams stay open, so that each open below takes the last credit
        List<Transport> held = new ArrayList<>();
        for (int i = 0; i < extraAllowed - 1; i++) {
            held.add(main.openStream().get(10, TimeUnit.SECONDS));
        }
        // ten times the cap, one at a time, each time also asking for one stream too many (refused)
        for (int i = 0; i < 10 * 4; i++) {
            Transport x = openWhenCredited(main);
            assertEchoes(x);
            assertThrows(ExecutionException.class, () -> main.openStream().get(10, TimeUnit.SECONDS));
            x.close(1000, "done");
            x.closeFuture().get(10, TimeUnit.SECONDS);
        }
        assertEchoes(main);
        for (Transport h : held) {
            assertEchoes(h);
        }
    }

    /** Opens a stream, waiting (at most 10 s) for the credit of one that closed to come back. */
    private static Transport openWhenCredited(Transport main) throws Exception {
        ExecutionException last = null;
        for (int i = 0; i < 200; i++) {
            try {
                return main.openStream().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                last = e;
                Thread.sleep(50);
            }
        }
        throw last;
    }
}

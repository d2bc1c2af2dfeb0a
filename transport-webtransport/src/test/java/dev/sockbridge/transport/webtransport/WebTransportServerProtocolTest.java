package dev.sockbridge.transport.webtransport;

import dev.sockbridge.transport.webtransport.internal.WebTransportServer;
import dev.sockbridge.transport.webtransport.internal.WebTransportSession;
import dev.sockbridge.transport.webtransport.internal.Capsules;
import dev.sockbridge.transport.webtransport.internal.Varint;
import dev.sockbridge.transport.webtransport.internal.WebTransportProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's HTTP/3 side driven by a Java client, for what a browser cannot be made to do on purpose:
 * exact status codes, streams before their CONNECT, unknown session ids, capsules.
 */
@Timeout(60)
class WebTransportServerProtocolTest {
    private static final String ORIGIN = "https://app.example";

    private WebTransportServer server;
    private H3TestClient client;

    private void start(WebTransportServer.Builder builder) throws Exception {
        server = builder.allowOrigins(ORIGIN).start();
        client = new H3TestClient(server.localAddress(), server.certificate().sha256());
    }

    /** A session at /echo from the allowed origin, accepted (status 200). */
    private H3TestClient.Request openEchoSession() throws Exception {
        H3TestClient.Request request = client.connect("/echo", ORIGIN);
        assertEquals("200", request.status());
        return request;
    }

    @AfterEach
    void stop() {
        H3TestClient.closeWithServer(client, server);
    }

    /** Collects a stream's bytes and tells when it ended, cleanly or not. */
    private static final class StreamProbe extends ChannelInboundHandlerAdapter {
        final ByteBuf bytes = Unpooled.buffer();
        final CompletableFuture<String> finished = new CompletableFuture<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            synchronized (bytes) {
                bytes.writeBytes((ByteBuf) msg);
            }
            ((ByteBuf) msg).release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownReadComplete) {
                finished.complete("fin");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finished.complete("error: " + cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finished.complete("closed");
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }

    @Test
    void anAuthorityThatIsNotTheServersGets421() throws Exception {
        EchoSessionHandler echo = new EchoSessionHandler(false);
        start(WebTransportServer.builder().route("/echo", echo).allowedHosts("game.example"));
        int port = server.localAddress().getPort();

        // a name that re-resolved to this server (DNS rebinding) is refused before anything else
        client.authority = "evil.example:" + port;
        assertEquals("421", client.connect("/echo", ORIGIN).status());
        // a name it was told it has, localhost and IP literals are not
        client.authority = "game.example:" + port;
        assertEquals("200", client.connect("/echo", ORIGIN).status());
        client.authority = "localhost:" + port;
        assertEquals("200", client.connect("/echo", ORIGIN).status());
    }

    @Test
    void connectIsAnsweredByPathOriginAndSessionLimit() throws Exception {
        EchoSessionHandler echo = new EchoSessionHandler(false);
        start(WebTransportServer.builder().route("/echo", echo).maxSessionsPerConnection(1));

        assertEquals("404", client.connect("/nope", ORIGIN).status());
        assertEquals("403", client.connect("/echo", null).status());
        assertEquals("403", client.connect("/echo", "https://evil.example").status());
        H3TestClient.Request get = client.newRequest();
        client.sendConnect(get, "GET", null, "/echo", ORIGIN);
        assertEquals("404", get.status());

        H3TestClient.Request ok = client.connect("/echo?token=1", ORIGIN);
        assertEquals("200", ok.status());
        assertEquals("draft02", ok.response.get().get("sec-webtransport-http3-draft").toString());
        WebTransportSession session = echo.firstOpened.get(5, SECONDS);
        assertEquals("/echo", session.path());
        assertEquals(ORIGIN, session.origin());
        assertEquals(ok.id(), session.id());
        assertTrue(session.maxDatagramSize() > 1000, "max datagram " + session.maxDatagramSize());

        assertEquals("429", client.connect("/echo", ORIGIN).status(), "second session over the limit of 1");
        assertEquals(1, echo.opened.size());
    }

    @Test
    void streamAndDatagramSentBeforeTheConnectAreHeldAndDelivered() throws Exception {
        EchoSessionHandler echo = new EchoSessionHandler(false);
        start(WebTransportServer.builder().route("/echo", echo));

        H3TestClient.Request request = client.newRequest(); // stream id reserved, nothing sent yet
        StreamProbe probe = new StreamProbe();
        client.openWtBidi(request.id(), probe, "early bird".getBytes(StandardCharsets.UTF_8), true);
        client.sendDatagram(request.id(), "early datagram".getBytes(StandardCharsets.UTF_8));
        client.sendConnect(request, "CONNECT", "webtransport", "/echo", ORIGIN);

        assertEquals("200", request.status());
        // "closed" too: see EchoSessionHandler.Collector on Netty closing a stream at the peer's FIN
        String end = probe.finished.get(10, SECONDS);
        assertTrue(end.equals("fin") || end.equals("closed"), end);
        assertEquals("early bird", probe.text());
        ByteBuf echoed = client.datagrams.poll(10, SECONDS);
        assertEquals(WebTransportProtocol.quarterStreamId(request.id()), Varint.read(echoed));
        assertEquals("early datagram", echoed.toString(StandardCharsets.UTF_8));
        echoed.release();
        assertEquals(0, server.droppedInboundStreams());
        assertEquals(0, server.droppedInboundDatagrams());
    }

    @Test
    void streamsAndDatagramsForUnknownSessionsAreDropped() throws Exception {
        EchoSessionHandler echo = new EchoSessionHandler(false);
        start(WebTransportServer.builder().route("/echo", echo).pendingLimits(4, 4, Duration.ofMillis(200)));

        // not a client bidi stream id: no session can ever have it, dropped at once
        StreamProbe impossible = new StreamProbe();
        client.openWtBidi(2, impossible, new byte[] {1, 2, 3}, false);
        assertTrue(impossible.finished.get(10, SECONDS).startsWith("error"), impossible.finished.get());

        // a session id that could still come: held for 200 ms, then dropped
        StreamProbe neverAccepted = new StreamProbe();
        client.openWtBidi(400, neverAccepted, new byte[] {4, 5, 6}, false);
        client.sendDatagram(400, new byte[] {7});
        assertTrue(neverAccepted.finished.get(10, SECONDS).startsWith("error"), neverAccepted.finished.get());
        assertEquals(2, server.droppedInboundStreams());
        assertEquals(1, Waits.awaitCountOrQuiet(() -> (int) server.droppedInboundDatagrams(), 1,
                Duration.ofSeconds(5), Duration.ofSeconds(5)));

        // a refused CONNECT settles its id: what names it afterwards is dropped without waiting
        H3TestClient.Request refused = client.connect("/nope", ORIGIN);
        assertEquals("404", refused.status());
        StreamProbe late = new StreamProbe();
        client.openWtBidi(refused.id(), late, new byte[] {8}, false);
        assertTrue(late.finished.get(10, SECONDS).startsWith("error"), late.finished.get());
        assertEquals(3, server.droppedInboundStreams());
        assertEquals(0, echo.bidiStreams.get());
    }

    @Test
    void capsulesCloseAndDrainTheSessionAndGreaseIsIgnored() throws Exception {
        EchoSessionHandler echo = new EchoSessionHandler(false);
        start(WebTransportServer.builder().route("/echo", echo));

        H3TestClient.Request request = openEchoSession();
        ByteBuf capsules = Unpooled.buffer();
        capsules.writeBytes(HexFormat.of().parseHex("c15ca8292ac6fe88" + "05" + "0102030405")); // GREASE
        ByteBuf drain = Capsules.drainSession(ByteBufAllocator.DEFAULT);
        capsules.writeBytes(drain);
        drain.release();
        request.sendCapsules(capsules, false);
        assertEquals(request.id(), echo.firstDraining.get(10, SECONDS).id());

        request.sendCapsules(Capsules.closeSession(ByteBufAllocator.DEFAULT, 0xdeadbeef, "client done"), true);
        WebTransportSession.CloseInfo closed = echo.firstClose.get(10, SECONDS);
        assertEquals(0xdeadbeef, closed.code());
        assertEquals("client done", closed.reason());
        request.fin.get(10, SECONDS); // the server answered with FIN
    }

    @Test
    void serverCloseSendsTheCapsuleThenFinAndResetsTheSessionsStreams() throws Exception {
        EchoSessionHandler echo = new EchoSessionHandler(false);
        start(WebTransportServer.builder().route("/echo", echo));
        H3TestClient.Request request = openEchoSession();
        WebTransportSession session = echo.firstOpened.get(5, SECONDS);
        StreamProbe open = new StreamProbe();
        client.openWtBidi(request.id(), open, "x".getBytes(StandardCharsets.UTF_8), false);
        assertEquals(1, Waits.awaitCountOrQuiet(echo.bidiStreams::get, 1, Duration.ofSeconds(5),
                Duration.ofSeconds(5)));

        session.close(12345, "maintenance");
        request.fin.get(10, SECONDS);
        ByteBuf body;
        synchronized (request.body) {
            body = request.body.copy();
        }
        assertEquals(WebTransportProtocol.CAPSULE_CLOSE_SESSION, Varint.read(body));
        assertEquals(4 + "maintenance".length(), Varint.read(body));
        assertEquals(12345, body.readInt());
        assertEquals("maintenance", body.toString(StandardCharsets.UTF_8));
        assertTrue(open.finished.get(10, SECONDS).startsWith("error"), "session stream was not reset: "
                + open.finished.get());
        assertEquals(12345, session.closeFuture().toCompletableFuture().get(1, TimeUnit.SECONDS).code());
        assertTrue(!session.isOpen());
    }

    @Test
    void losingTheQuicConnectionClosesTheSession() throws Exception {
        EchoSessionHandler echo = new EchoSessionHandler(false);
        start(WebTransportServer.builder().route("/echo", echo));
        openEchoSession();
        client.quic.close().sync();
        WebTransportSession.CloseInfo closed = echo.firstClose.get(10, SECONDS);
        assertEquals(0, closed.code());
        assertTrue(closed.byPeer());
    }
}

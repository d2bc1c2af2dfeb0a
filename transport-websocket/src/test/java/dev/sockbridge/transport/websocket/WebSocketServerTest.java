package dev.sockbridge.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.ServerTransportListener;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.transport.websocket.testing.RawWebSocketClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The WebSocket server's protocol behaviour, seen from raw clients on 127.0.0.1: routing by path,
 * Origin allowlist, subprotocol agreement, reassembly, text and oversized messages, pings, idle
 * timeout, plain HTTP.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketServerTest {
    private static final Duration T = Duration.ofSeconds(10);

    private final List<WebSocketServer> servers = new ArrayList<>();
    private final List<Transport> clients = new ArrayList<>();
    private final List<RawWebSocketClient> raws = new ArrayList<>();
    /** Sessions the echo listener was given, with how each ended. */
    private final BlockingQueue<Echo> sessions = new LinkedBlockingQueue<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Transport t : clients) {
            t.close(1000, "test over");
        }
        for (RawWebSocketClient r : raws) {
            r.close();
        }
        for (WebSocketServer s : servers) {
            s.shutdownNow().get(T.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Echoes frames back; records how the session ended. */
    static final class Echo implements TransportListener {
        final Transport transport;
        final CompletableFuture<String> closed = new CompletableFuture<>();
        final List<Integer> sizes = new ArrayList<>();
        final String prefix;

        Echo(Transport transport, String prefix) {
            this.transport = transport;
            this.prefix = prefix;
        }

        @Override
        public void frameReceived(ByteBuf frame) {
            sizes.add(frame.readableBytes());
            if (prefix != null) {
                ByteBuf out = transport.alloc().buffer();
                out.writeCharSequence(prefix, StandardCharsets.UTF_8);
                out.writeBytes(frame);
                frame.release();
                transport.send(out);
            } else {
                transport.send(frame);
            }
        }

        @Override
        public void closed(int code, String reason) {
            closed.complete(code + " " + reason);
        }
    }

    private final ServerTransportListener echo = t -> {
        Echo e = new Echo(t, null);
        sessions.add(e);
        t.start(e);
    };

    private WebSocketServer start(TransportOptions options, WebSocketServer.Builder b) throws Exception {
        WebSocketServer s = b.options(options).route(WebSocketRoute.sockbridge("/sockbridge", echo)).build();
        servers.add(s);
        s.start().get(T.toMillis(), TimeUnit.MILLISECONDS);
        return s;
    }

    private WebSocketServer start(TransportOptions options) throws Exception {
        return start(options, WebSocketServer.builder());
    }

    private RawWebSocketClient raw(WebSocketServer s, String path, String subprotocol, boolean answerPings) throws Exception {
        RawWebSocketClient r = RawWebSocketClient.connect(s.uri(path), subprotocol, answerPings, T);
        raws.add(r);
        return r;
    }

    private Transport connect(URI uri, TransportOptions options) throws Exception {
        Transport t = new WebSocketTransportProvider().connect(uri, options).get(T.toMillis(), TimeUnit.MILLISECONDS);
        clients.add(t);
        return t;
    }

    private static int port(WebSocketServer s) {
        return s.localAddress().getPort();
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------------
    // origin

    @Test
    void byDefaultOnlyTheServersOwnPagesAndNativeClientsMayUpgrade() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults());
        int port = port(s);

        assertEquals(403, RawHttp.upgrade(port, "/sockbridge", "Origin: https://evil.example").status(), "foreign page");
        assertEquals(403, RawHttp.upgrade(port, "/sockbridge", "Origin: http://127.0.0.1:" + (port + 1)).status(),
                "another port is another origin");
        assertEquals(403, RawHttp.upgrade(port, "/sockbridge", "Origin: https://127.0.0.1:" + port).status(),
                "https is not this plain-http server's origin");
        assertEquals(101, RawHttp.upgrade(port, "/sockbridge", "Origin: http://127.0.0.1:" + port).status(), "own page");
        assertEquals(101, RawHttp.upgrade(port, "/sockbridge").status(), "no Origin: a native client");
        Transport t = connect(s.uri("/sockbridge"), TransportOptions.defaults());
        assertEchoes(t);

        ExecutionException refused = assertThrows(ExecutionException.class, () -> new WebSocketTransportProvider()
                .connect(s.uri("/sockbridge"), TransportOptions.defaults().with(WebSocketOptions.ORIGIN, "https://evil.example"))
                .get(T.toMillis(), TimeUnit.MILLISECONDS));
        WebSocketClientHandshakeException e = assertInstanceOf(WebSocketClientHandshakeException.class, refused.getCause());
        assertEquals(403, e.response().status().code());
    }

    @Test
    void originAllowlistAddsOriginsAndStarAllowsAny() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults()
                .with(WebSocketOptions.ALLOWED_ORIGINS, "https://good.example, http://localhost:8080/"));
        int port = port(s);

        assertEquals(403, RawHttp.upgrade(port, "/sockbridge", "Origin: https://evil.example").status(), "unlisted");
        assertEquals(403, RawHttp.upgrade(port, "/sockbridge", "Origin: https://good.example.evil").status());
        assertEquals(101, RawHttp.upgrade(port, "/sockbridge", "Origin: https://GOOD.example").status(), "listed");
        assertEquals(101, RawHttp.upgrade(port, "/sockbridge", "Origin: http://localhost:8080").status(), "listed");
        Transport t = connect(s.uri("/sockbridge"), TransportOptions.defaults().with(WebSocketOptions.ORIGIN, "https://good.example"));
        assertEchoes(t);

        WebSocketServer any = start(TransportOptions.defaults().with(WebSocketOptions.ALLOWED_ORIGINS, "*"));
        assertEquals(101, RawHttp.upgrade(port(any), "/sockbridge", "Origin: https://evil.example").status(), "'*' allows any");
    }

    @Test
    void aHostHeaderThatDoesNotNameTheServerIsRefusedWith421() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults().with(WebSocketOptions.ALLOWED_HOSTS, "game.example"));
        int port = port(s);
        String upgrade = " HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        // DNS rebinding: a page of evil.example re-resolved to 127.0.0.1 is same-origin with itself
        assertEquals(421, RawHttp.exchange(port, "GET /sockbridge" + upgrade + "Host: evil.example:" + port
                + "\r\nOrigin: http://evil.example:" + port + "\r\n\r\n").status(), "rebinding upgrade");
        assertEquals(421, RawHttp.exchange(port, "GET /stats HTTP/1.1\r\nHost: evil.example:" + port
                + "\r\nConnection: close\r\n\r\n").status(), "rebinding GET");
        assertEquals(421, RawHttp.exchange(port, "GET /stats HTTP/1.1\r\nConnection: close\r\n\r\n").status(),
                "no Host");
        assertEquals(101, RawHttp.exchange(port, "GET /sockbridge" + upgrade + "Host: localhost:" + port
                + "\r\nOrigin: http://localhost:" + port + "\r\n\r\n").status(), "localhost, own page");
        assertEquals(101, RawHttp.exchange(port, "GET /sockbridge" + upgrade + "Host: [::1]:" + port + "\r\n\r\n").status(),
                "IP literal");
        assertEquals(101, RawHttp.exchange(port, "GET /sockbridge" + upgrade + "Host: GAME.example\r\n"
                + "Origin: http://game.example\r\n\r\n").status(), "configured name, own page on port 80");
    }

    // ---------------------------------------------------------------------------------------------
    // subprotocols

    @Test
    void offeringOurSubprotocolIsAnsweredWithIt() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults());
        RawHttp.Response r = RawHttp.upgrade(port(s), "/sockbridge", "Sec-WebSocket-Protocol: sockbridge.v1");
        assertEquals(101, r.status());
        assertEquals(List.of("sockbridge.v1"), r.headers("Sec-WebSocket-Protocol"));
    }

    @Test
    void offeringNoSubprotocolIsServedWithoutOne() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults());
        RawHttp.Response r = RawHttp.upgrade(port(s), "/sockbridge");
        assertEquals(101, r.status());
        assertEquals(List.of(), r.headers("Sec-WebSocket-Protocol"));
        Echo session = sessions.poll(T.toMillis(), TimeUnit.MILLISECONDS);
        assertNull(((WebSocketSession) session.transport).subprotocol());
    }

    @Test
    void offeringOnlyForeignSubprotocolsIsRefusedWith400() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults());
        RawHttp.Response r = RawHttp.upgrade(port(s), "/sockbridge", "Sec-WebSocket-Protocol: chat, superchat");
        assertEquals(400, r.status());
        assertEquals(List.of(), r.headers("Sec-WebSocket-Protocol"));
        assertTrue(r.body().contains("chat"), r.body());
        assertNull(sessions.poll(), "no session for a refused upgrade");
    }

    @Test
    void oursAmongOthersIsChosenAndNothingUnofferedIsAnswered() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults());
        RawHttp.Response r = RawHttp.upgrade(port(s), "/sockbridge",
                "Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: sockbridge.v2, sockbridge.v1 ,binary");
        assertEquals(101, r.status());
        assertEquals(List.of("sockbridge.v1"), r.headers("Sec-WebSocket-Protocol"));
        Echo session = sessions.poll(T.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("sockbridge.v1", ((WebSocketSession) session.transport).subprotocol());
    }

    @Test
    void subprotocolAcceptanceIsPerRoute() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults(), WebSocketServer.builder()
                .route(WebSocketRoute.builder("/bridge", this::echoSession).subprotocols("binary", "base64").build())
                .route(WebSocketRoute.builder("/strict", this::echoSession).subprotocols("binary")
                        .requireSubprotocol(true).build()));
        int port = port(s);
        RawHttp.Response r = RawHttp.upgrade(port, "/bridge", "Sec-WebSocket-Protocol: base64, binary");
        assertEquals(101, r.status());
        assertEquals(List.of("base64"), r.headers("Sec-WebSocket-Protocol"), "the client's first acceptable offer");
        assertEquals(101, RawHttp.upgrade(port, "/bridge").status());
        assertEquals(400, RawHttp.upgrade(port, "/bridge", "Sec-WebSocket-Protocol: sockbridge.v1").status());
        assertEquals(400, RawHttp.upgrade(port, "/sockbridge", "Sec-WebSocket-Protocol: binary").status());
        assertEquals(400, RawHttp.upgrade(port, "/strict").status(), "this route requires a subprotocol");
        assertEquals(101, RawHttp.upgrade(port, "/strict", "Sec-WebSocket-Protocol: binary").status());
    }

    private void echoSession(WebSocketSession session) {
        session.start(new Echo(session, session.path() + ":"));
    }

    @Test
    void unknownPathAndUnsupportedVersionAreRefused() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults());
        assertEquals(404, RawHttp.upgrade(port(s), "/nope").status());
        RawHttp.Response r = RawHttp.exchange(port(s), "GET /sockbridge HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n");
        assertEquals(426, r.status());
        assertEquals("13", r.header("Sec-WebSocket-Version"));
    }

    // ---------------------------------------------------------------------------------------------
    // messages

    @Test
    void fragmentedMessageIsReassembled() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults());
        RawWebSocketClient c = raw(s, "/sockbridge", "sockbridge.v1", false);
        c.send(new BinaryWebSocketFrame(false, 0, bytes("abc")));
        c.send(new ContinuationWebSocketFrame(false, 0, bytes("def")));
        c.send(new PingWebSocketFrame(bytes("between")));
        c.send(new ContinuationWebSocketFrame(true, 0, bytes("ghi")));
        RawWebSocketClient.Frame pong = c.next(T);
        assertEquals("Pong", pong.type(), "a ping between fragments is answered");
        RawWebSocketClient.Frame echoed = c.next(T);
        assertEquals("Binary", echoed.type());
        assertTrue(echoed.fin());
        assertEquals("abcdefghi", new String(echoed.data(), StandardCharsets.UTF_8));
        Echo session = sessions.poll(T.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(List.of(9), session.sizes, "the server got one message of 9 bytes");
    }

    @Test
    void textMessageClosesWith1003() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults());
        RawWebSocketClient c = raw(s, "/sockbridge", "sockbridge.v1", false);
        c.send(new TextWebSocketFrame("hello"));
        RawWebSocketClient.Frame close = c.awaitClose(T);
        assertEquals(1003, close.closeCode());
        assertFalse(close.reason().isEmpty());
        Echo session = sessions.poll(T.toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(session.closed.get(T.toMillis(), TimeUnit.MILLISECONDS).startsWith("1003 "));
        c.closed.get(T.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void messageOverMaxSizeClosesWith1009InOneFrameOrInFragments() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults().with(TransportOptions.MAX_FRAME_SIZE, 1024));
        RawWebSocketClient one = raw(s, "/sockbridge", "sockbridge.v1", false);
        one.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[1024])));
        assertEquals(1024, one.next(T).data().length, "exactly the maximum is fine");
        one.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[1025])));
        RawWebSocketClient.Frame close = one.awaitClose(T);
        assertEquals(1009, close.closeCode());
        assertFalse(close.reason().isEmpty());

        RawWebSocketClient frag = raw(s, "/sockbridge", "sockbridge.v1", false);
        frag.send(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[600])));
        frag.send(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[600])));
        close = frag.awaitClose(T);
        assertEquals(1009, close.closeCode());
        assertFalse(close.reason().isEmpty());
    }

    /** A session that echoes and reports what its transport holds: now, and the most it ever held. */
    static final class Held {
        final java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
        final BlockingQueue<Echo> sessions = new LinkedBlockingQueue<>();

        WebSocketHandler handler() {
            return session -> {
                session.countHeldBytes(d -> peak.accumulateAndGet(now.addAndGet(d), Math::max));
                Echo e = new Echo(session, null);
                sessions.add(e);
                session.start(e);
            };
        }
    }

    /**
     * Each route has its own largest message, and a message in progress counts as held: a server
     * whose default allows 16 MiB refuses a 16 MiB message on a route limited to 1 MiB with 1009 and a
     * reason, whether it comes as one frame (refused at its header) or as 64 KiB fragments (refused
     * once the fragments pass 1 MiB), having held little more than 1 MiB of it. Another route of the
     * same server still takes messages above 1 MiB.
     */
    @Test
    void aRoutesOwnMaximumRefusesAPartial16MiBMessageWith1009() throws Exception {
        int max = 1 << 20;
        Held held = new Held();
        WebSocketServer s = WebSocketServer.builder()
                .options(TransportOptions.defaults().with(TransportOptions.MAX_FRAME_SIZE, (16 << 20) + 4096))
                .route(WebSocketRoute.builder("/small", held.handler()).maxMessageSize(max).build())
                .route(WebSocketRoute.builder("/large", session -> session.start(new Echo(session, null))).build())
                .build();
        servers.add(s);
        s.start().get(T.toMillis(), TimeUnit.MILLISECONDS);

        // one frame that declares 16 MiB, of which 256 KiB are sent
        RawWebSocketClient one = raw(s, "/small", null, false);
        ByteBuf head = Unpooled.buffer().writeByte(0x82).writeByte(0x80 | 127).writeLong(16L << 20).writeInt(0);
        one.channel.writeAndFlush(head);
        one.channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[256 << 10]));
        RawWebSocketClient.Frame close = one.awaitClose(T);
        assertEquals(1009, close.closeCode());
        assertFalse(close.reason().isEmpty(), "with a reason");

        // 16 MiB in 64 KiB fragments, until the server closes
        RawWebSocketClient frag = raw(s, "/small", null, false);
        int piece = 64 << 10;
        for (int i = 0; i < 256 && frag.channel.isActive() && frag.frames.isEmpty(); i++) {
            ByteBuf b = Unpooled.wrappedBuffer(new byte[piece]);
            frag.channel.writeAndFlush(i == 0 ? new BinaryWebSocketFrame(false, 0, b)
                    : new ContinuationWebSocketFrame(i == 255, 0, b)).awaitUninterruptibly(T.toMillis());
        }
        close = frag.awaitClose(T);
        assertEquals(1009, close.closeCode());
        assertTrue(close.reason().contains(String.valueOf(max)), close.reason());
        for (int i = 0; i < 2; i++) {
            Echo e = held.sessions.poll(T.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(e.closed.get(T.toMillis(), TimeUnit.MILLISECONDS).startsWith("1009 "));
            assertEquals(List.of(), e.sizes, "no message was delivered");
        }
        long bound = max + 4L * piece;
        assertTrue(held.peak.get() > max / 2, "the fragments were counted as held (peak " + held.peak.get() + ")");
        assertTrue(held.peak.get() <= bound, "held at most " + bound + " bytes, not " + held.peak.get());
        for (Echo e : List.copyOf(held.sessions)) {
            e.transport.closeFuture().get(T.toMillis(), TimeUnit.MILLISECONDS);
        }

        RawWebSocketClient large = raw(s, "/large", null, false);
        large.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[2 << 20])));
        assertEquals(2 << 20, large.next(T).data().length, "the other route keeps the server's maximum");
    }

    /**
     * A session that ends while its peer is in the middle of a frame (here the application closes it with 1013, as
     * the proxy does when its budget is taken) drops what it held of the frame at once and stops reading: the peer
     * gets the close frame and FIN, what it still sends stays in the kernel's buffers until they are full, and at
     * the close timeout the connection is closed hard. Without that the server read and dropped whatever the peer
     * sent until the close timeout: 63 MiB here, and as much as a fast peer can send in any case.
     */
    @Test
    void aSessionClosedWhileItsPeerIsMidFrameStopsReadingAndEndsTheConnection() throws Exception {
        Held held = new Held();
        WebSocketServer s = WebSocketServer.builder()
                .route(WebSocketRoute.builder("/held", held.handler()).maxMessageSize(64 << 20).build())
                .build();
        servers.add(s);
        s.start().get(T.toMillis(), TimeUnit.MILLISECONDS);
        try (java.net.Socket c = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port(s))) {
            c.setSoTimeout((int) T.toMillis());
            java.io.OutputStream out = c.getOutputStream();
            java.io.InputStream in = c.getInputStream();
            out.write(("GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n") && head.length() < 4096) {
                head.append((char) in.read());
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
            // a frame that declares 64 MiB, 1 MiB of it sent
            out.write(Unpooled.buffer().writeByte(0x82).writeByte(0x80 | 127).writeLong(64L << 20).writeInt(0).array(), 0, 14);
            out.write(new byte[1 << 20]);
            Echo e = held.sessions.poll(T.toMillis(), TimeUnit.MILLISECONDS);
            for (int i = 0; i < 1000 && held.now.get() < (1 << 20); i++) {
                Thread.sleep(10);
            }
            assertEquals(1 << 20, held.now.get(), "the frame begun is counted whole");

            e.transport.close(1013, "try again later");
            assertEquals(0x88, in.read(), "a close frame");
            int n = in.read();
            byte[] body = in.readNBytes(n);
            assertEquals(1013, ((body[0] & 0xff) << 8) | (body[1] & 0xff));
            assertEquals(-1, in.read(), "then the end (FIN)");
            for (int i = 0; i < 1000 && held.now.get() != 0; i++) {
                Thread.sleep(10);
            }
            assertEquals(0, held.now.get(), "the frame was dropped with the session");

            // the peer goes on with its frame: 63 MiB, far more than the kernel's buffers take
            java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
            CompletableFuture<java.io.IOException> failed = new CompletableFuture<>();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 << 10];
                try {
                    for (int i = 0; i < 1008; i++) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                    failed.complete(null);
                } catch (java.io.IOException x) {
                    failed.complete(x);
                }
            }, "mid-frame-writer");
            writer.setDaemon(true);
            writer.start();
            // the close timeout (3 s by default) ends the connection, which ends the writer
            java.io.IOException x = failed.get(30, TimeUnit.SECONDS);
            assertTrue(x != null, "the server read all " + written.get() + " bytes the peer sent after its close; it "
                    + "should have stopped reading");
            assertTrue(written.get() < 63L << 20, "written " + written.get());
            assertEquals(0, held.now.get());
        }
    }

    @Test
    void pingIsAnsweredWithTheSamePayload() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults());
        RawWebSocketClient c = raw(s, "/sockbridge", null, false);
        c.send(new PingWebSocketFrame(bytes("hello?")));
        RawWebSocketClient.Frame pong = c.next(T);
        assertEquals("Pong", pong.type());
        assertEquals("hello?", new String(pong.data(), StandardCharsets.UTF_8));
    }

    @Test
    void idleSessionIsClosedWith1001() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults()
                .with(WebSocketOptions.PING_INTERVAL_MILLIS, 0)
                .with(WebSocketOptions.IDLE_TIMEOUT_MILLIS, 300));
        RawWebSocketClient c = raw(s, "/sockbridge", "sockbridge.v1", false);
        RawWebSocketClient.Frame close = c.awaitClose(T);
        assertEquals(1001, close.closeCode());
        assertEquals("idle timeout", close.reason());
        Echo session = sessions.poll(T.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("1001 idle timeout", session.closed.get(T.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void serverPingsAndPongsKeepASessionAlive() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults()
                .with(WebSocketOptions.PING_INTERVAL_MILLIS, 100)
                .with(WebSocketOptions.IDLE_TIMEOUT_MILLIS, 450));
        RawWebSocketClient answering = raw(s, "/sockbridge", "sockbridge.v1", true);
        RawWebSocketClient silent = raw(s, "/sockbridge", "sockbridge.v1", false);

        RawWebSocketClient.Frame close = silent.awaitClose(T);
        assertEquals(1001, close.closeCode(), "a peer that never answers is idle");
        assertTrue(silent.pings.get() >= 1, "it was pinged");

        // well past the idle timeout, counted in pings rather than slept
        int seen = answering.pings.get();
        long deadline = System.nanoTime() + T.toNanos();
        while (answering.pings.get() < seen + 6) {
            assertTrue(System.nanoTime() < deadline, "pings keep coming");
            RawWebSocketClient.Frame f = answering.frames.poll(50, TimeUnit.MILLISECONDS);
            if (f != null) {
                assertEquals("Ping", f.type(), "only pings on a quiet session");
            }
        }
        assertTrue(answering.channel.isActive(), "the answering peer is still connected");
        answering.send(new BinaryWebSocketFrame(bytes("still here")));
        assertEquals("still here", new String(answering.next(T).data(), StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------------------------------------
    // plain HTTP and shared port

    @Test
    void plainHttpIsServedFromContentThenHandler() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults(), WebSocketServer.builder()
                .content("/", StaticContent.html("<h1>demo</h1>"))
                .httpHandler((path, query) -> path.equals("/hello") ? StaticContent.text("hi " + query) : null));
        int port = port(s);
        RawHttp.Response r = RawHttp.request(port, "GET", "/");
        assertEquals(200, r.status());
        assertEquals("<h1>demo</h1>", r.body());
        assertEquals("text/html; charset=utf-8", r.header("Content-Type"));
        RawHttp.Response head = RawHttp.request(port, "HEAD", "/");
        assertEquals(200, head.status());
        assertEquals("13", head.header("Content-Length"));
        assertEquals("hi x=1", RawHttp.request(port, "GET", "/hello?x=1").body());
        assertEquals(404, RawHttp.request(port, "GET", "/missing").status());
        assertEquals(426, RawHttp.request(port, "GET", "/sockbridge").status());
        assertEquals(405, RawHttp.request(port, "POST", "/").status());
    }

    @Test
    void onePortCarriesSockbridgeOtherProtocolsAndPages() throws Exception {
        WebSocketServer server = WebSocketServer.builder()
                .route(WebSocketRoute.builder("/bridge", this::echoSession).subprotocols("binary").build())
                .content("/", StaticContent.html("page"))
                .build();
        servers.add(server);
        ServerTransport sockbridge = server.transport("/sockbridge");
        URI uri = sockbridge.start(echo).get(T.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(server.uri("/sockbridge"), uri);

        Transport t = connect(uri, TransportOptions.defaults());
        assertEchoes(t);
        RawWebSocketClient bridge = raw(server, "/bridge", "binary", false);
        bridge.send(new BinaryWebSocketFrame(bytes("x")));
        assertEquals("/bridge:x", new String(bridge.next(T).data(), StandardCharsets.UTF_8));
        assertEquals("page", RawHttp.request(port(server), "GET", "/").body());

        // the Sockbridge transport goes away; the port and the other route stay
        sockbridge.shutdownNow().get(T.toMillis(), TimeUnit.MILLISECONDS);
        t.closeFuture().get(T.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(404, RawHttp.upgrade(port(server), "/sockbridge").status());
        bridge.send(new BinaryWebSocketFrame(bytes("y")));
        assertEquals("/bridge:y", new String(bridge.next(T).data(), StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------------------------------------
    // TLS

    @Test
    void wssWithSelfSignedCertificateNeedsTrust() throws Exception {
        WebSocketServer s = start(TransportOptions.defaults().with(WebSocketOptions.TLS_SELF_SIGNED, true),
                WebSocketServer.builder().secure(true));
        assertTrue(s.isSecure());
        assertEquals("wss", s.uri("/sockbridge").getScheme());
        assertTrue(s.certificate() != null);

        ExecutionException untrusted = assertThrows(ExecutionException.class, () -> new WebSocketTransportProvider()
                .connect(s.uri("/sockbridge"), TransportOptions.defaults()).get(T.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(hasCause(untrusted, javax.net.ssl.SSLException.class), "default trust refuses: " + untrusted);

        Transport t = connect(s.uri("/sockbridge"), TransportOptions.defaults().with(WebSocketOptions.TLS_INSECURE_TRUST_ALL, true));
        assertEquals("wss", t.scheme());
        assertEchoes(t);
    }

    @Test
    void wssFromPemFiles() throws Exception {
        var cert = dev.sockbridge.transport.websocket.internal.SelfSignedCertificate.generate(
                List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("sockbridge-pem");
        java.nio.file.Path certFile = dir.resolve("cert.pem");
        java.nio.file.Path keyFile = dir.resolve("key.pem");
        java.nio.file.Files.writeString(certFile, cert.certificatePem());
        java.nio.file.Files.writeString(keyFile, cert.keyPem());
        try {
            WebSocketServer s = start(TransportOptions.defaults()
                            .with(WebSocketOptions.TLS_CERT_FILE, certFile.toString())
                            .with(WebSocketOptions.TLS_KEY_FILE, keyFile.toString()),
                    WebSocketServer.builder().secure(true));
            assertEquals(cert.certificate(), s.certificate());
            Transport t = connect(s.uri("/sockbridge"),
                    TransportOptions.defaults().with(WebSocketOptions.TLS_TRUST_CERT_FILE, certFile.toString()));
            assertEchoes(t);
        } finally {
            java.nio.file.Files.deleteIfExists(certFile);
            java.nio.file.Files.deleteIfExists(keyFile);
            java.nio.file.Files.deleteIfExists(dir);
        }
    }

    @Test
    void wssWithoutCertificateOptionsFailsToStart() {
        WebSocketServer s = WebSocketServer.builder().secure(true).build();
        ExecutionException e = assertThrows(ExecutionException.class, () -> s.start().get(T.toMillis(), TimeUnit.MILLISECONDS));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** Sends a frame on a started-here client and checks it comes back. */
    private void assertEchoes(Transport t) throws Exception {
        BlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
        t.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                got.add(ByteBufUtil.getBytes(frame));
                frame.release();
            }

            @Override
            public void closed(int code, String reason) {
            }
        });
        t.send(bytes("ping-pong"));
        byte[] b = got.poll(T.toMillis(), TimeUnit.MILLISECONDS);
        if (b == null) {
            throw new TimeoutException("no echo");
        }
        assertArrayEquals("ping-pong".getBytes(StandardCharsets.UTF_8), b);
    }
}

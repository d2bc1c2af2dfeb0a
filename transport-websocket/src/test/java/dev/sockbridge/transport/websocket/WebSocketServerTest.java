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

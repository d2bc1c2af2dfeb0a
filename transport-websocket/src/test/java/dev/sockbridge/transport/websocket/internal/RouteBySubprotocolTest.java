package dev.sockbridge.transport.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.transport.Admission;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.transport.websocket.WebSocketHandler;
import dev.sockbridge.transport.websocket.WebSocketRoute;
import dev.sockbridge.transport.websocket.WebSocketSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which route serves an upgrade when several share a path (or the catch-all {@link WebSocketRoute#ANY_PATH}) and
 * the offered subprotocol decides: the router on an EmbeddedChannel, fed raw HTTP, its answer read as bytes.
 * The three routes stand for Sockbridge (1 MiB messages), websockify's bridge ({@code binary}, admission
 * that refuses) and Emscripten's POSIX proxy (no subprotocol, 16 MiB).
 */
class RouteBySubprotocolTest {
    private static final int SMALL = 1 << 20;
    private static final int LARGE = (16 << 20) + 4096;

    private final DefaultEventLoopGroup unused = new DefaultEventLoopGroup(1);
    private final List<String> opened = new ArrayList<>();
    private final List<WebSocketSession> sessions = new ArrayList<>();
    private final List<ByteBuf> received = new ArrayList<>();
    private final List<Integer> closes = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private boolean refuseBridge;

    @AfterEach
    void tearDown() throws Exception {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        received.forEach(ByteBuf::release);
        unused.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** A route's handler that records the session it opens, the frames it receives and its close code. */
    private WebSocketHandler recording(String name) {
        return s -> {
            opened.add(name + " " + s.path() + " " + s.subprotocol());
            sessions.add(s);
            s.start(new TransportListener() {
                @Override
                public void frameReceived(ByteBuf frame) {
                    received.add(frame);
                }

                @Override
                public void closed(int code, String reason) {
                    closes.add(code);
                }
            });
        };
    }

    private WebSocketRoute route(String path, String name, int max, String... subprotocols) {
        WebSocketRoute.Builder b = WebSocketRoute.builder(path, recording(name)).maxMessageSize(max);
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols).requireSubprotocol(true);
        }
        if (name.equals("bridge")) {
            b.admission(req -> CompletableFuture.completedFuture(
                    refuseBridge ? Admission.refuse(401, "no token") : Admission.admit()));
        }
        return b.build();
    }

    /** Sockbridge, bridge and POSIX proxy at every path, plus a Sockbridge route of its own at /sockbridge. */
    private ServerEngine engine() {
        List<WebSocketRoute> routes = List.of(
                route(WebSocketRoute.ANY_PATH, "sockbridge", SMALL, "sockbridge.v1"),
                route(WebSocketRoute.ANY_PATH, "bridge", LARGE, "binary"),
                route(WebSocketRoute.ANY_PATH, "posix", LARGE),
                route("/sockbridge", "named", SMALL, "sockbridge.v1"));
        return new ServerEngine("127.0.0.1", 0, false, TransportOptions.defaults(), unused, Map.of(), null, routes);
    }

    private EmbeddedChannel channel(ServerEngine engine) {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        ch.pipeline().addLast("http", new HttpServerCodec());
        ch.pipeline().addLast("http-aggregator", new HttpObjectAggregator(ServerEngine.MAX_REQUEST_BYTES));
        ch.pipeline().addLast("http-idle", new IdleStateHandler(0, 0, 10, TimeUnit.SECONDS));
        ch.pipeline().addLast("router", new HttpRouter(engine));
        return ch;
    }

    /** Fails, showing the whole response head, unless its status is {@code status}. */
    private static void assertStatus(int status, String response) {
        assertTrue(response.startsWith("HTTP/1.1 " + status), response);
    }

    /** Sends an upgrade request; returns the response head (status line and headers). */
    private String upgrade(EmbeddedChannel ch, String path, String protocols, String... extraHeaders) {
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
        if (protocols != null) {
            req.append("Sec-WebSocket-Protocol: ").append(protocols).append("\r\n");
        }
        for (String h : extraHeaders) {
            req.append(h).append("\r\n");
        }
        req.append("\r\n");
        ch.writeInbound(Unpooled.copiedBuffer(req, StandardCharsets.US_ASCII));
        ch.runPendingTasks();
        return response(ch);
    }

    private static String response(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return out.toString();
    }

    private static String protocolHeader(String response) {
        for (String l : response.split("\r\n")) {
            if (l.toLowerCase().startsWith("sec-websocket-protocol:")) {
                return l.substring(l.indexOf(':') + 1).trim();
            }
        }
        return null;
    }

    /** An upgrade at {@code path} offering {@code offer} is accepted, answering {@code answered} (null: none). */
    private void assertUpgradedWith(String answered, ServerEngine engine, String path, String offer) {
        String r = upgrade(channel(engine), path, offer);
        assertStatus(101, r);
        assertEquals(answered, protocolHeader(r), r);
    }

    @Test
    void atTheRootTheOfferedSubprotocolPicksTheProtocol() {
        ServerEngine engine = engine();
        assertUpgradedWith("sockbridge.v1", engine, "/", "sockbridge.v1");
        assertUpgradedWith("binary", engine, "/", "binary");
        // no subprotocol answered to a client that offered none
        assertUpgradedWith(null, engine, "/", null);
        assertEquals(List.of("sockbridge / sockbridge.v1", "bridge / binary", "posix / null"), opened);
    }

    @Test
    void anyPathWithoutARouteOfItsOwnIsServedTheSameWayAndKeepsItsPathAndOffersOrder() {
        ServerEngine engine = engine();
        // an offer nobody speaks is skipped when a later one fits; the client's order decides
        assertUpgradedWith("binary", engine, "/db1?token=x", "base64x, binary, sockbridge.v1");
        upgrade(channel(engine), "/a/b", null);
        assertEquals(List.of("bridge /db1 binary", "posix /a/b null"), opened);
        assertEquals("/db1", sessions.get(0).path());
        assertEquals("token=x", sessions.get(0).query());
    }

    @Test
    void aNamedPathKeepsItsOwnRoutesOnly() {
        ServerEngine engine = engine();
        String r = upgrade(channel(engine), "/sockbridge", "sockbridge.v1");
        assertStatus(101, r);
        // the catch-all's bridge does not answer at a path that has routes of its own
        r = upgrade(channel(engine), "/sockbridge", "binary");
        assertStatus(400, r);
        assertTrue(r.contains("none of the offered subprotocols [binary] is spoken at /sockbridge"), r);
        assertEquals(List.of("named /sockbridge sockbridge.v1"), opened);
    }

    @Test
    void unknownSubprotocolsAloneGetAClear400() {
        EmbeddedChannel ch = channel(engine());
        String r = upgrade(ch, "/", "chat, superchat");
        assertStatus(400, r);
        assertTrue(r.contains("none of the offered subprotocols [chat, superchat] is spoken at /; it speaks "
                + "[sockbridge.v1, binary]"), r);
        assertTrue(!ch.isActive(), "the connection is closed after the refusal");
        assertTrue(opened.isEmpty());
    }

    @Test
    void withoutACatchAllAnUnknownPathIs404AndWithoutASubprotocolRouteANoOfferIs400() {
        ServerEngine engine = new ServerEngine("127.0.0.1", 0, false, TransportOptions.defaults(), unused, Map.of(), null,
                List.of(route("/sockbridge", "named", SMALL, "sockbridge.v1")));
        String r = upgrade(channel(engine), "/", "binary");
        assertStatus(404, r);
        r = upgrade(channel(engine), "/sockbridge", null);
        assertStatus(400, r);
        assertTrue(r.contains("a subprotocol is required at /sockbridge: one of [sockbridge.v1]"), r);
    }

    @Test
    void theChosenRoutesAdmissionDecides() {
        refuseBridge = true;
        ServerEngine engine = engine();
        String r = upgrade(channel(engine), "/", "binary");
        assertStatus(401, r);
        assertTrue(r.contains("no token"), r);
        r = upgrade(channel(engine), "/", null);
        assertStatus(101, r);
        assertEquals(List.of("posix / null"), opened);
    }

    @Test
    void theOriginAndHostChecksHoldAtTheCatchAll() {
        ServerEngine engine = engine();
        String r = upgrade(channel(engine), "/", null, "Origin: https://evil.example");
        assertStatus(403, r);
        EmbeddedChannel ch = channel(engine);
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: rebound.example\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                StandardCharsets.US_ASCII));
        r = response(ch);
        assertStatus(421, r);
        assertTrue(opened.isEmpty());
    }

    @Test
    void eachRouteKeepsItsOwnLargestMessage() {
        ServerEngine engine = engine();
        EmbeddedChannel sb = channel(engine);
        upgrade(sb, "/", "sockbridge.v1");
        EmbeddedChannel posix = channel(engine);
        upgrade(posix, "/", null);
        byte[] big = new byte[SMALL + 1];
        sb.writeInbound(masked(big));
        sb.runPendingTasks();
        response(sb);
        posix.writeInbound(masked(big));
        posix.runPendingTasks();
        assertEquals(List.of(1009), closes, "the Sockbridge route's 1 MiB limit closed only its session");
        assertEquals(1, received.size());
        assertEquals(SMALL + 1, received.get(0).readableBytes(), "the POSIX route took the same message whole");
    }

    /** A client's frame: masked, as the router's decoder insists. */
    private static ByteBuf masked(byte[] payload) {
        return maskedFrame(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
    }

    @Test
    void routesAtOnePathMustBeToldApartBySubprotocol() {
        RouteTable t = new RouteTable();
        t.add(route(WebSocketRoute.ANY_PATH, "posix", LARGE));
        t.add(route(WebSocketRoute.ANY_PATH, "bridge", LARGE, "binary", "base64"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> t.add(route(WebSocketRoute.ANY_PATH, "other", LARGE)));
        assertTrue(e.getMessage().contains("offer no subprotocol"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> t.add(route(WebSocketRoute.ANY_PATH, "b2", LARGE, "base64")));
        assertTrue(e.getMessage().contains("already speaks subprotocol base64"), e.getMessage());
        // a Sockbridge route at the catch-all requires its subprotocol, so it fits beside the POSIX proxy
        t.add(WebSocketRoute.sockbridge(WebSocketRoute.ANY_PATH, c -> { }));
        assertEquals(3, t.candidates("/x").size());
        assertEquals(3, t.candidates("/").size());
        assertTrue(t.isEndpoint("/"));
        assertTrue(!t.isEndpoint("/favicon.ico"), "plain requests elsewhere stay 404");
        assertThrows(IllegalArgumentException.class, () -> WebSocketRoute.builder("/a*", s -> { }));
    }
    // ------------------------------------------------------------------ websockify's base64 subprotocol

    /** The bridge with websockify's old base64 framing beside binary. */
    private ServerEngine base64Engine() {
        WebSocketRoute bridge = WebSocketRoute.builder(WebSocketRoute.ANY_PATH, recording("bridge")).subprotocols("binary").base64Subprotocol("base64").requireSubprotocol(true).maxMessageSize(16).build();
        return new ServerEngine("127.0.0.1", 0, false, TransportOptions.defaults(), unused, Map.of(), null,
                List.of(bridge, route(WebSocketRoute.ANY_PATH, "posix", LARGE)));
    }

    /** A client's frame (masked), possibly a fragment. */
    private static ByteBuf maskedFrame(io.netty.handler.codec.http.websocketx.WebSocketFrame f) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
        client.writeOutbound(f);
        ByteBuf out = Unpooled.buffer();
        ByteBuf b;
        while ((b = client.readOutbound()) != null) {
            out.writeBytes(b);
            b.release();
        }
        client.finishAndReleaseAll();
        return out;
    }

    /** What the server sent after the handshake, decoded as frames. */
    private static List<io.netty.handler.codec.http.websocketx.WebSocketFrame> framesFrom(EmbeddedChannel ch) {
        EmbeddedChannel client = new EmbeddedChannel(new io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder(false, false, 1 << 20));
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            client.writeInbound(b);
        }
        List<io.netty.handler.codec.http.websocketx.WebSocketFrame> out = new ArrayList<>();
        Object o;
        while ((o = client.readInbound()) != null) {
            out.add((io.netty.handler.codec.http.websocketx.WebSocketFrame) o);
        }
        client.finishAndReleaseAll();
        return out;
    }

    @Test
    void base64IsWebsockifysTextFramingUnderTheSameBinarySession() {
        EmbeddedChannel ch = channel(base64Engine());
        String r = upgrade(ch, "/", "base64");
        assertStatus(101, r);
        assertEquals("base64", protocolHeader(r));
        // one text message, then one in two fragments split inside a quartet
        ch.writeInbound(maskedFrame(new TextWebSocketFrame("aGVsbG8=")));
        ch.writeInbound(maskedFrame(new TextWebSocketFrame(false, 0, "d29y")));
        ch.writeInbound(maskedFrame(new ContinuationWebSocketFrame(true, 0, "bGQ=")));
        ch.runPendingTasks();
        assertEquals(2, received.size(), "two messages, as binary");
        assertEquals("hello", received.get(0).toString(StandardCharsets.US_ASCII));
        assertEquals("world", received.get(1).toString(StandardCharsets.US_ASCII));
        // what the handler sends leaves as base64 text
        sessions.get(0).send(Unpooled.copiedBuffer("back", StandardCharsets.US_ASCII));
        ch.runPendingTasks();
        List<io.netty.handler.codec.http.websocketx.WebSocketFrame> out = framesFrom(ch);
        assertEquals(1, out.size());
        assertTrue(out.get(0) instanceof TextWebSocketFrame, "a text frame: " + out.get(0));
        assertEquals("YmFjaw==", ((TextWebSocketFrame) out.get(0)).text());
        out.forEach(io.netty.handler.codec.http.websocketx.WebSocketFrame::release);
    }

    @Test
    void base64KeepsTheRoutesLargestMessageAfterDecodingAndRefusesGarbageWith1007() {
        ServerEngine engine = base64Engine();
        EmbeddedChannel ch = channel(engine);
        upgrade(ch, "/", "base64");
        // 16 bytes decoded is the route's maximum: its 24 characters pass, though longer than 16
        ch.writeInbound(maskedFrame(new TextWebSocketFrame(java.util.Base64.getEncoder().encodeToString(new byte[16]))));
        ch.runPendingTasks();
        assertEquals(1, received.size());
        assertEquals(16, received.get(0).readableBytes());
        ch.writeInbound(maskedFrame(new TextWebSocketFrame(java.util.Base64.getEncoder().encodeToString(new byte[17]))));
        ch.runPendingTasks();
        assertEquals(List.of(1009), closes, "17 decoded bytes are over the maximum");

        EmbeddedChannel bad = channel(engine);
        upgrade(bad, "/", "base64");
        bad.writeInbound(maskedFrame(new TextWebSocketFrame("not base64!")));
        bad.runPendingTasks();
        assertEquals(List.of(1009, 1007), closes, "invalid base64 closes with 1007");
        List<io.netty.handler.codec.http.websocketx.WebSocketFrame> out = framesFrom(bad);
        assertTrue(out.get(out.size() - 1) instanceof io.netty.handler.codec.http.websocketx.CloseWebSocketFrame);
        assertEquals(1007, ((io.netty.handler.codec.http.websocketx.CloseWebSocketFrame) out.get(out.size() - 1)).statusCode());
        out.forEach(io.netty.handler.codec.http.websocketx.WebSocketFrame::release);
    }

    @Test
    void binaryOnTheSameRouteStaysBinary() {
        EmbeddedChannel ch = channel(base64Engine());
        String r = upgrade(ch, "/", "binary, base64");
        assertEquals("binary", protocolHeader(r), "the client's first offer wins");
        ch.writeInbound(masked("raw".getBytes(StandardCharsets.US_ASCII)));
        ch.runPendingTasks();
        assertEquals("raw", received.get(0).toString(StandardCharsets.US_ASCII));
        sessions.get(0).send(Unpooled.copiedBuffer("out", StandardCharsets.US_ASCII));
        ch.runPendingTasks();
        List<io.netty.handler.codec.http.websocketx.WebSocketFrame> out = framesFrom(ch);
        assertTrue(out.get(0) instanceof BinaryWebSocketFrame);
        out.forEach(io.netty.handler.codec.http.websocketx.WebSocketFrame::release);
    }
}

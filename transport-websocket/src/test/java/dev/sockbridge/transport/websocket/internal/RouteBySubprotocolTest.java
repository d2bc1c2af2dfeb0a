package dev.sockbridge.transport.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.transport.Admission;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.transport.websocket.WebSocketRoute;
import dev.sockbridge.transport.websocket.WebSocketSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
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

    private WebSocketRoute route(String path, String name, int max, String... subprotocols) {
        WebSocketRoute.Builder b = WebSocketRoute.builder(path, s -> {
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
        }).maxMessageSize(max);
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

    @Test
    void atTheRootTheOfferedSubprotocolPicksTheProtocol() {
        ServerEngine engine = engine();
        String r = upgrade(channel(engine), "/", "sockbridge.v1");
        assertTrue(r.startsWith("HTTP/1.1 101"), r);
        assertEquals("sockbridge.v1", protocolHeader(r));
        r = upgrade(channel(engine), "/", "binary");
        assertTrue(r.startsWith("HTTP/1.1 101"), r);
        assertEquals("binary", protocolHeader(r));
        r = upgrade(channel(engine), "/", null);
        assertTrue(r.startsWith("HTTP/1.1 101"), r);
        assertNull(protocolHeader(r), "no subprotocol answered to a client that offered none: " + r);
        assertEquals(List.of("sockbridge / sockbridge.v1", "bridge / binary", "posix / null"), opened);
    }

    @Test
    void anyPathWithoutARouteOfItsOwnIsServedTheSameWayAndKeepsItsPathAndOffersOrder() {
        ServerEngine engine = engine();
        // an offer nobody speaks is skipped when a later one fits; the client's order decides
        String r = upgrade(channel(engine), "/db1?token=x", "base64x, binary, sockbridge.v1");
        assertTrue(r.startsWith("HTTP/1.1 101"), r);
        assertEquals("binary", protocolHeader(r));
        upgrade(channel(engine), "/a/b", null);
        assertEquals(List.of("bridge /db1 binary", "posix /a/b null"), opened);
        assertEquals("/db1", sessions.get(0).path());
        assertEquals("token=x", sessions.get(0).query());
    }

    @Test
    void aNamedPathKeepsItsOwnRoutesOnly() {
        ServerEngine engine = engine();
        String r = upgrade(channel(engine), "/sockbridge", "sockbridge.v1");
        assertTrue(r.startsWith("HTTP/1.1 101"), r);
        // the catch-all's bridge does not answer at a path that has routes of its own
        r = upgrade(channel(engine), "/sockbridge", "binary");
        assertTrue(r.startsWith("HTTP/1.1 400"), r);
        assertTrue(r.contains("none of the offered subprotocols [binary] is spoken at /sockbridge"), r);
        assertEquals(List.of("named /sockbridge sockbridge.v1"), opened);
    }

    @Test
    void unknownSubprotocolsAloneGetAClear400() {
        EmbeddedChannel ch = channel(engine());
        String r = upgrade(ch, "/", "chat, superchat");
        assertTrue(r.startsWith("HTTP/1.1 400"), r);
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
        assertTrue(r.startsWith("HTTP/1.1 404"), r);
        r = upgrade(channel(engine), "/sockbridge", null);
        assertTrue(r.startsWith("HTTP/1.1 400"), r);
        assertTrue(r.contains("a subprotocol is required at /sockbridge: one of [sockbridge.v1]"), r);
    }

    @Test
    void theChosenRoutesAdmissionDecides() {
        refuseBridge = true;
        ServerEngine engine = engine();
        String r = upgrade(channel(engine), "/", "binary");
        assertTrue(r.startsWith("HTTP/1.1 401"), r);
        assertTrue(r.contains("no token"), r);
        r = upgrade(channel(engine), "/", null);
        assertTrue(r.startsWith("HTTP/1.1 101"), r);
        assertEquals(List.of("posix / null"), opened);
    }

    @Test
    void theOriginAndHostChecksHoldAtTheCatchAll() {
        ServerEngine engine = engine();
        String r = upgrade(channel(engine), "/", null, "Origin: https://evil.example");
        assertTrue(r.startsWith("HTTP/1.1 403"), r);
        EmbeddedChannel ch = channel(engine);
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: rebound.example\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                StandardCharsets.US_ASCII));
        r = response(ch);
        assertTrue(r.startsWith("HTTP/1.1 421"), r);
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
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
        client.writeOutbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        ByteBuf out = Unpooled.buffer();
        ByteBuf b;
        while ((b = client.readOutbound()) != null) {
            out.writeBytes(b);
            b.release();
        }
        client.finishAndReleaseAll();
        return out;
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
}

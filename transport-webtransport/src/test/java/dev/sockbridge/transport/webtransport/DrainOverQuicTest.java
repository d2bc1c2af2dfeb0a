package dev.sockbridge.transport.webtransport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.ProxyStats;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.proxy.testing.DrainChecks;
import dev.sockbridge.transport.webtransport.internal.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SockbridgeProxy#drain} over raw QUIC and WebTransport: an idle and a busy session are told (the client's
 * {@link SockbridgeClient#goingAway()} completes), the busy one finishes its echo after the notice, new sessions
 * are refused, the rest are closed with 1001 at the timeout, and nothing is left open. And at the HTTP/3 level, that
 * a WebTransport session gets DRAIN_WEBTRANSPORT_SESSION on its CONNECT stream and the connection a GOAWAY.
 */
@Timeout(60)
class DrainOverQuicTest {

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void drainTellsSessionsLetsTheBusyOneFinishRefusesNewOnesAndClosesTheRestWith1001(String scheme) throws Exception {
        Map<String, QuicServerTransport> servers = new ConcurrentHashMap<>();
        Map<String, URI> uris = new ConcurrentHashMap<>();
        SockbridgeProxy proxy = QuicProxies.startBoth(o -> o, servers, uris);
        try (ServerSocket echo = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            URI uri = uris.get(scheme);
            TransportOptions opts = QuicProxies.pinned(servers.get(scheme));
            SockbridgeClient idle = SockbridgeClient.connect(uri, opts).get(10, TimeUnit.SECONDS);
            SockbridgeClient busy = SockbridgeClient.connect(uri, opts).get(10, TimeUnit.SECONDS);
            assertEquals(MessageCodec.VERSION_GOING_AWAY, busy.welcome().version(), "the client offers version 2");
            BridgedSocket s = new BridgedSocket(busy, "127.0.0.1", echo.getLocalPort());
            try (Socket peer = echo.accept()) {
                CompletableFuture<Void> drained = proxy.drain(Duration.ofSeconds(3));
                assertTrue(proxy.isDraining());
                assertTrue(proxy.drain(Duration.ZERO) == drained, "idempotent: the first drain's future");

                assertFalse(idle.goingAway().get(10, TimeUnit.SECONDS).isEmpty(), "the idle session is told");
                busy.goingAway().get(10, TimeUnit.SECONDS);
                assertTrue(busy.isOpen() && !drained.isDone(), "told, not closed");

                // the busy session finishes its work after the notice
                byte[] msg = "the last echo".getBytes(StandardCharsets.UTF_8);
                s.getOutputStream().write(msg);
                byte[] got = peer.getInputStream().readNBytes(msg.length);
                peer.getOutputStream().write(got);
                assertArrayEquals(msg, s.getInputStream().readNBytes(msg.length));

                // refused: WebTransport with HTTP 503 to its CONNECT, raw QUIC with close code 1013 after the handshake
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> SockbridgeClient.connect(uri, opts).get(10, TimeUnit.SECONDS));
                String why = String.valueOf(refused.getCause());
                assertTrue(scheme.equals("quic") ? why.contains("1013") && why.contains("draining") : why.contains("503"), why);

                DrainChecks.assertTheRestClosedWith1001AndNothingLeft(proxy, drained, peer, idle, busy);
                ProxyStats st = proxy.stats();
                assertTrue(st.sessionsRefused() >= 1, "the refusal is counted");
            }
        } finally {
            QuicProxies.stop(proxy, null);
        }
    }

    @Test
    void webTransportSessionGetsTheDrainCapsuleAndTheConnectionAGoaway() throws Exception {
        Map<String, QuicServerTransport> servers = new ConcurrentHashMap<>();
        Map<String, URI> uris = new ConcurrentHashMap<>();
        SockbridgeProxy proxy = QuicProxies.startBoth(o -> o, servers, uris);
        QuicServerTransport server = servers.get("webtransport");
        try (H3TestClient client = new H3TestClient(server.localAddress(), server.certificate().sha256())) {
            InetSocketAddress a = server.localAddress();
            // the origin the Java client sends by default: the server's own
            H3TestClient.Request connect = client.connect("/sockbridge", "https://" + a.getHostString() + ":" + a.getPort());
            assertEquals("200", connect.status());
            // the main channel, with a version 1 HELLO: the session hears no GOING_AWAY message, only the capsule
            ByteBuf hello = MessageCodec.cbor().encode(new Control.Hello(List.of(MessageCodec.VERSION), "h3-test"),
                    ByteBufAllocator.DEFAULT);
            byte[] frame = new byte[4 + hello.readableBytes()];
            java.nio.ByteBuffer.wrap(frame).putInt(hello.readableBytes()).put(ByteBufUtil.getBytes(hello));
            hello.release();
            CompletableFuture<Void> welcomed = new CompletableFuture<>();
            client.openWtBidi(connect.id(), new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object m) {
                    welcomed.complete(null); // the WELCOME: the proxy's session exists
                    io.netty.util.ReferenceCountUtil.release(m);
                }
            }, frame, false);
            welcomed.get(10, TimeUnit.SECONDS);
            assertEquals(1, proxy.stats().sessionsOpen());

            CompletableFuture<Void> drained = proxy.drain(Duration.ofSeconds(2));
            long goAwayId = client.goAway.get(10, TimeUnit.SECONDS);
            assertEquals(connect.id() + 4, goAwayId, "GOAWAY: requests past the session's CONNECT are not served");
            byte[] drainCapsule = drainCapsule();
            assertTrue(awaitBody(connect, drainCapsule), "DRAIN_WEBTRANSPORT_SESSION on the CONNECT stream: "
                    + ByteBufUtil.hexDump(connect.bodyBytes()));
            drained.get(15, TimeUnit.SECONDS);
            assertEquals(0, proxy.stats().sessionsOpen());
            assertEquals(0, proxy.stats().nativeChannelsOpen());
        } finally {
            QuicProxies.stop(proxy, null);
        }
    }

    /** The capsule's bytes: type 0x78ae as a varint, length 0. */
    private static byte[] drainCapsule() {
        ByteBuf b = io.netty.buffer.Unpooled.buffer();
        Varint.write(b, 0x78ae);
        Varint.write(b, 0);
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    /** Waits (bounded) until the CONNECT stream's body holds {@code capsule}. */
    private static boolean awaitBody(H3TestClient.Request r, byte[] capsule) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String want = ByteBufUtil.hexDump(capsule);
        while (System.nanoTime() < deadline) {
            if (ByteBufUtil.hexDump(r.bodyBytes()).contains(want)) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }
}

package dev.sockbridge.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.proxy.testing.DrainChecks;
import dev.sockbridge.transport.websocket.testing.UpgradeProbe;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link SockbridgeProxy#drain} over WebSocket: an idle and a busy Sockbridge session get GOING_AWAY (protocol version
 * 2; the client's {@link SockbridgeClient#goingAway()} completes), the busy one finishes its echo after it, a new
 * session's upgrade is refused with HTTP 503, the rest are closed with 1001 "going away" at the timeout, and the
 * proxy's counters end at zero.
 */
@Timeout(60)
class DrainOverWebSocketTest {

    @Test
    void drainTellsSessionsLetsTheBusyOneFinishRefusesNewOnesWith503AndClosesTheRestWith1001() throws Exception {
        SockbridgeProxy proxy = SockbridgeProxy.builder().build();
        WebSocketServer server = WebSocketServer.builder().bind("127.0.0.1", 0).eventLoopGroup(proxy.eventLoopGroup()).build();
        try (ServerSocket echo = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            server.start().get(10, TimeUnit.SECONDS);
            URI uri = proxy.serve(server.transport("/sockbridge")).get(10, TimeUnit.SECONDS);
            SockbridgeClient idle = SockbridgeClient.connect(uri).get(10, TimeUnit.SECONDS);
            SockbridgeClient busy = SockbridgeClient.connect(uri).get(10, TimeUnit.SECONDS);
            assertEquals(MessageCodec.VERSION_GOING_AWAY, busy.welcome().version());
            BridgedSocket s = new BridgedSocket(busy, "127.0.0.1", echo.getLocalPort());
            try (Socket peer = echo.accept()) {
                CompletableFuture<Void> drained = proxy.drain(Duration.ofSeconds(2));
                assertEquals("going away", idle.goingAway().get(10, TimeUnit.SECONDS));
                assertEquals("going away", busy.goingAway().get(10, TimeUnit.SECONDS));
                assertTrue(busy.isOpen() && !drained.isDone(), "told, not closed");

                byte[] msg = "the last echo".getBytes(StandardCharsets.UTF_8);
                s.getOutputStream().write(msg);
                peer.getOutputStream().write(peer.getInputStream().readNBytes(msg.length));
                assertArrayEquals(msg, s.getInputStream().readNBytes(msg.length));

                assertEquals(503, UpgradeProbe.sockbridgeUpgradeStatus(uri.getPort()), "a new session is refused while draining");
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> SockbridgeClient.connect(uri).get(10, TimeUnit.SECONDS));
                assertFalse(String.valueOf(refused.getCause()).isEmpty());

                DrainChecks.assertTheRestClosedWith1001AndNothingLeft(proxy, drained, peer, idle, busy);
            }
        } finally {
            server.shutdownNow().get(10, TimeUnit.SECONDS);
            proxy.shutdown(Duration.ZERO).get(20, TimeUnit.SECONDS);
        }
    }
}

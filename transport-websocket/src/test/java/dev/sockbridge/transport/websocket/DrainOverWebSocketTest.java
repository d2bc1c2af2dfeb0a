package dev.sockbridge.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.proxy.ProxyStats;
import dev.sockbridge.proxy.SockbridgeProxy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
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

                assertEquals(503, upgradeStatus(uri.getPort()), "a new session is refused while draining");
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> SockbridgeClient.connect(uri).get(10, TimeUnit.SECONDS));
                assertFalse(String.valueOf(refused.getCause()).isEmpty());

                Control.Goodbye idleEnd = idle.closeFuture().get(15, TimeUnit.SECONDS);
                Control.Goodbye busyEnd = busy.closeFuture().get(15, TimeUnit.SECONDS);
                assertEquals(1001, idleEnd.code(), idleEnd.toString());
                assertEquals(1001, busyEnd.code(), busyEnd.toString());
                drained.get(15, TimeUnit.SECONDS);
                peer.setSoTimeout(10_000);
                assertEquals(-1, peer.getInputStream().read(), "the busy session's native socket was closed");
                ProxyStats st = proxy.stats();
                assertEquals(0, st.sessionsOpen());
                assertEquals(0, st.nativeChannelsOpen());
                assertEquals(0, st.bufferedBytes());
            }
        } finally {
            server.shutdownNow().get(10, TimeUnit.SECONDS);
            proxy.shutdown(Duration.ZERO).get(20, TimeUnit.SECONDS);
        }
    }

    private static int upgradeStatus(int port) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /sockbridge HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Protocol: sockbridge.v1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(line.split(" ")[1]);
        }
    }
}

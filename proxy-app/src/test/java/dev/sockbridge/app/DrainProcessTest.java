package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.transport.websocket.testing.UpgradeProbe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runnable proxy's health endpoints and its drain on SIGTERM, as a balancer and an orchestrator see them: /live
 * and /ready on the admin listener, /ready turning 503 once SIGTERM arrives, new sessions refused with 503, an open
 * session told and then closed with 1001 at the drain timeout, and exit code 0.
 */
@Timeout(120)
class DrainProcessTest {

    @Test
    void sigtermDrainsReadinessTurnsFalseSessionsGoAwayAndTheProcessExitsZero() throws Exception {
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--drain-timeout", "3s");
             ServerSocket nativeServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            URI uri = p.sockbridgeUri();
            int admin = URI.create(p.await("stats:", 30).replaceFirst("^stats:\\s+", "").replaceFirst("\\s.*$", "")).getPort();
            p.await("ready in", 30);
            assertEquals("200 live", get(admin, "/live"));
            assertEquals("200 ready", get(admin, "/ready"));

            SockbridgeClient client = SockbridgeClient.connect(uri).get(10, TimeUnit.SECONDS);
            BridgedSocket s = new BridgedSocket(client, "127.0.0.1", nativeServer.getLocalPort());
            try (Socket peer = nativeServer.accept()) {
                p.process.toHandle().destroy(); // SIGTERM
                p.await("received SIGTERM: draining", 30);
                assertEquals("503 draining", get(admin, "/ready"), "a balancer's health check sends no more clients");
                assertEquals("going away", client.goingAway().get(10, TimeUnit.SECONDS), "the session is told first");
                assertEquals("200 live", get(admin, "/live"), "still alive while it drains");
                assertEquals(503, UpgradeProbe.sockbridgeUpgradeStatus(uri.getPort()), "a new session is refused while draining");

                // the open session still works during the drain
                s.getOutputStream().write("during the drain".getBytes());
                assertArrayEquals("during the drain".getBytes(), peer.getInputStream().readNBytes(16));

                Control.Goodbye end = client.closeFuture().get(30, TimeUnit.SECONDS);
                assertEquals(1001, end.code(), "closed at the drain timeout: " + end);
                assertEquals(0, p.awaitExit(30), "exit code after the drain");
                assertTrue(p.lines.contains("stopped; native channels open: 0"), String.join("\n", p.lines));
                peer.setSoTimeout(10_000);
                assertEquals(-1, peer.getInputStream().read(), "the session's native channel was closed");
            }
        }
    }

    @Test
    void aMalformedDrainTimeoutStopsTheStartWithExitCode2() throws Exception {
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--drain-timeout", "soon")) {
            assertEquals(2, p.awaitExit(60));
            assertTrue(String.join("\n", p.lines).contains("not a duration"), String.join("\n", p.lines));
        }
    }

    /** "status body" of a GET on the admin listener. */
    static String get(int port, String path) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String status = r.readLine().split(" ")[1];
            String l;
            while ((l = r.readLine()) != null && !l.isEmpty()) {
                // headers
            }
            return status + " " + r.readLine();
        }
    }
}

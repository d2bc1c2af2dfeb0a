package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.SocketCallException;
import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The proxy as one command: safe defaults, --help, a session through it, and a clean SIGTERM. */
@Timeout(120)
class RunnableProxyTest {

    @Test
    void helpDocumentsEveryOption() throws Exception {
        try (ProxyProcess p = new ProxyProcess("--help")) {
            assertEquals(0, p.awaitExit(30));
            String out = String.join("\n", p.lines);
            for (String[] o : ProxyOptions.OPTIONS) {
                assertTrue(out.contains("--" + o[0]), "--help lacks --" + o[0]);
            }
        }
    }

    @Test
    void unknownOptionIsRefusedWithExitCode2() throws Exception {
        try (ProxyProcess p = new ProxyProcess("--no-such-flag")) {
            assertEquals(2, p.awaitExit(30));
        }
    }

    @Test
    void startsOnSafeDefaultsServesAndStopsCleanlyOnSigterm() throws Exception {
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--drain-timeout", "1s");
             ServerSocket nativeServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            URI uri = p.sockbridgeUri();
            assertEquals("127.0.0.1", uri.getHost(), "listens on loopback");
            assertTrue(p.await("policy:", 10).contains("loopback only"), "says what the policy allows");
            p.await("ready in", 30);

            SockbridgeClient client = SockbridgeClient.connect(uri).get(10, TimeUnit.SECONDS);
            BridgedSocket s = new BridgedSocket(client, "127.0.0.1", nativeServer.getLocalPort());
            try (Socket peer = nativeServer.accept()) {
                s.getOutputStream().write("through the proxy".getBytes());
                assertArrayEquals("through the proxy".getBytes(), peer.getInputStream().readNBytes(17));

                // the default policy refuses a non-loopback target (TEST-NET-1: never routed)
                ExecutionException denied = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> client.socket(2, 1, 0).thenCompose(fd -> client.connect(fd,
                                new java.net.InetSocketAddress("192.0.2.1", 80))).get(10, TimeUnit.SECONDS));
                assertEquals(Errno.EACCES, ((SocketCallException) denied.getCause()).errno());

                p.process.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
                assertEquals(0, p.awaitExit(30), "exit code after SIGTERM");
                assertTrue(p.lines.contains("stopped; native channels open: 0"), String.join("\n", p.lines));
                // the native channel the session owned was closed
                InputStream in = peer.getInputStream();
                peer.setSoTimeout(10_000);
                assertEquals(-1, in.read());
            }
        }
    }

    @Test
    void refusesToListenBeyondLoopbackWithoutAnOriginAllowlistOrAnAuthenticator() throws Exception {
        try (ProxyProcess p = new ProxyProcess("--listen", "0.0.0.0:0")) {
            assertEquals(2, p.awaitExit(30));
            String out = String.join("\n", p.lines);
            assertTrue(out.contains("beyond loopback") && out.contains("--origin"), out);
        }
    }

    @Test
    void foreignPagesRebindingAndStatsOnThePublicListenerAreRefused() throws Exception {
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0")) {
            int port = p.port();
            URI stats = URI.create(p.await("stats:", 30).replaceFirst("^stats:\\s+", "").replaceFirst("\\s.*$", ""));
            p.await("ready in", 30);
            assertTrue(stats.getPort() != port, "stats on a listener of its own: " + stats);
            assertEquals("127.0.0.1", stats.getHost());

            assertEquals(101, upgrade(port, "127.0.0.1:" + port, "http://127.0.0.1:" + port), "the proxy's own page");
            assertEquals(101, upgrade(port, "localhost:" + port, "http://localhost:" + port), "its own page as localhost");
            assertEquals(101, upgrade(port, "127.0.0.1:" + port, null), "a native client (no Origin)");
            assertEquals(403, upgrade(port, "127.0.0.1:" + port, "https://evil.example"), "another site's page");
            assertEquals(421, upgrade(port, "evil.example:" + port, "http://evil.example:" + port), "DNS rebinding");

            assertEquals(404, get(port, "/stats"), "no counters on the public listener");
            assertEquals(200, get(stats.getPort(), "/stats"));
        }
    }

    /** A WebSocket upgrade to /sockbridge with these Host and Origin headers; the HTTP status. */
    private static int upgrade(int port, String host, String origin) throws Exception {
        return status(port, "GET /sockbridge HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n");
    }

    private static int get(int port, String path) throws Exception {
        return status(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n");
    }

    private static int status(int port, String request) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(line.split(" ")[1]);
        }
    }
}

package dev.sockbridge.samples;

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
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0");
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
}

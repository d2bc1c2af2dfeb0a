package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --log-format json} as a user runs the proxy: one session through the process (an echo to a native
 * server of the test's), and its access line is one JSON object whose fields say who, how, how long and how
 * many bytes each way.
 */
@Timeout(120)
class JsonAccessLogTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Echoes {@code n} bytes through the proxy at {@code sockbridge} to a native server on loopback. */
    static void echo(URI sockbridge, int n) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SockbridgeClient client = SockbridgeClient.connect(sockbridge).get(20, TimeUnit.SECONDS);
            byte[] data = new byte[n];
            Arrays.fill(data, (byte) 'x');
            BridgedSocket s = new BridgedSocket(client, "127.0.0.1", server.getLocalPort());
            try (Socket peer = server.accept()) {
                s.getOutputStream().write(data);
                byte[] got = peer.getInputStream().readNBytes(n);
                peer.getOutputStream().write(got);
                assertArrayEquals(data, s.getInputStream().readNBytes(n));
            }
            s.close();
            client.close();
        }
    }

    /** The access line of the process's output, parsed (fails if it is not one JSON object). */
    static JsonNode accessLine(ProxyProcess p) throws Exception {
        return JSON.readTree(p.awaitContaining("\"logger\":\"" + AccessLog.LOGGER + "\"", 30));
    }

    static void assertAccessFields(JsonNode a, long bytesEachWay) {
        assertEquals("INFO", a.get("level").asText(), a.toString());
        assertTrue(a.get("client").asText().startsWith("127.0.0.1:"), a.toString());
        assertEquals("ws/sockbridge", a.get("transport").asText(), a.toString());
        assertTrue(a.get("durationMs").isIntegralNumber() && a.get("durationMs").asLong() >= 0, a.toString());
        assertEquals(bytesEachWay, a.get("bytesToNative").asLong(), a.toString());
        assertEquals(bytesEachWay, a.get("bytesFromNative").asLong(), a.toString());
        assertEquals(1, a.get("socketsOpened").asInt(), a.toString());
        assertEquals(1000, a.get("closeCode").asInt(), a.toString());
        assertTrue(a.has("closeReason") && a.get("message").asText().startsWith("session "), a.toString());
    }

    @Test
    void oneSessionGivesOneJsonAccessLineWithItsByteCounts() throws Exception {
        // the tests' Logback configuration is warnings only: the access logger is turned on by flag, as a user would
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--log-format", "json",
                "--log", AccessLog.LOGGER + "=info")) {
            p.await("ready in", 60);
            echo(p.sockbridgeUri(), 3000);
            assertAccessFields(accessLine(p), 3000);
        }
    }
}

package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * The runnable proxy (in this JVM) writes one access line per session end, for each front end on its port:
 * Sockbridge, the websockify bridge and Emscripten's POSIX proxy, each with the client's address, the transport,
 * the bytes each way, the native sockets opened and the close code. Read from the access logger through an
 * appender of the test's, as a user's Logback configuration would route it.
 */
@Timeout(60)
class AccessLogTest {
    private final BlockingQueue<ILoggingEvent> lines = new LinkedBlockingQueue<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            lines.add(e);
        }
    };
    private Logger access;
    private ProxyMain main;

    @BeforeEach
    void routeTheAccessLog() {
        access = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
        appender.setContext(access.getLoggerContext());
        appender.start();
        access.addAppender(appender);
        // the tests' configuration is warnings only: this logger, as a user would turn it on
        access.setLevel(Level.INFO);
    }

    @AfterEach
    void stop() {
        if (main != null) {
            main.stop();
        }
        access.detachAppender(appender);
        access.setLevel(null);
    }

    private Map<String, Object> fields(ILoggingEvent e) {
        Map<String, Object> m = new HashMap<>();
        for (KeyValuePair kv : e.getKeyValuePairs()) {
            m.put(kv.key, kv.value);
        }
        return m;
    }

    private Map<String, Object> next() throws InterruptedException {
        ILoggingEvent e = lines.poll(20, TimeUnit.SECONDS);
        assertNotNull(e, "an access line within 20 s");
        assertEquals(Level.INFO, e.getLevel());
        return fields(e);
    }

    private static void assertClientIsThisHost(Map<String, Object> f) {
        assertTrue(f.get("client").toString().startsWith("127.0.0.1:"), f.toString());
    }

    @Test
    void everyFrontEndsSessionEndsWithOneAccessLine() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            main = new ProxyMain(ProxyOptions.parse(new String[] {"--listen", "127.0.0.1:0",
                    "--bridge-target", "127.0.0.1:" + target.getLocalPort()}));
            main.start();

            // Sockbridge: 5 bytes out, 3 back, one native socket
            SockbridgeClient client = SockbridgeClient.connect(main.uri("/sockbridge")).get(10, TimeUnit.SECONDS);
            BridgedSocket s = new BridgedSocket(client, "127.0.0.1", target.getLocalPort());
            try (Socket peer = target.accept()) {
                s.getOutputStream().write("hello".getBytes());
                assertArrayEquals("hello".getBytes(), peer.getInputStream().readNBytes(5));
                peer.getOutputStream().write("hey".getBytes());
                assertArrayEquals("hey".getBytes(), s.getInputStream().readNBytes(3));
            }
            s.close();
            client.close();
            Map<String, Object> f = next();
            assertClientIsThisHost(f);
            assertEquals("ws/sockbridge", f.get("transport"));
            assertEquals(5L, f.get("bytesToNative"), f.toString());
            assertEquals(3L, f.get("bytesFromNative"), f.toString());
            assertEquals(1L, f.get("socketsOpened"), f.toString());
            assertEquals(1000, f.get("closeCode"), f.toString());
            assertTrue((Long) f.get("durationMs") >= 0);

            // the websockify bridge: 4 bytes each way; the target's end closes the session
            QueuingWebSocket bridge = new QueuingWebSocket();
            WebSocket ws = open(main.uri("/websockify"), bridge, "binary");
            try (Socket peer = target.accept()) {
                ws.sendBinary(ByteBuffer.wrap("ping".getBytes()), true).get(10, TimeUnit.SECONDS);
                assertArrayEquals("ping".getBytes(), peer.getInputStream().readNBytes(4));
                peer.getOutputStream().write("pong".getBytes());
                assertArrayEquals("pong".getBytes(), (byte[]) bridge.next());
            }
            f = next();
            assertClientIsThisHost(f);
            assertTrue(f.get("transport").toString().startsWith("ws/"), f.toString());
            assertEquals(4L, f.get("bytesToNative"), f.toString());
            assertEquals(4L, f.get("bytesFromNative"), f.toString());
            assertEquals(1L, f.get("socketsOpened"), f.toString());

            // Emscripten's POSIX proxy: a socket call, then the client closes with 1000
            QueuingWebSocket posix = new QueuingWebSocket();
            WebSocket pw = open(main.uri("/emscripten"), posix);
            byte[] call = new byte[20];
            ByteBuffer.wrap(call).order(ByteOrder.LITTLE_ENDIAN).putInt(9).putInt(1).putInt(2).putInt(1).putInt(0);
            pw.sendBinary(ByteBuffer.wrap(call), true).get(10, TimeUnit.SECONDS);
            assertEquals(9, ByteBuffer.wrap((byte[]) posix.next()).order(ByteOrder.LITTLE_ENDIAN).getInt());
            pw.sendClose(1000, "done").get(10, TimeUnit.SECONDS);
            f = next();
            assertClientIsThisHost(f);
            assertTrue(f.get("transport").toString().startsWith("ws/"), f.toString());
            assertTrue(!f.get("transport").equals("ws/sockbridge"), f.toString());
            assertEquals(0L, f.get("bytesToNative"), f.toString());
            assertEquals(1000, f.get("closeCode"), f.toString());
        }
        assertEquals(0, main.accessLog().tracked(), "nothing kept for ended sessions");
    }

    @Test
    void accessLogOffInstallsNoListener() throws Exception {
        main = new ProxyMain(ProxyOptions.parse(new String[] {"--listen", "127.0.0.1:0", "--access-log", "off"}));
        main.start();
        assertEquals(null, main.accessLog());
    }

    private final HttpClient http = HttpClient.newHttpClient();

    private WebSocket open(URI uri, QueuingWebSocket c, String... subprotocols) throws Exception {
        return QueuingWebSocket.open(http, uri, c, subprotocols);
    }
}

package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runnable proxy (in this JVM) answers at {@code /} as the tools it replaces do, the protocol picked by the
 * offered subprotocol: {@code sockbridge.v1} Sockbridge, {@code binary} the websockify bridge to
 * {@code --bridge-target} (TCP, or UDP with {@code --bridge-udp}; {@code base64} the same in websockify's text
 * framing), none Emscripten's POSIX proxy; anything else
 * a 400 with the reason. Real sockets on loopback, the JDK's own WebSocket client.
 */
@Timeout(60)
class RootRoutesTest {
    private ProxyMain main;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (main != null) {
            main.stop();
        }
    }

    private void start(String... extra) throws Exception {
        String[] args = new String[extra.length + 2];
        args[0] = "--listen";
        args[1] = "127.0.0.1:0";
        System.arraycopy(extra, 0, args, 2, extra.length);
        main = new ProxyMain(ProxyOptions.parse(args));
        main.start();
    }

    private WebSocket open(URI uri, QueuingWebSocket c, String... subprotocols) throws Exception {
        return QueuingWebSocket.open(http, uri, c, subprotocols);
    }

    @Test
    void binaryAtTheRootIsTheBridgeToTheConfiguredTcpTarget() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            start("--bridge-target", "127.0.0.1:" + target.getLocalPort());
            QueuingWebSocket c = new QueuingWebSocket();
            WebSocket ws = open(main.uri("/"), c, "binary");
            assertEquals("binary", ws.getSubprotocol());
            try (Socket peer = target.accept()) {
                ws.sendBinary(ByteBuffer.wrap("ping".getBytes()), true).get(10, TimeUnit.SECONDS);
                assertArrayEquals("ping".getBytes(), peer.getInputStream().readNBytes(4));
                peer.getOutputStream().write("pong".getBytes());
                assertArrayEquals("pong".getBytes(), (byte[]) c.next());
            }
            assertTrue(c.next().toString().startsWith("closed 1000"), "the target's end closes the WebSocket");
        }
    }

    @Test
    void base64AtTheRootIsWebsockifysTextFramingToTheSameTarget() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            start("--bridge-target", "127.0.0.1:" + target.getLocalPort());
            QueuingWebSocket c = new QueuingWebSocket();
            WebSocket ws = open(main.uri("/"), c, "base64");
            assertEquals("base64", ws.getSubprotocol());
            try (Socket peer = target.accept()) {
                ws.sendText("cGluZw==", true).get(10, TimeUnit.SECONDS); // "ping"
                assertArrayEquals("ping".getBytes(), peer.getInputStream().readNBytes(4));
                peer.getOutputStream().write("pong".getBytes());
                assertEquals("cG9uZw==", c.next(), "the target's bytes come back as base64 text");
            }
            assertTrue(c.next().toString().startsWith("closed 1000"));
        }
    }

    @Test
    void theRootBridgesTargetStaysUnderThePolicy() throws Exception {
        // TEST-NET-1, never routed: the default policy (loopback only) refuses it before any packet leaves
        start("--bridge-target", "192.0.2.1:7000");
        QueuingWebSocket c = new QueuingWebSocket();
        open(main.uri("/"), c, "binary");
        String closed = c.next().toString();
        assertTrue(closed.startsWith("closed 1008"), closed);
        assertEquals(0, main.proxy().stats().nativeChannelsOpen());
    }

    @Test
    void withBridgeUdpTheRootBridgeCarriesDatagrams() throws Exception {
        try (DatagramSocket target = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            target.setSoTimeout(20_000);
            start("--bridge-target", "127.0.0.1:" + target.getLocalPort(), "--bridge-udp");
            QueuingWebSocket c = new QueuingWebSocket();
            // any path without a route of its own is served the same way (websockify ignores the path)
            WebSocket ws = open(main.uri("/some/path"), c, "binary");
            ws.sendBinary(ByteBuffer.wrap("one".getBytes()), true).get(10, TimeUnit.SECONDS);
            ws.sendBinary(ByteBuffer.wrap("two".getBytes()), true).get(10, TimeUnit.SECONDS);
            DatagramPacket p = new DatagramPacket(new byte[64], 64);
            target.receive(p);
            assertEquals("one", new String(p.getData(), 0, p.getLength()));
            target.receive(p);
            assertEquals("two", new String(p.getData(), 0, p.getLength()), "one datagram per message");
            target.send(new DatagramPacket("back".getBytes(), 4, p.getSocketAddress()));
            assertArrayEquals("back".getBytes(), (byte[]) c.next());
            ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * socket(AF_INET, SOCK_STREAM, 0) as Emscripten's client sends it (little-endian). Handed over in a
     * big-endian buffer: the JDK's WebSocket client masks through the buffer's own byte order, so a
     * little-endian one goes out scrambled.
     */
    private static ByteBuffer posixSocketCall(int callId) {
        byte[] b = new byte[20];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(callId).putInt(1).putInt(2).putInt(1).putInt(0);
        return ByteBuffer.wrap(b);
    }

    @Test
    void noSubprotocolAtTheRootIsEmscriptensPosixProxy() throws Exception {
        start();
        QueuingWebSocket c = new QueuingWebSocket();
        WebSocket ws = open(main.uri("/"), c);
        assertEquals("", ws.getSubprotocol(), "no subprotocol answered to a client that offered none");
        ws.sendBinary(posixSocketCall(7), true).get(10, TimeUnit.SECONDS);
        byte[] reply = (byte[]) c.next();
        ByteBuffer res = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        assertTrue(res.remaining() >= 12, "a reply header");
        assertEquals(7, res.getInt(), "the call id: " + java.util.HexFormat.of().formatHex(reply));
        assertTrue(res.getInt() > 0, "a socket handle");
        assertEquals(0, res.getInt(), "errno");
        ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
    }

    @Test
    void sockbridgeAtTheRootAndTheNamedPathsStillWork() throws Exception {
        start();
        try (ServerSocket nativeServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            for (String path : new String[] {"/", "/sockbridge"}) {
                SockbridgeClient client = SockbridgeClient.connect(main.uri(path)).get(10, TimeUnit.SECONDS);
                BridgedSocket s = new BridgedSocket(client, "127.0.0.1", nativeServer.getLocalPort());
                try (Socket peer = nativeServer.accept()) {
                    s.getOutputStream().write("hi".getBytes());
                    assertArrayEquals("hi".getBytes(), peer.getInputStream().readNBytes(2), path);
                }
                s.close();
                client.close();
            }
        }
        // the named Emscripten path keeps serving clients that offer nothing
        QueuingWebSocket c = new QueuingWebSocket();
        WebSocket ws = open(main.uri("/emscripten"), c);
        ws.sendBinary(posixSocketCall(1), true).get(10, TimeUnit.SECONDS);
        assertEquals(1, ByteBuffer.wrap((byte[]) c.next()).order(ByteOrder.LITTLE_ENDIAN).getInt());
        ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
    }

    @Test
    void anUnknownSubprotocolAloneGetsA400WithTheReason() throws Exception {
        start();
        ExecutionException e = assertThrows(ExecutionException.class, () -> open(main.uri("/"), new QueuingWebSocket(), "chat"));
        WebSocketHandshakeException h = assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
        assertEquals(400, h.getResponse().statusCode());
        // the reason, as a client that reads the body sees it
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), main.uri("/").getPort())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Protocol: base64x\r\n\r\n").getBytes());
            String res = new String(s.getInputStream().readAllBytes());
            assertTrue(res.startsWith("HTTP/1.1 400"), res);
            assertTrue(res.contains("none of the offered subprotocols [base64x] is spoken at /; it speaks"), res);
        }
    }
}

package dev.sockbridge.samples.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.SockbridgeProxy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole path over the sample transport: a {@link SockbridgeClient} connects to a {@link SockbridgeProxy} by a
 * {@code tcp-framed://} URI (both find the provider through ServiceLoader), opens a TCP socket through the proxy to
 * a plain echo server on loopback, and reads its bytes back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FramedTcpEchoThroughProxyTest {

    @Test
    void aClientEchoesThroughTheProxyOverTcpFramed() throws Exception {
        assertInstanceOf(FramedTcpTransportProvider.class, Transports.forUri(URI.create("tcp-framed://127.0.0.1:1")));
        try (ServerSocket echo = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             SockbridgeProxy proxy = SockbridgeProxy.builder().build()) {
            Thread echoThread = new Thread(() -> echoOne(echo), "echo");
            echoThread.setDaemon(true);
            echoThread.start();

            URI uri = proxy.serve(URI.create("tcp-framed://127.0.0.1:0")).get(10, TimeUnit.SECONDS);
            try (SockbridgeClient client = SockbridgeClient.connect(uri).get(10, TimeUnit.SECONDS);
                 BridgedSocket socket = new BridgedSocket(client, "127.0.0.1", echo.getLocalPort())) {
                byte[] sent = "hello over a length-prefixed TCP transport".getBytes(StandardCharsets.UTF_8);
                socket.getOutputStream().write(sent);
                socket.getOutputStream().flush();
                assertArrayEquals(sent, socket.getInputStream().readNBytes(sent.length));
                socket.shutdownOutput();
                assertEquals(-1, socket.getInputStream().read(), "the echo server ends once our side did");
            }
            echoThread.join(Duration.ofSeconds(10).toMillis());
        }
    }

    /** Echoes one connection until its peer shuts down output; bounded by the accept and read timeouts. */
    private static void echoOne(ServerSocket server) {
        try {
            server.setSoTimeout(20_000);
            try (Socket s = server.accept()) {
                s.setSoTimeout(20_000);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                }
            }
        } catch (java.io.IOException e) {
            // the test fails on its own read
        }
    }
}

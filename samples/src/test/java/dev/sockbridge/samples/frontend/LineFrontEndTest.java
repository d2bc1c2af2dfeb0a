package dev.sockbridge.samples.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.SockbridgeProxy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The line protocol served by a real proxy over the in-process transport, to real TCP servers on 127.0.0.1. */
@Timeout(60)
class LineFrontEndTest {
    SockbridgeProxy proxy;
    ServerTransport server;
    Transport client;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    ServerSocket target;

    @BeforeEach
    void start() throws Exception {
        proxy = SockbridgeProxy.builder().threads(1).build();
        URI uri = URI.create("inprocess://lines-" + System.nanoTime());
        server = Transports.forUri(uri).newServer(uri, TransportOptions.defaults());
        proxy.serve(server, LineFrontEnd.FACTORY).get(10, TimeUnit.SECONDS);
        client = Transports.forUri(uri).connect(uri, TransportOptions.defaults()).get(10, TimeUnit.SECONDS);
        client.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                lines.add(frame.toString(StandardCharsets.UTF_8));
                frame.release();
            }

            @Override
            public void closed(int code, String reason) {
                lines.add("closed " + code);
            }
        });
        target = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void stop() throws Exception {
        client.close(1000, "done");
        server.shutdownNow().get(10, TimeUnit.SECONDS);
        proxy.shutdown(Duration.ofSeconds(1)).get(20, TimeUnit.SECONDS);
        assertEquals(0, proxy.stats().nativeChannelsOpen(), "every native channel closed");
        target.close();
    }

    void send(String line) {
        client.send(ByteBufUtil.writeUtf8(client.alloc(), line));
    }

    String next() throws InterruptedException {
        String l = lines.poll(10, TimeUnit.SECONDS);
        assertNotNull(l, "no line within 10 s");
        return l;
    }

    /** Serves one connection of {@link #target} on a thread: echoes every byte until the client ends the stream. */
    void echoOneConnection() {
        Thread t = new Thread(() -> {
            try (Socket s = target.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                in.transferTo(out);
            } catch (Exception e) {
                // the test fails on what it does not receive
            }
        }, "echo");
        t.setDaemon(true);
        t.start();
    }

    @Test
    void connectedLinesAreEchoedAsDataLines() throws Exception {
        echoOneConnection();
        send("CONNECT 127.0.0.1 " + target.getLocalPort());
        assertEquals("OK connected", next());
        send("SEND hello sockbridge");
        assertEquals("OK 17", next(), "the byte count of the line and its newline");
        assertEquals("DATA hello sockbridge", next());
        send("CLOSE");
        assertEquals("OK", next());
        send("SEND more");
        assertEquals("ERR 107 not connected", next());
    }

    @Test
    void theTargetsEndOfStreamIsEof() throws Exception {
        Thread t = new Thread(() -> {
            try (Socket s = target.accept()) {
                s.getOutputStream().write("bye\n".getBytes(StandardCharsets.UTF_8));
            } catch (Exception e) {
                // the test fails on what it does not receive
            }
        }, "bye");
        t.setDaemon(true);
        t.start();
        send("CONNECT localhost " + target.getLocalPort()); // a name: the engine resolves it under the policy
        assertEquals("OK connected", next());
        assertEquals("DATA bye", next());
        assertEquals("EOF", next());
    }

    @Test
    void aClosedPortIsErrEconnrefused() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        send("CONNECT 127.0.0.1 " + closed);
        String l = next();
        assertTrue(l.startsWith("ERR 111 "), l);
    }

    @Test
    void thePolicyDecidesEveryTarget() throws Exception {
        long denied = proxy.stats().callsDenied();
        send("CONNECT 10.255.255.1 80"); // the default policy allows loopback only
        String l = next();
        assertTrue(l.startsWith("ERR 13 "), l);
        assertEquals(denied + 1, proxy.stats().callsDenied());
    }

    @Test
    void badCommandsAreErrEinval() throws Exception {
        send("HELLO");
        assertEquals("ERR 22 unknown command: HELLO", next());
        send("CONNECT 127.0.0.1");
        assertEquals("ERR 22 usage: CONNECT host port", next());
    }
}

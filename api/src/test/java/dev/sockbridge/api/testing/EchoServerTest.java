package dev.sockbridge.api.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each script of the shared echo server, seen from a plain client socket on loopback. */
@Timeout(60)
class EchoServerTest {
    private static Socket connect(EchoServer server) throws IOException {
        Socket s = new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort());
        s.setSoTimeout(20_000);
        return s;
    }

    private static byte[] readToEof(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) >= 0; ) {
            all.write(buf, 0, n);
        }
        return all.toByteArray();
    }

    /** Waits (bounded) until the counter reaches {@code expected}; fails with its last value otherwise. */
    private static void awaitCount(LongSupplier counter, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (counter.getAsLong() != expected && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertEquals(expected, counter.getAsLong());
    }

    @Test
    void echoesUntilEofThenHalfClosesItsSide() throws Exception {
        try (EchoServer server = EchoServer.start(); Socket s = connect(server)) {
            s.getOutputStream().write("hello".getBytes());
            s.shutdownOutput();
            assertArrayEquals("hello".getBytes(), readToEof(s.getInputStream()));
            assertEquals(5, server.bytesRead());
        }
    }

    @Test
    void resetAbortsTheConnectionAfterItsCount() throws Exception {
        try (EchoServer server = EchoServer.builder().tcp(EchoServer.Script.reset(4)).start(); Socket s = connect(server)) {
            s.getOutputStream().write("0123456789".getBytes());
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            // a reset, not an orderly EOF: the read fails
            assertThrows(SocketException.class, () -> {
                byte[] buf = new byte[16];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
            });
            assertTrue(got.size() <= 4, "echoed more than the reset's count: " + got);
        }
    }

    @Test
    void stallReadsNothingUntilReleasedThenEchoes() throws Exception {
        try (EchoServer server = EchoServer.builder().tcp(EchoServer.Script.drop().afterStall(EchoServer.MAX_STALL))
                .receiveBufferSize(16 * 1024).start();
             SocketChannel ch = SocketChannel.open(server.tcpAddress())) {
            ch.configureBlocking(false);
            ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
            long written = 0;
            // bounded: both kernel buffers of a loopback pair fill in far less than 64 MiB
            while (written < (64 << 20)) {
                chunk.clear();
                int n = ch.write(chunk);
                if (n == 0) {
                    break;
                }
                written += n;
            }
            assertTrue(written < (64 << 20), "the window never filled: the stalled peer is reading");
            assertEquals(0, server.bytesRead(), "a stalled connection read");
            // release() ends the stalls of connections accepted so far; the kernel fills the windows before accept
            awaitCount(server::connectionsAccepted, 1);
            server.release();
            long total = written;
            awaitCount(server::bytesRead, total);
        }
    }

    @Test
    void dropReadsAndDiscards() throws Exception {
        try (EchoServer server = EchoServer.builder().tcp(EchoServer.Script.drop()).start(); Socket s = connect(server)) {
            s.getOutputStream().write(new byte[100_000]);
            s.shutdownOutput();
            assertEquals(0, readToEof(s.getInputStream()).length);
            assertEquals(100_000, server.bytesRead());
        }
    }

    @Test
    void throttleEchoesEverythingAtNoMoreThanItsRate() throws Exception {
        int rate = 20_000;
        try (EchoServer server = EchoServer.builder().tcp(EchoServer.Script.throttle(rate)).start(); Socket s = connect(server)) {
            byte[] payload = new byte[10_000];
            new java.util.Random(3).nextBytes(payload);
            long t0 = System.nanoTime();
            s.getOutputStream().write(payload);
            s.shutdownOutput();
            assertArrayEquals(payload, readToEof(s.getInputStream()));
            // a lower bound the throttle guarantees (it sleeps out each chunk's share), not a speed check
            long minNanos = (payload.length - rate / 10) * 1_000_000_000L / rate;
            assertTrue(System.nanoTime() - t0 >= minNanos, "faster than the throttle allows");
        }
    }

    @Test
    void sourceWritesItsPatternThenHalfCloses() throws Exception {
        try (EchoServer server = EchoServer.builder().tcp(EchoServer.Script.source(200_000)).start(); Socket s = connect(server)) {
            byte[] got = readToEof(s.getInputStream());
            assertEquals(200_000, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(EchoServer.patternByte(i), got[i], "byte " + i);
            }
        }
    }

    @Test
    void connectionsOverTheBoundAreReset() throws Exception {
        try (EchoServer server = EchoServer.builder().maxConnections(1).start();
             Socket first = connect(server); Socket second = connect(server)) {
            assertThrows(SocketException.class, () -> {
                second.getOutputStream().write(1);
                second.getInputStream().read();
            });
            first.getOutputStream().write(7);
            assertEquals(7, first.getInputStream().read());
            assertEquals(2, server.connectionsAccepted());
        }
    }

    @Test
    void scriptAppliesToConnectionsAcceptedAfterIt() throws Exception {
        try (EchoServer server = EchoServer.start(); Socket before = connect(server)) {
            before.getOutputStream().write(1);
            assertEquals(1, before.getInputStream().read()); // accepted, with the echo script
            server.script(EchoServer.Script.reset(0));
            try (Socket after = connect(server)) {
                assertThrows(SocketException.class, () -> {
                    after.getOutputStream().write(2);
                    after.getInputStream().read();
                });
            }
            before.getOutputStream().write(3);
            assertEquals(3, before.getInputStream().read());
        }
    }

    @Test
    void udpEchoesEachDatagram() throws Exception {
        try (EchoServer server = EchoServer.start();
             DatagramSocket c = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            c.setSoTimeout(20_000);
            c.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, server.udpAddress()));
            DatagramPacket p = new DatagramPacket(new byte[16], 16);
            c.receive(p);
            assertEquals(3, p.getLength());
            assertEquals(1, server.datagramsRead());
        }
    }

    @Test
    void closedPortRefusesAndUdpRefusesTcpScripts() throws Exception {
        int port = EchoServer.closedPort();
        assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
        assertThrows(IllegalArgumentException.class, () -> EchoServer.builder().udp(EchoServer.Script.reset(0)));
        assertThrows(IllegalArgumentException.class, () -> EchoServer.Script.stall(Duration.ofHours(1)));
    }
}

package dev.sockbridge.frontend.emscripten;

import static dev.sockbridge.frontend.emscripten.EmClient.sin;
import static dev.sockbridge.frontend.emscripten.EmscriptenPosixSessionTest.addrReq;
import static dev.sockbridge.frontend.emscripten.EmscriptenPosixSessionTest.intVal;
import static dev.sockbridge.frontend.emscripten.EmscriptenPosixSessionTest.recvReq;
import static dev.sockbridge.frontend.emscripten.EmscriptenPosixSessionTest.setsockoptReq;
import static dev.sockbridge.frontend.emscripten.EmscriptenPosixSessionTest.socketReq;
import static dev.sockbridge.proxy.LockStepPeer.pattern;
import static dev.sockbridge.proxy.LockStepPeer.writeInLockStep;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.frontend.emscripten.EmClient.Rep;
import dev.sockbridge.frontend.emscripten.WebsockifyBridgeTest.WsClient;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What has arrived goes to the client whole: one POSIX-proxy {@code recv} returns all the proxy has read ahead
 * (up to the caller's length), however small the pieces the native peer wrote, with the read-ahead bounded per
 * socket; the websockify bridge sends what one pass of reads brought in as one message (up to 64 KiB), not a
 * message per read. Real TCP peers on 127.0.0.1.
 */
@Timeout(90)
class RecvWholeBufferTest extends EmscriptenTestBase {
    static final int AF_INET = 2, SOCK_STREAM = 1, SOL_SOCKET = 1, SO_RCVBUF = 8;

    int tcpConnected(EmClient c, int port) throws Exception {
        Rep s = c.call(socketReq(c.nextId(), AF_INET, SOCK_STREAM, 0));
        assertTrue(s.ret() > 100, () -> "socket: " + s);
        Rep r = c.call(addrReq(c.nextId(), 5, s.ret(), sin("127.0.0.1", port)));
        assertEquals(0, r.ret(), () -> "connect: " + r);
        return s.ret();
    }

    // ------------------------------------------------------------------ POSIX proxy

    @Test
    void oneRecvReturnsAllThatArrivedInSmallPieces() throws Exception {
        EmClient c = posixClient(posixServer());
        int h = tcpConnected(c, peers.manualPort());
        byte[] data = pattern(200 << 10);
        try (Socket peer = peers.nextManual()) {
            peer.setTcpNoDelay(true);
            writeInLockStep(peer, data, 512, () -> proxy.stats().bytesFromNative());
            Rep r = c.call(recvReq(c.nextId(), h, 256 << 10, 0));
            System.out.println("POSIX proxy: one recv of 256 KiB after " + data.length
                    + " bytes arrived in 512-byte pieces returned " + r.ret());
            assertEquals(data.length, r.ret(), "one recv returns all that arrived");
            assertEquals(12 + data.length, r.len());
            assertArrayEquals(data, r.slice(12, data.length));
        }
    }

    /**
     * A recv that waits is answered with all that has arrived once it comes, not with the first read's buffer
     * (Netty's first guess is 2 KiB; reading is off between reads, so each read takes one buffer).
     */
    @Test
    void aWaitingRecvGetsAllThatArrivedAtOnce() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "needs Linux's /proc/net/tcp to see the kernel queue");
        EmClient c = posixClient(posixServer());
        int h = tcpConnected(c, peers.manualPort());
        byte[] data = pattern(48 << 10); // within what a fresh loopback socket's receive window takes at once
        try (Socket peer = peers.nextManual()) {
            long calls = proxy.stats().callsTotal();
            java.util.concurrent.CompletableFuture<Rep> recv = c.send(recvReq(c.nextId(), h, 256 << 10, 0));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (proxy.stats().callsTotal() <= calls) { // handled, found nothing: it waits
                assertTrue(System.nanoTime() < deadline, "the recv reached the proxy");
                Thread.onSpinWait();
            }
            withLoopsHeld(() -> writeIntoKernelQueue(peer, data));
            Rep r = recv.get(10, TimeUnit.SECONDS);
            System.out.println("POSIX proxy: a waiting recv of 256 KiB, " + data.length + " bytes arriving at once: " + r.ret());
            assertEquals(data.length, r.ret(), "the waiting recv gets all that arrived");
            assertArrayEquals(data, r.slice(12, data.length));
        }
    }

    /**
     * A client that does not recv: the proxy reads ahead up to the socket's receive buffer and stops, its count
     * of held bytes never past that plus one read; recvs then get full buffers until the peer's data ends.
     */
    @Test
    void readAheadStaysWithinTheReceiveBufferAndRecvsGetFullBuffers() throws Exception {
        int rcvbuf = SessionLimits.defaults().socketReceiveBuffer();
        assertTrue(rcvbuf >= 256 << 10, "a default read-ahead like a kernel receive buffer: " + rcvbuf);
        EmClient c = posixClient(posixServer());
        int h = tcpConnected(c, peers.manualPort());
        byte[] data = pattern(1 << 20);
        // one read brings at most what Netty's adaptive allocator asks for (64 KiB); the proxy's count also has
        // what the transport holds for the session, at most the reply the client has just read
        long bound = rcvbuf + (64 << 10) + (64 << 10) + 12;
        try (Socket peer = peers.nextManual()) {
            Future<?> writer = java.util.concurrent.Executors.newSingleThreadExecutor().submit(() -> {
                peer.getOutputStream().write(data);
                return null;
            });
            long peak = 0;
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.size() < data.length) {
                // wait until the proxy has read ahead all it may (a full buffer, or the rest of the data)
                long want = Math.min(data.length, got.size() + rcvbuf);
                while (proxy.stats().bytesFromNative() < want) {
                    peak = Math.max(peak, proxy.stats().bufferedBytes());
                    assertTrue(System.nanoTime() < deadline, "the proxy read " + proxy.stats().bytesFromNative()
                            + " bytes, " + got.size() + " taken");
                    Thread.onSpinWait();
                }
                peak = Math.max(peak, proxy.stats().bufferedBytes());
                assertTrue(peak <= bound, "held " + peak + " bytes, more than the receive buffer + one read + one reply (" + bound + ")");
                Rep r = c.call(recvReq(c.nextId(), h, 64 << 10, 0));
                assertEquals(Math.min(64 << 10, data.length - got.size()), r.ret(), "a full buffer per recv");
                got.write(r.b(), 12, r.ret());
            }
            writer.get(10, TimeUnit.SECONDS);
            System.out.println("POSIX proxy: read-ahead held at most " + peak + " bytes (receive buffer " + rcvbuf + ")");
            assertArrayEquals(data, got.toByteArray());
        }
    }

    @Test
    void soRcvbufCapsTheReadAhead() throws Exception {
        EmClient c = posixClient(posixServer());
        int h = tcpConnected(c, peers.manualPort());
        int asked = 16 << 10;
        assertEquals(0, c.call(setsockoptReq(c.nextId(), h, SOL_SOCKET, SO_RCVBUF, intVal(asked))).ret());
        byte[] data = pattern(200 << 10);
        try (Socket peer = peers.nextManual()) {
            Future<?> writer = java.util.concurrent.Executors.newSingleThreadExecutor().submit(() -> {
                peer.getOutputStream().write(data);
                return null;
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (proxy.stats().bytesFromNative() < asked) {
                assertTrue(System.nanoTime() < deadline, "the proxy read " + proxy.stats().bytesFromNative());
                Thread.onSpinWait();
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            while (got.size() < data.length) {
                assertTrue(proxy.stats().bufferedBytes() <= asked + (128 << 10) + 12, "held " + proxy.stats().bufferedBytes()
                        + " with SO_RCVBUF " + asked);
                Rep r = c.call(recvReq(c.nextId(), h, 256 << 10, 0));
                assertTrue(r.ret() > 0 && r.ret() <= asked + (64 << 10), () -> "recv gave " + r.ret());
                got.write(r.b(), 12, r.ret());
            }
            writer.get(10, TimeUnit.SECONDS);
            assertArrayEquals(data, got.toByteArray());
        }
    }

    // ------------------------------------------------------------------ websockify bridge

    /**
     * The bytes waiting in the kernel's receive queue of the local socket connected to {@code remotePort} on
     * loopback (rx_queue of /proc/net/tcp), or -1 when there is no such socket.
     */
    static long kernelQueued(int remotePort) throws Exception {
        String port = String.format(":%04X", remotePort);
        // an IPv6 socket (Netty's epoll makes them dual-stack) connected to 127.0.0.1 is listed in tcp6
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path p = Path.of(table);
            if (!Files.isReadable(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 4 && f[2].endsWith(port) && f[3].equals("01")) {
                    return Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16);
                }
            }
        }
        return -1;
    }

    @Test
    void theBridgeSendsWhatOnePassReadAsOneMessage() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "needs Linux's /proc/net/tcp to see the kernel queue");
        URI uri = server("bridge", t -> WebsockifyBridge.serve(proxy, t,
                BridgeTargets.fixed("127.0.0.1", peers.manualPort(), BridgeTargets.Kind.TCP), "/"));
        int total = 48 << 10; // within what a fresh loopback socket's receive window takes at once
        byte[] data = pattern(total);
        try (WsClient c = new WsClient(uri); Socket peer = peers.nextManual()) {
            peer.setTcpNoDelay(true);
            // the bridge is connected and reading once the peer has the client's byte
            c.send(new byte[] {1});
            assertEquals(1, peer.getInputStream().read());
            // the proxy's loops stand still while the peer writes, so the bridge finds it all in its socket's
            // receive queue at once, as on a busy connection
            withLoopsHeld(() -> writeIntoKernelQueue(peer, data));
            byte[] first = c.next();
            System.out.println("bridge: " + total + " bytes waiting in 4 KiB segments came as a first message of "
                    + first.length + " bytes");
            assertEquals(total, first.length, "one message for what one pass read");
            assertArrayEquals(data, first);
        }
    }

    /**
     * Runs {@code whileHeld} while every loop of the proxy stands still (each busy with a task that waits for the
     * end of it), so what arrives meanwhile waits in the kernel and is found there all at once, as on a busy proxy.
     */
    void withLoopsHeld(ThrowingRunnable whileHeld) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Future<?>> held = new ArrayList<>();
        CountDownLatch holding = new CountDownLatch(count(proxy.eventLoopGroup()));
        for (EventExecutor e : proxy.eventLoopGroup()) {
            held.add(e.submit(() -> {
                holding.countDown();
                release.await(30, TimeUnit.SECONDS);
                return null;
            }));
        }
        try {
            assertTrue(holding.await(10, TimeUnit.SECONDS), "the loops are held");
            whileHeld.run();
        } finally {
            release.countDown();
        }
        for (Future<?> f : held) {
            f.get(10, TimeUnit.SECONDS);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Writes {@code data} in 4 KiB pieces and waits until the socket connected to the peer's port holds it all. */
    void writeIntoKernelQueue(Socket peer, byte[] data) throws Exception {
        OutputStream out = peer.getOutputStream();
        for (int off = 0; off < data.length; off += 4096) {
            out.write(data, off, Math.min(4096, data.length - off));
            out.flush();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (kernelQueued(peers.manualPort()) != data.length) {
            assertTrue(System.nanoTime() < deadline, "the proxy's socket holds " + kernelQueued(peers.manualPort())
                    + " of " + data.length + " bytes");
            Thread.onSpinWait();
        }
    }

    private static int count(Iterable<EventExecutor> group) {
        int n = 0;
        for (EventExecutor ignored : group) {
            n++;
        }
        return n;
    }
}

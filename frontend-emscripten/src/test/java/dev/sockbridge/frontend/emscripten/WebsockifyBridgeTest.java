package dev.sockbridge.frontend.emscripten;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The websockify-compatible bridge against real native peers on 127.0.0.1: data both ways, end of
 * stream both ways, backpressure both ways with bounded memory, policy denial, UDP with the SOCKFS
 * port announcement.
 */
@Timeout(90)
class WebsockifyBridgeTest extends EmscriptenTestBase {

    /** A WebSocket-side client: binary messages in, every message received kept in order, the close code. */
    static final class WsClient implements AutoCloseable {
        final Transport t;
        final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();

        WsClient(URI uri) throws Exception {
            t = Transports.forUri(uri).connect(uri, TransportOptions.defaults()).get(10, TimeUnit.SECONDS);
            t.start(new TransportListener() {
                @Override
                public void frameReceived(ByteBuf frame) {
                    messages.add(ByteBufUtil.getBytes(frame));
                    frame.release();
                }

                @Override
                public void closed(int code, String reason) {
                    closed.complete(code + " " + reason);
                }
            });
        }

        void send(byte[] b) {
            t.send(Unpooled.wrappedBuffer(b));
        }

        byte[] next() throws InterruptedException {
            byte[] b = messages.poll(10, TimeUnit.SECONDS);
            if (b == null) {
                throw new AssertionError("no message within 10 s; closed: " + closed.getNow("no"));
            }
            return b;
        }

        /** Reads stream bytes (message boundaries mean nothing for TCP) until n have come. */
        byte[] read(int n) throws InterruptedException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (out.size() < n) {
                byte[] b = next();
                assertTrue(b.length > 0, "an empty message");
                out.write(b, 0, b.length);
            }
            return out.toByteArray();
        }

        String awaitClose() throws Exception {
            return closed.get(15, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            t.close(1000, "client done");
        }
    }

    URI bridge(BridgeTargets targets, String requestTarget) throws Exception {
        return server("bridge", t -> WebsockifyBridge.serve(proxy, t, targets, requestTarget));
    }

    URI tcpBridgeTo(int port) throws Exception {
        return bridge(BridgeTargets.fixed("127.0.0.1", port, BridgeTargets.Kind.TCP), "/");
    }

    // ------------------------------------------------------------------ TCP

    @Test
    void tcpBytesGoBothWays() throws Exception {
        try (WsClient c = new WsClient(tcpBridgeTo(peers.echoPort()))) {
            c.send("hello ".getBytes());
            c.send("world".getBytes());
            assertEquals("hello world", new String(c.read(11)));
            byte[] big = new byte[1 << 20];
            new Random(5).nextBytes(big);
            for (int off = 0; off < big.length; off += 65536) {
                c.send(java.util.Arrays.copyOfRange(big, off, off + 65536));
            }
            assertArrayEquals(big, c.read(big.length));
        }
    }

    @Test
    void targetEndOfStreamClosesTheWebSocketWith1000AfterItsData() throws Exception {
        try (WsClient c = new WsClient(tcpBridgeTo(peers.manualPort()))) {
            try (Socket peer = peers.nextManual()) {
                peer.getOutputStream().write("last words".getBytes());
            }
            assertEquals("last words", new String(c.read(10)));
            assertTrue(c.awaitClose().startsWith("1000 "), c.closed.get());
            assertNull(c.messages.poll());
        }
        awaitStats(s -> s.nativeChannelsOpen() == 0 && s.sessionsOpen() == 0, "bridge released");
    }

    @Test
    void webSocketCloseClosesTcpAfterItsData() throws Exception {
        WsClient c = new WsClient(tcpBridgeTo(peers.manualPort()));
        try (Socket peer = peers.nextManual()) {
            peer.setSoTimeout(10_000);
            c.send("bye".getBytes());
            c.close();
            InputStream in = peer.getInputStream();
            assertEquals("bye", new String(in.readNBytes(3)));
            assertEquals(-1, in.read(), "the target sees end of stream");
        }
        awaitStats(s -> s.nativeChannelsOpen() == 0 && s.sessionsOpen() == 0, "bridge released");
    }

    @Test
    void policyDenialClosesWith1008AndOpensNothing() throws Exception {
        long denied = proxy.stats().callsDenied();
        try (WsClient c = new WsClient(bridge(BridgeTargets.fixed("10.255.255.1", 80, BridgeTargets.Kind.TCP), "/"))) {
            String how = c.awaitClose();
            assertTrue(how.startsWith("1008 ") && how.contains("policy denies"), how);
        }
        assertEquals(denied + 1, proxy.stats().callsDenied());
        assertEquals(0, proxy.stats().nativeChannelsOpen());
        try (WsClient c = new WsClient(bridge(BridgeTargets.fixed("10.255.255.1", 53, BridgeTargets.Kind.UDP), "/"))) {
            assertTrue(c.awaitClose().startsWith("1008 "));
        }
    }

    @Test
    void noTargetForTheUrlClosesWith1008AndCountsAsDenied() throws Exception {
        long denied = proxy.stats().callsDenied();
        try (WsClient c = new WsClient(bridge(BridgeTargets.fromUrl(BridgeTargets.Kind.TCP), "/bridge/"))) {
            String how = c.awaitClose();
            assertTrue(how.startsWith("1008 ") && how.contains("no bridge target"), how);
        }
        awaitStats(s -> s.callsDenied() == denied + 1, "the refusal counted as a denied call");
    }

    @Test
    void unreachableTargetClosesWith1011() throws Exception {
        try (WsClient c = new WsClient(tcpBridgeTo(NativePeers.closedPort()))) {
            String how = c.awaitClose();
            assertTrue(how.startsWith("1011 ") && how.contains("cannot connect"), how);
        }
        awaitStats(s -> s.nativeChannelsOpen() == 0, "no channel left");
    }

    @Test
    void tokenFileAndPathTargetsRouteToTheirServers(@TempDir Path dir) throws Exception {
        Path tokens = dir.resolve("tokens.cfg");
        Files.writeString(tokens, "# websockify token file\necho: 127.0.0.1:" + peers.echoPort() + "\n");
        try (WsClient c = new WsClient(bridge(BridgeTargets.tokenFile(tokens, BridgeTargets.Kind.TCP), "/websockify?token=echo"))) {
            c.send("tok".getBytes());
            assertEquals("tok", new String(c.read(3)));
        }
        try (WsClient c = new WsClient(bridge(BridgeTargets.fromUrl(BridgeTargets.Kind.TCP), "/tcp?target=127.0.0.1:" + peers.echoPort()))) {
            c.send("path".getBytes());
            assertEquals("path", new String(c.read(4)));
        }
    }

    /** Polls a counter until it stops moving for {@code quietMs} (bounded by 30 s): the writer is blocked. */
    static long awaitStall(java.util.function.LongSupplier counter, long quietMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = -1;
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long v = counter.getAsLong();
            if (v != last) {
                last = v;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(quietMs)) {
                return v;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("never stalled: " + counter.getAsLong());
    }

    @Test
    void aPausedWebSocketReaderStopsTheTargetAndMemoryStaysBounded() throws Exception {
        final int total = 48 << 20;
        WsClient c = new WsClient(tcpBridgeTo(peers.manualPort()));
        try (c; Socket peer = peers.nextManual()) {
            c.t.setAutoRead(false); // the WebSocket client stops reading
            AtomicLong written = new AtomicLong();
            CRC32 sent = new CRC32();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = peer.getOutputStream();
                    Random r = new Random(9);
                    byte[] chunk = new byte[64 << 10];
                    for (int off = 0; off < total; off += chunk.length) {
                        r.nextBytes(chunk);
                        synchronized (sent) {
                            sent.update(chunk);
                        }
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            long stalledAt = awaitStall(written::get, 500);
            assertTrue(stalledAt < total, "the target was never held back");
            long fromNative = proxy.stats().bytesFromNative();
            // what the bridge took off the socket: the WebSocket's high-water mark (1 MiB) plus one read batch
            assertTrue(fromNative < 4 << 20, () -> "the bridge buffered " + fromNative + " bytes for a paused reader");
            // resume: everything arrives, in order
            c.t.setAutoRead(true);
            CRC32 got = new CRC32();
            long n = 0;
            while (n < total) {
                byte[] b = c.next();
                got.update(b);
                n += b.length;
            }
            writer.get(30, TimeUnit.SECONDS);
            assertEquals(total, n);
            assertEquals(sent.getValue(), got.getValue());
        }
    }

    @Test
    void aTargetThatDoesNotReadStopsTheWebSocketSender() throws Exception {
        final int total = 48 << 20;
        WsClient c = new WsClient(tcpBridgeTo(peers.manualPort()));
        try (c; Socket peer = peers.nextManual()) {
            byte[] chunk = new byte[64 << 10];
            Random r = new Random(11);
            CRC32 sent = new CRC32();
            long n = 0;
            while (n < total && c.t.isWritable()) {
                r.nextBytes(chunk);
                sent.update(chunk);
                c.send(chunk.clone());
                n += chunk.length;
            }
            assertTrue(n < total, "the sender was never held back");
            long stuck = n;
            // the bridge holds at most its channel's water mark plus one WebSocket read
            awaitStall(() -> proxy.stats().bytesToNative(), 300);
            long toNative = proxy.stats().bytesToNative();
            assertTrue(toNative <= stuck, toNative + " > " + stuck);
            // the target reads: the rest goes through
            CRC32 got = new CRC32();
            CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    InputStream in = peer.getInputStream();
                    byte[] buf = new byte[1 << 16];
                    long m = 0;
                    while (m < total) {
                        int k = in.read(buf);
                        if (k < 0) {
                            break;
                        }
                        got.update(buf, 0, k);
                        m += k;
                    }
                    return m;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (n < total) {
                assertTrue(System.nanoTime() < deadline, "the sender was never let go");
                if (!c.t.isWritable()) {
                    Thread.sleep(1);
                    continue;
                }
                r.nextBytes(chunk);
                sent.update(chunk);
                c.send(chunk.clone());
                n += chunk.length;
            }
            assertEquals(total, reader.get(60, TimeUnit.SECONDS));
            assertEquals(sent.getValue(), got.getValue());
        }
    }

    // ------------------------------------------------------------------ UDP

    @Test
    void udpMessagesAreDatagramsAndThePortAnnouncementIsConsumed() throws Exception {
        URI uri = bridge(BridgeTargets.fixed("127.0.0.1", peers.udpPort(), BridgeTargets.Kind.UDP), "/");
        try (WsClient c = new WsClient(uri)) {
            byte[] announce = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'p', 'o', 'r', 't', 0x1f, (byte) 0x90};
            c.send(announce);
            c.send("d1".getBytes());
            c.send("d222".getBytes());
            c.send(new byte[1400]);
            // each datagram comes back as its own message; the announcement never reached the echo server
            assertEquals("d1", new String(c.next()));
            assertEquals("d222", new String(c.next()));
            assertEquals(1400, c.next().length);
            // only the first message can be an announcement
            c.send(announce);
            assertArrayEquals(announce, c.next());
        }
        awaitStats(s -> s.nativeChannelsOpen() == 0 && s.sessionsOpen() == 0, "bridge released");
    }

    @Test
    void udpDatagramsFromOthersAreNotDelivered() throws Exception {
        try (DatagramSocket target = new DatagramSocket(0, NativePeers.LOOPBACK);
             DatagramSocket stranger = new DatagramSocket(0, NativePeers.LOOPBACK)) {
            target.setSoTimeout(10_000);
            URI uri = bridge(BridgeTargets.fixed("127.0.0.1", target.getLocalPort(), BridgeTargets.Kind.UDP), "/");
            try (WsClient c = new WsClient(uri)) {
                c.send("hi".getBytes());
                java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[100], 100);
                target.receive(p);
                assertEquals("hi", new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
                stranger.send(new java.net.DatagramPacket("spam".getBytes(), 4, p.getSocketAddress()));
                target.send(new java.net.DatagramPacket("reply".getBytes(), 5, p.getSocketAddress()));
                assertEquals("reply", new String(c.next()));
                assertNull(c.messages.poll(200, TimeUnit.MILLISECONDS));
            }
        }
    }

    // ------------------------------------------------------------------ targets

    @Test
    void targetsParse(@TempDir Path dir) throws Exception {
        assertEquals(new BridgeTargets.Target("::1", 80, BridgeTargets.Kind.TCP), BridgeTargets.Target.parse("[::1]:80", BridgeTargets.Kind.TCP));
        assertEquals(new BridgeTargets.Target("h", 53, BridgeTargets.Kind.UDP), BridgeTargets.Target.parse("udp://h:53", BridgeTargets.Kind.TCP));
        BridgeTargets path = BridgeTargets.fromUrl(BridgeTargets.Kind.TCP);
        assertEquals(new BridgeTargets.Target("127.0.0.1", 7000, BridgeTargets.Kind.TCP), path.resolve("/bridge/127.0.0.1:7000"));
        assertEquals(new BridgeTargets.Target("::1", 80, BridgeTargets.Kind.TCP), path.resolve("/x/%5B%3A%3A1%5D%3A80?y=1"));
        assertNull(path.resolve("/bridge/"));
        assertEquals(new BridgeTargets.Target("127.0.0.1", 7001, BridgeTargets.Kind.TCP), path.resolve("/websockify?target=127.0.0.1:7001"));
        assertEquals(new BridgeTargets.Target("127.0.0.1", 7002, BridgeTargets.Kind.TCP), path.resolve("/websockify?x=1&target=127.0.0.1%3A7002"));
        assertNull(path.resolve("/websockify?target="));
        assertNull(path.resolve("/bridge/nonsense"));
        assertNull(path.resolve("/bridge/h:99999"));

        Path f = dir.resolve("t.cfg");
        Files.writeString(f, "# comment\n\ndb: 127.0.0.1:5432\nv6: [::1]:80\nu: udp://127.0.0.1:53\n");
        BridgeTargets tok = BridgeTargets.tokenFile(f, BridgeTargets.Kind.TCP);
        assertEquals(5432, tok.resolve("/?token=db").port());
        assertEquals(5432, tok.resolve("/websockify/db").port());
        assertEquals("::1", tok.resolve("/?a=b&token=v6").host());
        assertEquals(BridgeTargets.Kind.UDP, tok.resolve("/?token=u").kind());
        assertNull(tok.resolve("/?token=nope"));
        assertNull(tok.resolve("/"));
        // edited: re-read
        Files.writeString(f, "db: 127.0.0.1:6543\n");
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertEquals(6543, tok.resolve("/?token=db").port());
        // a directory of token files
        Path d = Files.createDirectory(dir.resolve("tokens"));
        Files.writeString(d.resolve("a"), "a: 127.0.0.1:1\n");
        Files.writeString(d.resolve("b"), "b: 127.0.0.1:2\n");
        BridgeTargets dirTok = BridgeTargets.tokenFile(d, BridgeTargets.Kind.TCP);
        assertEquals(2, dirTok.resolve("/?token=b").port());
        Files.writeString(f, "broken line\n");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> BridgeTargets.tokenFile(f, BridgeTargets.Kind.TCP));
    }
}

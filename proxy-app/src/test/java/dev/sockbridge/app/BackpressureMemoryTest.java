package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.transport.websocket.WebSocketServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Backpressure end to end over WebSocket: a native sender pushes 256 MiB as fast as it can to a
 * client that keeps pausing. The proxy must stop reading the native socket while the WebSocket
 * cannot take more, so the direct memory of the whole JVM (proxy, transport and client) stays flat.
 */
@Timeout(300)
class BackpressureMemoryTest {
    static final long TOTAL = 256L << 20;
    /**
     * Direct memory counts what Netty's pooling allocator holds, not bytes in use: it keeps and
     * fragments chunks, so the figure jumps by tens of MiB with thread timing (seen from 8 to 77 MiB).
     * Without backpressure the proxy would hold what the sender writes during each pause (up to the
     * rest of the 256 MiB); half the transfer separates the two cases without flaking on the allocator.
     */
    static final long LIMIT = TOTAL / 2;
    /**
     * What the proxy may read from the target ahead of what the application received: its session
     * buffer and water marks plus the kernel's loopback socket buffers (autotuned to a few MiB each);
     * seen up to 19 MiB. Counted in bytes, so the allocator's chunks do not blur it. With the proxy's
     * read gate removed it was 224 MiB ahead in both modes, while direct memory in push mode stayed
     * at 30 MiB (the proxy's read buffers come and go): this is the check that catches it.
     */
    static final long IN_FLIGHT_LIMIT = 64L << 20;

    static long directMemoryUsed() {
        long netty = io.netty.util.internal.PlatformDependent.usedDirectMemory();
        long jdk = 0;
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                jdk = b.getMemoryUsed();
            }
        }
        return Math.max(0, netty) + jdk;
    }

    @Test
    void pullModeMemoryStaysBoundedWhile256MiBFlowToAPausingReader() throws Exception {
        run(false);
    }

    /**
     * Push mode with more credit than the whole transfer, so credit never limits: only the WebSocket's
     * writability does. The client's listener stalls its event loop, the client stops reading the
     * WebSocket, TCP fills, the proxy's WebSocket channel turns unwritable, and the proxy must stop
     * reading the native socket.
     */
    @Test
    void pushModeWithUnlimitedCreditIsHeldBackByWebSocketWritabilityAlone() throws Exception {
        run(true);
    }

    private void run(boolean push) throws Exception {
        SockbridgeProxy proxy = SockbridgeProxy.builder().build();
        WebSocketServer ws = WebSocketServer.builder().bind("127.0.0.1", 0).eventLoopGroup(proxy.eventLoopGroup())
                .options(TransportOptions.defaults().with(TransportOptions.MAX_FRAME_SIZE, 1 << 20)).build();
        URI uri = proxy.serve(ws.transport("/sockbridge")).get(10, TimeUnit.SECONDS);
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicLong peak = new AtomicLong();
        // bytes the proxy read from the native socket that the application has not received yet
        AtomicLong delivered = new AtomicLong();
        AtomicLong peakInFlight = new AtomicLong();
        long baseline = directMemoryUsed();
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peak.accumulateAndGet(directMemoryUsed() - baseline, Math::max);
                peakInFlight.accumulateAndGet(proxy.stats().bytesFromNative() - delivered.get(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "memory-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try (ServerSocket nativeServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> sentCrc = CompletableFuture.supplyAsync(() -> {
                try (Socket s = nativeServer.accept()) {
                    OutputStream out = s.getOutputStream();
                    byte[] chunk = new byte[1 << 16];
                    new Random(11).nextBytes(chunk);
                    CRC32 crc = new CRC32();
                    for (long sent = 0; sent < TOTAL; sent += chunk.length) {
                        chunk[(int) (sent / chunk.length) % chunk.length] ^= 1; // vary the content
                        out.write(chunk);
                        crc.update(chunk);
                    }
                    s.shutdownOutput();
                    return crc.getValue();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            SockbridgeClient client = SockbridgeClient.connect(uri).get(10, TimeUnit.SECONDS);
            long received = 0;
            CRC32 crc = new CRC32();
            if (push) {
                int fd = client.socket(2, 1, 0).get(10, TimeUnit.SECONDS);
                client.connect(fd, new java.net.InetSocketAddress("127.0.0.1", nativeServer.getLocalPort())).get(10, TimeUnit.SECONDS);
                CompletableFuture<Void> eof = new CompletableFuture<>();
                long[] nextPause = {32L << 20};
                client.push(fd, new dev.sockbridge.api.client.PushListener() {
                    @Override
                    public void onData(int f, io.netty.buffer.ByteBuf data, java.net.InetSocketAddress from, int flags) {
                        byte[] b = io.netty.buffer.ByteBufUtil.getBytes(data);
                        crc.update(b);
                        if (delivered.addAndGet(b.length) >= nextPause[0]) {
                            nextPause[0] += 32L << 20;
                            try {
                                Thread.sleep(300); // the consumer stalls; the client stops reading its WebSocket
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }

                    @Override
                    public void onReady(int f, int events, int errno) {
                        if ((events & dev.sockbridge.api.Posix.POLLRDHUP) != 0) {
                            eof.complete(null);
                        }
                    }
                }, 4L << 30, dev.sockbridge.api.client.CreditMode.MANUAL).get(10, TimeUnit.SECONDS);
                eof.get(120, TimeUnit.SECONDS);
                received = delivered.get();
            } else try (BridgedSocket s = new BridgedSocket(client, "127.0.0.1", nativeServer.getLocalPort())) {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[1 << 16];
                long nextPause = 32L << 20;
                int n;
                while ((n = in.read(buf)) > 0) {
                    crc.update(buf, 0, n);
                    received += n;
                    delivered.addAndGet(n);
                    if (received >= nextPause) {
                        // a slow consumer: the app stops reading for a while
                        Thread.sleep(300);
                        nextPause += 32L << 20;
                    }
                }
            }
            sampling.set(false);
            assertEquals(TOTAL, received, "every byte arrived");
            assertEquals(sentCrc.get(30, TimeUnit.SECONDS), crc.getValue(), "in order and intact");
            System.out.printf("256 MiB through a pausing reader (%s mode): peak direct memory above baseline %.1f MiB,"
                    + " peak bytes read from the target and not yet received %.1f MiB%n",
                    push ? "push" : "pull", peak.get() / 1048576.0, peakInFlight.get() / 1048576.0);
            assertTrue(peak.get() < LIMIT, "direct memory peaked at " + peak.get() + " bytes, over " + LIMIT);
            assertTrue(peakInFlight.get() < IN_FLIGHT_LIMIT, "the proxy read " + peakInFlight.get()
                    + " bytes ahead of the application, over " + IN_FLIGHT_LIMIT);
            client.close();
        } finally {
            sampling.set(false);
            // the server runs on the proxy's event loops: stop it before the proxy stops them
            ws.shutdownNow().get(30, TimeUnit.SECONDS);
            proxy.shutdown(Duration.ofSeconds(1)).get(30, TimeUnit.SECONDS);
        }
    }
}

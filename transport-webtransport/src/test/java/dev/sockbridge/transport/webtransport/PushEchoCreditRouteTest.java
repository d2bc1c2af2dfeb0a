package dev.sockbridge.transport.webtransport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.client.CreditMode;
import dev.sockbridge.api.client.PushListener;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.testing.EchoServer;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.SockbridgeProxy;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A windowed push-mode echo of 4 MiB through a native TCP echo server with small socket buffers, over
 * {@code quic://}, {@code webtransport://} and in-process, with the socket on a stream of its own and its credit
 * granted on the main channel (protocol 1.3: credit may be sent on any stream) or on its own stream.
 *
 * <p>"late" grants only while the client's window is full: the proxy runs out of credit, stops reading the echo
 * server, which stops reading, so the proxy's native writes back up and SENDs park; the CREDIT that unblocks
 * everything then has to be read while SENDs are parked. A proxy that stopped reading the session (or the
 * socket's stream, whose unread bytes would hold QUIC's connection window) while a SEND is parked would
 * deadlock here; the echo must complete every time.
 */
@Timeout(120)
class PushEchoCreditRouteTest {
    private static final int TOTAL = 4 << 20;
    private static final int CHUNK = 16 << 10;
    private static final int WINDOW = 1 << 20;
    private static final int INITIAL_CREDIT = 64 << 10;

    private static SockbridgeProxy proxy;
    private static NativePeers peers;
    private static final java.util.List<EchoServer> smallEchoes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final Map<String, QuicServerTransport> servers = new ConcurrentHashMap<>();
    private static final Map<String, URI> uris = new ConcurrentHashMap<>();

    @BeforeAll
    static void startProxy() throws Exception {
        proxy = QuicProxies.startBoth(o -> o, servers, uris);
        peers = new NativePeers(1 << 10);
        URI name = URI.create("inprocess://push-echo-credit-route-" + System.nanoTime());
        uris.put("inprocess", proxy.serve(dev.sockbridge.api.transport.Transports.forUri(name)
                .newServer(name, TransportOptions.defaults())).get(10, TimeUnit.SECONDS));
    }

    @AfterAll
    static void stopProxy() throws Exception {
        QuicProxies.stop(proxy, peers);
        smallEchoes.forEach(EchoServer::close);
    }

    private static SockbridgeClient connect(String scheme) throws Exception {
        if (scheme.equals("inprocess")) {
            return SockbridgeClient.connect(uris.get(scheme)).get(20, TimeUnit.SECONDS);
        }
        TransportOptions o = QuicProxies.pinned(servers.get(scheme));
        return SockbridgeClient.connect(uris.get(scheme), o).get(20, TimeUnit.SECONDS);
    }

    /** A TCP echo with small socket buffers, so that it stops reading soon after its replies stop being read. */
    private static InetSocketAddress smallEcho() throws Exception {
        EchoServer echo = EchoServer.builder().receiveBufferSize(16 << 10).sendBufferSize(16 << 10).start();
        smallEchoes.add(echo);
        return echo.tcpAddress();
    }

    @ParameterizedTest
    @CsvSource({"quic, main, now", "quic, own, now", "webtransport, main, now", "webtransport, own, now",
            "quic, main, late", "quic, own, late", "webtransport, main, late", "webtransport, own, late",
            "inprocess, main, now", "inprocess, own, now", "inprocess, main, late", "inprocess, own, late"})
    void windowedEchoWithCreditOn(String scheme, String creditRoute, String when) throws Exception {
        try (SockbridgeClient client = connect(scheme)) {
            int fd = client.socket(Posix.AF_INET, Posix.SOCK_STREAM, 0).get(10, TimeUnit.SECONDS);
            client.useOwnStream(fd).get(10, TimeUnit.SECONDS);
            client.connect(fd, smallEcho()).get(10, TimeUnit.SECONDS);
            Transport main = client.transport();
            MessageCodec codec = MessageCodec.cbor();
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            Object lock = new Object();
            long[] toGrant = new long[1];
            java.util.function.LongConsumer grant = n -> {
                if ("main".equals(creditRoute)) {
                    main.send(codec.encode(new Control.Credit(fd, n), main.alloc()));
                } else {
                    client.grant(fd, n);
                }
            };
            client.push(fd, new PushListener() {
                @Override
                public void onData(int sock, ByteBuf data, InetSocketAddress from, int flags) {
                    int n = data.readableBytes();
                    byte[] b = new byte[n];
                    data.getBytes(data.readerIndex(), b);
                    synchronized (lock) {
                        back.write(b, 0, n);
                        toGrant[0] += n;
                        lock.notifyAll();
                    }
                    if ("now".equals(when)) {
                        grantOwed(lock, toGrant, grant);
                    }
                }
            }, INITIAL_CREDIT, CreditMode.MANUAL).get(10, TimeUnit.SECONDS);

            byte[] bulk = new byte[TOTAL];
            for (int i = 0; i < bulk.length; i++) {
                bulk[i] = (byte) (i * 7 + (i >>> 13));
            }
            ArrayDeque<CompletableFuture<Integer>> sends = new ArrayDeque<>();
            int sent = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (sent < TOTAL) {
                synchronized (lock) {
                    while (sent - back.size() >= WINDOW) {
                        // late: granted only once the window is full, so that sends park meanwhile
                        grantOwed(lock, toGrant, grant);
                        long left = deadline - System.nanoTime();
                        assertTrue(left > 0, "echo stalled: sent " + sent + ", echoed " + back.size());
                        lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    }
                }
                byte[] part = java.util.Arrays.copyOfRange(bulk, sent, sent + CHUNK);
                sends.add(client.send(fd, part));
                sent += CHUNK;
                while (!sends.isEmpty() && sends.peek().isDone()) {
                    assertEquals(CHUNK, sends.poll().get());
                }
            }
            synchronized (lock) {
                while (back.size() < TOTAL) {
                    grantOwed(lock, toGrant, grant);
                    long left = deadline - System.nanoTime();
                    assertTrue(left > 0, "echo stalled: sent " + sent + ", echoed " + back.size());
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
                assertArrayEquals(bulk, back.toByteArray());
            }
            for (CompletableFuture<Integer> f : sends) {
                assertEquals(CHUNK, f.get(10, TimeUnit.SECONDS));
            }
            client.close(fd).get(10, TimeUnit.SECONDS);
        }
    }

    private static void grantOwed(Object lock, long[] owed, java.util.function.LongConsumer grant) {
        long n;
        synchronized (lock) {
            n = owed[0];
            owed[0] = 0;
        }
        if (n > 0) {
            grant.accept(n);
        }
    }
}

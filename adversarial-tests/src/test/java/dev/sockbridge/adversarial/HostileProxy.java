package dev.sockbridge.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.testing.EchoServer;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.ProxyLimits;
import dev.sockbridge.proxy.ProxyStats;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.proxy.SocketPolicy;
import dev.sockbridge.frontend.emscripten.BridgeTargets;
import dev.sockbridge.frontend.emscripten.EmscriptenPosixSession;
import dev.sockbridge.frontend.emscripten.WebsockifyBridge;
import dev.sockbridge.transport.websocket.WebSocketOptions;
import dev.sockbridge.transport.websocket.WebSocketRoute;
import dev.sockbridge.transport.websocket.WebSocketServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real proxy as the runnable one is built (samples ProxyMain): one WebSocket listener on loopback
 * with /sockbridge, /emscripten, /websockify (TCP, to a native echo) and /websockify-udp (UDP, to a
 * native echo); native echo and flood servers on loopback; a witness session that keeps doing echo
 * round trips; and a sampler of the proxy's own memory counter ({@link ProxyStats#bufferedBytes()}).
 */
final class HostileProxy implements AutoCloseable {
    /** Per-session budget in these tests: small, so a bound over it is small too. */
    static final long SESSION_BUDGET = 4L << 20;

    final SockbridgeProxy proxy;
    final WebSocketServer ws;
    final URI sockbridge;
    final int port;
    final EchoServer echo;
    final EchoServer flood;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean sampling = new AtomicBoolean(true);
    private final AtomicLong peakBuffered = new AtomicLong();
    private SockbridgeClient witness;
    private int witnessFd;

    HostileProxy(ProxyLimits proxyLimits) throws Exception {
        this(proxyLimits, SessionLimits.defaults().withMaxBufferedBytes(SESSION_BUDGET));
    }

    HostileProxy(ProxyLimits proxyLimits, SessionLimits limits) throws Exception {
        this(proxyLimits, limits, 2);
    }

    HostileProxy(ProxyLimits proxyLimits, SessionLimits limits, int threads) throws Exception {
        this(proxyLimits, limits, threads, null);
    }

    /** With {@code nameServer}: lookups go there, and names under "test" may be resolved (many at once). */
    HostileProxy(ProxyLimits proxyLimits, SessionLimits limits, int threads, InetSocketAddress nameServer) throws Exception {
        SockbridgeProxy.Builder pb = SockbridgeProxy.builder().limits(limits).proxyLimits(proxyLimits).threads(threads);
        if (nameServer != null) {
            pb.nameServer(nameServer).policy(SocketPolicy.builder()
                    .allowConnect("127.0.0.0/8", SocketPolicy.UNPRIVILEGED).allowBind("127.0.0.0/8", "0," + SocketPolicy.UNPRIVILEGED)
                    .allowLookup("test").lookupLimits(new SocketPolicy.LookupLimits(1000, 1000, 100, 10_000, 10_000)).build());
        }
        proxy = pb.build();
        // as ProxyMain: the Sockbridge protocol's largest message by default; only the Emscripten routes need
        // messages as large as one send()
        int emscriptenMax = Math.max(limits.maxFrameSize(), 16 << 20) + 4096;
        TransportOptions o = TransportOptions.defaults()
                .with(TransportOptions.MAX_FRAME_SIZE, limits.maxFrameSize())
                .with(WebSocketOptions.IDLE_TIMEOUT_MILLIS, 0L);
        ws = WebSocketServer.builder().bind("127.0.0.1", 0).options(o).eventLoopGroup(proxy.eventLoopGroup()).build();
        ws.start().get(10, TimeUnit.SECONDS);
        sockbridge = proxy.serve(ws.transport("/sockbridge")).get(10, TimeUnit.SECONDS);
        port = sockbridge.getPort();
        echo = EchoServer.start();
        // a target that sends as fast as it can, bounded: 256 MiB per connection
        flood = EchoServer.builder().tcp(EchoServer.Script.source(256L << 20)).start();
        BridgeTargets.Target tcp = new BridgeTargets.Target("127.0.0.1", echo.tcpAddress().getPort(), BridgeTargets.Kind.TCP);
        BridgeTargets.Target floodTarget = new BridgeTargets.Target("127.0.0.1", flood.tcpAddress().getPort(), BridgeTargets.Kind.TCP);
        BridgeTargets.Target udp = new BridgeTargets.Target("127.0.0.1", echo.udpAddress().getPort(), BridgeTargets.Kind.UDP);
        ws.addRoute(WebSocketRoute.builder("/emscripten", s -> EmscriptenPosixSession.serve(proxy, s))
                .maxMessageSize(emscriptenMax).build());
        ws.addRoute(WebSocketRoute.builder("/websockify", s -> WebsockifyBridge.serve(proxy, s, tcp))
                .subprotocols(WebsockifyBridge.SUBPROTOCOL).maxMessageSize(emscriptenMax).build());
        ws.addRoute(WebSocketRoute.builder("/websockify-flood", s -> WebsockifyBridge.serve(proxy, s, floodTarget))
                .subprotocols(WebsockifyBridge.SUBPROTOCOL).maxMessageSize(emscriptenMax).build());
        ws.addRoute(WebSocketRoute.builder("/websockify-udp", s -> WebsockifyBridge.serve(proxy, s, udp))
                .subprotocols(WebsockifyBridge.SUBPROTOCOL).build());
        daemon("buffered-sampler", () -> {
            while (sampling.get()) {
                peakBuffered.accumulateAndGet(proxy.stats().bufferedBytes(), Math::max);
                Thread.sleep(2);
            }
        });
    }

    interface IoTask {
        void run() throws Exception;
    }

    private void daemon(String name, IoTask t) {
        Thread th = new Thread(() -> {
            try {
                t.run();
            } catch (Exception e) {
                // closed at the end of the test
            }
        }, name);
        th.setDaemon(true);
        th.start();
        threads.add(th);
    }

    InetSocketAddress tcpEchoAddress() {
        return echo.tcpAddress();
    }

    InetSocketAddress udpEchoAddress() {
        return echo.udpAddress();
    }

    /** Opens the witness: a well-behaved session with a TCP connection to the echo server. */
    void openWitness() throws Exception {
        witness = SockbridgeClient.connect(sockbridge).get(30, TimeUnit.SECONDS);
        witnessFd = witness.socket(Posix.AF_INET, Posix.SOCK_STREAM, 0).get(30, TimeUnit.SECONDS);
        witness.connect(witnessFd, tcpEchoAddress()).get(30, TimeUnit.SECONDS);
        witnessRoundTrip();
    }

    /**
     * One echo round trip of the witness session, bounded at 30 s (a liveness bound, not a speed
     * check: a proxy starved by an attack fails it); returns its time in nanoseconds.
     */
    long witnessRoundTrip() throws Exception {
        byte[] msg = new byte[64];
        ThreadLocalRandom.current().nextBytes(msg);
        long t0 = System.nanoTime();
        assertEquals(64, witness.send(witnessFd, msg).get(30, TimeUnit.SECONDS));
        byte[] got = new byte[0];
        while (got.length < 64) {
            byte[] more = witness.recvBytes(witnessFd, 64 - got.length).get(30, TimeUnit.SECONDS);
            if (more.length == 0) {
                throw new AssertionError("the witness's echo connection ended");
            }
            byte[] both = new byte[got.length + more.length];
            System.arraycopy(got, 0, both, 0, got.length);
            System.arraycopy(more, 0, both, got.length, more.length);
            got = both;
        }
        assertArrayEquals(msg, got, "the witness's echo came back intact");
        return System.nanoTime() - t0;
    }

    void closeWitness() {
        if (witness != null) {
            witness.close();
            witness = null;
        }
    }

    /** {@code n} witness round trips: the proxy still serves others while the attack goes on. */
    void witnessRoundTrips(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            witnessRoundTrip();
        }
    }

    /** Fails if {@link ProxyStats#bufferedBytes()} peaked over {@code bound} since the last reset; resets it. */
    void assertPeakBufferedAtMost(long bound) {
        long peak = takePeakBuffered();
        assertTrue(peak <= bound, "the proxy held " + peak + " bytes, over " + bound);
    }

    /** Resets the peak of {@link ProxyStats#bufferedBytes()}; returns the peak since the last reset. */
    long takePeakBuffered() {
        return peakBuffered.getAndSet(proxy.stats().bufferedBytes());
    }

    ProxyStats stats() {
        return proxy.stats();
    }

    /**
     * Waits (at most 30 s: closing is asynchronous) until no session and no native channel is open
     * and nothing is buffered, then asserts it, naming what is left.
     */
    void assertQuiescent() throws InterruptedException {
        ProxyStats s = proxy.stats();
        for (int i = 0; i < 3000 && (s.sessionsOpen() != 0 || s.nativeChannelsOpen() != 0 || s.bufferedBytes() != 0); i++) {
            Thread.sleep(10);
            s = proxy.stats();
        }
        assertEquals(0, s.sessionsOpen(), "sessions open after every client left: " + s);
        assertEquals(0, s.nativeChannelsOpen(), "native channels open after every client left: " + s);
        assertEquals(0, s.bufferedBytes(), "bytes still held after every client left: " + s);
    }

    @Override
    public void close() throws Exception {
        sampling.set(false);
        closeWitness();
        echo.close();
        flood.close();
        ws.shutdownNow().get(30, TimeUnit.SECONDS);
        proxy.shutdown(Duration.ofSeconds(1)).get(30, TimeUnit.SECONDS);
    }
}

package dev.sockbridge.metrics;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.SOCK_DGRAM;
import static dev.sockbridge.api.Posix.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.GaiError;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.EchoServer;
import dev.sockbridge.api.testing.SessionDriver;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.ProxyLimits;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SockbridgeProxy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real sessions through a real proxy (in-process transport, native loopback sockets) move the meters as a
 * Prometheus scrape shows them: an echo, an errno, a denied call, a refused session, dropped datagrams.
 */
@Timeout(60)
class SockbridgeMetricsTest {
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    SockbridgeProxy proxy;
    EchoServer echo;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
        }
        if (echo != null) {
            echo.close();
        }
        registry.close();
    }

    private URI start(SockbridgeProxy.Builder b) throws Exception {
        SockbridgeMetrics metrics = new SockbridgeMetrics(registry);
        proxy = b.listener(metrics).build();
        metrics.bindTo(proxy);
        URI name = URI.create("inprocess://metrics-" + System.nanoTime());
        return proxy.serve(Transports.forUri(name).newServer(name, TransportOptions.defaults())).get(10, TimeUnit.SECONDS);
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(registry.scrape());
    }

    /** Scrapes until {@code p} holds (bounded), and returns that scrape. */
    private PrometheusText awaitScrape(String what, Predicate<PrometheusText> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        PrometheusText t = scrape();
        while (!p.test(t) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            t = scrape();
        }
        assertTrue(p.test(t), what + "; scraped:\n" + t);
        return t;
    }

    @Test
    void anEchoAnErrnoADeniedCallAndARefusedSessionMoveTheirCounters() throws Exception {
        URI uri = start(SockbridgeProxy.builder().proxyLimits(ProxyLimits.defaults().withMaxSessions(1)));
        echo = EchoServer.start();
        byte[] hello = "counted bytes".getBytes(StandardCharsets.US_ASCII);
        try (SessionDriver s = SessionDriver.open(uri)) {
            s.tcpEcho(echo.tcpAddress(), hello, "the echo came back");

            // an errno: nothing listens on that port
            int refusedFd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.error(new Request.Connect(s.nextId(), refusedFd,
                    new InetSocketAddress("127.0.0.1", EchoServer.closedPort())), Errno.ECONNREFUSED.code());
            // a denied call: the default policy allows loopback only (TEST-NET-1 is never routed)
            int deniedFd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.error(new Request.Connect(s.nextId(), deniedFd, new InetSocketAddress("192.0.2.1", 80)), Errno.EACCES.code());
            // a refused session: one is the limit
            SessionDriver second = SessionDriver.open(uri, false);
            assertTrue(second.closed.get(SessionDriver.TIMEOUT_S, TimeUnit.SECONDS).startsWith("1013"));

            // during the session: levels and counts as the proxy's own stats say
            PrometheusText t = awaitScrape("the refusal is counted",
                    x -> x.value("sockbridge_sessions_refused_total") >= 1);
            assertEquals(1, t.value("sockbridge_sessions_active"));
            assertEquals(proxy.stats().nativeChannelsOpen(), t.value("sockbridge_native_channels_active"));
            assertTrue(t.value("sockbridge_native_channels_active") >= 1, t.toString());
            assertTrue(t.has("sockbridge_buffered_bytes"), t.toString());
            assertEquals(1, t.value("sockbridge_sessions_opened_total", "transport", "inprocess", "protocol", "sockbridge"));
            assertEquals(1, t.value("sockbridge_sessions_refused_total", "transport", "inprocess", "reason", "limit-sessions"));
            assertEquals(1, t.value("sockbridge_calls_total", "call", "connect", "errno", "none"));
            assertEquals(1, t.value("sockbridge_calls_total", "call", "connect", "errno", "ECONNREFUSED"));
            assertEquals(1, t.value("sockbridge_calls_total", "call", "connect", "errno", "EACCES"));
            assertEquals(3, t.value("sockbridge_calls_total", "call", "socket", "errno", "none"));
            assertEquals(1, t.value("sockbridge_calls_total", "call", "send", "errno", "none"));
            assertEquals(1, t.value("sockbridge_calls_denied_total", "call", "connect"));
            assertEquals(hello.length, t.value("sockbridge_native_bytes_total", "direction", "sent"));
            assertEquals(hello.length, t.value("sockbridge_native_bytes_total", "direction", "received"));
            assertTrue(t.value("sockbridge_native_channels_opened_total", "kind", "tcp") >= 2,
                    "the echo's and the refused connect's channels: " + t);
            assertEquals(proxy.stats().callsTotal(), t.value("sockbridge_calls_total"), "every call counted once");
        }
        // after: the session closed normally, nothing is open
        PrometheusText t = awaitScrape("the session's close is counted",
                x -> x.value("sockbridge_sessions_closed_total") >= 1 && x.value("sockbridge_native_channels_active") == 0);
        assertEquals(1, t.value("sockbridge_sessions_closed_total", "transport", "inprocess", "protocol", "sockbridge",
                "code", "1000"));
        assertEquals(0, t.value("sockbridge_sessions_active"));
        assertEquals(0, t.value("sockbridge_buffered_bytes"));
        assertEquals(1, t.value("sockbridge_sessions_opened_total"), "the refused session was never opened");
    }

    @Test
    void droppedDatagramsAreCountedByReason() throws Exception {
        URI uri = start(SockbridgeProxy.builder());
        try (SessionDriver s = SessionDriver.open(uri);
             DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket stranger = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.ok(new Request.Bind(s.nextId(), fd, new InetSocketAddress("127.0.0.1", 0)));
            s.ok(new Request.Connect(s.nextId(), fd, (InetSocketAddress) peer.getLocalSocketAddress()));
            InetSocketAddress local = ((Reply.Address) s.call(new Request.GetSockName(s.nextId(), fd))).address();
            // a connected UDP socket drops what its peer did not send
            for (int i = 0; i < 3; i++) {
                stranger.send(new DatagramPacket(new byte[] {(byte) i}, 1, local));
            }
            PrometheusText t = awaitScrape("three drops", x -> x.value("sockbridge_datagrams_dropped_total") >= 3);
            assertEquals(3, t.value("sockbridge_datagrams_dropped_total", "reason", "filtered"));
            assertEquals(proxy.stats().datagramsDropped(), t.value("sockbridge_datagrams_dropped_total"));
            assertEquals(1, t.value("sockbridge_native_channels_opened_total", "kind", "udp"));
        }
    }

    @Test
    void tagValuesAreBounded() {
        assertEquals("none", SockbridgeMetrics.errnoName(0));
        assertEquals("ECONNREFUSED", SockbridgeMetrics.errnoName(Errno.ECONNREFUSED.code()));
        assertEquals("EAI_NONAME", SockbridgeMetrics.errnoName(GaiError.EAI_NONAME));
        assertEquals("other", SockbridgeMetrics.errnoName(4242));
        assertEquals("other", SockbridgeMetrics.errnoName(-4242));
        assertEquals("1001", SockbridgeMetrics.closeCode(1001));
        assertEquals("other", SockbridgeMetrics.closeCode(4321));

        // a front end that names its calls without end makes at most MAX_TAG_VALUES series
        SockbridgeMetrics m = new SockbridgeMetrics(registry);
        SessionInfo info = new SessionInfo(1, null, "inprocess", "custom");
        int n = SockbridgeMetrics.MAX_TAG_VALUES * 3;
        for (int i = 0; i < n; i++) {
            m.callEnded(info, "call" + i, -1, 0);
        }
        PrometheusText t = scrape();
        long series = t.samples.stream().filter(x -> x.name().equals("sockbridge_calls_total")).count();
        assertEquals(SockbridgeMetrics.MAX_TAG_VALUES + 1, series, "the bound and one 'other'");
        assertEquals(n, t.value("sockbridge_calls_total"), "every call still counted");
        assertEquals(n - SockbridgeMetrics.MAX_TAG_VALUES, t.value("sockbridge_calls_total", "call", "other"));
    }

    @Test
    void gaugesBindOnce() throws Exception {
        start(SockbridgeProxy.builder());
        SockbridgeMetrics again = new SockbridgeMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        again.bindTo(proxy);
        assertThrows(IllegalStateException.class, () -> again.bindTo(proxy));
    }
}

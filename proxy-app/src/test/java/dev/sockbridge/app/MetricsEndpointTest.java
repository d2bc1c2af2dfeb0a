package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.testing.EchoServer;
import dev.sockbridge.metrics.PrometheusText;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runnable proxy's Prometheus endpoint on the admin listener, scraped as Prometheus would while an echo runs
 * through the proxy and after it ended: the counters move, the levels come back down.
 */
@Timeout(120)
class MetricsEndpointTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private PrometheusText scrape(URI metrics) throws Exception {
        HttpResponse<String> r = get(metrics);
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        return PrometheusText.parse(r.body());
    }

    /** Scrapes until {@code p} holds (bounded), and returns that scrape. */
    private PrometheusText awaitScrape(URI metrics, String what, Predicate<PrometheusText> p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        PrometheusText t = scrape(metrics);
        while (!p.test(t) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            t = scrape(metrics);
        }
        assertTrue(p.test(t), what + "; scraped:\n" + t);
        return t;
    }

    private static URI adminUri(ProxyProcess p, String label) throws InterruptedException {
        return URI.create(p.await(label, 30).replaceFirst("^" + label + "\\s+", "").replaceFirst("\\s.*$", ""));
    }

    @Test
    void scrapesDuringAndAfterAnEchoShowTheCountersMove() throws Exception {
        byte[] hello = "scraped while it runs".getBytes(StandardCharsets.US_ASCII);
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0");
             EchoServer echo = EchoServer.start()) {
            URI uri = p.sockbridgeUri();
            URI metrics = adminUri(p, "metrics:");
            p.await("ready in", 30);
            assertTrue(metrics.getPort() != uri.getPort(), "on the admin listener: " + metrics);

            PrometheusText before = scrape(metrics);
            assertEquals(0, before.value("sockbridge_sessions_active"));
            assertTrue(before.has("jvm_memory_used_bytes"), "the JVM's meters too");

            SockbridgeClient client = SockbridgeClient.connect(uri).get(10, TimeUnit.SECONDS);
            try (BridgedSocket s = new BridgedSocket(client, "127.0.0.1", echo.tcpAddress().getPort())) {
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write(hello);
                assertArrayEquals(hello, in.readNBytes(hello.length));

                // during: one session and its channel open, the echo's bytes counted both ways
                PrometheusText during = awaitScrape(metrics, "the echo's bytes are counted",
                        t -> t.value("sockbridge_native_bytes_total", "direction", "received") >= hello.length);
                assertEquals(1, during.value("sockbridge_sessions_active"));
                assertEquals(1, during.value("sockbridge_native_channels_active"));
                assertEquals(1, during.value("sockbridge_sessions_opened_total", "transport", "ws", "protocol", "sockbridge"));
                assertEquals(1, during.value("sockbridge_calls_total", "call", "connect", "errno", "none"));
                assertEquals(hello.length, during.value("sockbridge_native_bytes_total", "direction", "sent"));
                assertEquals(hello.length, during.value("sockbridge_native_bytes_total", "direction", "received"));
                assertEquals(1, during.value("sockbridge_native_channels_opened_total", "kind", "tcp"));
                assertEquals(0, during.value("sockbridge_sessions_closed_total"));
            }
            client.close();

            // after: the session ended normally, nothing open, nothing held
            // what the session's transport held is given back when the transport's close completes, after the session's
            // end is counted: wait for it to reach 0 (a byte never given back fails here)
            PrometheusText after = awaitScrape(metrics, "the session's end is counted and what it held given back",
                    t -> t.value("sockbridge_sessions_closed_total") >= 1 && t.value("sockbridge_native_channels_active") == 0
                            && t.value("sockbridge_buffered_bytes") == 0);
            assertEquals(1, after.value("sockbridge_sessions_closed_total", "code", "1000"), after.toString());
            assertEquals(0, after.value("sockbridge_sessions_active"));
            assertEquals(0, after.value("sockbridge_buffered_bytes"));
            assertEquals(1, after.value("sockbridge_calls_total", "call", "close"), "the socket's close, once");
        }
    }

    @Test
    void metricsOffLeavesOnlyStats() throws Exception {
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--metrics", "off")) {
            URI stats = adminUri(p, "stats:");
            p.await("ready in", 30);
            assertEquals(200, get(stats).statusCode());
            assertEquals(404, get(stats.resolve("/metrics")).statusCode());
            assertTrue(p.lines.stream().noneMatch(l -> l.startsWith("metrics:")), "no metrics line: " + p.lines);
        }
    }

    @Test
    void aMetricsValueOtherThanOnOrOffIsRefused() throws Exception {
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--metrics", "maybe")) {
            assertEquals(2, p.awaitExit(30));
            assertTrue(String.join("\n", p.lines).contains("--metrics takes on or off"), String.join("\n", p.lines));
        }
    }
}

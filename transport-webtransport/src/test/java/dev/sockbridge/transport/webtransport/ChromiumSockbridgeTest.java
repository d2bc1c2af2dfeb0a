package dev.sockbridge.transport.webtransport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.SockbridgeProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A browser speaking Sockbridge over WebTransport to a {@link SockbridgeProxy}, with the framing written out by hand
 * in {@code src/test/js/sockbridge-wt.mjs} (the reference for the JS client): handshake on the first stream, a TCP
 * echo on a stream of its own, UDP as datagrams both ways, keep-alive datagrams over an idle spell longer than the
 * QUIC idle timeout (Chromium sends nothing by itself), and a close record answered by the session's close.
 * Skipped only if /usr/bin/chromium or node is missing.
 */
@Timeout(180)
class ChromiumSockbridgeTest {
    private static final int DATAGRAMS = 40;

    @Test
    void aPageSpeaksSockbridgeOverWebTransport() throws Exception {
        String node = BrowserHarness.nodeForChromium();

        HttpServer page = BrowserHarness.pageServer();
        String origin = "http://127.0.0.1:" + page.getAddress().getPort();
        SockbridgeProxy proxy = SockbridgeProxy.builder().build();
        try (NativePeers peers = new NativePeers(0)) {
            QuicServerTransport server = (QuicServerTransport) new QuicTransportProvider().newServer(
                    URI.create("webtransport://127.0.0.1:0/sockbridge"),
                    TransportOptions.defaults().with(QuicTransportOptions.ALLOWED_ORIGINS, origin)
                            .with(QuicTransportOptions.IDLE_TIMEOUT_MILLIS, 2000));
            URI uri = proxy.serve(server).get(10, TimeUnit.SECONDS);

            ObjectNode cfg = BrowserHarness.JSON.createObjectNode()
                    .put("chromium", BrowserHarness.CHROMIUM.toString())
                    .put("pageUrl", origin + "/")
                    .put("timeoutMs", 120_000);
            cfg.putObject("page")
                    .put("url", "https://127.0.0.1:" + uri.getPort() + uri.getPath())
                    .put("hash", server.certificate().sha256Base64())
                    .put("tcpEchoPort", peers.tcpEcho.getPort())
                    .put("udpEchoPort", peers.udpEcho.getPort())
                    .put("datagrams", DATAGRAMS)
                    .put("idleMs", 3000) // idle for longer than the idle timeout, kept alive by the page
                    .put("keepAliveMs", 500)
                    .put("stepTimeoutMs", 20_000);
            JsonNode result = BrowserHarness.runForResult(node, "sockbridge-wt.mjs", cfg, "SB-RESULT");
            String context = BrowserHarness.context(result);
            JsonNode p = result.get("page");

            assertEquals(1, p.path("handshake").path("version").asInt(), context);
            assertEquals("sockbridge-proxy/0.1", p.path("handshake").path("agent").asText(), context);
            assertFalse(p.path("afterIdle").path("closedMeanwhile").asBoolean(true),
                    "the page's keep-alive datagrams held the idle session open; " + context);
            assertEquals("hello from a page, over its own stream", p.path("tcpOnItsOwnStream").path("echoed").asText(),
                    context);

            JsonNode udp = p.path("udpAsDatagrams");
            assertTrue(udp.path("echoed").asInt() >= DATAGRAMS * 3 / 4, context);
            assertEquals(udp.path("echoed").asInt(), udp.path("viaDatagram").asInt(), "echoes came as datagrams; "
                    + context);
            assertEquals(0, udp.path("onStream").asInt(), context);

            // the page's close record: the proxy ended the session with its code and reason
            assertEquals(1000, p.path("close").path("closeCode").asInt(), context);
            assertEquals("page done", p.path("close").path("reason").asText(), context);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (proxy.stats().sessionsOpen() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, proxy.stats().sessionsOpen());
            assertEquals(0, proxy.stats().malformedFrames(), "keep-alives never reached the proxy");
            assertEquals(1, proxy.stats().sessionsTotal());
        } finally {
            proxy.shutdown(Duration.ZERO).get(20, TimeUnit.SECONDS);
            page.stop(0);
        }
    }
}

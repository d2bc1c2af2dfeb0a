package dev.sockbridge.transport.webtransport;

import dev.sockbridge.transport.webtransport.internal.WebTransportServer;
import dev.sockbridge.transport.webtransport.internal.WebTransportSession;
import dev.sockbridge.transport.webtransport.internal.WebTransportSessionHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.netty.handler.codec.quic.QuicStreamChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;


import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end with Debian's headless Chromium, driven by playwright-core from {@code src/test/js} (installed with
 * {@code npm ci} on first use; no browser is ever downloaded). A page served over http://127.0.0.1 opens
 * WebTransport sessions with {@code serverCertificateHashes}. Skipped only if /usr/bin/chromium or node is
 * missing.
 */
@Timeout(240)
class ChromiumWebTransportTest {
    private static final int STREAM_BYTES = 1 << 20;
    private static final int DATAGRAMS = 200;
    private static final int CLOSE_CODE = 4242;
    private static final String CLOSE_REASON = "page is done";

    /** Closes every session as soon as it opens, with a code and reason the page must see. */
    private static final class CloseOnOpen implements WebTransportSessionHandler {
        @Override
        public void sessionOpened(WebTransportSession session) {
            session.close(7, "server says bye");
        }

        @Override
        public void streamOpened(WebTransportSession session, QuicStreamChannel stream, boolean bidirectional) {
            stream.close();
        }
    }

    @Test
    void chromiumSessionEchoesStreamsAndDatagramsClosesAndIsRefusedForOtherOriginsAndPaths() throws Exception {
        String node = BrowserHarness.nodeForChromium();

        HttpServer page = BrowserHarness.pageServer();
        HttpServer otherOriginPage = BrowserHarness.pageServer();
        String origin = "http://127.0.0.1:" + page.getAddress().getPort();
        EchoSessionHandler echo = new EchoSessionHandler(true);
        try (WebTransportServer server = WebTransportServer.builder()
                .route("/echo", echo)
                .route("/close-me", new CloseOnOpen())
                .allowOrigins(origin)
                .start()) {
            ObjectNode cfg = BrowserHarness.JSON.createObjectNode()
                    .put("chromium", BrowserHarness.CHROMIUM.toString())
                    .put("pageUrl", origin + "/")
                    .put("otherOriginPageUrl", "http://127.0.0.1:" + otherOriginPage.getAddress().getPort() + "/")
                    .put("timeoutMs", 150_000);
            cfg.putObject("page")
                    .put("wtUrl", "https://127.0.0.1:" + server.localAddress().getPort())
                    .put("hash", server.certificate().sha256Base64())
                    .put("streamBytes", STREAM_BYTES)
                    .put("datagrams", DATAGRAMS)
                    .put("datagramBytes", 1000)
                    .put("closeCode", CLOSE_CODE)
                    .put("closeReason", CLOSE_REASON)
                    .put("stepTimeoutMs", 30_000);

            JsonNode result = BrowserHarness.runForResult(node, "wt-e2e.mjs", cfg, "WT-RESULT");
            String context = BrowserHarness.context(result);
            JsonNode main = result.get("main");

            assertTrue(main.path("ready").has("maxDatagramSize"), context);
            JsonNode bidi = main.get("bidi");
            assertEquals(STREAM_BYTES, bidi.path("sent").asInt(), context);
            assertEquals(STREAM_BYTES, bidi.path("received").asInt(), context);
            assertEquals(-1, bidi.path("firstMismatch").asInt(), context);

            assertEquals(EchoSessionHandler.SERVER_BIDI_GREETING, main.path("serverBidi").path("text").asText(),
                    context);
            assertEquals("ack:" + EchoSessionHandler.SERVER_BIDI_GREETING, echo.serverBidiReply.get(5, SECONDS));

            assertTrue(main.path("uni").path("equal").asBoolean(), context);

            int echoed = main.path("datagrams").path("echoed").asInt();
            assertEquals(0, main.path("datagrams").path("bad").asInt(), context);
            assertTrue(echoed >= DATAGRAMS * 8 / 10, "datagrams echoed " + echoed + "/" + DATAGRAMS
                    + ", server received " + echo.datagrams.get() + ", server send refusals "
                    + echo.opened.get(0).datagramsDropped() + "; " + context);

            // the page's close reached the server with its code and reason
            WebTransportSession.CloseInfo closed = echo.firstClose.get(10, SECONDS);
            assertEquals(CLOSE_CODE, closed.code(), context);
            assertEquals(CLOSE_REASON, closed.reason(), context);
            assertEquals(CLOSE_CODE, main.path("pageClose").path("closeCode").asInt(), context);

            // the server's close reached the page with its code and reason
            assertEquals(7, main.path("serverClose").path("closeCode").asInt(), context);
            assertEquals("server says bye", main.path("serverClose").path("reason").asText(), context);

            // refusals: unknown path (404) and an origin that is not allowed (403)
            assertFalse(main.path("unknownPath").path("opened").asBoolean(true), context);
            assertFalse(result.path("otherOrigin").path("refused").path("opened").asBoolean(true), context);
            assertEquals(1, echo.opened.size(), "only the allowed session reached the handler; " + context);
            assertEquals("/echo", echo.opened.get(0).path());
            assertEquals(origin, echo.opened.get(0).origin());
        } finally {
            page.stop(0);
            otherOriginPage.stop(0);
        }
    }
}

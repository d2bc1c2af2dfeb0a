package dev.sockbridge.transport.webtransport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.netty.handler.codec.quic.QuicStreamChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * End to end with Debian's headless Chromium, driven by playwright-core from {@code src/test/js} (installed with
 * {@code npm ci} on first use; no browser is ever downloaded). A page served over http://127.0.0.1 opens
 * WebTransport sessions with {@code serverCertificateHashes}. Skipped only if /usr/bin/chromium or node is
 * missing.
 */
@Timeout(240)
class ChromiumWebTransportTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path JS_DIR = Path.of("src/test/js").toAbsolutePath();
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
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM);
        String node = findOnPath("node");
        assumeTrue(node != null, "no node on PATH");
        ensurePlaywrightInstalled();

        HttpServer page = pageServer();
        HttpServer otherOriginPage = pageServer();
        String origin = "http://127.0.0.1:" + page.getAddress().getPort();
        EchoSessionHandler echo = new EchoSessionHandler(true);
        try (WebTransportServer server = WebTransportServer.builder()
                .route("/echo", echo)
                .route("/close-me", new CloseOnOpen())
                .allowOrigins(origin)
                .start()) {
            ObjectMapper json = new ObjectMapper();
            ObjectNode cfg = json.createObjectNode()
                    .put("chromium", CHROMIUM.toString())
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

            String out = runNode(node, json.writeValueAsString(cfg));
            String line = out.lines().filter(l -> l.startsWith("WT-RESULT ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no result from the browser run:\n" + out));
            JsonNode result = json.readTree(line.substring("WT-RESULT ".length()));
            String context = "browser result: " + result.toPrettyString();
            System.out.println("Chromium WebTransport run: " + result);
            assertFalse(result.has("fatal"), context);
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

    private static HttpServer pageServer() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = "<!doctype html><meta charset=utf-8><title>sockbridge webtransport test</title>"
                .getBytes(StandardCharsets.UTF_8);
        http.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/") ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        return http;
    }

    /** {@code npm ci} from the lockfile when node_modules is missing; playwright-core downloads no browser. */
    private static void ensurePlaywrightInstalled() throws Exception {
        if (Files.exists(JS_DIR.resolve("node_modules/playwright-core/package.json"))) {
            return;
        }
        String npm = findOnPath("npm");
        assertTrue(npm != null, "node is installed but npm is not");
        Process p = new ProcessBuilder(npm, "ci", "--no-audit", "--no-fund")
                .directory(JS_DIR.toFile()).redirectErrorStream(true).start();
        String log = drain(p.getInputStream(), p, 180);
        assertEquals(0, p.exitValue(), "npm ci failed:\n" + log);
    }

    private static String runNode(String node, String config) throws Exception {
        Process p = new ProcessBuilder(node, "wt-e2e.mjs", config)
                .directory(JS_DIR.toFile()).redirectErrorStream(true).start();
        return drain(p.getInputStream(), p, 200);
    }

    /** Reads the process output until it exits, killing it after {@code seconds}. */
    private static String drain(InputStream in, Process p, long seconds) throws Exception {
        CompletableFuture<String> text = CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try {
                in.transferTo(buf);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return buf.toString(StandardCharsets.UTF_8);
        });
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("process timed out after " + seconds + " s:\n" + text.get(10, SECONDS));
        }
        return text.get(10, SECONDS);
    }

    private static String findOnPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}

package dev.sockbridge.transport.webtransport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

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
 * What the browser tests share: Debian's Chromium, playwright-core from {@code src/test/js} (installed with
 * {@code npm ci} on first use; no browser is ever downloaded), a page server on http://127.0.0.1 (a secure context,
 * so WebTransport is available) and a bounded run of a node script.
 */
final class BrowserHarness {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path JS_DIR = Path.of("src/test/js").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();

    private BrowserHarness() {
    }

    static HttpServer pageServer() throws IOException {
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

    /**
     * The path of node, once the test is known to be able to drive Chromium: skipped (an assumption, not a failure)
     * where /usr/bin/chromium or node is missing; playwright-core installed.
     */
    static String nodeForChromium() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM);
        String node = findOnPath("node");
        assumeTrue(node != null, "no node on PATH");
        ensurePlaywrightInstalled();
        return node;
    }

    /** {@code npm ci} from the lockfile when node_modules is missing; playwright-core downloads no browser. */
    static void ensurePlaywrightInstalled() throws Exception {
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

    /**
     * Runs {@code script} with {@code config} and returns the JSON on its {@code marker} line (the page's result),
     * failing when there is none or the result reports a fatal error.
     */
    static JsonNode runForResult(String node, String script, JsonNode config, String marker) throws Exception {
        String out = runNode(node, script, JSON.writeValueAsString(config));
        String line = out.lines().filter(l -> l.startsWith(marker + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no result from the browser run:\n" + out));
        JsonNode result = JSON.readTree(line.substring(marker.length() + 1));
        System.out.println(script + " run: " + result);
        assertFalse(result.has("fatal"), context(result));
        return result;
    }

    /** A result as an assertion message. */
    static String context(JsonNode result) {
        return "browser result: " + result.toPrettyString();
    }

    static String runNode(String node, String script, String config) throws Exception {
        Process p = new ProcessBuilder(node, script, config)
                .directory(JS_DIR.toFile()).redirectErrorStream(true).start();
        return drain(p.getInputStream(), p, 200);
    }

    /** Reads the process output until it exits, killing it after {@code seconds}. */
    static String drain(InputStream in, Process p, long seconds) throws Exception {
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

    static String findOnPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}

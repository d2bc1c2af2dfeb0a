package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployable artifact: {@code java -jar sockbridge-proxy.jar} started in an empty folder (nothing of the
 * source tree to find) serves the demo page, the browser client and the cbor-x modules the page imports from
 * inside the jar, byte for byte as in clients/js; proxies a session (native epoll and QUIC load from the jar:
 * WebTransport listens); writes a JSON access line; and exits 0 on SIGTERM. Runs in the integration-test phase,
 * after {@code package} built the jar (proxy-app/pom.xml sets {@code sockbridge.jar}).
 */
@EnabledIfSystemProperty(named = "sockbridge.jar", matches = ".+")
@Timeout(180)
class ProxyJarTest {
    @TempDir
    Path empty;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private HttpResponse<byte[]> get(URI base, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static Path clientsJs() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("clients/js/src"))) {
                return p.resolve("clients/js");
            }
        }
        throw new AssertionError("no clients/js above " + Path.of("").toAbsolutePath());
    }

    @Test
    void theJarServesThePageAndTheClientAndProxiesASession() throws Exception {
        Path jar = Path.of(System.getProperty("sockbridge.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " was built");
        try (ProxyProcess p = ProxyProcess.jar(jar, empty, "--demo", "--listen", "127.0.0.1:0",
                "--webtransport-listen", "127.0.0.1:0", "--log-format", "json", "--log", AccessLog.LOGGER + "=info")) {
            p.await("ready in", 90);
            URI ws = p.sockbridgeUri();
            URI base = URI.create("http://127.0.0.1:" + ws.getPort() + "/");
            Path js = clientsJs();

            HttpResponse<byte[]> page = get(base, "demo/index.html");
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
            assertArrayEquals(Files.readAllBytes(js.resolve("demo/index.html")), page.body());
            for (String module : new String[] {"demo/demo.js", "src/sockbridge.js", "src/codec.js", "src/webtransport.js",
                    "node_modules/cbor-x/encode.js", "node_modules/cbor-x/decode.js"}) {
                HttpResponse<byte[]> r = get(base, module);
                assertEquals(200, r.statusCode(), module);
                assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/javascript"), module);
                assertArrayEquals(Files.readAllBytes(js.resolve(module)), r.body(), module + " as in clients/js");
            }
            // the QUIC native library loaded from the jar: the WebTransport listener is up and publishes its hash
            JsonNode wt = JsonAccessLogTest.JSON.readTree(get(base, "webtransport.json").body());
            assertTrue(wt.path("url").asText().startsWith("https://127.0.0.1:"), wt.toString());

            JsonAccessLogTest.echo(ws, 2000);
            JsonAccessLogTest.assertAccessFields(JsonAccessLogTest.accessLine(p), 2000);

            p.process.destroy(); // SIGTERM
            assertEquals(0, p.awaitExit(60));
        }
    }
}

package dev.sockbridge.frontend.emscripten;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sockbridge.proxy.SockbridgeProxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The real thing: Emscripten 3.1.6 programs (built by {@code emscripten/build.sh}) run under node
 * against this proxy's two front ends, served by the test-only {@link TestWebSocketServer}, through
 * {@code emscripten/run-against-java.sh}. Opt-in, because it needs node and the built programs and
 * takes about half a minute: {@code mvn -pl server-proxy test -Dtest=EmscriptenProgramsE2ETest
 * -Dsockbridge.emscripten.e2e=true}.
 */
@EnabledIfSystemProperty(named = "sockbridge.emscripten.e2e", matches = "true")
@Timeout(600)
class EmscriptenProgramsE2ETest {

    @Test
    void everyProgramPassesAgainstTheJavaProxy() throws Exception {
        Path dir = Path.of(System.getProperty("user.dir")).resolveSibling("emscripten");
        Path script = dir.resolve("run-against-java.sh");
        assumeTrue(Files.isExecutable(script), "no " + script);
        assumeTrue(Files.exists(dir.resolve("out/posix_threads.js")), "programs not built: run emscripten/build.sh");
        SockbridgeProxy proxy = SockbridgeProxy.builder().build();
        try (TestWebSocketServer ws = new TestWebSocketServer(proxy, 0)) {
            List<String> cmd = List.of(script.toString(), "--posix-url", ws.posixUrl(), "--bridge-url", ws.tcpBridgeTemplate(),
                    "--bridge-udp-url", ws.udpBridgeTemplate(), "--timeout", "90");
            Path log = Files.createTempFile("emscripten-e2e", ".log");
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(540, TimeUnit.SECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            System.out.println(out);
            assertTrue(done, "run-against-java.sh did not finish");
            String[] lines = out.strip().split("\n");
            assertEquals("13 passed, 0 failed", lines[lines.length - 1].strip(), out);
            assertEquals(0, p.exitValue());
            Files.deleteIfExists(log);
        } finally {
            proxy.shutdown(Duration.ofSeconds(1)).get(20, TimeUnit.SECONDS);
            assertEquals(0, proxy.stats().nativeChannelsOpen(), "native channels left open: " + proxy.stats());
        }
    }
}

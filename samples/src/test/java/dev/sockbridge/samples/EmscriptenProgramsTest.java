package dev.sockbridge.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real Emscripten-built programs (Debian's emcc 3.1.6; built by scripts/test.sh into emscripten/out)
 * run under node against the runnable proxy, in both socket modes: PROXY_POSIX_SOCKETS at
 * /emscripten, and the default SOCKFS emulation through the websockify-compatible bridge.
 */
@Timeout(600)
class EmscriptenProgramsTest {

    @Test
    void everyProgramPassesAgainstTheJavaProxy() throws Exception {
        Path root = BrowserDemoTest.clientDir().getParent().getParent();
        Path em = root.resolve("emscripten");
        assumeTrue(Files.isDirectory(em.resolve("out")) && Files.isDirectory(em.resolve("node_modules")),
                "Emscripten programs not built (scripts/test.sh builds them)");
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--bridge-url-targets")) {
            int port = p.port();
            String base = "ws://127.0.0.1:" + port;
            Path log = Files.createTempFile("emscripten-programs", ".log");
            Process run = new ProcessBuilder("bash", em.resolve("run-against-java.sh").toString(),
                    "--posix-url", base + "/emscripten",
                    "--bridge-url", base + "/websockify?target={target}",
                    "--bridge-udp-url", base + "/websockify-udp?target={target}",
                    "--build-dir", em.resolve("out").toString(), "--timeout", "120")
                    .directory(em.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done = run.waitFor(500, TimeUnit.SECONDS);
            String out = Files.readString(log);
            System.out.println(out);
            assertTrue(done, "programs finished");
            assertEquals(0, run.exitValue(), "every program passed:\n" + out);
            assertTrue(out.contains(" 0 failed"), out);
            assertTrue(out.matches("(?s).*\\b1[3-9] passed.*|.*\\b[2-9][0-9] passed.*"), "all 13+ programs ran:\n" + out);
        }
    }
}

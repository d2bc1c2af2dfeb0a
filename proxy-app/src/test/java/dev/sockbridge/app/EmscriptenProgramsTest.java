package dev.sockbridge.app;

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
 * /emscripten, and the default SOCKFS emulation through the websockify-compatible bridge; and Emscripten's own
 * test programs built with their upstream URLs against the proxy at /.
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

    /**
     * Emscripten's own tests/websocket and tests/sockets programs built with the URLs upstream wrote into them
     * (only hosts and ports substituted: {@code ws://localhost:8080} becomes the proxy's port, SOCKFS clients get
     * {@code -DSOCKK=port} and connect to {@code ws://127.0.0.1:port/} offering {@code binary}), run against
     * runnable proxies answering at {@code /}. emscripten/run-upstream-urls.js starts the proxies on free ports
     * first, then builds the programs for those ports into a temporary folder (about 1 s per program on a
     * quiet machine), so nothing else can take the ports meanwhile.
     */
    @Test
    void upstreamProgramsWithTheirOwnUrlsPassAgainstTheProxyAtTheRoot() throws Exception {
        Path root = BrowserDemoTest.clientDir().getParent().getParent();
        Path em = root.resolve("emscripten");
        assumeTrue(Files.isDirectory(em.resolve("node_modules")), "emscripten/node_modules missing (scripts/test.sh installs it)");
        assumeTrue(new ProcessBuilder("bash", "-c", "command -v emcc gcc").start().waitFor() == 0, "no emcc or gcc");
        Path out = Files.createTempDirectory("emscripten-upstream-urls");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String proxyCmd = "'" + java + "' -Xss512k -cp '" + System.getProperty("java.class.path") + "' " + ProxyMain.class.getName();
        Path log = Files.createTempFile("emscripten-upstream-urls", ".log");
        Process run = new ProcessBuilder("node", em.resolve("run-upstream-urls.js").toString(), "--proxy-cmd", proxyCmd,
                "--build-dir", out.toString(), "--timeout", "120")
                .directory(em.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = run.waitFor(540, TimeUnit.SECONDS);
        if (!done) {
            run.descendants().forEach(ProcessHandle::destroy);
            run.destroy();
            run.waitFor(20, TimeUnit.SECONDS);
        }
        String text = Files.readString(log);
        System.out.println(text);
        assertTrue(done, "run-upstream-urls.js finished");
        assertEquals(0, run.exitValue(), "every program passed:\n" + text);
        String[] lines = text.strip().split("\n");
        assertEquals("7 passed, 0 failed", lines[lines.length - 1].strip(), text);
        deleteTree(out);
        Files.deleteIfExists(log);
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

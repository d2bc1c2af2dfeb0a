package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16: Emscripten programs linked with the Sockbridge socket backend
 * (clients/js/emscripten/library_sockbridge.js + sockbridge_socket.c) against the runnable proxy and
 * native servers on loopback. Emscripten's own tests/sockets clients (TCP echo, UDP echo with
 * -DTEST_DGRAM=1, partial read, the two select tests) are built unchanged with only the backend's flags
 * added; their compiled-in port is routed to the run's server by the backend's mapAddress hook. Our own
 * programs: a 60 Hz UDP game loop counting loss, non-blocking errno values/listen/accept with a native
 * client, and a blocking client built with ASYNCIFY (name lookup on the proxy, blocking connect, send,
 * recv, accept, poll with a timeout, SO_RCVTIMEO). emscripten/build-sockbridge.sh builds them (cached
 * in emscripten/out), emscripten/run-sockbridge.js runs them and checks each one's result.
 */
@Timeout(900)
class EmscriptenBackendTest {

    private static final String PROGRAMS = "8 passed, 0 failed";

    /** Under node, over the proxy's WebSocket endpoint. */
    @Test
    void programsPassUnderNodeOverWebSocket() throws Exception {
        Path em = emscriptenDir();
        build(em, "node");
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0")) {
            String url = p.sockbridgeUri().toString();
            String out = run(em, List.of("node", em.resolve("run-sockbridge.js").toString(), "--url", url, "--timeout", "90"), 600);
            assertTrue(out.contains("PASS sb_upstream_echo_udp") && out.contains("PASS sb_blocking"), out);
            assertEquals(PROGRAMS, lastLine(out), out);
        }
    }

    static Path emscriptenDir() {
        Path em = BrowserDemoTest.clientDir().getParent().getParent().resolve("emscripten");
        assumeTrue(Files.isDirectory(em.resolve("node_modules")), "emscripten/node_modules missing (scripts/test.sh installs it)");
        return em;
    }

    /** Builds what is missing or stale (one emcc at a time, about 10 s a program on a busy machine). */
    static void build(Path em, String target) throws Exception {
        boolean emcc = new ProcessBuilder("bash", "-c", "command -v emcc gcc").start().waitFor() == 0;
        assumeTrue(emcc, "no emcc or gcc (scripts/setup.sh installs them)");
        Process b = new ProcessBuilder("bash", em.resolve("build-sockbridge.sh").toString())
                .directory(em.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        assertTrue(b.waitFor(600, TimeUnit.SECONDS), "build-sockbridge.sh finished");
        assertEquals(0, b.exitValue(), "build-sockbridge.sh succeeded");
    }

    static String run(Path em, List<String> cmd, long seconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("emscripten-backend", ".log");
        try {
            Process run = new ProcessBuilder(cmd).directory(em.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            boolean done = run.waitFor(seconds, TimeUnit.SECONDS);
            if (!done) {
                run.descendants().forEach(ProcessHandle::destroy);
                run.destroy();
                run.waitFor(20, TimeUnit.SECONDS);
            }
            String out = Files.readString(log);
            System.out.println(out);
            assertTrue(done, "runner finished:\n" + out);
            assertEquals(0, run.exitValue(), "every program passed:\n" + out);
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    static String lastLine(String out) {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    static int group(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), regex + " in:\n" + out);
        return Integer.parseInt(m.group(1));
    }
}

package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16: Emscripten programs linked with the Sockbridge socket backend
 * (clients/js/emscripten/library_sockbridge.js + sockbridge_socket.c) against the runnable proxy and
 * native servers on loopback. Emscripten's own tests/sockets clients (TCP echo, UDP echo with
 * -DTEST_DGRAM=1, both also driven by Emscripten's socket callbacks with -DTEST_ASYNC=1 and a refused
 * connect reaching the error callback, partial read, the two select tests) are built unchanged with only the backend's flags
 * added; their compiled-in port is routed to the run's server by the backend's mapAddress hook. Our own
 * programs: a 60 Hz UDP game loop counting loss, non-blocking errno values/listen/accept with a native
 * client (also with its main() in a pthread, under node), receive backpressure (16 MiB unread for 1.5 s:
 * what waits in the page stays bounded), a blocking client built with ASYNCIFY (name lookup on the proxy, blocking connect, send,
 * recv, accept, poll with a timeout, SO_RCVTIMEO), and the same blocking calls in pthreads without ASYNCIFY
 * (sb_threads: main() on the main thread starts a network thread; sb_threads_proxied: -sPROXY_TO_PTHREAD), with select's
 * timeout, a thread blocked in UDP recvfrom while another sends, and a blocked recv woken by another thread's shutdown;
 * in Chromium their page is made cross-origin isolated by a service worker (emscripten/sockbridge/web/coi-sw.js). emscripten/build-sockbridge.sh builds them (cached
 * in emscripten/out), emscripten/run-sockbridge.js runs them and checks each one's result.
 */
@Timeout(900)
class EmscriptenBackendTest {

    /**
     * Under node also the non-blocking program with its main() in a pthread, and the ASYNCIFY program in a
     * pthread build (both built for node only).
     */
    private static final String NODE_PROGRAMS = "16 passed, 0 failed";
    private static final String BROWSER_PROGRAMS = "14 passed, 0 failed";

    /** Under node, over the proxy's WebSocket endpoint. */
    @Test
    void programsPassUnderNodeOverWebSocket() throws Exception {
        Path em = emscriptenDir();
        build(em, "node");
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0")) {
            String url = p.sockbridgeUri().toString();
            String out = run(em, List.of("node", em.resolve("run-sockbridge.js").toString(), "--url", url, "--timeout", "90"), 600);
            assertTrue(out.contains("PASS sb_upstream_echo_udp") && out.contains("PASS sb_blocking"), out);
            assertTrue(out.contains("PASS sb_threads ") && out.contains("PASS sb_threads_proxied"), out);
            assertEquals(NODE_PROGRAMS, lastLine(out), out);
        }
    }

    /**
     * In headless Chromium over WebTransport (the same programs built for the web): run-sockbridge.js
     * starts the runnable proxy with WebTransport and a web root of the client, a page and the programs,
     * and loads one page per program; it fails a program whose session fell back to WebSocket, and a
     * UDP program whose datagrams did not go as QUIC datagrams both ways.
     */
    @Test
    void programsPassInHeadlessChromiumOverWebTransport() throws Exception {
        Path em = emscriptenDir();
        Path js = BrowserDemoTest.clientDir();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "no /usr/bin/chromium");
        assumeTrue(Files.isDirectory(js.resolve("node_modules/playwright-core")), "run scripts/setup.sh first");
        build(em, "web");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String proxyCmd = "'" + java + "' -Xss512k -cp '" + System.getProperty("java.class.path") + "' " + ProxyMain.class.getName();
        String out = run(em, List.of("node", em.resolve("run-sockbridge.js").toString(), "--browser", "--proxy-cmd", proxyCmd,
                "--timeout", "90"), 800);
        assertTrue(out.contains("PASS sb_threads ") && out.contains("PASS sb_threads_proxied"), out);
        assertEquals(BROWSER_PROGRAMS, lastLine(out), out);
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
        ProcessBuilder pb = new ProcessBuilder("bash", em.resolve("build-sockbridge.sh").toString())
                .directory(em.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("TARGET", target);
        Process b = pb.start();
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

}

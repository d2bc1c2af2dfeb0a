package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo page in the two engines besides Chromium, both from Debian and installed by scripts/setup.sh, through
 * the runnable proxy (WebSocket, and WebTransport with a self-signed certificate whose hash the page reads from
 * /webtransport.json): every transport each engine has, each run checking TCP (3 MiB echo), UDP, listen/accept and
 * the ECONNREFUSED error path.
 *
 * <ul>
 *   <li>Firefox ESR, driven by puppeteer-core over WebDriver BiDi (no geckodriver), background services pointed
 *       at loopback or off ({@code src/test/js/engine-test.mjs}): over WebTransport (a stream per TCP socket, UDP
 *       as QUIC datagrams) and over WebSocket;
 *   <li>WebKitGTK (MiniBrowser through WebKitWebDriver under xvfb-run, selenium-webdriver): it has no WebTransport,
 *       so the page, offered a WebTransport URL, finds none and falls back to WebSocket.
 * </ul>
 * The engines run one after another (one browser at a time).
 */
@Timeout(600)
class BrowserEnginesTest {
    private static final Path FIREFOX = Path.of("/usr/bin/firefox-esr");
    private static final Path WEBKIT_DRIVER = Path.of("/usr/bin/WebKitWebDriver");
    private static ProxyProcess proxy;
    private static String demo;

    static Path enginesDir() {
        Path js = BrowserDemoTest.clientDir().getParent().getParent().resolve("proxy-app/src/test/js");
        assertTrue(Files.isDirectory(js), js.toString());
        return js;
    }

    @BeforeAll
    static void startProxy() throws Exception {
        Path js = BrowserDemoTest.clientDir();
        assumeTrue(Files.isDirectory(enginesDir().resolve("node_modules")), "run scripts/setup.sh first");
        assumeTrue(Files.isExecutable(FIREFOX) || Files.isExecutable(WEBKIT_DRIVER), "no Firefox ESR, no WebKitGTK");
        proxy = new ProxyProcess("--listen", "127.0.0.1:0", "--webtransport-listen", "127.0.0.1:0",
                "--demo", "--static", js.toString());
        assertTrue(proxy.await("WebTransport:", 30).contains("webtransport://127.0.0.1:"));
        demo = proxy.await("demo page:", 30).replaceFirst("^demo page:\\s+", "");
    }

    @AfterAll
    static void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    /** The demo page in Firefox over {@code transport}; the page's log. */
    private static String firefox(String transport) throws Exception {
        assumeTrue(Files.isExecutable(FIREFOX), "no " + FIREFOX);
        return run(List.of("node", "engine-test.mjs", "--engine", "firefox",
                demo + "&transport=" + transport, "--timeout", "90000"));
    }

    @Test
    void firefoxOverWebTransport() throws Exception {
        String log = firefox("webtransport");
        assertTrue(log.contains("transport: webtransport (https://127.0.0.1:"), "transport line:\n" + log);
        assertTrue(!log.contains("transport: websocket") && !log.contains("did not open"), "no fallback:\n" + log);
        // the certificate-hash flow: the hash came from /webtransport.json, and the session opened with it
        assertTrue(log.contains("webtransport.json: https://127.0.0.1:") && log.contains("this browser has WebTransport"),
                "hash published and used:\n" + log);
        assertTrue(log.contains("(on its own WebTransport stream)"), "TCP on its own stream:\n" + log);
        Matcher m = Pattern.compile("udp datagrams: (\\d+)/(\\d+) echoed .*?(\\d+) sent as QUIC datagrams, echoes: (\\d+) as QUIC datagrams")
                .matcher(log);
        assertTrue(m.find(), "datagram echo line:\n" + log);
        assertEquals(m.group(2), m.group(1), "every datagram echoed");
        assertTrue(Integer.parseInt(m.group(4)) > 0, "echoes came as QUIC datagrams: " + m.group());
        assertCommonChecks(log);
    }

    @Test
    void firefoxOverWebSocket() throws Exception {
        String log = firefox("websocket");
        assertTrue(log.contains("transport: websocket"), "transport line:\n" + log);
        assertCommonChecks(log);
    }

    @Test
    void webkitFindsNoWebTransportAndFallsBackToWebSocket() throws Exception {
        assumeTrue(Files.isExecutable(WEBKIT_DRIVER), "no " + WEBKIT_DRIVER);
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/xvfb-run")), "no xvfb-run");
        // transport=auto: the proxy publishes a WebTransport URL, the page must see that this engine has none
        String log = run(List.of("xvfb-run", "-a", "node", "engine-test.mjs", "--engine", "webkit", demo,
                "--timeout", "90000"));
        assertTrue(log.contains("webtransport.json: https://127.0.0.1:") && log.contains("this browser has no WebTransport"),
                "WebTransport offered and detected absent:\n" + log);
        assertTrue(log.contains("transport: websocket"), "fell back to WebSocket:\n" + log);
        assertCommonChecks(log);
    }

    /** What every run checks: TCP, UDP, listen/accept, the error path, and PASS. */
    private static void assertCommonChecks(String log) {
        assertTrue(log.contains("tcp: 3 MiB echoed intact"), "TCP echo:\n" + log);
        assertTrue(log.matches("(?s).*udp: 3 datagrams \\(1, 100, 1400 bytes\\) echoed from .*"), "UDP echo:\n" + log);
        assertTrue(log.contains("listen: accepted 127.0.0.1:"), "listen/accept:\n" + log);
        assertTrue(log.contains("errors: connect to a closed port failed with ECONNREFUSED"), "error path:\n" + log);
        assertTrue(log.contains("RESULT: PASS"), "PASS:\n" + log);
    }

    /** Runs a driver in proxy-app/src/test/js; its output. */
    private static String run(List<String> command) throws Exception {
        BrowserRun r = BrowserRun.run(command, enginesDir(), 180);
        assertEquals(0, r.exit(), "browser run passed:\n" + r.log());
        return r.log();
    }
}

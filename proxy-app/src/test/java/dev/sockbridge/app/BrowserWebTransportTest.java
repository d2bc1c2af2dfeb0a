package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo page in a real browser over WebTransport: the runnable proxy serves the page, its
 * WebTransport endpoint (HTTP/3 on UDP, self-signed certificate whose hash it publishes at
 * /webtransport.json) and native echo servers; Debian's headless Chromium, driven by playwright-core,
 * loads the page with {@code transport=webtransport} and runs every check of the demo through the JS
 * client's WebTransport transport. The page's log must show that the session went through
 * WebTransport, that the TCP socket had a stream of its own, and that UDP echoes came back as QUIC
 * datagrams.
 */
@Timeout(180)
class BrowserWebTransportTest {

    @Test
    void demoPageRunsOverWebTransportInHeadlessChromium() throws Exception {
        Path js = BrowserDemoTest.clientDir();
        // CI installs both (scripts/setup.sh); a developer machine without them skips
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "no /usr/bin/chromium");
        assumeTrue(Files.isDirectory(js.resolve("node_modules/playwright-core")), "run scripts/setup.sh first");
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--webtransport-listen", "127.0.0.1:0",
                "--demo", "--static", js.toString())) {
            String wt = p.await("WebTransport:", 30);
            assertTrue(wt.contains("webtransport://127.0.0.1:"), wt);
            String page = p.await("demo page:", 30).replaceFirst("^demo page:\\s+", "") + "&transport=webtransport";

            // browser-test.mjs launches Chromium without --disable-quic: QUIC (and so WebTransport) stays on
            BrowserRun run = BrowserRun.chromium(js, page);
            String log = run.log();
            assertEquals(0, run.exit(), "browser test passed:\n" + log);

            // the session went through WebTransport, not the WebSocket fallback
            assertTrue(log.contains("transport: webtransport (https://127.0.0.1:"), "transport line:\n" + log);
            assertTrue(!log.contains("transport: websocket") && !log.contains("did not open"), "no fallback:\n" + log);
            // TCP: the 3 MiB echo ran on a stream of its own
            assertTrue(log.contains("(on its own WebTransport stream)"), "TCP on its own stream:\n" + log);
            assertTrue(log.contains("tcp: 3 MiB echoed intact"), "TCP echo:\n" + log);
            // UDP through QUIC datagrams both ways; too large for one datagram: EMSGSIZE
            Matcher m = Pattern.compile("udp datagrams: (\\d+)/(\\d+) echoed .*?(\\d+) sent as QUIC datagrams, echoes: (\\d+) as QUIC datagrams")
                    .matcher(log);
            assertTrue(m.find(), "datagram echo line:\n" + log);
            assertEquals(m.group(2), m.group(1), "every datagram echoed");
            assertTrue(Integer.parseInt(m.group(3)) >= Integer.parseInt(m.group(2)), "sent as datagrams: " + m.group());
            assertTrue(Integer.parseInt(m.group(4)) > 0, "echoes came as QUIC datagrams: " + m.group());
            assertTrue(log.contains("1400 bytes refused with EMSGSIZE (errno 90)"), "EMSGSIZE:\n" + log);
            // the reliable-path UDP step: small echoes as datagrams, the 1400-byte one on the stream
            assertTrue(log.matches("(?s).*udp: 3 datagrams \\(1, 100, 1400 bytes\\) echoed from .*\\(echoes: [1-9]\\d* as QUIC datagrams, [1-9]\\d* on the stream\\).*"),
                    "UDP echoes by datagram and by stream:\n" + log);
            assertTrue(log.contains("RESULT: PASS"), "PASS:\n" + log);
        }
    }
}

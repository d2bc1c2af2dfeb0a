package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sockbridge.api.testing.ProjectFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo page in a real browser: Debian's headless Chromium, driven by playwright-core, loads the
 * page from the proxy and echoes bytes through native TCP and UDP echo servers with the JS client.
 */
@Timeout(180)
class BrowserDemoTest {
    static Path clientDir() {
        return ProjectFiles.find("clients/js/src").getParent();
    }

    @Test
    void demoPageEchoesTcpAndUdpFromHeadlessChromium() throws Exception {
        Path js = clientDir();
        // CI installs both (scripts/setup.sh); a developer machine without them skips
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "no /usr/bin/chromium");
        assumeTrue(Files.isDirectory(js.resolve("node_modules/playwright-core")), "run scripts/setup.sh first");
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--demo", "--static", js.toString())) {
            String page = p.await("demo page:", 30).replaceFirst("^demo page:\\s+", "");
            Process b = new ProcessBuilder("node", "test/browser-test.mjs", page, "--timeout", "60000")
                    .directory(js.toFile()).inheritIO().start();
            assertEquals(true, b.waitFor(120, TimeUnit.SECONDS), "browser test finished");
            assertEquals(0, b.exitValue(), "browser test passed");
        }
    }

    /**
     * Authentication on ({@code --auth-token-key} plus {@code --demo}): the page gets a token from the
     * proxy's /demo-token (standing in for a game backend) and connects with it, over WebSocket and
     * over WebTransport (the token in the CONNECT URL); the same page with a token of another key is
     * refused.
     */
    @Test
    void demoPageConnectsWithATokenWhenTheProxyRequiresOne(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path js = clientDir();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "no /usr/bin/chromium");
        assumeTrue(Files.isDirectory(js.resolve("node_modules/playwright-core")), "run scripts/setup.sh first");
        Path key = dir.resolve("token.key");
        Files.writeString(key, dev.sockbridge.proxy.auth.TokenKeys.newHmacKeyText() + "\n");
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--webtransport-listen", "127.0.0.1:0", "--demo",
                "--static", js.toString(), "--auth-token-key", key.toString())) {
            String demo = p.await("demo page:", 30).replaceFirst("^demo page:\\s+", "");
            String page = demo + "&transport=websocket";
            String log = browser(js, page);
            assertTrue(log.contains("auth: token from /demo-token") && log.contains("transport: websocket"), log);
            assertTrue(log.contains("RESULT: PASS"), log);

            String wt = browser(js, demo + "&transport=webtransport");
            assertTrue(wt.contains("auth: token from /demo-token") && wt.contains("transport: webtransport"), wt);
            assertTrue(wt.contains("RESULT: PASS"), wt);

            String foreign = dev.sockbridge.proxy.auth.TokenMinter.hmac(dev.sockbridge.proxy.auth.TokenKeys.hmacKey(new byte[32]))
                    .mint(dev.sockbridge.proxy.auth.GrantClaims.builder("p").validFor(java.time.Duration.ofMinutes(5))
                            .connect("127.0.0.1/tcp").build());
            String refused = browser(js, page + "&timeout=15000&token=" + foreign);
            assertTrue(refused.contains("auth: token from the page URL") && refused.contains("RESULT: FAIL"), refused);
        }
    }

    /** Runs the page in Chromium; its console output (the page's log and its RESULT line). */
    private static String browser(Path js, String page) throws Exception {
        return BrowserRun.chromium(js, page).log();
    }
}

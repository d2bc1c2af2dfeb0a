package dev.sockbridge.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("clients/js/src"))) {
                return p.resolve("clients/js");
            }
        }
        throw new AssertionError("clients/js not found");
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
}

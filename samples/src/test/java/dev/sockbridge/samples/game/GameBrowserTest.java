package dev.sockbridge.samples.game;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two players in headless Chromium (src/test/js/two-players.mjs): one over WebTransport, one in a browser without
 * it, which falls back to WebSocket. Each sees the other move and reads the other's chat line.
 */
@Timeout(180)
class GameBrowserTest {

    @Test
    void twoBrowsersOneOverWebTransportOneOverWebSocketSeeEachOtherMoveAndChat() throws Exception {
        // CI installs both (scripts/setup.sh); a developer machine without them skips
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "no /usr/bin/chromium");
        Path js;
        try {
            js = GameServer.clientDir();
        } catch (IOException e) {
            js = Assumptions.abort(e.getMessage());
        }
        assumeTrue(Files.isDirectory(js.resolve("node_modules/playwright-core")), "run scripts/setup.sh first");
        Path driver = Path.of("src/test/js/two-players.mjs").toAbsolutePath();
        try (GameServer server = GameServer.start(0, js)) {
            Process b = new ProcessBuilder("node", driver.toString(), server.pageUri().toString(), js.toString(), "60000")
                    .redirectErrorStream(true).start();
            List<String> out = Collections.synchronizedList(new ArrayList<>());
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(b.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        out.add(l);
                        System.out.println("[browser] " + l);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "browser-output");
            reader.start();
            boolean finished = b.waitFor(150, TimeUnit.SECONDS);
            if (!finished) {
                b.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
            String log = String.join("\n", out);
            assertTrue(finished, "the browsers finished:\n" + log);
            assertEquals(0, b.exitValue(), "two players played:\n" + log);
            assertTrue(log.contains("bob saw alice move: x") && log.contains("alice saw bob move: y"), log);
            assertTrue(log.contains("bob read \"alice: hello from alice\"") && log.contains("alice read \"bob: hi alice, bob here\""), log);

            // alice's inputs and snapshots went as QUIC datagrams, bob's as calls and events on his WebSocket
            Matcher alice = Pattern.compile("alice: via webtransport · inputs: (\\d+) as QUIC datagrams, \\d+ as calls"
                    + " · snapshots: (\\d+) as QUIC datagrams").matcher(log);
            assertTrue(alice.find(), log);
            assertTrue(Integer.parseInt(alice.group(1)) > 0 && Integer.parseInt(alice.group(2)) > 0, alice.group());
            Matcher bob = Pattern.compile("bob: via websocket \\(WebTransport: not in this browser\\) · inputs: 0 as QUIC datagrams,"
                    + " (\\d+) as calls · snapshots: 0 as QUIC datagrams, (\\d+) on the stream").matcher(log);
            assertTrue(bob.find(), log);
            assertTrue(Integer.parseInt(bob.group(1)) > 0 && Integer.parseInt(bob.group(2)) > 0, bob.group());
            // the pages asked for nothing the policy refuses
            assertEquals(0, server.proxy.stats().callsDenied());
        }
    }
}

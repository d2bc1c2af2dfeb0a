package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A browser driver (a node script under playwright-core) run to its end for the browser tests: its output is
 * echoed as {@code [browser] ...} lines and collected; a run over its time bound is killed with every process it
 * started (the browser too) and fails the test.
 *
 * @param log  everything the driver printed (the page's log and its RESULT line)
 * @param exit the driver's exit code: 0 when the page passed
 */
record BrowserRun(String log, int exit) {

    /** Runs {@code command} in {@code dir} for at most {@code timeoutSeconds}. */
    static BrowserRun run(List<String> command, Path dir, long timeoutSeconds) throws Exception {
        Process b = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(b.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    out.add(l);
                    System.out.println("[browser] " + l);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "browser-output");
        reader.setDaemon(true);
        reader.start();
        boolean finished = b.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            b.descendants().forEach(ProcessHandle::destroyForcibly);
            b.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        String log = String.join("\n", out);
        assertTrue(finished, "browser run finished in " + timeoutSeconds + " s:\n" + log);
        return new BrowserRun(log, b.exitValue());
    }

    /** Chromium on the demo page, as test/browser-test.mjs of the JS client in {@code js} drives it. */
    static BrowserRun chromium(Path js, String page) throws Exception {
        return run(List.of("node", "test/browser-test.mjs", page, "--timeout", "60000"), js, 120);
    }
}

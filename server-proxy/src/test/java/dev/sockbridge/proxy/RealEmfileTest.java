package dev.sockbridge.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The kernel's own EMFILE, produced safely: {@link EmfileChild} runs in a JVM of its own whose descriptor limit
 * is lowered with {@code ulimit -n}, so running out of descriptors there touches nothing else.
 */
@Timeout(120)
class RealEmfileTest {
    @Test
    void channelCreationThatTheKernelRefusesIsAnErrnoAndLeavesTheDescriptorUsable() throws Exception {
        assumeTrue(new File("/bin/sh").canExecute(), "needs a POSIX shell for ulimit");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = Files.createTempFile("emfile-child", ".txt");
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c",
                    "ulimit -n 512 && exec \"$0\" -Xmx128m -cp \"$1\" dev.sockbridge.proxy.EmfileChild",
                    java, System.getProperty("java.class.path"))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean ended = p.waitFor(90, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertTrue(ended, "the child did not end:\n" + text);
            assertEquals(0, p.exitValue(), text);
            assertTrue(text.contains("ALL OK"), text);
            assertTrue(!text.contains("internal error") && !text.contains("ClassCastException"), text);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}

package dev.sockbridge.api.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The leak guard is not vacuous: it runs for every class, tracks every buffer, and sees a real leak. */
class LeakGuardTest {

    @Test
    void guardIsRegisteredByAutodetectionAndTracksEveryBuffer() {
        assertTrue(LeakGuard.guards(LeakGuardTest.class),
                "LeakGuard did not run for this class: is junit.jupiter.extensions.autodetection.enabled set in surefire?");
        assertTrue(LeakGuard.trackingEveryBuffer(), "leak detection is not paranoid or the ByteBuf detector is not hooked");
    }

    @Test
    void aDeliberatelyLeakedBufferIsReported() {
        String marker = "deliberate-leak-" + UUID.randomUUID();
        leak(marker);
        // bounded: the guard's own flush runs at most 50 collections; the leak's report carries its touch hint
        List<LeakGuard.Leak> leaks = LeakGuard.flushAndDrain(50);
        assertTrue(leaks.stream().anyMatch(l -> l.records().contains(marker)),
                "the guard did not see a leaked buffer; reports: " + leaks);
        // the deliberate report was drained, so the guard's own after-test check does not fail this
        // test; any other report must not be swallowed with it
        List<LeakGuard.Leak> others = leaks.stream().filter(l -> !l.records().contains(marker)).toList();
        assertTrue(others.isEmpty(), "other leaks: " + others);
    }

    private static void leak(String marker) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
        b.touch(marker);
        // no release: the only reference goes out of scope here
    }
}

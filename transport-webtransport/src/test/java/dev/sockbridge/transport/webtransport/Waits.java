package dev.sockbridge.transport.webtransport;

import java.time.Duration;
import java.util.function.IntSupplier;

/** Bounded waits for counts that may legitimately stop short (datagrams may be lost). */
final class Waits {
    private Waits() {
    }

    /**
     * Returns once {@code count} reaches {@code target}, or has not grown for {@code quiet}, or {@code max} has
     * passed: whichever comes first. Polls every 10 ms.
     */
    static int awaitCountOrQuiet(IntSupplier count, int target, Duration quiet, Duration max)
            throws InterruptedException {
        long start = System.nanoTime();
        long lastGrowth = start;
        int last = count.getAsInt();
        while (last < target) {
            long now = System.nanoTime();
            if (now - lastGrowth >= quiet.toNanos() || now - start >= max.toNanos()) {
                break;
            }
            Thread.sleep(10);
            int current = count.getAsInt();
            if (current != last) {
                last = current;
                lastGrowth = System.nanoTime();
            }
        }
        return last;
    }
}

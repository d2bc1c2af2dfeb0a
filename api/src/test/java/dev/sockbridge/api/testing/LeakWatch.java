package dev.sockbridge.api.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Netty's leak detector at {@code paranoid} for tests that feed hostile input, with its reports turned into
 * test failures instead of log lines. Netty logs a leak ("LEAK: ...") only when the leaked buffer has been
 * collected and a later buffer is allocated, so {@link #assertNoLeaks()} collects and allocates before it looks;
 * tests should also check reference counts directly, which catches a leak on the input that caused it.
 *
 * <p>Works while Netty's logs end in java.util.logging, which they do in the library modules: their tests bind
 * SLF4J, which Netty picks, to java.util.logging (slf4j-jdk14).
 */
public final class LeakWatch {
    /** Held strongly: java.util.logging keeps loggers only weakly, and a collected logger loses its handler. */
    private static final Logger DETECTOR_LOG = Logger.getLogger(ResourceLeakDetector.class.getName());
    private static final List<String> LEAKS = new ArrayList<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        DETECTOR_LOG.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                String msg = r.getMessage();
                if (r.getLevel().intValue() >= Level.WARNING.intValue() && msg != null && msg.contains("LEAK:")) {
                    synchronized (LEAKS) {
                        LEAKS.add(msg);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    private LeakWatch() {
    }

    /** Sets the detector to paranoid and starts listening (idempotent). */
    public static void install() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    /** Fails if the detector has reported a leak since {@link #install()}, without forcing a collection. */
    public static void assertNoLeakReported() {
        synchronized (LEAKS) {
            if (!LEAKS.isEmpty()) {
                String first = LEAKS.get(0);
                throw new AssertionError(LEAKS.size() + " ByteBuf leak(s) reported by Netty's leak detector; first:\n" + first);
            }
        }
    }

    /** Collects garbage and allocates (which is when the detector reports) a bounded number of times, then checks. */
    public static void assertNoLeaks() {
        for (int round = 0; round < 5; round++) {
            System.gc();
            for (int i = 0; i < 16; i++) {
                ByteBuf heap = UnpooledByteBufAllocator.DEFAULT.heapBuffer(8);
                heap.release();
                ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(8);
                direct.release();
            }
        }
        assertNoLeakReported();
    }
}

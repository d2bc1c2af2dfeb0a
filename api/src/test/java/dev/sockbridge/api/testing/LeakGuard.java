package dev.sockbridge.api.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails any test in which Netty's leak detector reports a leak, in every module whose tests depend
 * on the api test-jar: it is registered through {@code META-INF/services} and JUnit's extension
 * autodetection (the parent pom turns that on, and sets the detector to {@code paranoid}, so every
 * buffer is tracked).
 *
 * <p>Netty reports a leak only when the garbage collector has found the unreleased buffer and a
 * later allocation polls the detector's queue, so a report may surface in a test after the one
 * that leaked. After each test the guard fails that test with whatever was reported so far; after
 * each class it runs the collector and allocates until no new report appears (bounded), and fails
 * the class with any report, so a leak cannot slip past the class that caused it.
 *
 * <p>Hooks every detector made after this class loads (through a detector factory) and the byte
 * buffer detector even if it was made before (through its listener). Leaks in a child JVM (a proxy
 * started as its own process) are not seen here.
 */
public final class LeakGuard implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    /** One reported leak: the resource type and Netty's access records (where it was touched). */
    public record Leak(String resourceType, String records) {
        /** The first lines of the records: enough to find the allocation site in a test report. */
        public String summary() {
            String[] lines = records.split("\n");
            StringBuilder sb = new StringBuilder(resourceType);
            for (int i = 0; i < Math.min(lines.length, 40); i++) {
                sb.append("\n    ").append(lines[i].strip());
            }
            if (lines.length > 40) {
                sb.append("\n    ... ").append(lines.length - 40).append(" more lines");
            }
            return sb.toString();
        }
    }

    private static final ConcurrentLinkedQueue<Leak> REPORTED = new ConcurrentLinkedQueue<>();
    private static final Set<String> CLASSES_GUARDED = ConcurrentHashMap.newKeySet();
    private static final ResourceLeakDetector.LeakListener LISTENER = (type, records) -> REPORTED.add(new Leak(type, records));
    private static final boolean BYTE_BUF_DETECTOR_HOOKED;

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
                ResourceLeakDetector<T> d = new ReportingDetector<>(resource, samplingInterval);
                d.setLeakListener(LISTENER);
                return d;
            }
        });
        BYTE_BUF_DETECTOR_HOOKED = hookByteBufDetector();
    }

    /** Reports even when the leak logger is quiet: the default detector drops reports then. */
    private static final class ReportingDetector<T> extends ResourceLeakDetector<T> {
        ReportingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }
    }

    /** The byte buffer detector is a static of AbstractByteBuf; if that class loaded first it is not ours. */
    private static boolean hookByteBufDetector() {
        try {
            Class<?> c = Class.forName("io.netty.buffer.AbstractByteBuf");
            Field f = c.getDeclaredField("leakDetector");
            f.setAccessible(true);
            ResourceLeakDetector<?> d = (ResourceLeakDetector<?>) f.get(null);
            d.setLeakListener(LISTENER);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** True once the guard has run for {@code testClass}: proof that autodetection registered it. */
    public static boolean guards(Class<?> testClass) {
        return CLASSES_GUARDED.contains(testClass.getName());
    }

    /** True if every byte buffer allocation is tracked and its leaks reach the guard. */
    public static boolean trackingEveryBuffer() {
        return BYTE_BUF_DETECTOR_HOOKED && ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID;
    }

    /**
     * Runs the collector and allocates tracked buffers (which makes each detector poll for
     * collected, unreleased resources) until a round adds no report after the first few, at most
     * {@code maxRounds} rounds; returns and forgets every report collected so far.
     */
    public static List<Leak> flushAndDrain(int maxRounds) {
        int quiet = 0;
        for (int i = 0; i < maxRounds && quiet < 3; i++) {
            int before = REPORTED.size();
            System.gc();
            System.runFinalization();
            for (int j = 0; j < 8; j++) {
                // heap, direct and pooled: each allocation path polls the same detector
                Unpooled.buffer(1).release();
                Unpooled.directBuffer(1).release();
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(1);
                b.release();
            }
            quiet = REPORTED.size() == before ? quiet + 1 : 0;
            try {
                Thread.sleep(10); // lets the reference handler enqueue what the collector found
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return drain();
    }

    /** Returns and forgets the reports collected so far, without forcing any. */
    public static List<Leak> drain() {
        List<Leak> out = new ArrayList<>();
        for (Leak l; (l = REPORTED.poll()) != null; ) {
            out.add(l);
        }
        return out;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // a report that surfaces only now (after the previous class's forced collection) still fails
        // a test here, named as reported "during" it: better misplaced than lost
        context.getTestClass().ifPresent(c -> CLASSES_GUARDED.add(c.getName()));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        fail("during " + context.getDisplayName(), drain());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        fail("during " + context.getDisplayName() + " (found after the class, by a forced collection)", flushAndDrain(50));
    }

    private static void fail(String where, List<Leak> leaks) {
        if (leaks.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("LEAK: Netty reported ").append(leaks.size()).append(" leak(s) ").append(where).append(':');
        for (Leak l : leaks) {
            sb.append("\n  ").append(l.summary());
        }
        throw new AssertionError(sb.toString());
    }
}

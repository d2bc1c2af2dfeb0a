package dev.sockbridge.benchmarks;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A windowed datagram echo load: at most {@code window} datagrams of one size in flight, each echo
 * lets one more go. Everything runs on one event loop (the one the echoes arrive on), so sending
 * costs no thread hop; the same driver runs every path so that only the path differs.
 *
 * <p>Datagrams can be lost. A lost one would shrink the window for good, so a watchdog writes off
 * everything in flight when nothing came back for {@value #STALL_MILLIS} ms. Loss is counted over
 * every segment (settling included) after each segment's drain: {@code 1 - echoed / sent}.
 *
 * <p>Besides the rate, a segment measures the CPU time of the whole process per echo: client,
 * proxy and echo server all run in this JVM, so it is the full cost of the path, and unlike the
 * rate it does not depend on how much of the (shared) machine the run got.
 */
abstract class WindowedEcho implements AutoCloseable {
    static final long STALL_MILLIS = 50;
    static final long SETTLE_MILLIS = 300;
    static final long DRAIN_MILLIS = 200;
    /** {@code -Dbench.threadCpu=true}: prints each busy thread's CPU per echo of every segment (diagnosis). */
    static final boolean THREAD_CPU = Boolean.getBoolean("bench.threadCpu");

    private final int window;
    private EventExecutor loop;
    // written on the loop only, read anywhere
    private volatile long sent;
    private volatile long echoed;
    private volatile long droppedHere;
    private volatile long writtenOff;
    private volatile long stalls;
    private volatile boolean sending;
    private long lastSeen;
    private ScheduledFuture<?> watchdog;

    WindowedEcho(int window) {
        this.window = window;
    }

    /** One measured segment: echoes per second, and process CPU microseconds per echo. */
    record Segment(double perSecond, double cpuMicrosPerEcho) {
    }

    @Override
    public abstract void close();

    /** Sends one datagram; on the loop. False if it was dropped before leaving (counted as lost). */
    abstract boolean sendOne();

    /** The QUIC connection under the path, if it has one (diagnosis). */
    io.netty.handler.codec.quic.QuicChannel quic() {
        return null;
    }

    /** Pushes out what {@link #sendOne} wrote; on the loop. */
    void flush() {
    }

    /** The loop echoes are delivered on; set before {@link #measure}. */
    void loop(EventExecutor l) {
        this.loop = l;
    }

    /** One echo came back; on the loop. */
    final void echoed() {
        echoed++;
        if (sending) {
            refill();
        }
    }

    long sent() {
        return sent;
    }

    long echoedTotal() {
        return echoed;
    }

    long stalls() {
        return stalls;
    }

    double lossPercent() {
        return sent == 0 ? 0 : 100.0 * (sent - echoed) / sent;
    }

    private long inFlight() {
        return sent - echoed - droppedHere - writtenOff;
    }

    private void refill() {
        while (sending && inFlight() < window) {
            sent++;
            if (!sendOne()) {
                droppedHere++;
                break; // no room right now: the next echo or the watchdog tries again
            }
        }
    }

    private void start() {
        sending = true;
        lastSeen = echoed;
        refill();
        flush();
        watchdog = loop.scheduleAtFixedRate(() -> {
            if (!sending) {
                return;
            }
            if (echoed == lastSeen && inFlight() > 0) {
                writtenOff += inFlight();
                stalls++;
            }
            lastSeen = echoed;
            refill();
            flush();
        }, STALL_MILLIS, STALL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void stop() {
        sending = false;
        if (watchdog != null) {
            watchdog.cancel(false);
        }
        // whatever is still out when the drain ends is lost; written off now so the next segment starts clean
    }

    /** Load for {@code seconds} without measuring (JIT, QUIC congestion window); then a drain. */
    void warmUp(double seconds) throws Exception {
        loop.submit(this::start).get(5, TimeUnit.SECONDS);
        Thread.sleep((long) (seconds * 1000));
        loop.submit(this::stop).get(5, TimeUnit.SECONDS);
        Thread.sleep(DRAIN_MILLIS);
        loop.submit(() -> writtenOff = sent - echoed - droppedHere).get(5, TimeUnit.SECONDS);
    }

    /** Settles, measures {@code seconds}, stops and drains; blocks the calling thread (not the loop). */
    Segment measure(double seconds) throws Exception {
        loop.submit(this::start).get(5, TimeUnit.SECONDS);
        Thread.sleep(SETTLE_MILLIS);
        Map<String, Long> threads0 = THREAD_CPU ? threadCpu() : null;
        long cpu0 = processCpu();
        long a = echoed;
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        long b = echoed;
        long t1 = System.nanoTime();
        long cpu1 = processCpu();
        if (THREAD_CPU) {
            printThreadCpu(threads0, threadCpu(), b - a, (t1 - t0) / 1e9);
        }
        loop.submit(this::stop).get(5, TimeUnit.SECONDS);
        Thread.sleep(DRAIN_MILLIS);
        loop.submit(() -> writtenOff = sent - echoed - droppedHere).get(5, TimeUnit.SECONDS);
        long n = Math.max(1, b - a);
        return new Segment((b - a) / ((t1 - t0) / 1e9), (cpu1 - cpu0) / 1e3 / n);
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static Map<String, Long> threadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> m = new HashMap<>();
        for (ThreadInfo ti : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (ti != null) {
                long c = mx.getThreadCpuTime(ti.getThreadId());
                if (c > 0) {
                    m.merge(ti.getThreadName(), c, Long::sum);
                }
            }
        }
        return m;
    }

    static void printThreadCpu(Map<String, Long> before, Map<String, Long> after, long echoes, double secs) {
        printThreadCpu("thread CPU per echo (µs), % of one core:", before, after, echoes, secs);
    }

    static void printThreadCpu(String title, Map<String, Long> before, Map<String, Long> after, long echoes, double secs) {
        StringBuilder sb = new StringBuilder("    " + title);
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > secs * 1e9 * 0.02)
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .forEach(e -> sb.append(String.format(" %s %.2f (%.0f%%);", e.getKey(), e.getValue() / 1e3 / Math.max(1, echoes),
                        100.0 * e.getValue() / (secs * 1e9))));
        System.out.println(sb);
    }
}

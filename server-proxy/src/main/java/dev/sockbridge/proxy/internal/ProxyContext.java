package dev.sockbridge.proxy.internal;

import dev.sockbridge.proxy.ProxyLimits;
import dev.sockbridge.proxy.ProxyListener;
import dev.sockbridge.proxy.ProxyStats;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What every session of one proxy shares: loops, policy, limits, listener, counters, resolver. */
public final class ProxyContext {
    public final EventLoopGroup group;
    public final SocketPolicy policy;
    public final SessionLimits limits;
    public final ProxyListener listener;
    public final Resolver resolver;

    final AtomicLong sessionIds = new AtomicLong();
    final AtomicInteger sessionsOpen = new AtomicInteger();
    final LongAdder sessionsTotal = new LongAdder();
    final AtomicInteger nativeOpen = new AtomicInteger();
    final LongAdder calls = new LongAdder();
    final LongAdder callErrors = new LongAdder();
    final LongAdder denied = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder datagramsDropped = new LongAdder();
    final LongAdder malformed = new LongAdder();
    /** Bytes held for all sessions now; sessions add and subtract their deltas. */
    final AtomicLong bufferedTotal = new AtomicLong();
    final LongAdder refused = new LongAdder();
    /** Readiness checks waiting polls made (see {@link #pollChecks()}). */
    final LongAdder pollChecks = new LongAdder();
    public final ProxyLimits proxyLimits;

    /**
     * How engine sockets turn a host name into addresses; the resolver unless a test puts a slower or
     * failing lookup here (to race a lookup against a close). Read on the session's loop.
     */
    public volatile HostLookup hostLookup;

    /** Looks a host name up; exactly one of {@code ok} and {@code fail} is called once, on any thread. */
    @FunctionalInterface
    public interface HostLookup {
        void resolve(EventLoop loop, String host, java.util.function.Consumer<java.util.List<java.net.InetAddress>> ok,
                     java.util.function.Consumer<Throwable> fail);
    }

    /** The process's limit on open descriptors (RLIMIT_NOFILE), or -1 when the JVM cannot tell. */
    private final long fdLimit = readFdLimit();

    public ProxyContext(EventLoopGroup group, SocketPolicy policy, SessionLimits limits, ProxyLimits proxyLimits,
                        ProxyListener listener) {
        this.group = group;
        this.proxyLimits = proxyLimits;
        this.policy = policy;
        this.limits = limits;
        this.listener = listener;
        this.resolver = new Resolver(policy.lookupLimits());
        this.hostLookup = resolver::resolveHost;
    }

    private static long readFdLimit() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
            return ((com.sun.management.UnixOperatingSystemMXBean) os).getMaxFileDescriptorCount();
        }
        return -1;
    }

    private static long openFds() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
            return ((com.sun.management.UnixOperatingSystemMXBean) os).getOpenFileDescriptorCount();
        }
        return -1;
    }

    /**
     * Why one more native channel may not open now (a reason for EMFILE), or null if it may. Two caps:
     * {@link ProxyLimits#maxNativeChannels}, and the process's descriptor limit less
     * {@link ProxyLimits#descriptorHeadroom}, so listeners can still accept and refuse politely. Native
     * channels are counted exactly; other descriptors (transport connections, files) are seen only by
     * asking the kernel, which costs a directory scan, so that is done once native channels hold half
     * of what the descriptor cap allows. A channel whose creation the kernel refuses anyway fails with
     * the kernel's errno. Any thread.
     */
    public String nativeChannelRefusal() {
        int open = nativeOpen.get();
        if (open >= proxyLimits.maxNativeChannels()) {
            return "too many native channels in the proxy (limit " + proxyLimits.maxNativeChannels() + ")";
        }
        if (fdLimit > 0) {
            long cap = fdLimit - proxyLimits.descriptorHeadroom();
            if (open >= cap) {
                return "too many native channels in the proxy (descriptor limit " + fdLimit + " less headroom "
                        + proxyLimits.descriptorHeadroom() + ")";
            }
            if (open >= cap / 2) {
                long fds = openFds();
                if (fds >= 0 && fds >= cap) {
                    return "process descriptors nearly exhausted (" + fds + " of " + fdLimit + " open, "
                            + proxyLimits.descriptorHeadroom() + " kept back)";
                }
            }
        }
        return null;
    }

    /**
     * Whether {@code n} more bytes fit the proxy-wide budget {@link ProxyLimits#maxBufferedBytes}. Any thread;
     * an estimate when sessions on other loops change their counts at the same moment.
     */
    /**
     * Counts {@code delta} bytes a transport holds for a session (which holds {@code sessionHeld} with them) into
     * the proxy's total; true when it grew past {@link ProxyLimits#maxBufferedBytes} and the session holds much. A transport's bytes arrive without asking (a message being received,
     * answers not yet written), so the session that pushes the total past the budget is ended instead
     * (close code {@link #OVER_BUDGET}) of letting every session's memory grow. Any thread.
     */
    public boolean countHeld(long delta, long sessionHeld) {
        long now = bufferedTotal.addAndGet(delta);
        // a session holding little (an echo, a pong) is not the one filling the budget: it goes on
        return delta > 0 && now > proxyLimits.maxBufferedBytes() && sessionHeld >= OVER_BUDGET_MIN_HELD;
    }

    /** What a session's transports must hold for it to be ended when the budget is taken. */
    static final long OVER_BUDGET_MIN_HELD = 64 << 10;

    /** The close code of a session ended because the proxy's buffer budget is taken: 1013, try again later. */
    public static final int OVER_BUDGET = dev.sockbridge.api.transport.CloseCode.TRY_AGAIN_LATER.code();

    public String overBudgetReason() {
        return "the proxy holds its whole buffer budget (" + proxyLimits.maxBufferedBytes() + " bytes); try again later";
    }

    public boolean bufferRoom(long n) {
        return bufferedTotal.get() + n <= proxyLimits.maxBufferedBytes();
    }

    public ProxyStats stats() {
        return new ProxyStats(sessionsOpen.get(), sessionsTotal.sum(), nativeOpen.get(), calls.sum(), callErrors.sum(),
                denied.sum(), bytesOut.sum(), bytesIn.sum(), datagramsDropped.sum(), malformed.sum(),
                bufferedTotal.get(), refused.sum());
    }

    /**
     * How many times a waiting poll looked at one descriptor's readiness, over all sessions: the work poll
     * costs, which grows with the polls a change concerns and not with all polls times all their descriptors.
     */
    public long pollChecks() {
        return pollChecks.sum();
    }

    public void countMalformed() {
        malformed.increment();
    }

    /** A session was refused before it started; counted and told to the listener. */
    public void countRefused(java.net.SocketAddress remote, String transport, String reason) {
        refused.increment();
        listener.sessionRefused(remote, transport, reason);
    }

    /** One datagram of socket {@code fd} was dropped; counted and told to the listener (reasons: {@link ProxyListener#datagramDropped}). */
    public void countDatagramDropped(SessionInfo info, int fd, String reason) {
        datagramsDropped.increment();
        listener.datagramDropped(info, fd, reason);
    }

    /** Counts a native channel from open to close, so a leak shows in the stats. */
    public void trackNative(Channel ch, SessionInfo info, String kind) {
        nativeOpen.incrementAndGet();
        listener.nativeChannelOpened(info, kind);
        ch.closeFuture().addListener(f -> {
            nativeOpen.decrementAndGet();
            listener.nativeChannelClosed(info, kind);
        });
    }

    public void countDenied(SessionInfo info, String call, String reason) {
        denied.increment();
        listener.callDenied(info, call, reason);
    }

    /** The loop a session runs on: the transport's own when it belongs to our group (no thread hop), else the next one. */
    public EventLoop loopFor(EventExecutor transportExecutor) {
        for (EventExecutor e : group) {
            if (e == transportExecutor) {
                return (EventLoop) e;
            }
        }
        return group.next();
    }

    public long newSessionId() {
        return sessionIds.incrementAndGet();
    }

    public void close() {
        resolver.close();
    }
}

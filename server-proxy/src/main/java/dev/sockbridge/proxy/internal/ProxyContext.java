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
    public final ProxyLimits proxyLimits;

    public ProxyContext(EventLoopGroup group, SocketPolicy policy, SessionLimits limits, ProxyLimits proxyLimits,
                        ProxyListener listener) {
        this.group = group;
        this.proxyLimits = proxyLimits;
        this.policy = policy;
        this.limits = limits;
        this.listener = listener;
        this.resolver = new Resolver(policy.lookupLimits());
    }

    public ProxyStats stats() {
        return new ProxyStats(sessionsOpen.get(), sessionsTotal.sum(), nativeOpen.get(), calls.sum(), callErrors.sum(),
                denied.sum(), bytesOut.sum(), bytesIn.sum(), datagramsDropped.sum(), malformed.sum(),
                bufferedTotal.get(), refused.sum());
    }

    public void countMalformed() {
        malformed.increment();
    }

    /** A session was refused before it started; counted and told to the listener. */
    public void countRefused(java.net.SocketAddress remote, String transport, String reason) {
        refused.increment();
        listener.sessionRefused(remote, transport, reason);
    }

    public void countDatagramDropped() {
        datagramsDropped.increment();
    }

    // For front ends that move bytes without a SessionCore (the websockify bridge): the same counters
    // and listener events the engine uses, so their sessions and channels show in the stats too.

    /** Counts a session as open and tells the listener; pair with {@link #sessionEnded}. */
    public void sessionStarted(SessionInfo info) {
        sessionsOpen.incrementAndGet();
        sessionsTotal.increment();
        listener.sessionOpened(info);
    }

    public void sessionEnded(SessionInfo info, int code, String reason) {
        sessionsOpen.decrementAndGet();
        listener.sessionClosed(info, code, reason);
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

    public void countBytesToNative(long n) {
        bytesOut.add(n);
    }

    public void countBytesFromNative(long n) {
        bytesIn.add(n);
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

package dev.sockbridge.proxy.internal;

import dev.sockbridge.proxy.SocketPolicy;

/**
 * Name lookups of one session (or, for the proxy-wide bucket, of all of them): a token bucket for
 * the rate and a count of lookups waiting for an answer. Thread-safe (cheap locks: one per lookup).
 */
public final class LookupQuota {
    private final double perNano;
    private final double burst;
    private final int maxInFlight;
    private double tokens;
    private long last;
    private int inFlight;

    LookupQuota(double perSecond, int burst, int maxInFlight) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.maxInFlight = maxInFlight;
        this.tokens = burst;
        this.last = System.nanoTime();
    }

    /** A session's quota, from its policy's limits. */
    public static LookupQuota forSession(SocketPolicy.LookupLimits l) {
        return new LookupQuota(l.perSecond(), l.burst(), l.inFlight());
    }

    static LookupQuota global(SocketPolicy.LookupLimits l) {
        return new LookupQuota(l.globalPerSecond(), l.globalBurst(), Integer.MAX_VALUE);
    }

    /** Null if a lookup may start now (and counts it), else why not. */
    synchronized String tryStart() {
        if (inFlight >= maxInFlight) {
            return maxInFlight + " lookups already in flight";
        }
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - last) * perNano);
        last = now;
        if (tokens < 1) {
            return "lookup rate exceeded";
        }
        tokens -= 1;
        inFlight++;
        return null;
    }

    synchronized void done() {
        inFlight--;
    }

    /** Gives back a lookup that {@link #tryStart} counted but that never ran. */
    synchronized void refund() {
        inFlight--;
        tokens = Math.min(burst, tokens + 1);
    }
}

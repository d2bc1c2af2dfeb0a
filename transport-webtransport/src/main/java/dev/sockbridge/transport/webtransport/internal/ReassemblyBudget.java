package dev.sockbridge.transport.webtransport.internal;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes a server holds, for one QUIC connection, in frames that have arrived only in part or not yet been
 * handed to a paused listener ({@link QuicStreamTransport}'s reassembly buffers): each stream holds at most one
 * partial frame (at most the largest frame size) plus what one read brought, and this caps the sum over the
 * connection's streams. A stream whose read would take the connection past {@link #max()} is closed with 1008
 * instead, so no peer can make the server hold more than this per connection, whatever its number of streams.
 *
 * <p>The server-wide total ({@code serverTotal}) is what the server reports, so that an owner can count it in a
 * budget of its own.
 *
 * <p>Threading: {@link #held} is touched on the connection's event loop only (every stream of a connection runs
 * there); the server total is shared by the server's connections.
 */
public final class ReassemblyBudget {
    static final AttributeKey<ReassemblyBudget> KEY = AttributeKey.valueOf(ReassemblyBudget.class, "budget");

    private final long max;
    private final AtomicLong serverTotal;
    private long held; // loop

    ReassemblyBudget(long max, AtomicLong serverTotal) {
        this.max = max;
        this.serverTotal = serverTotal;
    }

    /** Gives {@code connection} a budget of {@code max} bytes counted into {@code serverTotal}. */
    public static void attach(Channel connection, long max, AtomicLong serverTotal) {
        connection.attr(KEY).set(new ReassemblyBudget(max, serverTotal));
    }

    /** The budget of the connection {@code connection}, or null (clients: not counted). */
    static ReassemblyBudget of(Channel connection) {
        return connection == null ? null : connection.attr(KEY).get();
    }

    long max() {
        return max;
    }

    long held() {
        return held;
    }

    /** Takes {@code n} bytes if they fit. */
    boolean tryTake(long n) {
        if (held + n > max) {
            return false;
        }
        held += n;
        serverTotal.addAndGet(n);
        return true;
    }

    void give(long n) {
        if (n != 0) {
            held -= n;
            serverTotal.addAndGet(-n);
        }
    }
}

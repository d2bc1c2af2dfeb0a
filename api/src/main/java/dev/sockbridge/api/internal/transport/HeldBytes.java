package dev.sockbridge.api.internal.transport;

import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * The bytes a transport holds for its connection, reported as deltas to the counter its owner gave
 * {@link dev.sockbridge.api.transport.Transport#countHeldBytes} (see there). Bytes taken in before the
 * counter is set are reported when it is; after {@link #release()} nothing more is counted, and what
 * was still counted is given back at once, so the deltas a counter saw sum to zero.
 *
 * <p>Thread-safe: transports change it from their loop and from senders' threads. The counter is
 * called under this object's lock, so deltas reach it in the order they happened and none comes
 * after the release; that is why it must be cheap.
 */
public final class HeldBytes {
    private long held;
    private LongConsumer counter;
    private boolean released;

    /** Sets the counter (once) and reports what is held now. */
    public synchronized void countInto(LongConsumer c) {
        Objects.requireNonNull(c, "counter");
        if (counter != null) {
            throw new IllegalStateException("a held-bytes counter is already set");
        }
        counter = c;
        if (!released && held != 0) {
            c.accept(held);
        }
    }

    /** {@code delta} bytes more (negative: fewer) held; ignored once released. */
    public synchronized void add(long delta) {
        if (released || delta == 0) {
            return;
        }
        held += delta;
        if (counter != null) {
            counter.accept(delta);
        }
    }

    /** The connection is over: gives back what is still counted; later changes are ignored. Idempotent. */
    public synchronized void release() {
        if (released) {
            return;
        }
        if (counter != null && held != 0) {
            counter.accept(-held);
        }
        held = 0;
        released = true;
    }

    /** Whether {@link #release()} ran. */
    public synchronized boolean isReleased() {
        return released;
    }

    /** Bytes held now (0 once released). */
    public synchronized long get() {
        return held;
    }
}

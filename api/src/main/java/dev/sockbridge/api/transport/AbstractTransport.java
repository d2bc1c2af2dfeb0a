package dev.sockbridge.api.transport;

import dev.sockbridge.api.internal.transport.HeldBytes;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * The part of a {@link Transport} that is the same on every wire: start once, deliver in order and never
 * re-entrantly, tell the listener its writability without ever losing a "writable again", end exactly once.
 * A transport extends it and writes only its wire code: how a frame goes out ({@link #sendFrame}), whether the
 * wire can take more ({@link #wireWritable}), how it closes ({@link #closeWire}), and the next frame that came in
 * ({@link #deliverNext}). The in-process, WebSocket and QUIC transports are built on it, and so can a team's own.
 *
 * <pre>
 *   send(frame) ──▶ [closing? release] ──▶ sendFrame(frame)            (subclass: onto the wire)
 *   wire ──▶ subclass keeps what came in ──▶ drain() ──▶ deliverNext() ──▶ deliverFrame() ──▶ listener
 *                                        (only once started, while autoRead, never inside a callback)
 *   wire writability flips ──▶ wireWritabilityChanged() ──▶ reconcile on the loop ──▶ writabilityChanged(w)
 *   close(code) / peer / failure ──▶ closeWire() … end(code, reason) ──▶ closed(code, reason), once
 * </pre>
 *
 * <p><b>Lifecycle.</b> Open when made. {@link #start} (once) installs the listener and calls {@link #onStart}: the
 * subclass hands over what came before (through {@link #drain}). A transport ends once, by {@link #end}: the
 * subclass calls it when its wire is done (after writing a close, when the peer closed, when the connection was
 * lost); {@link #onEnd} releases what the wire held, then the listener hears {@code closed} (at once, or when it
 * starts). {@link #close} marks the transport closing (sends are released from then on) and runs
 * {@link #closeWire} on the loop, once; so does {@link #fail} for errors found on the loop. {@link #closeFuture()}
 * completes when the subclass calls {@link #terminated} (its connection is gone).
 *
 * <p><b>Threading.</b> Everything a subclass is called for, except {@link #sendFrame} and {@link #wireWritable}
 * (any thread), runs on {@link #executor()}, and every listener callback runs there, one at a time: a callback that
 * throws fails the transport with {@link CloseCode#INTERNAL_ERROR}. Public methods are safe from any thread; called
 * on the executor they act at once.
 *
 * <p><b>Backpressure.</b> {@link #isWritable()} is {@link #wireWritable()} while not closing. Whenever the wire's
 * writability may have flipped the subclass calls {@link #wireWritabilityChanged()} (any thread) or, on the loop
 * and outside callbacks, {@link #reconcileWritability()}; the listener is then told the state as it is, and if
 * {@link #isWritable()} answered false since it was last told (to anyone, even before {@link #start}), it hears
 * {@code false} and then {@code true}: flips that coalesce never strand a sender. {@link #setAutoRead} stops
 * delivery at once on the loop; the subclass learns of it in {@link #readingChanged} and stops reading its wire.
 * Held bytes go to {@link #held}; {@link #countHeldBytes} reports them.
 */
public abstract class AbstractTransport implements Transport {
    private static final System.Logger LOG = System.getLogger(AbstractTransport.class.getName());

    private final EventExecutor executor;
    private final HeldBytes held = new HeldBytes();

    // any thread
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** isWritable() answered false since the listener was last told. */
    private final AtomicBoolean observedUnwritable = new AtomicBoolean();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();

    // executor only
    private TransportListener listener;
    private boolean goingAwayTold; // loop
    private String goingAwayPending; // loop: came before start
    private boolean autoRead = true;
    private boolean inCallback;
    private boolean draining;
    private boolean ended;
    private boolean closedDelivered;
    private int endCode;
    private String endReason = "";
    private boolean reportedWritable = true;

    /** @param executor the loop this transport's wire and listener run on */
    protected AbstractTransport(EventExecutor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    // ------------------------------------------------------------------ for the subclass to write

    /** Puts one frame on the wire (or in its queue), after earlier ones. Any thread; never called once closing. */
    protected abstract void sendFrame(ByteBuf frame);

    /** Whether the wire takes more now (its queue is under the high-water mark, or back at the low). Any thread. */
    protected abstract boolean wireWritable();

    /**
     * Closes the wire from this side with {@code code} and {@code reason} (never null): writes the close the peer
     * will read, after what was sent before, and calls {@link #end}. Loop; at most once, and never after
     * {@link #end}.
     */
    protected abstract void closeWire(int code, String reason);

    /**
     * Hands the next whole thing that came in to the listener, through {@link #deliverFrame} (or
     * {@link #deliverDatagram}, {@link #end} for a close that came in order); false when nothing whole is waiting.
     * Called by {@link #drain} only while {@link #canDeliver()}. The default has nothing to deliver.
     */
    protected boolean deliverNext() {
        return false;
    }

    /** After a {@link #drain} that ran (also when it delivered nothing): tidy buffers, read the wire again. Loop. */
    protected void drained() {
    }

    /** The listener is installed and the transport has not ended: deliver what waits (call {@link #drain}). Loop. */
    protected void onStart() {
        drain();
    }

    /**
     * The listener is installed after the transport ended: hand over what came before the end, if the subclass
     * kept it; {@code closed} follows. Loop.
     */
    protected void onStartAfterEnd() {
    }

    /** Reading was turned on or off ({@link #autoRead()}): read the wire or stop. Loop. */
    protected void readingChanged(boolean on) {
    }

    /** The transport ended ({@link #endCode()}): release what the wire holds. Loop, once, before {@code closed}. */
    protected void onEnd() {
    }

    // ------------------------------------------------------------------ Transport

    @Override
    public final void start(TransportListener l) {
        Objects.requireNonNull(l, "listener");
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        runOnLoop(() -> {
            listener = l;
            if (ended) {
                onStartAfterEnd();
                notifyClosed();
            } else {
                onStart();
                // flips before start were told to no one: the listener starts from the state as it is, and a
                // sender that saw false hears true
                reconcileWritability();
                if (goingAwayPending != null) {
                    deliverGoingAway(goingAwayPending);
                }
            }
        });
    }

    @Override
    public final void send(ByteBuf frame) {
        if (closing.get()) {
            frame.release();
            return;
        }
        sendFrame(frame);
    }

    @Override
    public final boolean isWritable() {
        if (closing.get()) {
            return false;
        }
        if (wireWritable()) {
            return true;
        }
        // whoever saw this waits for writabilityChanged(true), even if the wire drains before the listener would
        // have been told false: make sure it hears both
        if (observedUnwritable.compareAndSet(false, true)) {
            executor.execute(this::reconcileWritability);
        }
        return false;
    }

    @Override
    public final void setAutoRead(boolean on) {
        runOnLoop(() -> {
            autoRead = on;
            readingChanged(on);
            if (on) {
                drain();
            }
        });
    }

    /** Reports the bytes given to {@link #held}; see {@link Transport#countHeldBytes}. */
    @Override
    public void countHeldBytes(LongConsumer counter) {
        held.countInto(counter);
    }

    @Override
    public final void close(int code, String reason) {
        if (closing.compareAndSet(false, true)) {
            String r = reason == null ? "" : reason;
            runOnLoop(() -> {
                if (!ended) {
                    closeWire(code, r);
                }
            });
        }
    }

    @Override
    public final CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    @Override
    public final EventExecutor executor() {
        return executor;
    }

    // ------------------------------------------------------------------ for the subclass to call

    /** Runs {@code r} on the executor: now if called there, else as a task. */
    protected final void runOnLoop(Runnable r) {
        if (executor.inEventLoop()) {
            r.run();
        } else {
            executor.execute(r);
        }
    }

    /** Closing or closed (from either side): sends are released. Any thread. */
    protected final boolean isClosing() {
        return closing.get();
    }

    /** Marks the transport closing; true if this call did. Any thread. */
    protected final boolean markClosing() {
        return closing.compareAndSet(false, true);
    }

    /** An error found on the loop (the peer broke the protocol, a frame too large): close with {@code code}. */
    protected final void fail(int code, String reason) {
        closing.set(true);
        if (!ended) {
            closeWire(code, reason == null ? "" : reason);
        }
    }

    /** {@link #fail(int, String)} with a {@link CloseCode}. */
    protected final void fail(CloseCode code, String reason) {
        fail(code.code(), CloseCode.reasonOr(code, reason));
    }

    /**
     * The transport is over with {@code code}: {@link #onEnd}, then the listener hears {@code closed} (now, or when
     * it starts). Loop; true the first time, false (and nothing done) after.
     */
    protected final boolean end(int code, String reason) {
        if (ended) {
            return false;
        }
        ended = true;
        closing.set(true);
        endCode = code;
        endReason = reason == null ? "" : reason;
        try {
            onEnd();
        } finally {
            if (listener != null) {
                notifyClosed();
            }
        }
        return true;
    }

    /** The connection is gone: gives back every held byte and completes {@link #closeFuture()}. Idempotent. */
    protected final void terminated() {
        held.release();
        closeFuture.complete(null);
    }

    /** Whether {@link #end} ran. Loop. */
    protected final boolean isEnded() {
        return ended;
    }

    /** The code {@link #end} was called with. Loop. */
    protected final int endCode() {
        return endCode;
    }

    /** The reason {@link #end} was called with, never null. Loop. */
    protected final String endReason() {
        return endReason;
    }

    /** Whether a listener is installed. Loop. */
    protected final boolean isStarted() {
        return listener != null;
    }

    /** What the user asked for with {@link #setAutoRead}. Loop. */
    protected final boolean autoRead() {
        return autoRead;
    }

    /** Started, reading and not ended: a frame may be delivered now. Loop. */
    protected final boolean canDeliver() {
        return listener != null && autoRead && !ended;
    }

    /** Inside a listener callback (which may have called back into this transport). Loop. */
    protected final boolean inCallback() {
        return inCallback;
    }

    /**
     * Hands waiting frames to the listener through {@link #deliverNext} while {@link #canDeliver()}, then
     * {@link #drained}. Never re-entrant: called from inside a callback it leaves the work to the drain already
     * under way (which re-checks before each frame) or to a later turn. Loop.
     */
    protected final void drain() {
        if (ended || draining) {
            return;
        }
        if (inCallback) {
            executor.execute(this::drain);
            return;
        }
        draining = true;
        try {
            while (canDeliver() && deliverNext()) {
                // deliverNext handed one over
            }
        } finally {
            draining = false;
            drained();
        }
    }

    /** Gives {@code frame} to the listener (who owns it); false if the listener threw (the transport then fails). */
    protected final boolean deliverFrame(ByteBuf frame) {
        boolean was = inCallback;
        inCallback = true;
        try {
            listener.frameReceived(frame);
            return true;
        } catch (Throwable t) {
            inCallback = was;
            listenerFailed("frameReceived", t);
            return false;
        } finally {
            inCallback = was;
        }
    }

    /** Gives {@code datagram} to the listener if started and not ended, else releases it. Loop. */
    protected final void deliverDatagram(ByteBuf datagram) {
        if (listener == null || ended) {
            datagram.release();
            return;
        }
        boolean was = inCallback;
        inCallback = true;
        try {
            listener.datagramReceived(datagram);
        } catch (Throwable t) {
            inCallback = was;
            listenerFailed("datagramReceived", t);
        } finally {
            inCallback = was;
        }
    }

    /**
     * Tells the listener the peer is going away ({@link TransportListener#peerGoingAway}), once; before {@link #start}
     * it is kept and told right after the start. Nothing once ended. Loop.
     */
    protected final void deliverGoingAway(String reason) {
        if (ended || goingAwayTold) {
            return;
        }
        if (listener == null) {
            goingAwayPending = reason == null ? "" : reason;
            return;
        }
        goingAwayTold = true;
        boolean was = inCallback;
        inCallback = true;
        try {
            listener.peerGoingAway(reason == null ? "" : reason);
        } catch (Throwable t) {
            inCallback = was;
            listenerFailed("peerGoingAway", t);
        } finally {
            inCallback = was;
        }
    }

    /** Tells a started listener that the peer opened {@code stream}. Loop. */
    protected final void announceStream(Transport stream) {
        boolean was = inCallback;
        inCallback = true;
        try {
            listener.streamOpened(stream);
        } catch (Throwable t) {
            inCallback = was;
            listenerFailed("streamOpened", t);
        } finally {
            inCallback = was;
        }
    }

    /** The wire's writability may have changed: the listener is told, a turn later. Any thread. */
    protected final void wireWritabilityChanged() {
        executor.execute(this::reconcileWritability);
    }

    /**
     * Tells the listener the writability as it is now, if it differs from what it was told last; if
     * {@link #isWritable()} answered false since, false first (then true, if writable again). The listener hears
     * false and true alternately. Loop.
     */
    protected final void reconcileWritability() {
        if (listener == null || ended) {
            return;
        }
        boolean sawFalse = observedUnwritable.getAndSet(false);
        boolean w = wireWritable();
        boolean was = inCallback;
        inCallback = true;
        try {
            if (reportedWritable && (sawFalse || !w)) {
                reportedWritable = false;
                listener.writabilityChanged(false);
            }
            if (!reportedWritable && w && !ended) {
                reportedWritable = true;
                listener.writabilityChanged(true);
            }
        } catch (Throwable t) {
            inCallback = was;
            listenerFailed("writabilityChanged", t);
        } finally {
            inCallback = was;
        }
    }

    /** {@code delta} more bytes held for the connection (negative: fewer). Any thread. */
    protected final void held(long delta) {
        held.add(delta);
    }

    /** Bytes held now. Any thread. */
    protected final long heldNow() {
        return held.get();
    }

    /** Whether {@link #terminated} gave the held bytes back (nothing more is counted). Any thread. */
    protected final boolean heldReleased() {
        return held.isReleased();
    }

    /**
     * A listener callback threw: fails the transport with {@link CloseCode#INTERNAL_ERROR}, as an unexpected
     * exception in a pipeline does; other transports on the loop go on. Loop.
     */
    protected void listenerFailed(String callback, Throwable t) {
        LOG.log(System.Logger.Level.WARNING, this + ": the listener's " + callback + " threw; closing with "
                + CloseCode.INTERNAL_ERROR.code(), t);
        fail(CloseCode.INTERNAL_ERROR, "internal error");
    }

    private void notifyClosed() {
        if (closedDelivered) {
            return;
        }
        closedDelivered = true;
        boolean was = inCallback;
        inCallback = true;
        try {
            listener.closed(endCode, endReason);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, this + ": the listener's closed threw", t);
        } finally {
            inCallback = was;
        }
    }
}

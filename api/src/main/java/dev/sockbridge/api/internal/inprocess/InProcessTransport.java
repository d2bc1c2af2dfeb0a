package dev.sockbridge.api.internal.inprocess;

import dev.sockbridge.api.internal.transport.HeldBytes;
import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * One end of an in-process pair. Frames are handed over as buffers (encoded, so the codec runs as it
 * would on a wire) and queued on the receiving end's executor. The bytes queued there and not yet
 * taken by its listener count against the sender's water marks, so {@code setAutoRead(false)} on one
 * end makes the other end unwritable: the same backpressure a socket gives.
 *
 * <p>As on a wire, the receiving end enforces its own maximum frame size: a larger frame is not
 * delivered, and the receiving end closes with 1009.
 *
 * <p><b>Close.</b> The peer sees a close after the frames sent before it. An end that is not
 * started yet keeps those frames and delivers them, then {@code closed}, once started. An end whose
 * reading is paused ({@code setAutoRead(false)}) learns of the close at once, and frames it had not
 * taken yet are dropped: a paused session is told its peer is gone rather than kept waiting.
 *
 * <p><b>Held bytes.</b> An end holds, for {@link #countHeldBytes}, the frames it sent that its peer
 * has not taken yet (what a socket's send queue would hold) and the frames that reached it and wait
 * for its listener (paused, or not started).
 *
 * <p><b>Streams.</b> A stream the peer opens is announced at once, even while reading of this end's
 * frames is paused: streams are independent of the main flow and of each other.
 */
final class InProcessTransport implements Transport {
    private static final System.Logger LOG = System.getLogger("dev.sockbridge.transport.inprocess");
    static final int MAX_DATAGRAM = 1200;

    private final EventExecutor executor;
    private final ByteBufAllocator alloc;
    private final long highWater;
    private final long lowWater;
    /** The largest frame this end accepts from its peer. */
    private final int maxFrameSize;
    private final String name;
    private InProcessTransport peer;

    // touched only on executor
    private final ArrayDeque<Object> inbound = new ArrayDeque<>();
    private TransportListener listener;
    private boolean autoRead = true;
    /** The transport is over: nothing but a pending {@code closed} call is delivered any more. */
    private boolean ended;
    private boolean closedDelivered;
    private int endCode;
    private String endReason;
    private boolean reportedWritable = true;

    // writability accounting, shared by the sending thread(s) and the peer's executor
    private final Object waterLock = new Object();
    /** Bytes this end has sent that the peer's listener has not taken yet. Guarded by waterLock. */
    private long unconsumed;
    private volatile boolean writable = true;
    /** isWritable() answered false since the listener was last told. */
    private final AtomicBoolean observedUnwritable = new AtomicBoolean();
    /** Bytes held now (see the class comment). */
    private final HeldBytes held = new HeldBytes();

    private final AtomicBoolean started = new AtomicBoolean();
    /** Set once a close has begun, from either side: sends are released from then on. */
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    /** Streams opened on this transport (by either side): closed with it. */
    private final Set<InProcessTransport> streams = ConcurrentHashMap.newKeySet();

    /** Server end: what the client presented and what its admission attached. Set before it is handed out. */
    private volatile dev.sockbridge.api.transport.ConnectRequest connectRequest;
    private volatile Object attachment;

    private InProcessTransport(String name, EventExecutor executor, ByteBufAllocator alloc, long highWater,
                               long lowWater, int maxFrameSize) {
        this.name = name;
        this.executor = executor;
        this.alloc = alloc;
        this.highWater = highWater;
        this.lowWater = lowWater;
        this.maxFrameSize = maxFrameSize;
    }

    /**
     * Makes a connected pair; {@code [0]} is the client end. Each end refuses frames larger than its
     * own maximum ({@code clientMaxFrame} for what the client receives, {@code serverMaxFrame} for the
     * server).
     */
    static InProcessTransport[] pair(String name, EventExecutor clientExec, EventExecutor serverExec,
                                     ByteBufAllocator alloc, long highWater, long lowWater,
                                     int clientMaxFrame, int serverMaxFrame) {
        InProcessTransport c = new InProcessTransport(name, clientExec, alloc, highWater, lowWater, clientMaxFrame);
        InProcessTransport s = new InProcessTransport(name, serverExec, alloc, highWater, lowWater, serverMaxFrame);
        c.peer = s;
        s.peer = c;
        return new InProcessTransport[] {c, s};
    }

    @Override
    public void start(TransportListener l) {
        if (l == null) {
            throw new NullPointerException("listener");
        }
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        onLoop(() -> {
            listener = l;
            if (ended) {
                // it ended before anyone listened: still tell the listener, once
                notifyClosed();
            } else {
                // flips before start were told to no one: a sender that saw false must still hear true
                reconcileWritability();
                drain();
            }
        });
    }

    @Override
    public void send(ByteBuf frame) {
        if (closed.get()) {
            frame.release();
            return;
        }
        long n = Math.max(1, frame.readableBytes());
        charge(n);
        peer.enqueue(new Frame(frame, n));
    }

    @Override
    public void countHeldBytes(LongConsumer counter) {
        held.countInto(counter);
    }

    private void held(long delta) {
        held.add(delta);
    }

    /** The end is over: gives back what is still counted (frames not taken are released by their holder). */
    private void releaseHeld() {
        held.release();
    }

    @Override
    public boolean sendDatagram(ByteBuf datagram) {
        boolean full;
        synchronized (waterLock) {
            full = unconsumed > highWater;
        }
        if (closed.get() || datagram.readableBytes() > MAX_DATAGRAM || full) {
            datagram.release();
            return false;
        }
        long n = Math.max(1, datagram.readableBytes());
        charge(n);
        peer.enqueue(new Datagram(datagram, n));
        return true;
    }

    @Override
    public int maxDatagramSize() {
        return MAX_DATAGRAM;
    }

    @Override
    public CompletableFuture<Transport> openStream() {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        InProcessTransport[] p = pair(name + "/stream", executor, peer.executor, alloc, highWater, lowWater,
                maxFrameSize, peer.maxFrameSize);
        adoptStream(p[0]);
        peer.adoptStream(p[1]);
        peer.enqueue(new StreamOpen(p[1]));
        return CompletableFuture.completedFuture(p[0]);
    }

    private void adoptStream(InProcessTransport stream) {
        streams.add(stream);
        stream.closeFuture.whenComplete((v, t) -> streams.remove(stream));
        if (closed.get()) {
            stream.close(CloseCode.GOING_AWAY.code(), "parent closed");
        }
    }

    /**
     * Counts bytes sent and not yet taken; turns unwritable above the high-water mark. Each change is
     * queued under the lock, so the listener hears the changes in the order they happened.
     */
    private void charge(long n) {
        held(n);
        synchronized (waterLock) {
            unconsumed += n;
            if (writable && unconsumed > highWater) {
                writable = false;
                onLoop(this::reconcileWritability);
            }
        }
    }

    /** The peer's listener took {@code n} bytes; turns writable again at the low-water mark. */
    private void consumed(long n) {
        held(-n);
        synchronized (waterLock) {
            unconsumed -= n;
            if (!writable && unconsumed <= lowWater) {
                writable = true;
                onLoop(this::reconcileWritability);
            }
        }
    }

    /**
     * Runs {@code r} on this end's executor. A listener that throws ends this transport with 1011, as
     * an unexpected exception in a socket transport's pipeline does; the shared loop goes on.
     */
    private void onLoop(Runnable r) {
        executor.execute(() -> {
            try {
                r.run();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, this + ": listener failed; closing with 1011", t);
                closeNow(CloseCode.INTERNAL_ERROR.code(), "internal error");
            }
        });
    }

    /**
     * Tells the listener the writability as it is now, if it differs from what it was told last; if
     * {@link #isWritable()} answered false since, false first (then true, if writable again), so the
     * listener hears false and true alternately and a sender that saw false is never left waiting.
     */
    private void reconcileWritability() {
        if (listener == null || ended) {
            return;
        }
        boolean sawFalse = observedUnwritable.getAndSet(false);
        boolean w = writable;
        if (reportedWritable && (sawFalse || !w)) {
            reportedWritable = false;
            listener.writabilityChanged(false);
        }
        if (!reportedWritable && w && !ended) {
            reportedWritable = true;
            listener.writabilityChanged(true);
        }
    }

    private void enqueue(Object item) {
        onLoop(() -> {
            if (ended) {
                discard(item);
                return;
            }
            if (item instanceof StreamOpen && listener != null) {
                // streams do not wait behind the main flow
                listener.streamOpened(((StreamOpen) item).stream);
                return;
            }
            held(cost(item));
            inbound.add(item);
            drain();
        });
    }

    private static long cost(Object item) {
        if (item instanceof Frame) {
            return ((Frame) item).cost;
        }
        if (item instanceof Datagram) {
            return ((Datagram) item).cost;
        }
        return 0;
    }

    private void drain() {
        while (listener != null && autoRead && !ended && !inbound.isEmpty()) {
            Object item = inbound.poll();
            held(-cost(item));
            if (item instanceof Frame) {
                Frame f = (Frame) item;
                peer.consumed(f.cost);
                int size = f.buf.readableBytes();
                if (size > maxFrameSize) {
                    f.buf.release();
                    closeNow(CloseCode.TOO_BIG.code(), "frame of " + size + " bytes is larger than the maximum of " + maxFrameSize);
                    return;
                }
                listener.frameReceived(f.buf);
            } else if (item instanceof Datagram) {
                Datagram d = (Datagram) item;
                peer.consumed(d.cost);
                listener.datagramReceived(d.buf);
            } else if (item instanceof StreamOpen) {
                listener.streamOpened(((StreamOpen) item).stream);
            } else if (item instanceof PeerClosed) {
                PeerClosed pc = (PeerClosed) item;
                deliverClosed(pc.code, pc.reason);
            }
        }
    }

    @Override
    public boolean isWritable() {
        if (closed.get()) {
            return false;
        }
        if (writable) {
            return true;
        }
        // whoever saw this waits for writabilityChanged(true): make sure the listener hears of it
        if (observedUnwritable.compareAndSet(false, true)) {
            onLoop(this::reconcileWritability);
        }
        return false;
    }

    @Override
    public void setAutoRead(boolean on) {
        if (!on && executor.inEventLoop()) {
            // at once, as the contract says: a listener that pauses in frameReceived gets no more frames,
            // even from a drain already under way
            autoRead = false;
            return;
        }
        // turning on (or from another thread) takes a turn: a drain is never started inside a callback
        onLoop(() -> {
            autoRead = on;
            drain();
        });
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.DATAGRAMS, Capability.STREAMS);
    }

    @Override
    public void close(int code, String reason) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // the peer sees the close after the frames sent before it, as on a real connection
        peer.closed.set(true);
        peer.enqueueClose(code, reason);
        onLoop(() -> deliverClosed(code, reason));
    }

    /** Closes from the executor, outside any listener callback, without waiting for another turn. */
    private void closeNow(int code, String reason) {
        if (closed.compareAndSet(false, true)) {
            peer.closed.set(true);
            peer.enqueueClose(code, reason);
        }
        deliverClosed(code, reason);
    }

    private void enqueueClose(int code, String reason) {
        onLoop(() -> {
            if (ended) {
                return;
            }
            if (listener == null) {
                // not started: the transport is over, but what came before the close is kept for the
                // listener, then closed() (see start)
                inbound.add(new PeerClosed(code, reason));
                closeStreams();
                releaseHeld();
                closeFuture.complete(null);
            } else if (!autoRead) {
                // a paused end still learns of the close
                deliverClosed(code, reason);
            } else {
                inbound.add(new PeerClosed(code, reason));
                drain();
            }
        });
    }

    private void releaseQueued() {
        Object o;
        while ((o = inbound.poll()) != null) {
            held(-cost(o));
            discard(o);
        }
    }

    private static void discard(Object item) {
        if (item instanceof Frame) {
            ReferenceCountUtil.release(((Frame) item).buf);
        } else if (item instanceof Datagram) {
            ReferenceCountUtil.release(((Datagram) item).buf);
        } else if (item instanceof StreamOpen) {
            ((StreamOpen) item).stream.close(CloseCode.GOING_AWAY.code(), "parent closed");
        }
    }

    private void closeStreams() {
        for (InProcessTransport s : streams) {
            s.close(CloseCode.GOING_AWAY.code(), "parent closed");
        }
    }

    private void deliverClosed(int code, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        endCode = code;
        endReason = reason;
        closed.set(true);
        releaseQueued();
        closeStreams();
        try {
            if (listener != null) {
                notifyClosed();
            }
        } finally {
            releaseHeld();
            closeFuture.complete(null);
        }
    }

    private void notifyClosed() {
        if (!closedDelivered) {
            closedDelivered = true;
            listener.closed(endCode, endReason);
        }
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    @Override
    public EventExecutor executor() {
        return executor;
    }

    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    public SocketAddress remoteAddress() {
        return null;
    }

    @Override
    public String scheme() {
        return "inprocess";
    }

    @Override
    public String toString() {
        return "inprocess:" + name;
    }

    private record Frame(ByteBuf buf, long cost) {
    }

    private record Datagram(ByteBuf buf, long cost) {
    }

    private record StreamOpen(InProcessTransport stream) {
    }

    private record PeerClosed(int code, String reason) {
    }

    void admitted(dev.sockbridge.api.transport.ConnectRequest request, Object attachment) {
        this.connectRequest = request;
        this.attachment = attachment;
    }

    @Override
    public dev.sockbridge.api.transport.ConnectRequest connectRequest() {
        return connectRequest;
    }

    @Override
    public Object attachment() {
        return attachment;
    }
}

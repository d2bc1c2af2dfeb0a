package dev.sockbridge.api.internal.inprocess;

import dev.sockbridge.api.transport.AbstractTransport;
import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.api.transport.Transport;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One end of an in-process pair. Frames are handed over as buffers (encoded, so the codec runs as it
 * would on a wire) and queued on the receiving end's executor. The bytes queued there and not yet
 * taken by its listener count against the sender's water marks, so {@code setAutoRead(false)} on one
 * end makes the other end unwritable: the same backpressure a socket gives. Lifecycle, delivery and
 * writability are {@link AbstractTransport}'s; this class is the "wire".
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
final class InProcessTransport extends AbstractTransport {
    private static final Logger LOG = LoggerFactory.getLogger("dev.sockbridge.transport.inprocess");
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

    // writability accounting, shared by the sending thread(s) and the peer's executor
    private final Object waterLock = new Object();
    /** Bytes this end has sent that the peer's listener has not taken yet. Guarded by waterLock. */
    private long unconsumed;
    private volatile boolean writable = true;

    /** Streams opened on this transport (by either side): closed with it. */
    private final Set<InProcessTransport> streams = ConcurrentHashMap.newKeySet();

    /** Server end: what the client presented and what its admission attached. Set before it is handed out. */
    private volatile ConnectRequest connectRequest;
    private volatile Object attachment;

    private InProcessTransport(String name, EventExecutor executor, ByteBufAllocator alloc, long highWater,
                               long lowWater, int maxFrameSize) {
        super(executor);
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

    // ------------------------------------------------------------------ the wire

    @Override
    protected void sendFrame(ByteBuf frame) {
        long n = Math.max(1, frame.readableBytes());
        charge(n);
        peer.enqueue(new Frame(frame, n));
    }

    @Override
    protected boolean wireWritable() {
        return writable;
    }

    @Override
    protected void closeWire(int code, String reason) {
        // the peer sees the close after the frames sent before it, as on a real connection
        peer.markClosing();
        peer.enqueueClose(code, reason);
        deliverClosed(code, reason);
    }

    @Override
    protected boolean deliverNext() {
        Object item = inbound.poll();
        if (item == null) {
            return false;
        }
        held(-cost(item));
        if (item instanceof Frame) {
            Frame f = (Frame) item;
            peer.consumed(f.cost);
            int size = f.buf.readableBytes();
            if (size > maxFrameSize) {
                f.buf.release();
                fail(CloseCode.TOO_BIG, "frame of " + size + " bytes is larger than the maximum of " + maxFrameSize);
                return false;
            }
            deliverFrame(f.buf);
        } else if (item instanceof Datagram) {
            Datagram d = (Datagram) item;
            peer.consumed(d.cost);
            deliverDatagram(d.buf);
        } else if (item instanceof StreamOpen) {
            announceStream(((StreamOpen) item).stream);
        } else if (item instanceof PeerClosed) {
            PeerClosed pc = (PeerClosed) item;
            deliverClosed(pc.code, pc.reason);
            return false;
        }
        return true;
    }

    @Override
    protected void onEnd() {
        releaseQueued();
        closeStreams();
    }

    @Override
    public boolean sendDatagram(ByteBuf datagram) {
        boolean full;
        synchronized (waterLock) {
            full = unconsumed > highWater;
        }
        if (isClosing() || datagram.readableBytes() > MAX_DATAGRAM || full) {
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
        if (isClosing()) {
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
        stream.closeFuture().whenComplete((v, t) -> streams.remove(stream));
        if (isClosing()) {
            stream.close(CloseCode.GOING_AWAY, "parent closed");
        }
    }

    /** Counts bytes sent and not yet taken; turns unwritable above the high-water mark. */
    private void charge(long n) {
        held(n);
        boolean flipped;
        synchronized (waterLock) {
            unconsumed += n;
            flipped = writable && unconsumed > highWater;
            if (flipped) {
                writable = false;
            }
        }
        if (flipped) {
            wireWritabilityChanged();
        }
    }

    /** The peer's listener took {@code n} bytes; turns writable again at the low-water mark. */
    private void consumed(long n) {
        held(-n);
        boolean flipped;
        synchronized (waterLock) {
            unconsumed -= n;
            flipped = !writable && unconsumed <= lowWater;
            if (flipped) {
                writable = true;
            }
        }
        if (flipped) {
            wireWritabilityChanged();
        }
    }

    /**
     * Runs {@code r} on this end's executor, a turn later. Should it throw, this transport ends with 1011, as an
     * unexpected exception in a socket transport's pipeline does; the shared loop goes on.
     */
    private void onLoop(Runnable r) {
        executor.execute(() -> {
            try {
                r.run();
            } catch (Throwable t) {
                LOG.warn(this + ": failed; closing with 1011", t);
                fail(CloseCode.INTERNAL_ERROR, "internal error");
            }
        });
    }

    private void enqueue(Object item) {
        onLoop(() -> {
            if (isEnded()) {
                discard(item);
                return;
            }
            if (item instanceof StreamOpen && isStarted()) {
                // streams do not wait behind the main flow
                announceStream(((StreamOpen) item).stream);
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

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.DATAGRAMS, Capability.STREAMS);
    }

    private void enqueueClose(int code, String reason) {
        onLoop(() -> {
            if (isEnded()) {
                return;
            }
            if (!isStarted()) {
                // not started: the transport is over, but what came before the close is kept for the
                // listener, then closed() (delivered in order once it starts)
                inbound.add(new PeerClosed(code, reason));
                closeStreams();
                terminated();
            } else if (!autoRead()) {
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
            ((StreamOpen) item).stream.close(CloseCode.GOING_AWAY, "parent closed");
        }
    }

    private void closeStreams() {
        for (InProcessTransport s : streams) {
            s.close(CloseCode.GOING_AWAY, "parent closed");
        }
    }

    private void deliverClosed(int code, String reason) {
        try {
            end(code, reason);
        } finally {
            terminated();
        }
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

    void admitted(ConnectRequest request, Object attachment) {
        this.connectRequest = request;
        this.attachment = attachment;
    }

    @Override
    public ConnectRequest connectRequest() {
        return connectRequest;
    }

    @Override
    public Object attachment() {
        return attachment;
    }
}

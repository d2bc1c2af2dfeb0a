package dev.sockbridge.api.internal.inprocess;

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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One end of an in-process pair. Frames are handed over as buffers (encoded, so the codec runs as it
 * would on a wire) and queued on the receiving end's executor. The bytes queued there and not yet
 * taken by its listener count against the sender's water marks, so {@code setAutoRead(false)} on one
 * end makes the other end unwritable: the same backpressure a socket gives.
 */
final class InProcessTransport implements Transport {
    static final int MAX_DATAGRAM = 1200;

    private final EventExecutor executor;
    private final ByteBufAllocator alloc;
    private final long highWater;
    private final long lowWater;
    private final String name;
    private InProcessTransport peer;

    // touched only on executor
    private final ArrayDeque<Object> inbound = new ArrayDeque<>();
    private TransportListener listener;
    private boolean autoRead = true;
    private boolean closedDelivered;

    /** Bytes this end has sent that the peer's listener has not taken yet. */
    private final AtomicLong unconsumed = new AtomicLong();
    private volatile boolean writable = true;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();

    private InProcessTransport(String name, EventExecutor executor, ByteBufAllocator alloc, long highWater, long lowWater) {
        this.name = name;
        this.executor = executor;
        this.alloc = alloc;
        this.highWater = highWater;
        this.lowWater = lowWater;
    }

    /** Makes a connected pair; {@code [0]} is the client end. */
    static InProcessTransport[] pair(String name, EventExecutor clientExec, EventExecutor serverExec,
                                     ByteBufAllocator alloc, long highWater, long lowWater) {
        InProcessTransport c = new InProcessTransport(name, clientExec, alloc, highWater, lowWater);
        InProcessTransport s = new InProcessTransport(name, serverExec, alloc, highWater, lowWater);
        c.peer = s;
        s.peer = c;
        return new InProcessTransport[] {c, s};
    }

    @Override
    public void start(TransportListener l) {
        executor.execute(() -> {
            if (listener != null) {
                throw new IllegalStateException("already started");
            }
            listener = l;
            drain();
        });
    }

    @Override
    public void send(ByteBuf frame) {
        if (closed.get()) {
            frame.release();
            return;
        }
        long n = Math.max(1, frame.readableBytes());
        if (unconsumed.addAndGet(n) > highWater && writable) {
            writable = false;
            executor.execute(this::fireWritability);
        }
        peer.enqueue(new Frame(frame, n));
    }

    @Override
    public boolean sendDatagram(ByteBuf datagram) {
        if (closed.get() || datagram.readableBytes() > MAX_DATAGRAM || unconsumed.get() > highWater) {
            datagram.release();
            return false;
        }
        long n = Math.max(1, datagram.readableBytes());
        unconsumed.addAndGet(n);
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
        InProcessTransport[] p = pair(name + "/stream", executor, peer.executor, alloc, highWater, lowWater);
        closeFuture.whenComplete((v, t) -> p[0].close(1001, "parent closed"));
        peer.closeFuture.whenComplete((v, t) -> p[1].close(1001, "parent closed"));
        peer.enqueue(new StreamOpen(p[1]));
        return CompletableFuture.completedFuture(p[0]);
    }

    private void enqueue(Object item) {
        executor.execute(() -> {
            if (closedDelivered) {
                ReferenceCountUtil.release(payload(item));
                return;
            }
            inbound.add(item);
            drain();
        });
    }

    private static Object payload(Object item) {
        if (item instanceof Frame) {
            return ((Frame) item).buf;
        }
        if (item instanceof Datagram) {
            return ((Datagram) item).buf;
        }
        return null;
    }

    private void drain() {
        while (listener != null && autoRead && !closedDelivered && !inbound.isEmpty()) {
            Object item = inbound.poll();
            if (item instanceof Frame) {
                Frame f = (Frame) item;
                peer.consumed(f.cost);
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

    private void consumed(long n) {
        if (unconsumed.addAndGet(-n) <= lowWater && !writable) {
            writable = true;
            executor.execute(this::fireWritability);
        }
    }

    private void fireWritability() {
        if (listener != null && !closedDelivered) {
            listener.writabilityChanged(writable);
        }
    }

    @Override
    public boolean isWritable() {
        return writable && !closed.get();
    }

    @Override
    public void setAutoRead(boolean on) {
        executor.execute(() -> {
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
        executor.execute(() -> deliverClosed(code, reason));
    }

    private void enqueueClose(int code, String reason) {
        executor.execute(() -> {
            inbound.add(new PeerClosed(code, reason));
            if (listener == null || !autoRead) {
                // a paused or unstarted end still learns of the close
                releaseQueued();
                deliverClosed(code, reason);
            } else {
                drain();
            }
        });
    }

    private void releaseQueued() {
        Object o;
        while ((o = inbound.poll()) != null) {
            ReferenceCountUtil.release(payload(o));
            if (o instanceof StreamOpen) {
                ((StreamOpen) o).stream.close(1001, "parent closed");
            }
        }
    }

    private void deliverClosed(int code, String reason) {
        if (closedDelivered) {
            return;
        }
        closedDelivered = true;
        closed.set(true);
        releaseQueued();
        try {
            if (listener != null) {
                listener.closed(code, reason);
            }
        } finally {
            closeFuture.complete(null);
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
}

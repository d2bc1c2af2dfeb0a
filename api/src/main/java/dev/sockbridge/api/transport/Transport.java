package dev.sockbridge.api.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One connection between a client and the proxy, carrying one Sockbridge session as a sequence of
 * frames (one encoded {@link dev.sockbridge.api.message.Message} each).
 *
 * <pre>
 *   client codec ──frames──▶ Transport ═══ wire ═══ Transport ──frames──▶ proxy session
 *                ◀─frames──            (reliable, ordered)       ◀─frames──
 *                ◀─datagrams (optional, unreliable, {@link Capability#DATAGRAMS})─▶
 * </pre>
 *
 * <p><b>Lifecycle.</b> A transport is open when handed out (by {@link TransportProvider#connect} or
 * {@link ServerTransportListener#transportCreated}). Nothing is delivered until {@link #start}
 * installs the listener. It ends once: by {@link #close}, by the peer, or by a failure, and then
 * {@link TransportListener#closed} is called exactly once. Frames sent after that are released.
 *
 * <p><b>Threading.</b> Every method is safe to call from any thread. All listener callbacks for one
 * transport run on {@link #executor()}, one at a time, in order.
 *
 * <p><b>Backpressure.</b> {@link #send} never blocks and never fails for lack of room: it queues.
 * Senders watch {@link #isWritable()} and {@link TransportListener#writabilityChanged} (Netty's
 * high/low water marks) and stop producing while the transport is not writable. In the other
 * direction, {@link #setAutoRead(boolean) setAutoRead(false)} stops delivering frames (the transport
 * stops reading its socket) until it is turned back on.
 *
 * <p><b>Buffers.</b> {@link #send} and {@link #sendDatagram} take ownership of the buffer. A frame
 * handed to {@link TransportListener#frameReceived} belongs to the listener, which releases it.
 */
public interface Transport {

    /** What a transport can do beyond ordered reliable frames. */
    enum Capability {
        /** {@link #sendDatagram} and {@link TransportListener#datagramReceived} work. */
        DATAGRAMS,
        /** {@link #openStream} works: extra independent ordered channels, so one slow socket never stalls another. */
        STREAMS
    }

    /** Installs the listener and starts delivering. Called once. */
    void start(TransportListener listener);

    /** Queues one frame, in order after earlier frames. Takes ownership of {@code frame}. */
    void send(ByteBuf frame);

    /** False while the queue of unsent frames is above its high-water mark. */
    boolean isWritable();

    /** Turns reading of incoming frames off (backpressure on the peer) or back on. */
    void setAutoRead(boolean autoRead);

    /** What this transport offers beyond reliable frames. */
    Set<Capability> capabilities();

    /**
     * Sends one unreliable datagram if the transport has {@link Capability#DATAGRAMS}. Returns false
     * (and releases it) when it was dropped here: too large, no room, or no datagram path.
     */
    default boolean sendDatagram(ByteBuf datagram) {
        datagram.release();
        return false;
    }

    /** The largest datagram {@link #sendDatagram} accepts now; 0 without a datagram path. */
    default int maxDatagramSize() {
        return 0;
    }

    /**
     * Opens an extra stream (a transport of its own, sharing this one's lifetime) if the transport has
     * {@link Capability#STREAMS}; the peer sees it in {@link TransportListener#streamOpened}.
     */
    default CompletableFuture<Transport> openStream() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("no streams on this transport"));
    }

    /** Closes with a close code (WebSocket numbering) and a reason the peer can read. Idempotent. */
    void close(int code, String reason);

    /** Completes when the transport has closed, from either side. */
    CompletableFuture<Void> closeFuture();

    /** The executor that runs this transport's listener callbacks. */
    EventExecutor executor();

    /** The allocator frames for this transport should come from. */
    ByteBufAllocator alloc();

    /** The peer's address, for logs and policy; may be null for in-process peers. */
    SocketAddress remoteAddress();

    /** The scheme this transport was made for, for logs and stats ("inprocess", "ws", "wss", ...). */
    String scheme();

    /**
     * What the client presented when it connected (server side), as the admission check saw it; null for
     * client-side transports and transports that were not admitted through a server.
     */
    default ConnectRequest connectRequest() {
        return null;
    }

    /** What the admission check attached ({@link Admission#attachment()}); null if nothing. */
    default Object attachment() {
        return null;
    }
}

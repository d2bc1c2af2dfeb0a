package dev.sockbridge.api.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

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
 * high/low water marks) and stop producing while the transport is not writable. The listener hears
 * {@code false} and {@code true} alternately and is never left with a stale state: however quickly
 * writability flips (several flips may be reported as one pair, or not at all if they cancel out),
 * once it settles the last call the listener got says what {@link #isWritable()} says, and a
 * caller that saw {@code isWritable()} answer false (even before {@link #start}) is told
 * {@code writabilityChanged(true)} when it becomes writable again (unless the transport closes
 * first). {@link AbstractTransport} keeps these rules for a transport built on it. In the other direction,
 * {@link #setAutoRead(boolean) setAutoRead(false)} stops delivering frames at once when called on
 * {@link #executor()} (from another thread, within a turn of it) and stops reading the wire; at
 * most what one read of the wire already brought in (and the rest of a message that has begun)
 * is still read, and held until reading is turned back on. A server that answers requests should
 * turn reading off while its transport is not writable: a peer that sends requests but never reads
 * the answers is then held back by the wire instead of making the server queue answers without bound.
 *
 * <p><b>Held bytes.</b> What a transport holds for its connection (frames queued by {@link #send}
 * and not yet written, pongs it owes, a message being reassembled, frames read but not yet
 * delivered) is bounded by its water marks and its largest message, and reported to the counter
 * given to {@link #countHeldBytes}, so an owner can count it against its own memory budget.
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

    /**
     * Reports every change in the bytes this transport holds for its connection to {@code counter},
     * as deltas (positive when it takes bytes in, negative when it lets them go): frames queued by
     * {@link #send} and not yet written to the wire (including what the transport queues itself, such
     * as pongs), bytes of a message being received and not yet complete, and frames received and not
     * yet handed to the listener. The bytes held when it is called are reported at once. Once
     * {@link #closeFuture()} has completed the deltas sum to zero and no more are reported.
     *
     * <p>The counter may be called on any thread, concurrently, and must be cheap and thread-safe (an
     * {@code AtomicLong::addAndGet}). Call at most once, before {@link #start}. The default reports
     * nothing: for transports that hold nothing outside their owner's view.
     */
    default void countHeldBytes(LongConsumer counter) {
    }

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

    /**
     * Closes with {@code code} and a reason the peer can read ({@code null}: the code's own
     * {@link CloseCode#reason()}). Idempotent.
     */
    default void close(CloseCode code, String reason) {
        close(code.code(), CloseCode.reasonOr(code, reason));
    }

    /**
     * Tells the peer that this end is going away soon (a proxy that drains): the connection stays open and
     * works as before, the peer should finish its work and not start more, and it will be closed (with
     * {@link CloseCode#GOING_AWAY}) at the end of the drain if it is still open. A transport that has a
     * signal for it sends it: WebTransport a DRAIN_WEBTRANSPORT_SESSION capsule on the session's CONNECT
     * stream and an HTTP/3 GOAWAY on the connection's control stream. The default does nothing: a WebSocket
     * has no such signal short of closing, so the protocol above says it, if it can. Any thread; idempotent;
     * nothing after {@link #close}.
     */
    default void goingAway(String reason) {
    }

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

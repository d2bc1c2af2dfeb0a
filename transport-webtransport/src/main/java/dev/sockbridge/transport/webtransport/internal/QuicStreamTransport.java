package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.api.transport.AbstractTransport;
import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicException;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicTransportError;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * A Sockbridge {@link Transport} over one bidirectional QUIC stream, framed as {@link StreamFraming} says: the
 * session's main channel (with {@link Capability#DATAGRAMS} and {@link Capability#STREAMS}) or one of its extra
 * streams (frames only).
 *
 * <pre>
 *  send(frame) ─▶ outbound queue (any thread) ─▶ loop: one batched write of [len][frame][len][frame]... ─▶ QUIC
 *  QUIC ─▶ Handler: cumulate ─▶ [len][frame] ─▶ listener.frameReceived   (only once started, while autoRead)
 *                              [0x8.. close record] ─▶ closed(code, reason); the main channel ends the session
 * </pre>
 *
 * <p><b>Close.</b> {@link #close} writes a close record and FIN after every frame sent before it and reports
 * {@code closed} locally at once. The peer reports the record's code and reason after the frames before it; for
 * the main channel it then ends the session (WebTransport close capsule / QUIC application close with the same
 * code and reason), for an extra stream it answers with its own record and FIN. A main channel whose peer has not
 * ended the session within {@link StreamSettings#closeTimeoutMillis} ends it itself; so a peer that does not read
 * still learns of the close, from the session. A session that ends otherwise ends its streams: the main channel
 * reports the session's code and reason (1006 when the connection was lost), extra streams 1001.
 *
 * <p><b>Threading.</b> Methods are safe from any thread. Everything happens on the QUIC connection's event loop,
 * which is {@link #executor()}. Lifecycle, delivery and writability are {@link AbstractTransport}'s; this class is
 * the QUIC stream's wire.
 *
 * <p><b>Backpressure.</b> {@link #isWritable()} is false while the bytes handed to {@link #send} and not yet taken
 * by QUIC (which holds at most the peer's flow-control window per stream) are above the high-water mark, until they
 * are back at the low-water mark. {@code setAutoRead(false)} stops reading the stream, so the peer's window closes.
 *
 * <p><b>Held bytes</b> ({@link #countHeldBytes}): the bytes handed to {@link #send} and not yet taken by QUIC, and
 * the reassembly buffer (a frame received in part, and whole frames waiting while reading is paused).
 */
final class QuicStreamTransport extends AbstractTransport {
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(QuicStreamTransport.class);
    private static final int MAX_BATCH_BYTES = 256 << 10;
    private static final int MAX_BATCH_FRAMES = 128;

    private static final Set<Capability> ALL =
            Collections.unmodifiableSet(EnumSet.of(Capability.DATAGRAMS, Capability.STREAMS));
    private static final Set<Capability> STREAMS_ONLY = Collections.unmodifiableSet(EnumSet.of(Capability.STREAMS));
    private static final Set<Capability> NONE = Collections.unmodifiableSet(EnumSet.noneOf(Capability.class));

    enum Kind { UNKNOWN, MAIN, EXTRA }

    private record Outbound(ByteBuf header, ByteBuf frame, long cost) {
    }

    private final QuicSessionLink link;
    private final StreamSettings settings;
    private final QuicStreamChannel stream;
    private final boolean local;
    private final EventLoop loop;
    private final Handler handler = new Handler();

    // loop
    private Kind kind;
    private ByteBuf cumulation;
    /** Server side: the connection's reassembly budget, and how much of it {@link #cumulation} has taken. */
    private final ReassemblyBudget budget;
    private long budgeted;
    /** The part of {@link #held} that is {@link #cumulation}'s. */
    private long cumulationCounted;
    private boolean peerFin;
    private boolean finSent;
    private ScheduledFuture<?> linger;
    private final List<QuicStreamTransport> unannounced = new ArrayList<>();
    /** Raw QUIC client main channel: completed by the server's accept byte, failed if the session ends first. */
    private final CompletableFuture<Transport> acceptance;

    // any thread
    private final Queue<Outbound> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::flushOutbound;
    private final Object waterLock = new Object();
    private long pendingBytes; // guarded by waterLock
    private volatile boolean overHigh;

    QuicStreamTransport(QuicSessionLink link, QuicStreamChannel stream, Kind kind, boolean local) {
        super(stream.eventLoop());
        this.link = link;
        this.settings = link.settings;
        this.stream = stream;
        this.kind = kind;
        this.local = local;
        this.loop = stream.eventLoop();
        this.budget = ReassemblyBudget.of(stream.parent());
        this.acceptance = local && settings.raw() && kind == Kind.MAIN ? new CompletableFuture<>() : null;
    }

    /** Raw QUIC client main channel: completes once the server accepted the session (its 0x00 byte). */
    CompletableFuture<Transport> acceptance() {
        return acceptance != null ? acceptance : CompletableFuture.completedFuture(this);
    }

    private boolean awaitingAcceptance() {
        return acceptance != null && !acceptance.isDone();
    }

    /** The handler to add to the stream's pipeline, before it reads anything. */
    ChannelHandler handler() {
        return handler;
    }

    QuicStreamChannel stream() {
        return stream;
    }

    boolean isMain() {
        return kind == Kind.MAIN;
    }

    // ------------------------------------------------------------------ Transport

    @Override
    protected void onStart() {
        List<QuicStreamTransport> waiting = new ArrayList<>(unannounced);
        unannounced.clear();
        for (QuicStreamTransport s : waiting) {
            announce(s);
        }
        drain();
    }

    @Override
    protected void sendFrame(ByteBuf frame) {
        int n = frame.readableBytes();
        ByteBuf header = alloc().directBuffer(StreamFraming.HEADER_BYTES).writeInt(n);
        long cost = n + (long) StreamFraming.HEADER_BYTES;
        charge(cost);
        outbound.add(new Outbound(header, frame, cost));
        if (drainScheduled.compareAndSet(false, true)) {
            loop.execute(drainTask);
        }
    }

    @Override
    protected boolean wireWritable() {
        return !overHigh;
    }

    @Override
    protected void readingChanged(boolean on) {
        applyAutoRead();
    }

    @Override
    protected void closeWire(int code, String reason) {
        localClose(code, reason, false);
    }

    @Override
    public void countHeldBytes(LongConsumer counter) {
        super.countHeldBytes(counter);
        if (isMain() && link.session instanceof AbstractQuicSession) {
            // what the session holds outside its streams (a WebTransport capsule received in part)
            ((AbstractQuicSession) link.session).heldBytes().countInto(counter);
        }
    }

    @Override
    public Set<Capability> capabilities() {
        if (!isMain()) {
            return NONE;
        }
        // datagrams only where the peer took part in QUIC DATAGRAM (every browser with WebTransport does)
        return link.session.maxDatagramSize() > 0 || isClosing() ? ALL : STREAMS_ONLY;
    }

    @Override
    public boolean sendDatagram(ByteBuf datagram) {
        if (!isMain() || isClosing()) {
            datagram.release();
            return false;
        }
        return link.session.sendDatagram(datagram);
    }

    @Override
    public int maxDatagramSize() {
        return isMain() && !isClosing() ? link.session.maxDatagramSize() : 0;
    }

    @Override
    public CompletableFuture<Transport> openStream() {
        if (!isMain()) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException(
                    "extra streams are opened on the main transport"));
        }
        if (isClosing()) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        return link.openStream(Kind.EXTRA);
    }

    /**
     * The proxy drains: on the main channel of a WebTransport session, DRAIN_WEBTRANSPORT_SESSION and the
     * connection's GOAWAY ({@link WebTransportSession#drain}); raw QUIC has no such signal (the Sockbridge protocol's
     * GOING_AWAY says it there). Extra streams share the main channel's session: nothing of their own.
     */
    @Override
    public void goingAway(String reason) {
        if (isMain()) {
            runOnLoop(() -> {
                if (!isEnded()) {
                    link.session.drain();
                }
            });
        }
    }

    /** The peer drains the session: the listener is told. Loop. */
    void peerDraining() {
        deliverGoingAway("the server drains the session");
    }

    /** Closes and, for the main channel, ends the session at once instead of waiting for the peer (shutdown). */
    void closeNow(int code, String reason) {
        markClosing();
        runOnLoop(() -> {
            if (!isEnded()) {
                localClose(code, reason, true);
            } else if (isMain()) {
                link.closeSession(endCode(), endReason());
            }
        });
    }

    @Override
    public ByteBufAllocator alloc() {
        return stream.alloc();
    }

    @Override
    public SocketAddress remoteAddress() {
        return link.session.remoteAddress();
    }

    @Override
    public dev.sockbridge.api.transport.ConnectRequest connectRequest() {
        return link.session instanceof AbstractQuicSession ? ((AbstractQuicSession) link.session).connectRequest() : null;
    }

    @Override
    public Object attachment() {
        return link.session instanceof AbstractQuicSession ? ((AbstractQuicSession) link.session).attachment() : null;
    }

    @Override
    public String scheme() {
        return settings.scheme();
    }

    @Override
    public String toString() {
        return settings.scheme() + "{" + kind.name().toLowerCase() + " stream " + stream.streamId() + " of "
                + link.session + "}";
    }

    // ------------------------------------------------------------------ used by the session link (loop)

    /** A stream the peer opened on this (main) transport's session: told now, or once started. */
    void announce(QuicStreamTransport s) {
        if (isEnded()) {
            s.parentGone();
        } else if (!isStarted()) {
            unannounced.add(s);
        } else {
            announceStream(s);
        }
    }

    /** A datagram of the session (retained for the listener, who releases it). */
    void datagram(ByteBuf payload) {
        if (isStarted() && !isEnded()) {
            deliverDatagram(payload.retain());
        }
    }

    /** The session ended without this transport having closed first. */
    void sessionEnded(int code, String reason) {
        endStream(code, reason);
    }

    /** The main channel ended: this extra stream goes with it. */
    void parentGone() {
        if (endStream(CloseCode.GOING_AWAY.code(), "session closed") && stream.isActive()) {
            stream.close();
        }
    }

    /** A raw QUIC stream whose header byte said it is of {@code k}. */
    void classified(Kind k) {
        kind = k;
        applyAutoRead();
    }

    // ------------------------------------------------------------------ outbound (loop)

    private void charge(long n) {
        held(n);
        boolean changed;
        synchronized (waterLock) {
            pendingBytes += n;
            changed = !overHigh && pendingBytes > settings.highWaterMark();
            if (changed) {
                overHigh = true;
            }
        }
        if (changed) {
            wireWritabilityChanged();
        }
    }

    private void consumed(long n) {
        held(-n);
        boolean changed;
        synchronized (waterLock) {
            pendingBytes -= n;
            changed = overHigh && pendingBytes <= settings.lowWaterMark();
            if (changed) {
                overHigh = false;
            }
        }
        if (changed) {
            reconcileWritability();
        }
    }

    /** Writes every queued frame, several per QUIC write (one quiche send for many small frames). */
    private void flushOutbound() {
        drainScheduled.set(false);
        CompositeByteBuf batch = null;
        long cost = 0;
        int frames = 0;
        Outbound o;
        while ((o = outbound.poll()) != null) {
            if (isEnded() || finSent || !stream.isActive()) {
                o.header.release();
                o.frame.release();
                consumed(o.cost);
                continue;
            }
            if (batch == null) {
                batch = alloc().compositeDirectBuffer(MAX_BATCH_FRAMES * 2 + 2);
            }
            batch.addComponent(true, o.header);
            batch.addComponent(true, o.frame);
            cost += o.cost;
            if (++frames >= MAX_BATCH_FRAMES || batch.readableBytes() >= MAX_BATCH_BYTES) {
                write(batch, cost);
                batch = null;
                cost = 0;
                frames = 0;
            }
        }
        if (batch != null) {
            write(batch, cost);
        }
    }

    private void write(ByteBuf batch, long cost) {
        stream.writeAndFlush(batch).addListener(f -> consumed(cost));
    }

    /** Ends our direction: a close record and FIN, after whatever was queued before. */
    private void writeCloseRecord(int code, String reason) {
        flushOutbound();
        if (finSent || !stream.isActive()) {
            return;
        }
        finSent = true;
        stream.writeAndFlush(new DefaultQuicStreamFrame(StreamFraming.closeRecord(alloc(), code, reason), true));
    }

    // ------------------------------------------------------------------ close (loop)

    private void localClose(int code, String reason, boolean now) {
        if (isEnded()) {
            return;
        }
        writeCloseRecord(code, reason);
        endStream(code, reason);
        if (kind == Kind.MAIN) {
            link.mainClosed(code, reason, now);
        } else {
            lingerThenClose();
        }
    }

    /** This side found the peer at fault (frame too large, malformed record): close with {@code code}. */
    private void protocolClose(int code, String reason) {
        LOG.debug("{}: {}", this, reason);
        fail(code, reason);
    }

    private void peerCloseRecord(int code, String reason) {
        if (!isEnded()) {
            markClosing();
            endStream(code, reason);
            if (kind == Kind.MAIN) {
                link.closeSession(code, reason);
            } else {
                writeCloseRecord(code, reason);
                lingerThenClose();
            }
        } else if (kind == Kind.MAIN) {
            link.closeSession(endCode(), endReason()); // the answer to ours, or a close that crossed ours
        }
    }

    /** The peer's FIN came after the last whole frame, with no close record. */
    private void peerFinished() {
        if (cumulation != null && cumulation.isReadable()) {
            streamGone(CloseCode.ABNORMAL.code(), "the stream ended inside a frame");
            return;
        }
        markClosing();
        endStream(CloseCode.NORMAL.code(), "");
        if (kind == Kind.MAIN) {
            link.closeSession(CloseCode.NORMAL.code(), "");
        } else {
            writeCloseRecord(CloseCode.NORMAL.code(), "");
            lingerThenClose();
        }
    }

    /** The stream went away under us (reset, connection lost); the session's own end, if any, has precedence. */
    /** A FIN on a main stream not yet accepted came with its connection closing: the session's reason is awaited. */
    private boolean refusalAwaited;

    private void streamGone(int code, String reason) {
        if (isEnded()) {
            return;
        }
        markClosing();
        endStream(code, reason);
        if (kind == Kind.MAIN) {
            link.closeSession(code, reason);
        }
        if (stream.isActive()) {
            stream.close();
        }
    }

    /** An extra stream closes by itself once FIN went both ways; this only ends one whose peer never answers. */
    private void lingerThenClose() {
        if (linger == null && stream.isActive()) {
            linger = loop.schedule(() -> {
                stream.close();
            }, settings.closeTimeoutMillis(), TimeUnit.MILLISECONDS);
            stream.closeFuture().addListener(f -> linger.cancel(false));
        }
    }

    /** The once-only end: {@link #onEnd} releases what is held, the listener is told (now or at start). */
    private boolean endStream(int code, String reason) {
        if (!end(code, reason)) {
            return false;
        }
        terminated();
        return true;
    }

    @Override
    protected void onEnd() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        rebudget();
        Outbound o;
        while ((o = outbound.poll()) != null) {
            o.header.release();
            o.frame.release();
            consumed(o.cost);
        }
        for (QuicStreamTransport s : unannounced) {
            s.parentGone();
        }
        unannounced.clear();
        if (acceptance != null) {
            acceptance.completeExceptionally(new java.net.ConnectException("the server did not accept the session: "
                    + endCode() + (endReason().isEmpty() ? "" : " " + endReason())));
        }
        cumulationChanged();
        link.transportEnded(this);
        applyAutoRead(); // keep reading (and discarding) so that the peer's FIN can close the stream
    }

    /** Gives back to the connection's budget what the listener took out of {@link #cumulation}. */
    private void rebudget() {
        if (budget != null) {
            long now = cumulation == null ? 0 : cumulation.readableBytes();
            budget.give(budgeted - now);
            budgeted = now;
        }
    }

    // ------------------------------------------------------------------ inbound (loop)

    private void applyAutoRead() {
        if (stream.isOpen()) {
            boolean read = isEnded() || kind == Kind.UNKNOWN || awaitingAcceptance() || (isStarted() && autoRead());
            if (stream.config().isAutoRead() != read) {
                stream.config().setAutoRead(read);
            }
        }
    }

    private void process() {
        if (awaitingAcceptance()) {
            if (cumulation != null && cumulation.isReadable()) {
                int b = cumulation.readUnsignedByte();
                if (b != StreamFraming.RAW_MAIN_STREAM) {
                    markClosing();
                    localClose(CloseCode.PROTOCOL_ERROR.code(), "unexpected acceptance byte 0x" + Integer.toHexString(b), true);
                    return;
                }
                acceptance.complete(this);
            } else {
                if (peerFin && !refusalAwaited) {
                    // a server that refuses the session closes its connection with a code and reason, and the
                    // FIN of this stream may come first: the session reports those, on this loop, shortly
                    refusalAwaited = true;
                    loop.schedule(() -> streamGone(CloseCode.ABNORMAL.code(), "the server ended the main stream without accepting the session"),
                            1, TimeUnit.SECONDS);
                }
                return;
            }
        }
        if (kind == Kind.UNKNOWN) {
            if (cumulation != null && cumulation.isReadable()) {
                link.classify(this, cumulation.readUnsignedByte());
            } else if (peerFin) {
                stream.close();
            }
            if (kind == Kind.UNKNOWN) {
                return;
            }
        }
        drain();
    }

    /** Hands the next complete frame to the listener; handles close records (the FIN is {@link #drained}'s). */
    @Override
    protected boolean deliverNext() {
        if (kind == Kind.UNKNOWN || awaitingAcceptance()) {
            return false;
        }
        ByteBuf c = cumulation;
        if (c == null || c.readableBytes() < StreamFraming.HEADER_BYTES) {
            return false;
        }
        int word = c.getInt(c.readerIndex());
        if ((word & StreamFraming.CLOSE_FLAG) != 0) {
            int n = word & ~StreamFraming.CLOSE_FLAG;
            if (n < 4 || n > 4 + StreamFraming.MAX_CLOSE_REASON_BYTES) {
                protocolClose(CloseCode.PROTOCOL_ERROR.code(), "malformed close record of " + n + " bytes");
                return false;
            }
            if (c.readableBytes() < StreamFraming.HEADER_BYTES + n) {
                return false;
            }
            c.skipBytes(StreamFraming.HEADER_BYTES);
            int code = c.readInt();
            String reason = c.readCharSequence(n - 4, StandardCharsets.UTF_8).toString();
            peerCloseRecord(code, reason);
            return false;
        }
        if (word > settings.maxFrameSize()) {
            protocolClose(CloseCode.TOO_BIG.code(), "frame of " + word + " bytes is larger than the maximum of "
                    + settings.maxFrameSize());
            return false;
        }
        if (c.readableBytes() < StreamFraming.HEADER_BYTES + word) {
            return false;
        }
        c.skipBytes(StreamFraming.HEADER_BYTES);
        deliverFrame(c.readRetainedSlice(word));
        return true;
    }

    /** After delivering: frees what was taken out of the reassembly buffer, and ends on a FIN after the last frame. */
    @Override
    protected void drained() {
        if (!isEnded()) {
            if (cumulation != null) {
                if (!cumulation.isReadable()) {
                    cumulation.release();
                    cumulation = null;
                } else if (cumulation.refCnt() == 1) {
                    cumulation.discardSomeReadBytes();
                }
            }
            rebudget();
            if (peerFin && canDeliver() && kind != Kind.UNKNOWN) {
                peerFinished();
            }
        }
        cumulationChanged();
        applyAutoRead();
    }

    /** Counts the reassembly buffer as it is now. */
    private void cumulationChanged() {
        long now = cumulation == null ? 0 : cumulation.readableBytes();
        held(now - cumulationCounted);
        cumulationCounted = now;
    }

    /** The stream's pipeline end: bytes, FIN, errors and the end of the stream. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            if (local && settings.raw()) {
                ctx.writeAndFlush(ctx.alloc().directBuffer(1).writeByte(
                        kind == Kind.MAIN ? StreamFraming.RAW_MAIN_STREAM : StreamFraming.RAW_EXTRA_STREAM));
            }
            applyAutoRead();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf) || isEnded()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ByteBuf in = (ByteBuf) msg;
            if (budget != null && !budget.tryTake(in.readableBytes())) {
                int n = in.readableBytes();
                in.release();
                protocolClose(CloseCode.POLICY_VIOLATION.code(), "the connection's " + budget.max() + " bytes of partly received frames are"
                        + " taken (" + budget.held() + " held, " + n + " more arrived)");
                return;
            }
            budgeted += in.readableBytes();
            cumulation = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(),
                    cumulation == null ? ctx.alloc().buffer(0) : cumulation, in);
            process();
            cumulationChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownReadComplete) {
                peerFin = true;
                if (!isEnded()) {
                    process();
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (isEnded()) {
                return;
            }
            if (!stream.parent().isActive()) {
                // the connection is going: its session reports the real code and reason, on this loop, shortly
                loop.schedule(() -> streamGone(CloseCode.ABNORMAL.code(), "QUIC connection closed"), 1, TimeUnit.SECONDS);
                return;
            }
            // later, so that a session ending (which resets its streams first) reports its own code
            loop.execute(() -> streamGone(CloseCode.ABNORMAL.code(), "stream closed"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("{}: stream error", QuicStreamTransport.this, cause);
            if (!stream.parent().isActive() || (cause instanceof QuicException
                    && ((QuicException) cause).error() == QuicTransportError.STREAM_STATE_ERROR)) {
                // quiche no longer knows the stream, which is what a connection closing under it looks like (seen
                // when the peer writes its close record and closes the connection at once): as in channelInactive,
                // the session reports the real code and reason, on this loop, shortly
                loop.schedule(() -> streamGone(CloseCode.ABNORMAL.code(), "stream failed"), 1, TimeUnit.SECONDS);
                return;
            }
            loop.execute(() -> streamGone(CloseCode.ABNORMAL.code(), "stream failed"));
        }
    }
}

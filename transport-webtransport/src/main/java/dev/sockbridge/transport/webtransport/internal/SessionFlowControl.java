package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamFrame;
import io.netty.util.ReferenceCountUtil;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

import static dev.sockbridge.transport.webtransport.internal.WebTransportProtocol.SESSION_DATA_WINDOW;

/**
 * Session-level flow control of WebTransport over HTTP/3 (draft-13 and later), for the clients that speak it.
 *
 * <p><b>Which clients.</b> A client whose SETTINGS carry any of WT_INITIAL_MAX_DATA / _STREAMS_UNI / _BIDI,
 * WT_ENABLED or WT_MAX_SESSIONS (0x14e9cd29) speaks the newer drafts (Safari 26.4, draft-15 Firefox): it is sent
 * WT_MAX_DATA capsules. A client that sent WT_INITIAL_MAX_DATA is also held to its credit: the server never sends
 * more stream bytes on the session than that setting and its WT_MAX_DATA capsules allow. A draft-02 client
 * (Chromium 156, Firefox 153) sends none of them and sees neither: its sessions are limited by QUIC alone, as
 * before.
 *
 * <p><b>Receiving.</b> The server grants {@link WebTransportProtocol#SESSION_DATA_WINDOW} in its SETTINGS and,
 * each time the client has sent half of what is left, raises the credit to what was read plus the window with a
 * WT_MAX_DATA capsule. Bytes count when a session stream hands them on (after the stream's type and session id),
 * so a session whose reader paused (its streams' autoRead off) gets no more credit.
 *
 * <p><b>Sending.</b> Every stream of the session has a {@link Gate} first in its pipeline that passes writes while
 * credit is left, splits the one that crosses the limit, and holds the rest (with their promises, so the writer's
 * own backpressure sees them as not yet written) until a WT_MAX_DATA capsule raises the limit; a WT_DATA_BLOCKED
 * capsule tells the client once per limit. The client's stream credits (WT_INITIAL_MAX_STREAMS_*, WT_MAX_STREAMS)
 * bound the streams the server opens: an open past them fails and sends WT_STREAMS_BLOCKED.
 *
 * <p><b>Backpressure of held writes.</b> A QUIC stream's {@code isWritable()} follows QUIC's own credit only, so
 * a writer that watches it does not see a stall on the session credit. {@link QuicStreamTransport} (every
 * Sockbridge stream) counts its bytes until their write promise completes, so a held write keeps it over its
 * high-water mark and it stops taking frames. A handler on {@code WebTransportServer}'s raw stream API has to
 * do the same: it must wait for its write promises.
 *
 * <p>Threading: the QUIC connection's event loop (every stream of a session runs there).
 */
final class SessionFlowControl {
    private final Consumer<ByteBuf> capsuleWriter;
    private final io.netty.buffer.ByteBufAllocator alloc;
    private final Set<Gate> gates = new LinkedHashSet<>();

    private boolean peerSpeaksFlowControl;
    // receiving: what the client may send in all, and what it sent
    private long granted = SESSION_DATA_WINDOW;
    private long received;
    // sending: the client's limit (when it set one), and what was sent
    private boolean sendLimited;
    private long sendMax;
    private long sent;
    private long blockedReportedAt = -1;
    // streams the server opens
    private long bidiMax = Long.MAX_VALUE;
    private long uniMax = Long.MAX_VALUE;
    private long bidiOpened;
    private long uniOpened;

    /** {@code capsuleWriter} writes a capsule on the session's CONNECT stream (and flushes). */
    SessionFlowControl(io.netty.buffer.ByteBufAllocator alloc, Consumer<ByteBuf> capsuleWriter) {
        this.alloc = alloc;
        this.capsuleWriter = capsuleWriter;
    }

    /** The client's SETTINGS (when they arrive; they may come after the CONNECT). */
    void peerSettings(Http3SettingsFrame s) {
        Long data = s.get(WebTransportProtocol.SETTINGS_WT_INITIAL_MAX_DATA);
        Long bidi = s.get(WebTransportProtocol.SETTINGS_WT_INITIAL_MAX_STREAMS_BIDI);
        Long uni = s.get(WebTransportProtocol.SETTINGS_WT_INITIAL_MAX_STREAMS_UNI);
        peerSpeaksFlowControl = data != null || bidi != null || uni != null
                || s.get(WebTransportProtocol.SETTINGS_WT_ENABLED) != null
                || s.get(WebTransportProtocol.SETTINGS_WT_MAX_SESSIONS) != null;
        if (data != null) {
            sendLimited = true;
            sendMax = Math.max(sendMax, data); // a WT_MAX_DATA capsule may have come first
        }
        if (bidi != null) {
            bidiMax = bidiMax == Long.MAX_VALUE ? bidi : Math.max(bidiMax, bidi);
        }
        if (uni != null) {
            uniMax = uniMax == Long.MAX_VALUE ? uni : Math.max(uniMax, uni);
        }
        resumeGates();
    }

    boolean peerSpeaksFlowControl() {
        return peerSpeaksFlowControl;
    }

    /** What the server will send in all before the client raises it; -1: not limited. */
    long sendLimit() {
        return sendLimited ? sendMax : -1;
    }

    long sent() {
        return sent;
    }

    long received() {
        return received;
    }

    /** The credit granted to the client so far. */
    long granted() {
        return granted;
    }

    // ---- capsules from the client ----

    void maxData(long max) {
        if (max > sendMax) {
            sendMax = max;
            resumeGates();
        }
    }

    void maxStreams(boolean bidi, long max) {
        if (bidi) {
            bidiMax = bidiMax == Long.MAX_VALUE ? max : Math.max(bidiMax, max);
        } else {
            uniMax = uniMax == Long.MAX_VALUE ? max : Math.max(uniMax, max);
        }
    }

    // ---- streams the server opens ----

    /** Takes one stream of the client's credit; false (and WT_STREAMS_BLOCKED sent) when none is left. */
    boolean tryOpen(boolean bidi) {
        long opened = bidi ? bidiOpened : uniOpened;
        long max = bidi ? bidiMax : uniMax;
        if (opened >= max) {
            capsuleWriter.accept(Capsules.streamsBlocked(alloc, bidi, max));
            return false;
        }
        if (bidi) {
            bidiOpened++;
        } else {
            uniOpened++;
        }
        return true;
    }

    // ---- receiving ----

    private void received(long n) {
        received += n;
        if (peerSpeaksFlowControl && granted - received < SESSION_DATA_WINDOW / 2) {
            granted = received + SESSION_DATA_WINDOW;
            capsuleWriter.accept(Capsules.maxData(alloc, granted));
        }
    }

    // ---- sending ----

    private long available() {
        return sendLimited ? Math.max(0, sendMax - sent) : Long.MAX_VALUE;
    }

    private void blocked() {
        if (peerSpeaksFlowControl && blockedReportedAt != sendMax) {
            blockedReportedAt = sendMax;
            capsuleWriter.accept(Capsules.dataBlocked(alloc, sendMax));
        }
    }

    private void resumeGates() {
        for (Gate g : new ArrayList<>(gates)) {
            if (available() == 0) {
                break;
            }
            g.resume();
        }
    }

    /** The gate for a stream of the session, to add before anything reads or writes it. */
    Gate newGate() {
        return new Gate();
    }

    /** Adds {@code gate} to {@code stream}: after its prefix reader, if any, so the bytes it replays count. */
    static void install(QuicStreamChannel stream, Gate gate) {
        ChannelHandlerContext prefix = stream.pipeline().context(StreamPrefixHandler.class);
        if (prefix != null) {
            stream.pipeline().addAfter(prefix.name(), "wt-flow", gate);
        } else {
            stream.pipeline().addFirst("wt-flow", gate);
        }
    }

    /** Counts a stream's bytes both ways and holds its writes past the client's credit. */
    final class Gate extends ChannelDuplexHandler {
        private record Held(Object msg, ChannelPromise promise) {
        }

        private final ArrayDeque<Held> queue = new ArrayDeque<>();
        private ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            gates.add(this);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            gates.remove(this);
            failQueued();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            gates.remove(this);
            failQueued();
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf content = content(msg);
            if (content != null) {
                received(content.readableBytes());
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ByteBuf content = content(msg);
            if (queue.isEmpty() && (content == null || content.readableBytes() <= available())) {
                if (content != null) {
                    sent += content.readableBytes();
                }
                ctx.write(msg, promise);
                return;
            }
            queue.add(new Held(msg, promise));
            if (writeQueued()) {
                return;
            }
            blocked();
        }

        /** Writes what the credit allows; true if the queue is empty after it. */
        private boolean writeQueued() {
            Held h;
            while ((h = queue.peek()) != null) {
                ByteBuf content = content(h.msg);
                long n = content == null ? 0 : content.readableBytes();
                long can = available();
                if (n <= can) {
                    queue.poll();
                    sent += n;
                    ctx.write(h.msg, h.promise);
                    continue;
                }
                if (can > 0) {
                    sent += can;
                    ctx.write(content.readRetainedSlice((int) can), ctx.newPromise());
                }
                return false;
            }
            return true;
        }

        void resume() {
            if (!queue.isEmpty()) {
                if (!writeQueued()) {
                    blocked();
                }
                ctx.flush();
            }
        }

        private void failQueued() {
            Held h;
            while ((h = queue.poll()) != null) {
                ReferenceCountUtil.safeRelease(h.msg);
                h.promise.tryFailure(new ClosedChannelException());
            }
        }

        private static ByteBuf content(Object msg) {
            if (msg instanceof ByteBuf) {
                return (ByteBuf) msg;
            }
            if (msg instanceof QuicStreamFrame) {
                return ((QuicStreamFrame) msg).content();
            }
            return null;
        }
    }
}

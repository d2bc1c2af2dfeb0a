package dev.sockbridge.transport.websocket.internal;

import dev.sockbridge.api.transport.AbstractTransport;
import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.transport.websocket.WebSocketSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link WebSocketSession} over one upgraded Netty channel; its {@link #handler()} is the last handler of the
 * pipeline. Lifecycle, delivery and writability are {@link AbstractTransport}'s; this class is the WebSocket wire.
 *
 * <pre>
 *  [ssl] ─ ws decoder ─ [IdleStateHandler] ─ WebSocketChannelTransport (reassembles fragments) ─▶ listener
 *        ─ ws encoder ◀───────────────────────────────────── send(): BinaryWebSocketFrame(buf)
 * </pre>
 *
 * <p><b>Reading.</b> The channel reads only while the session is started, {@code setAutoRead(true)}
 * and not closed; the few messages one socket read decoded after reading stopped wait in a small
 * queue, so a listener is never called before {@link #start} or while paused. Fragmented messages
 * are reassembled here (a client pipeline may still put Netty's aggregator in front), up to the
 * largest message size given at construction: larger ones close with 1009.
 *
 * <p><b>Held bytes.</b> Everything this session holds is counted for {@link #countHeldBytes}: frames
 * written and not yet on the wire (pongs and close frames included), the fragments of a message in
 * progress, messages waiting while reading is paused, and, through {@link #decoderHolds}, the bytes
 * of a frame the decoder has begun. All of it changes on the event loop only.
 *
 * <p><b>Closing.</b> {@link #close} (or an error: 1003 text, 1009 too large, 1002 protocol, 1001
 * idle) sends a close frame, tells the listener at once, then waits up to the close timeout for the
 * peer's close frame, reading only what a close frame needs: a peer in the middle of a frame (it cannot
 * answer before the frame ends) or one that sends more than a close frame's worth has its frame dropped
 * (freeing what the decoder held), is no longer read, and gets FIN once our close frame is out. A close
 * frame from the peer is answered with the same code, reading stops, and the connection is closed once
 * the answer is written. Either way the channel is closed hard when the close timeout passes, so a
 * closing connection holds nothing and lingers no longer than that. A connection lost without a close
 * frame reports 1006.
 */
public final class WebSocketChannelTransport extends AbstractTransport implements WebSocketSession {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketChannelTransport.class);

    private final Channel channel;
    private final String scheme;
    private final int maxMessageSize;
    private final long pingIntervalMillis;
    private final long closeTimeoutMillis;
    private final String path;
    private final String query;
    private final String subprotocol;
    private final HttpHeaders requestHeaders;

    private final Handler handler = new Handler();

    // event loop only
    private ChannelHandlerContext ctx;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    /** Ended by the peer before anyone listened: {@link #pending} is kept for the listener to come. */
    private boolean keepPending;
    private boolean closeFrameSent;
    /** The write of our close frame (or of our answer to the peer's), once begun. */
    private io.netty.channel.ChannelFuture closeFrameWrite;
    private boolean closeFrameReceived;
    /** Closing: nothing more is read from the peer (see the class comment). */
    private boolean readStopped;
    private String failure;
    private ScheduledFuture<?> pingTask;
    private ScheduledFuture<?> closeTimer;
    /** The fragments of a message still coming in, or null. */
    private CompositeByteBuf partial;
    /** The payload of the latest ping not answered yet because the channel was not writable, or null. */
    private ByteBuf owedPong;
    /** The decoder's part of the held bytes. */
    private long decoderHeld;

    /**
     * Makes the session for an upgraded channel; add it to the pipeline as its last handler. Reading
     * stops until {@link #start}.
     */
    public WebSocketChannelTransport(Channel channel, String scheme, WebSocketConfig config,
                                     String path, String query, String subprotocol, HttpHeaders requestHeaders) {
        this(channel, scheme, config, config.maxFrameSize(), path, query, subprotocol, requestHeaders);
    }

    /** As above, with the largest message accepted (a route's own size instead of the server's). */
    public WebSocketChannelTransport(Channel channel, String scheme, WebSocketConfig config, int maxMessageSize,
                                     String path, String query, String subprotocol, HttpHeaders requestHeaders) {
        super(channel.eventLoop());
        if (maxMessageSize <= 0) {
            throw new IllegalArgumentException("maxMessageSize must be positive: " + maxMessageSize);
        }
        this.channel = channel;
        this.scheme = scheme;
        this.maxMessageSize = maxMessageSize;
        this.pingIntervalMillis = config.pingIntervalMillis();
        this.closeTimeoutMillis = config.closeTimeoutMillis();
        this.path = path;
        this.query = query;
        this.subprotocol = subprotocol;
        this.requestHeaders = requestHeaders;
        channel.config().setAutoRead(false);
        channel.closeFuture().addListener(f -> onChannelClosed());
    }

    // ---------------------------------------------------------------------------------------------
    // Transport

    /** The handler to put last in the channel's pipeline. */
    public ChannelHandler handler() {
        return handler;
    }

    @Override
    protected void onStart() {
        drain();
        updateAutoRead();
    }

    @Override
    protected void onStartAfterEnd() {
        // it ended before anyone listened: hand over what came before the end, then the end
        ByteBuf f;
        while ((f = pending.poll()) != null) {
            held(-f.readableBytes());
            deliverFrame(f);
        }
    }

    @Override
    protected boolean deliverNext() {
        ByteBuf f = pending.poll();
        if (f == null) {
            return false;
        }
        held(-f.readableBytes());
        deliverFrame(f);
        return true;
    }

    @Override
    protected void sendFrame(ByteBuf frame) {
        channel.writeAndFlush(new BinaryWebSocketFrame(frame), channel.voidPromise());
    }

    @Override
    protected boolean wireWritable() {
        return channel.isWritable();
    }

    @Override
    protected void readingChanged(boolean on) {
        updateAutoRead();
    }

    @Override
    protected void closeWire(int code, String reason) {
        closeLocally(code, reason);
    }

    /** The largest message this session accepts. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** Bytes held now (see the class comment). */
    public long heldBytes() {
        return heldNow();
    }

    /**
     * The frame decoder in front of this session holds {@code bytes} of a frame it has not finished
     * (its cumulation); called on the event loop after each read it decoded.
     */
    /** This side has sent its close frame: what the peer sends now is only read to find its answer. Loop. */
    boolean closeFrameSent() {
        return closeFrameSent;
    }

    /** The decoder in front of this session, told to drop a frame it has begun once the session has ended. */
    private CountingFrameDecoder decoder;

    void decoder(CountingFrameDecoder d) {
        decoder = d;
    }

    /**
     * Closing, to a peer that will not answer (it is in the middle of a frame, which was dropped, or sends more
     * than a close frame after ours): stop reading it, and once our close frame is out send FIN, so that it sees
     * the close frame and the end. What it still sends stays in the kernel until the close timeout closes the
     * channel. Closing at once could reset the connection before the peer read the close frame.
     */
    void stopReadingAndFinish() {
        stopReading();
        io.netty.channel.ChannelFuture w = closeFrameWrite;
        if (w != null) {
            w.addListener(f -> {
                if (f.isSuccess()) {
                    finishOutput();
                }
            });
        }
    }

    private void stopReading() {
        readStopped = true;
        channel.config().setAutoRead(false);
    }

    private void finishOutput() {
        if (channel instanceof io.netty.channel.socket.DuplexChannel && channel.isActive()) {
            ((io.netty.channel.socket.DuplexChannel) channel).shutdownOutput();
        }
    }

    void decoderHolds(long bytes) {
        long d = bytes - decoderHeld;
        decoderHeld = bytes;
        held(d);
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.noneOf(Capability.class);
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String query() {
        return query;
    }

    @Override
    public String subprotocol() {
        return subprotocol;
    }

    @Override
    public String requestHeader(String name) {
        return requestHeaders == null ? null : requestHeaders.get(name);
    }

    /** The channel under this session, for tests and the server's bookkeeping. */
    public Channel channel() {
        return channel;
    }

    @Override
    public String toString() {
        return scheme + " session " + channel.id().asShortText() + " " + channel.remoteAddress() + " " + path;
    }

    // ---------------------------------------------------------------------------------------------
    // pipeline

    /** The pipeline's last handler: frames, pings, closes and errors from the wire, writes to it. */
    private final class Handler extends ChannelDuplexHandler {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            WebSocketChannelTransport.this.ctx = ctx;
            if (pingIntervalMillis > 0) {
                pingTask = ctx.executor().scheduleAtFixedRate(WebSocketChannelTransport.this::ping, pingIntervalMillis,
                        pingIntervalMillis, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            onRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            onWrite(ctx, msg, promise);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // never inside another callback (a send() from frameReceived may cross the mark): a turn later
            ctx.executor().execute(() -> {
                sendOwedPong();
                reconcileWritability();
            });
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && ((IdleStateEvent) evt).state() == IdleState.READER_IDLE) {
                // while the application does not read, silence says nothing about the peer
                if (!isEnded() && (!isStarted() || autoRead())) {
                    fail(CloseCode.GOING_AWAY.code(), "idle timeout");
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            onException(ctx, cause);
        }
    }

    private void onRead(Object msg) {
        if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
            onDataFrame((WebSocketFrame) msg);
        } else if (msg instanceof CloseWebSocketFrame) {
            onCloseFrame((CloseWebSocketFrame) msg);
        } else if (msg instanceof PingWebSocketFrame) {
            ByteBuf data = ((PingWebSocketFrame) msg).content();
            if (isEnded() || closeFrameSent) {
                data.release();
            } else if (!channel.isWritable()) {
                // a peer that pings but does not read: owe it only the latest pong (RFC 6455 5.5.3
                // allows it), sent once writable, so that pongs cannot pile up
                releaseOwedPong();
                owedPong = data;
                held(data.readableBytes());
            } else {
                // through this handler's write(), so the pong counts as held until it is written
                channel.writeAndFlush(new PongWebSocketFrame(data), channel.voidPromise());
            }
        } else if (msg instanceof TextWebSocketFrame) {
            ReferenceCountUtil.release(msg);
            fail(CloseCode.UNSUPPORTED_DATA.code(), "text messages are not accepted: Sockbridge speaks binary");
        } else {
            // pongs (they only count as activity) and anything unexpected
            ReferenceCountUtil.release(msg);
        }
    }

    /** A binary message or a fragment of one: delivered once complete, if it is not too large. */
    private void onDataFrame(WebSocketFrame f) {
        ByteBuf content = f.content();
        if (isEnded() || closeFrameSent) {
            content.release();
            return;
        }
        boolean continuation = f instanceof ContinuationWebSocketFrame;
        if (continuation != (partial != null)) {
            // the decoder checks this too; kept so that a pipeline without it cannot mix messages
            content.release();
            fail(CloseCode.PROTOCOL_ERROR.code(), continuation ? "a continuation frame without a message to continue"
                    : "a new message began before the last one ended");
            return;
        }
        long size = (partial == null ? 0 : partial.readableBytes()) + content.readableBytes();
        if (size > maxMessageSize) {
            content.release();
            fail(CloseCode.TOO_BIG.code(), "message larger than the maximum of " + maxMessageSize + " bytes");
            return;
        }
        held(content.readableBytes());
        if (f.isFinalFragment() && partial == null) {
            pending.add(content);
        } else {
            if (partial == null) {
                partial = channel.alloc().compositeBuffer(64);
            }
            partial.addComponent(true, content);
            if (!f.isFinalFragment()) {
                return;
            }
            pending.add(partial);
            partial = null;
        }
        drain();
    }

    private void onWrite(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (closeFrameSent && msg instanceof BinaryWebSocketFrame) {
            // nothing may follow a close frame
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
            return;
        }
        if (msg instanceof WebSocketFrame && !heldReleased()) {
            int n = ((WebSocketFrame) msg).content().readableBytes();
            if (n > 0) {
                held(n);
                promise = promise.unvoid();
                promise.addListener(f -> held(-n));
            }
        }
        ctx.write(msg, promise);
    }

    private void onException(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException) {
            CorruptedWebSocketFrameException e = (CorruptedWebSocketFrameException) cause;
            LOG.debug("{}: {}", this, e.getMessage());
            fail(e.closeStatus().code(), e.getMessage());
        } else if (cause instanceof TooLongFrameException) {
            LOG.debug("{}: {}", this, cause.getMessage());
            fail(CloseCode.TOO_BIG.code(), "message larger than the maximum of " + maxMessageSize + " bytes");
        } else if (cause instanceof IOException || cause.getCause() instanceof IOException) {
            LOG.debug("{}: {}", this, cause.toString());
            if (failure == null) {
                failure = "connection lost: " + cause.getMessage();
            }
            ctx.close();
        } else {
            LOG.warn("{}: unexpected error", this, cause);
            fail(CloseCode.INTERNAL_ERROR.code(), "internal error");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // internals (event loop)

    /** Reads while there is someone to read for, or while a close is waiting for the peer's answer. */
    private void updateAutoRead() {
        boolean read = channel.isActive() && !readStopped && (isEnded() || (isStarted() && autoRead()));
        channel.config().setAutoRead(read);
    }

    private void ping() {
        if (!isEnded() && !closeFrameSent && channel.isActive() && channel.isWritable()) {
            ByteBuf b = ctx.alloc().buffer(8).writeLong(System.nanoTime());
            channel.writeAndFlush(new PingWebSocketFrame(b), channel.voidPromise());
        }
    }

    private void closeLocally(int code, String reason) {
        if (isEnded()) {
            return;
        }
        boolean active = channel.isActive();
        // first settle how it ended: closing the channel below may report 1006 at once
        endSession(code, reason, false);
        if (!closeFrameSent && active) {
            closeFrameSent = true;
            boolean midFrame = decoderHeld > 0 && decoder != null;
            if (midFrame) {
                // the peer is in the middle of a frame: it cannot answer before it has sent the rest, and the
                // session that would have taken it has ended. The frame is dropped (freeing what the decoder held)
                // and the rest not read, in the same turn, so no byte is read and not counted
                decoder.dropFrame();
            }
            closeFrameWrite = ctx.writeAndFlush(closeFrame(code, reason));
            closeFrameWrite.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    f.channel().close();
                }
            });
            if (midFrame) {
                stopReadingAndFinish();
            }
            armCloseTimer();
        } else {
            channel.close();
        }
    }

    private void onCloseFrame(CloseWebSocketFrame frame) {
        int code = frame.statusCode();
        String reason = code == -1 ? "" : frame.reasonText();
        frame.release();
        closeFrameReceived = true;
        if (code == -1) {
            code = CloseCode.NO_STATUS.code();
        }
        if (closeFrameSent) {
            // the answer to our close: done
            channel.close();
            return;
        }
        markClosing();
        endSession(code, reason, true);
        closeFrameSent = true;
        // nothing may follow the peer's close frame: what it sends now is not read
        stopReading();
        CloseWebSocketFrame answer = code == CloseCode.NO_STATUS.code() || !sendable(code) ? new CloseWebSocketFrame() : closeFrame(code, "");
        closeFrameWrite = ctx.writeAndFlush(answer);
        closeFrameWrite.addListener(ChannelFutureListener.CLOSE);
        // a peer that does not read may never take the answer (it waits behind what was queued before it)
        armCloseTimer();
    }

    /** Closes the channel hard if it is still open when the close timeout passes. */
    private void armCloseTimer() {
        if (closeTimer == null && channel.isOpen()) {
            closeTimer = ctx.executor().schedule(() -> {
                LOG.debug("{}: not closed within {} ms of the close frames; closing the channel", this, closeTimeoutMillis);
                channel.close();
            }, closeTimeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void onChannelClosed() {
        if (pingTask != null) {
            pingTask.cancel(false);
        }
        if (closeTimer != null) {
            closeTimer.cancel(false);
        }
        endSession(CloseCode.ABNORMAL.code(), failure != null ? failure : "connection closed without a close frame", true);
        releasePartial();
        releaseOwedPong();
        // writes still queued fail right after this listener returns, and release their frames
        terminated();
    }

    /**
     * The session is over with {@code code}: tell the listener (or, if not started, the listener to
     * come). Frames read before a close the peer made are kept for a listener that has not started.
     */
    private void endSession(int code, String reason, boolean peerEnded) {
        if (isEnded()) {
            return;
        }
        keepPending = !isStarted() && peerEnded;
        end(code, reason);
    }

    @Override
    protected void onEnd() {
        if (pingTask != null) {
            pingTask.cancel(false);
        }
        releasePartial();
        releaseOwedPong();
        if (!keepPending) {
            releasePending();
        }
        if (channel.isActive()) {
            updateAutoRead();
        }
    }

    private void releasePending() {
        ByteBuf b;
        while ((b = pending.poll()) != null) {
            held(-b.readableBytes());
            b.release();
        }
    }

    private void sendOwedPong() {
        ByteBuf data = owedPong;
        if (data != null && channel.isWritable() && !isEnded() && !closeFrameSent) {
            owedPong = null;
            held(-data.readableBytes());
            channel.writeAndFlush(new PongWebSocketFrame(data), channel.voidPromise());
        }
    }

    private void releaseOwedPong() {
        if (owedPong != null) {
            held(-owedPong.readableBytes());
            owedPong.release();
            owedPong = null;
        }
    }

    private void releasePartial() {
        if (partial != null) {
            held(-partial.readableBytes());
            partial.release();
            partial = null;
        }
    }

    /** A close frame that fits the 125-byte limit, with a code that may go on the wire. */
    private CloseWebSocketFrame closeFrame(int code, String reason) {
        int wire = sendable(code) ? code : CloseCode.NORMAL.code();
        byte[] r = truncateUtf8(reason, 123);
        ByteBuf b = channel.alloc().buffer(2 + r.length);
        b.writeShort(wire).writeBytes(r);
        return new CloseWebSocketFrame(true, 0, b);
    }

    /** Close codes an endpoint may send (RFC 6455 7.4): not 1004-1006, 1015, nor unassigned ones. */
    static boolean sendable(int code) {
        return CloseCode.isSendable(code);
    }

    static byte[] truncateUtf8(String s, int maxBytes) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= maxBytes) {
            return b;
        }
        int end = maxBytes;
        // do not cut a multi-byte character: back up to the start of one
        while (end > 0 && (b[end] & 0xC0) == 0x80) {
            end--;
        }
        byte[] out = new byte[end];
        System.arraycopy(b, 0, out, 0, end);
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // admission

    private volatile dev.sockbridge.api.transport.ConnectRequest connectRequest;
    private volatile Object attachment;

    /** What the route's admission check saw and attached; set before the session is handed out. */
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

package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * First handler of every peer-opened stream on a WebTransport connection. It reads the stream's WebTransport
 * prefix and then removes itself, passing on the bytes that followed the prefix:
 *
 * <pre>
 *  bidi:  [varint 0x41][varint session id][payload...]   sniffed before the HTTP/3 codec sees a byte
 *  uni:   [varint session id][payload...]                 Netty's uni-stream type decoder already ate 0x54
 * </pre>
 *
 * <p>A bidi stream whose first varint is not 0x41 is an HTTP/3 request stream: the handler steps aside and the
 * HTTP/3 codec behind it gets every byte. A 0x41 stream would make that codec fail the whole connection
 * ({@code H3_FRAME_UNEXPECTED}), so for it every other handler is removed before the session sees the stream.
 *
 * <p>While the session id is not (yet) known the handler holds the received bytes and the FIN events
 * ({@code ChannelInputShutdownEvent}, {@code ChannelInputShutdownReadComplete}); {@link #release} replays them to
 * the handlers the session installed. The caller bounds how long and how many streams wait (autoRead is off
 * meanwhile).
 *
 * <p>Threading: the stream's event loop only (all streams of a QUIC connection share its loop).
 */
final class StreamPrefixHandler extends ChannelInboundHandlerAdapter {
    /**
     * Receives the parsed prefix. {@code stream} is the handler's channel: a {@link QuicStreamChannel} in
     * production, typed {@link Channel} so that tests can drive the handler on an {@code EmbeddedChannel}.
     */
    interface Sink {
        void streamPrefixed(StreamPrefixHandler prefix, Channel stream, long sessionId, boolean bidi);
    }

    private enum State { SNIFF_BIDI, SESSION_ID, WAITING, RELEASED }

    private final Sink sink;
    private final boolean bidi;
    private State state;
    private ByteBuf buffered = Unpooled.EMPTY_BUFFER;
    private final List<Object> heldEvents = new ArrayList<>(2);
    private ChannelHandlerContext ctx;

    private StreamPrefixHandler(Sink sink, boolean bidi) {
        this.sink = sink;
        this.bidi = bidi;
        this.state = bidi ? State.SNIFF_BIDI : State.SESSION_ID;
    }

    /** For a peer bidi stream, added first in its pipeline before the HTTP/3 handlers. */
    static StreamPrefixHandler sniffBidi(Sink sink) {
        return new StreamPrefixHandler(sink, true);
    }

    /** For a peer uni stream of type 0x54 (the type varint is already consumed). */
    static StreamPrefixHandler uni(Sink sink) {
        return new StreamPrefixHandler(sink, false);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.RELEASED) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        if (!buffered.isReadable()) {
            buffered.release();
            buffered = in;
        } else {
            ByteBuf merged = ctx.alloc().buffer(buffered.readableBytes() + in.readableBytes());
            merged.writeBytes(buffered).writeBytes(in);
            buffered.release();
            in.release();
            buffered = merged;
        }
        parse(ctx);
    }

    private void parse(ChannelHandlerContext ctx) {
        Channel stream = ctx.channel();
        if (state == State.SNIFF_BIDI) {
            if (!Varint.isReadable(buffered)) {
                return;
            }
            int start = buffered.readerIndex();
            long type = Varint.read(buffered);
            if (type != WebTransportProtocol.BIDI_STREAM_SIGNAL) {
                buffered.readerIndex(start);
                release(); // an HTTP/3 request stream: the codec behind us gets every byte
                return;
            }
            removeOthers(ctx);
            state = State.SESSION_ID;
        }
        if (state == State.SESSION_ID) {
            if (!Varint.isReadable(buffered)) {
                return;
            }
            long sessionId = Varint.read(buffered);
            state = State.WAITING;
            sink.streamPrefixed(this, stream, sessionId, bidi);
        }
    }

    /** Drops the HTTP/3 codec, validators and request handler that Netty installed for a request stream. */
    private void removeOthers(ChannelHandlerContext ctx) {
        List<ChannelHandler> others = new ArrayList<>();
        for (Map.Entry<String, ChannelHandler> e : ctx.pipeline()) {
            if (e.getValue() != this) {
                others.add(e.getValue());
            }
        }
        for (ChannelHandler h : others) {
            ctx.pipeline().remove(h);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (state == State.RELEASED) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        heldEvents.add(evt);
        if (evt instanceof ChannelInputShutdownReadComplete) {
            if (state == State.SNIFF_BIDI) {
                // FIN before a whole first varint: not ours, let the HTTP/3 codec judge it
                release();
            } else if (state == State.SESSION_ID) {
                ctx.close(); // FIN inside the prefix: nothing to deliver
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == State.RELEASED) {
            ctx.fireChannelReadComplete();
        }
    }

    /**
     * Removes this handler; the bytes after the prefix and any held FIN events go to the handlers behind it,
     * which the caller installed first.
     */
    void release() {
        if (state == State.RELEASED) {
            return;
        }
        state = State.RELEASED;
        ctx.pipeline().remove(this);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ByteBuf rest = buffered;
        buffered = Unpooled.EMPTY_BUFFER;
        if (state != State.RELEASED) { // removed by a pipeline teardown, not by release()
            rest.release();
            heldEvents.clear();
            return;
        }
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
            ctx.fireChannelReadComplete();
        } else {
            rest.release();
        }
        for (Object evt : heldEvents) {
            ctx.fireUserEventTriggered(evt);
        }
        heldEvents.clear();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state != State.RELEASED) {
            buffered.release();
            buffered = Unpooled.EMPTY_BUFFER;
        }
        ctx.fireChannelInactive();
    }
}

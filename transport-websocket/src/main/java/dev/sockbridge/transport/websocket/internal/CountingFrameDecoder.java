package dev.sockbridge.transport.websocket.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;

/**
 * Netty's RFC 6455 frame decoder, telling its session how many bytes of an unfinished frame it holds.
 * A frame is decoded only once its whole payload is in, so a peer that declares a large frame and
 * sends it slowly makes the decoder hold up to the route's largest message: those bytes belong to
 * the session's held bytes like the fragments it reassembles itself.
 */
final class CountingFrameDecoder extends WebSocket13FrameDecoder {
    private final WebSocketChannelTransport session;
    /** What the decoder may hold once this side has sent its close frame (a close frame is at most 131 bytes). */
    private static final int AFTER_CLOSE_MAX = 64 << 10;
    private ChannelHandlerContext ctx;

    CountingFrameDecoder(WebSocketDecoderConfig config, WebSocketChannelTransport session) {
        super(config);
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (session.closeFrameSent() && msg instanceof ByteBuf
                && internalBuffer().readableBytes() + ((ByteBuf) msg).readableBytes() > AFTER_CLOSE_MAX) {
            // after our close frame only the peer's answer is wanted; a peer still sending a large frame would
            // make the decoder hold it until the close timeout. It is dropped and the peer no longer read
            // (closing now would reset the connection and could lose our close frame)
            ((ByteBuf) msg).release();
            dropFrame();
            session.stopReadingAndFinish();
            return;
        }
        try {
            super.channelRead(ctx, msg);
        } finally {
            session.decoderHolds(internalBuffer().readableBytes());
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        session.decoder(this);
        super.handlerAdded(ctx);
    }

    /**
     * Drops the frame begun and leaves the pipeline, which frees the buffer it held; what the peer sends after
     * reaches the session as raw bytes, which it releases. The session has ended. On the event loop.
     */
    void dropFrame() {
        if (ctx == null || ctx.isRemoved()) {
            return;
        }
        internalBuffer().skipBytes(internalBuffer().readableBytes());
        session.decoderHolds(0);
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelInactive(ctx);
        } finally {
            session.decoderHolds(0);
        }
    }
}

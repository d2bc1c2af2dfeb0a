package dev.sockbridge.transport.websocket.internal;

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

    CountingFrameDecoder(WebSocketDecoderConfig config, WebSocketChannelTransport session) {
        super(config);
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        try {
            super.channelRead(ctx, msg);
        } finally {
            session.decoderHolds(internalBuffer().readableBytes());
        }
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

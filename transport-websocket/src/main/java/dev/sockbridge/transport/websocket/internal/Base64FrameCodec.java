package dev.sockbridge.transport.websocket.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.base64.Base64;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * websockify's old {@code base64} subprotocol under a binary session: text messages carry the data
 * base64-encoded. Incoming text messages (and their continuations) become binary ones, decoded as
 * they arrive (a fragment's last 0-3 characters wait for the next, so nothing else is held); outgoing
 * binary messages leave as text. Binary messages from the peer pass unchanged. Invalid base64 closes
 * the session with 1007. Sits between the frame codec and the session, on the channel's event loop.
 */
final class Base64FrameCodec extends ChannelDuplexHandler {
    private static final byte[] NONE = new byte[0];
    /** A text message is being received in fragments: its continuations are base64 too. */
    private boolean inText;
    /** The characters of an unfinished quartet from the last fragment. */
    private byte[] carry = NONE;

    /** The largest frame payload the decoder must let through for a decoded message of {@code max} bytes. */
    static int encodedLength(int max) {
        return (int) Math.min(Integer.MAX_VALUE, 4L * ((max + 2L) / 3));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        boolean text = msg instanceof TextWebSocketFrame;
        if (!text && !(inText && msg instanceof ContinuationWebSocketFrame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        WebSocketFrame f = (WebSocketFrame) msg;
        boolean fin = f.isFinalFragment();
        int rsv = f.rsv();
        ByteBuf decoded;
        try {
            decoded = decode(f.content(), fin);
        } catch (IllegalArgumentException e) {
            inText = false;
            carry = NONE;
            ctx.fireExceptionCaught(new CorruptedWebSocketFrameException(WebSocketCloseStatus.INVALID_PAYLOAD_DATA,
                    "invalid base64 in a text message"));
            return;
        } finally {
            f.release();
        }
        inText = !fin;
        ctx.fireChannelRead(text ? new BinaryWebSocketFrame(fin, rsv, decoded) : new ContinuationWebSocketFrame(fin, rsv, decoded));
    }

    private ByteBuf decode(ByteBuf content, boolean fin) {
        byte[] chars = new byte[carry.length + content.readableBytes()];
        System.arraycopy(carry, 0, chars, 0, carry.length);
        content.getBytes(content.readerIndex(), chars, carry.length, content.readableBytes());
        int whole = fin ? chars.length : chars.length - chars.length % 4;
        carry = whole == chars.length ? NONE : java.util.Arrays.copyOfRange(chars, whole, chars.length);
        if (whole == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        byte[] in = whole == chars.length ? chars : java.util.Arrays.copyOf(chars, whole);
        return Unpooled.wrappedBuffer(java.util.Base64.getDecoder().decode(in));
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof BinaryWebSocketFrame)) {
            ctx.write(msg, promise);
            return;
        }
        BinaryWebSocketFrame f = (BinaryWebSocketFrame) msg;
        boolean fin = f.isFinalFragment();
        int rsv = f.rsv();
        ByteBuf encoded;
        try {
            encoded = Base64.encode(f.content(), false);
        } finally {
            f.release();
        }
        ctx.write(new TextWebSocketFrame(fin, rsv, encoded), promise);
    }
}

package dev.sockbridge.transport.websocket.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.TooLongFrameException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.List;

/**
 * The client's frame encoder (RFC 6455 5.2 and 5.3): every frame masked with a fresh random key.
 *
 * <p>Netty's own encoder masks with a {@code getLong}/{@code writeLong} pair per 8 bytes through
 * the {@code ByteBuf} API, which on our messages (a CBOR head and a data slice in one
 * {@code CompositeByteBuf}) cost more CPU than everything else the client does in a bulk transfer.
 * Here the payload is copied once into the frame (one memcpy per component) and masked in place
 * over a plain {@code ByteBuffer} or array, which the JIT turns into a tight loop.
 */
final class MaskingFrameEncoder extends MessageToMessageEncoder<WebSocketFrame> {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    /** Keys come from a CSPRNG, as 10.3 asks; one per thread, drawn in blocks to keep it cheap. */
    private static final ThreadLocal<KeySource> KEYS = ThreadLocal.withInitial(KeySource::new);

    MaskingFrameEncoder() {
        super(WebSocketFrame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, WebSocketFrame msg, List<Object> out) {
        ByteBuf data = msg.content();
        int length = data.readableBytes();
        int opcode = opcode(msg);
        if ((opcode & 0x8) != 0 && length > 125) {
            throw new TooLongFrameException("control frame payload of " + length + " bytes (at most 125)");
        }
        int b0 = (msg.isFinalFragment() ? 0x80 : 0) | (msg.rsv() & 0x07) << 4 | opcode;
        int head = length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
        ByteBuf buf = ctx.alloc().buffer(head + 4 + length);
        try {
            buf.writeByte(b0);
            if (length <= 125) {
                buf.writeByte(0x80 | length);
            } else if (length <= 0xFFFF) {
                buf.writeByte(0x80 | 126).writeShort(length);
            } else {
                buf.writeByte(0x80 | 127).writeLong(length);
            }
            int key = KEYS.get().next();
            buf.writeInt(key);
            int start = buf.writerIndex();
            if (data.nioBufferCount() == 1) {
                buf.writeBytes(data, data.readerIndex(), length);
            } else {
                // component by component: writeBytes(composite) would first merge it into a new heap array
                for (ByteBuffer part : data.nioBuffers(data.readerIndex(), length)) {
                    buf.writeBytes(part);
                }
            }
            mask(buf, start, length, key);
            out.add(buf);
            buf = null;
        } finally {
            if (buf != null) {
                buf.release();
            }
        }
    }

    private static int opcode(WebSocketFrame msg) {
        if (msg instanceof BinaryWebSocketFrame) {
            return 0x2;
        } else if (msg instanceof TextWebSocketFrame) {
            return 0x1;
        } else if (msg instanceof ContinuationWebSocketFrame) {
            return 0x0;
        } else if (msg instanceof CloseWebSocketFrame) {
            return 0x8;
        } else if (msg instanceof PingWebSocketFrame) {
            return 0x9;
        } else if (msg instanceof PongWebSocketFrame) {
            return 0xA;
        }
        throw new UnsupportedOperationException("cannot encode " + msg.getClass().getSimpleName());
    }

    /** XORs {@code length} bytes at {@code start} with the key repeated, key byte 0 first. */
    static void mask(ByteBuf buf, int start, int length, int key) {
        if (length == 0) {
            return;
        }
        // the key's bytes in wire order, as a native-order long over 8 payload bytes
        long big = (key & 0xFFFFFFFFL) << 32 | (key & 0xFFFFFFFFL);
        long lm = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? big : Long.reverseBytes(big);
        int i = 0;
        if (buf.hasArray()) {
            byte[] a = buf.array();
            int base = buf.arrayOffset() + start;
            for (int lim = length - 7; i < lim; i += 8) {
                LONGS.set(a, base + i, (long) LONGS.get(a, base + i) ^ lm);
            }
            for (; i < length; i++) {
                a[base + i] ^= keyByte(key, i);
            }
        } else if (buf.nioBufferCount() == 1) {
            ByteBuffer nb = buf.internalNioBuffer(start, length).slice().order(ByteOrder.nativeOrder());
            for (int lim = length - 7; i < lim; i += 8) {
                nb.putLong(i, nb.getLong(i) ^ lm);
            }
            for (; i < length; i++) {
                nb.put(i, (byte) (nb.get(i) ^ keyByte(key, i)));
            }
        } else {
            for (; i < length; i++) {
                buf.setByte(start + i, buf.getByte(start + i) ^ keyByte(key, i));
            }
        }
    }

    /** The key byte that masks payload byte {@code i}: key byte 0 is the key's most significant. */
    private static byte keyByte(int key, int i) {
        return (byte) (key >>> (24 - 8 * (i & 3)));
    }

    private static final class KeySource {
        private final SecureRandom random = new SecureRandom();
        private final byte[] block = new byte[4096];
        private int pos = block.length;

        int next() {
            if (pos == block.length) {
                random.nextBytes(block);
                pos = 0;
            }
            int k = (block[pos] & 0xFF) << 24 | (block[pos + 1] & 0xFF) << 16 | (block[pos + 2] & 0xFF) << 8 | (block[pos + 3] & 0xFF);
            pos += 4;
            return k;
        }
    }
}

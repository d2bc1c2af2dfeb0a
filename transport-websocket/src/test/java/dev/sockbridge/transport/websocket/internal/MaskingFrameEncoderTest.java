package dev.sockbridge.transport.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The client's masking encoder, checked against Netty's server-side decoder (which unmasks). */
class MaskingFrameEncoderTest {
    private static final int[] SIZES = {0, 1, 3, 4, 7, 8, 9, 15, 16, 125, 126, 127, 1000, 65535, 65536, 70001};

    @Test
    void everySizeRoundTripsThroughNettysDecoderOnHeapAndDirectBuffers() {
        for (boolean direct : new boolean[] {true, false}) {
            for (int size : SIZES) {
                byte[] payload = random(size, size);
                ByteBuf wire = encode(direct, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
                assertEquals(0x82, wire.getUnsignedByte(0), "FIN + binary");
                assertTrue((wire.getUnsignedByte(1) & 0x80) != 0, "mask bit set");
                if (size >= 16) {
                    // the payload on the wire is not the plain payload
                    int head = size <= 125 ? 6 : size <= 0xFFFF ? 8 : 14;
                    assertNotEquals(Unpooled.wrappedBuffer(payload), wire.slice(head, size));
                }
                assertArrayEquals(payload, decode(wire), "size " + size + (direct ? " direct" : " heap"));
            }
        }
    }

    @Test
    void compositeInputWithOddComponentBoundariesIsMaskedAsOneStream() {
        byte[] a = random(3, 1);
        byte[] b = random(13, 2);
        byte[] c = random(40_000, 3);
        CompositeByteBuf comp = Unpooled.compositeBuffer().addComponents(true,
                Unpooled.wrappedBuffer(a), Unpooled.directBuffer(b.length).writeBytes(b), Unpooled.wrappedBuffer(c));
        byte[] all = new byte[a.length + b.length + c.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        System.arraycopy(c, 0, all, a.length + b.length, c.length);
        assertArrayEquals(all, decode(encode(true, new BinaryWebSocketFrame(comp))));
    }

    @Test
    void controlFramesAreMaskedAndLimitedTo125Bytes() {
        ByteBuf wire = encode(true, new CloseWebSocketFrame(1000, "bye"));
        assertEquals(0x88, wire.getUnsignedByte(0));
        EmbeddedChannel server = serverDecoder();
        server.writeInbound(wire);
        CloseWebSocketFrame close = assertInstanceOf(CloseWebSocketFrame.class, server.readInbound());
        assertEquals(1000, close.statusCode());
        assertEquals("bye", close.reasonText());
        close.release();

        EmbeddedChannel client = new EmbeddedChannel(new MaskingFrameEncoder());
        EncoderException e = assertThrows(EncoderException.class,
                () -> client.writeOutbound(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[126]))));
        assertTrue(e.getMessage().contains("126"), e.getMessage());
    }

    @Test
    void keysDiffer() {
        Set<Integer> keys = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            ByteBuf wire = encode(true, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[4])));
            keys.add(wire.getInt(2));
            wire.release();
        }
        // 64 draws from a CSPRNG repeat a 32-bit key with probability ~5e-7
        assertEquals(64, keys.size());
    }

    private static ByteBuf encode(boolean direct, WebSocketFrame frame) {
        EmbeddedChannel ch = new EmbeddedChannel(new MaskingFrameEncoder());
        ch.config().setAllocator(new UnpooledByteBufAllocator(direct));
        ch.writeOutbound(frame);
        ByteBuf wire = ch.readOutbound();
        assertNull(ch.readOutbound());
        return wire;
    }

    private static EmbeddedChannel serverDecoder() {
        return new EmbeddedChannel(new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(true).maxFramePayloadLength(1 << 20).build()));
    }

    private static byte[] decode(ByteBuf wire) {
        EmbeddedChannel server = serverDecoder();
        server.writeInbound(wire);
        WebSocketFrame f = server.readInbound();
        byte[] out = ByteBufUtil.getBytes(f.content());
        f.release();
        return out;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}

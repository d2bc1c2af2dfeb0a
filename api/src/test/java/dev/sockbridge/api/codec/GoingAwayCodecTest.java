package dev.sockbridge.api.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sockbridge.api.message.Control;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** GOING_AWAY (protocol version 2) on the wire: the bytes the JS client's codec test expects too. */
class GoingAwayCodecTest {
    private static final String WIRE = "82056a676f696e672061776179"; // [5, "going away"]

    @Test
    void goingAwayIsTypeFiveAndItsReason() throws Exception {
        ByteBuf b = MessageCodec.cbor().encode(new Control.GoingAway("going away"), Unpooled.buffer().alloc());
        try {
            assertEquals(WIRE, ByteBufUtil.hexDump(b));
            assertEquals(new Control.GoingAway("going away"), MessageCodec.cbor().decode(b));
        } finally {
            b.release();
        }
    }
}

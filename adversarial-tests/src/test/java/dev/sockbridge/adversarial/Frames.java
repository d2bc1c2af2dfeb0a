package dev.sockbridge.adversarial;

import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.benchmarks.RawWebSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Protocol messages as raw WebSocket frames, for clients that misbehave. */
final class Frames {
    private Frames() {
    }

    /** A Sockbridge message, CBOR-encoded, as one masked binary frame. */
    static byte[] sockbridge(Message m) {
        ByteBuf b = MessageCodec.cbor().encode(m, UnpooledByteBufAllocator.DEFAULT);
        try {
            return RawWebSocket.frame(RawWebSocket.BINARY, ByteBufUtil.getBytes(b));
        } finally {
            b.release();
        }
    }

    static byte[] hello() {
        return sockbridge(new Control.Hello(List.of(MessageCodec.VERSION), "hostile"));
    }

    /** An Emscripten PROXY_POSIX_SOCKETS request: call id, opcode, arguments (little-endian). */
    static byte[] emscripten(int callId, int opcode, int... args) {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 * args.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(callId).putInt(opcode);
        for (int a : args) {
            b.putInt(a);
        }
        return RawWebSocket.frame(RawWebSocket.BINARY, b.array());
    }
}

package dev.sockbridge.api.codec;

import dev.sockbridge.api.internal.codec.CborMessageCodec;
import dev.sockbridge.api.message.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Encodes and decodes Sockbridge messages as CBOR ({@code docs/protocol.md}): one message per frame,
 * a definite-length CBOR array whose first element is the {@link dev.sockbridge.api.message.MessageType}
 * code. Bulk data is the last element, a CBOR byte string; it is not copied in either direction
 * (encoding appends the data buffer to the frame as a composite component; decoding hands out a
 * retained slice of the frame).
 *
 * <p><b>Threading.</b> Stateless and thread-safe.
 *
 * <p><b>Buffers.</b> {@link #encode} takes ownership of the message's data buffer.
 * {@link #decode} does not release the frame; a decoded message holds its own reference.
 */
public interface MessageCodec {

    /** The protocol version every peer speaks. */
    int VERSION = 1;

    /**
     * Version 1 plus the proxy's {@link dev.sockbridge.api.message.Control.GoingAway} notice. A client that offers it
     * (besides 1) understands the notice; the proxy chooses it then, and sends the notice only in sessions of it.
     */
    int VERSION_GOING_AWAY = 2;

    static MessageCodec cbor() {
        return CborMessageCodec.INSTANCE;
    }

    ByteBuf encode(Message message, ByteBufAllocator alloc);

    Message decode(ByteBuf frame) throws ProtocolException;
}

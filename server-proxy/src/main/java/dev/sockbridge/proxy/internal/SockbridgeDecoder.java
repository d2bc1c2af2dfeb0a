package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.codec.ProtocolException;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.MessageType;
import io.netty.buffer.ByteBuf;

/**
 * The first stage of the Sockbridge CBOR front end: one frame in, what the session must act on out. No state and
 * no I/O, so it is tested on bytes alone.
 */
final class SockbridgeDecoder {
    /** What a frame is to the session. */
    sealed interface Inbound {
    }

    /** A message (owns its buffer). */
    record Decoded(Message message) implements Inbound {
    }

    /** A request that cannot be decoded but names its call: answered with {@code errno}, the session goes on. */
    record BadRequest(int callId, Errno errno, String reason) implements Inbound {
    }

    /** A frame that ends the session with {@code code}; {@code malformed}: it counts as a malformed message. */
    record Fatal(int code, String reason, boolean malformed) implements Inbound {
    }

    private final MessageCodec codec;

    SockbridgeDecoder(MessageCodec codec) {
        this.codec = codec;
    }

    /**
     * Decodes {@code frame} and releases it. Before the handshake ({@code welcomed} false) every undecodable frame
     * is fatal; after it, one that names a call and a request type (or an unknown type) is a {@link BadRequest}.
     */
    Inbound decode(ByteBuf frame, int maxFrameSize, boolean welcomed) {
        try {
            if (frame.readableBytes() > maxFrameSize) {
                return new Fatal(Control.Goodbye.TOO_BIG, "frame of " + frame.readableBytes()
                        + " bytes exceeds the limit of " + maxFrameSize, false);
            }
            return new Decoded(codec.decode(frame));
        } catch (ProtocolException e) {
            MessageType t = MessageType.of(e.messageType());
            boolean request = e.messageType() >= 0x10 && e.messageType() < 0x40;
            if (welcomed && e.callId() > 0 && (request || t == null)) {
                return new BadRequest(e.callId(), t == null ? Errno.ENOSYS : Errno.EINVAL, e.getMessage());
            }
            return new Fatal(Control.Goodbye.PROTOCOL_ERROR, e.getMessage(), true);
        } finally {
            frame.release();
        }
    }
}

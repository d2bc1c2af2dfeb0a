package dev.sockbridge.api.message;

import io.netty.buffer.ByteBuf;

/**
 * One Sockbridge protocol message: a {@link Request}, a {@link Reply}, an {@link Event} (push
 * delivery) or a {@link Control} message. Messages are immutable values.
 *
 * <p><b>Buffers.</b> Messages that carry bulk data hold it as a Netty {@link ByteBuf}
 * ({@link DataCarrier}). Whoever holds such a message owns one reference to its buffer: encoding
 * it, handing it on, or calling {@link #release(Message)} gives that reference up.
 */
public sealed interface Message permits Request, Reply, Event, Control {
    MessageType messageType();

    /** Releases the buffer a message carries, if any. Safe on every message. */
    static void release(Message m) {
        if (m instanceof DataCarrier) {
            ByteBuf b = ((DataCarrier) m).data();
            if (b != null && b.refCnt() > 0) {
                b.release();
            }
        }
    }
}

package dev.sockbridge.api.transport;

import io.netty.buffer.ByteBuf;

/** Receives what a {@link Transport} delivers. Called on the transport's executor, in order. */
public interface TransportListener {

    /** One frame, owned by the listener. */
    void frameReceived(ByteBuf frame);

    /** One datagram, owned by the listener. The default drops it. */
    default void datagramReceived(ByteBuf datagram) {
        datagram.release();
    }

    /** {@link Transport#isWritable()} changed. */
    default void writabilityChanged(boolean writable) {
    }

    /** The peer opened an extra stream ({@link Transport.Capability#STREAMS}); the listener must {@code start} it or close it. */
    default void streamOpened(Transport stream) {
        stream.close(CloseCode.UNSUPPORTED_DATA, "streams not accepted");
    }

    /** The transport ended: called once, last. {@code code} follows WebSocket close codes ({@link CloseCode#of(int)} names it). */
    void closed(int code, String reason);
}

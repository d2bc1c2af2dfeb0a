package dev.sockbridge.api.transport;

import io.netty.buffer.ByteBuf;

/**
 * Receives what a {@link Transport} delivers.
 *
 * <p><b>Threading.</b> Called on the transport's {@link Transport#executor() executor}, one call at a time, in
 * order; callbacks must not block.
 *
 * <p><b>Backpressure.</b> Frames are delivered as they arrive, not when the listener asks: a listener that cannot
 * keep up calls {@link Transport#setAutoRead setAutoRead(false)}. {@link #writabilityChanged} says when to stop and
 * resume sending.
 */
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

    /**
     * The peer said it is going away soon (a proxy that drains: a WebTransport DRAIN_WEBTRANSPORT_SESSION capsule,
     * say). The transport still works; finish what is under way and start nothing new on it, as it will be closed
     * (1001) if still open when the peer's drain ends. At most once. The default ignores it.
     */
    default void peerGoingAway(String reason) {
    }

    /** The transport ended: called once, last. {@code code} follows WebSocket close codes ({@link CloseCode#of(int)} names it). */
    void closed(int code, String reason);
}

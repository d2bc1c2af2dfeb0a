package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicStreamChannel;

/**
 * Application callbacks of the sessions on one path (or of a raw QUIC server/client).
 *
 * <p><b>Lifecycle.</b> Per session: {@link #sessionOpened} first, then any number of {@link #streamOpened},
 * {@link #datagramReceived} and {@link #sessionDraining}, then {@link #sessionClosed} exactly once. Nothing
 * arrives for a session after {@code sessionClosed}.
 *
 * <p><b>Threading.</b> Called on the session's connection event loop, never concurrently for one connection.
 * Must not block. One handler instance may serve many sessions and connections at once. An exception thrown
 * by a callback is logged; one thrown by {@code sessionOpened} also closes the session.
 *
 * <p><b>Backpressure.</b> See {@link WebTransportSession}: the stream channel's autoRead and writability.
 */
public interface WebTransportSessionHandler {
    default void sessionOpened(WebTransportSession session) {
    }

    /**
     * The peer opened a stream. Add handlers to {@code stream.pipeline()} here: they receive the payload as
     * {@link ByteBuf}s (the WebTransport prefix is already removed), then {@code ChannelInputShutdownEvent} and
     * {@code ChannelInputShutdownReadComplete} at the peer's FIN. Bytes that arrived with the prefix are
     * delivered right after this method returns. On a bidi stream, write {@code ByteBuf}s back and call
     * {@code shutdownOutput()} to send FIN. A unidirectional stream is read-only.
     */
    void streamOpened(WebTransportSession session, QuicStreamChannel stream, boolean bidirectional);

    /**
     * One datagram's payload (prefix removed). It is released after this method returns: {@code retain()} it to
     * keep it, e.g. {@code session.sendDatagram(payload.retain())} to echo.
     */
    default void datagramReceived(WebTransportSession session, ByteBuf payload) {
    }

    /** The peer sent DRAIN_WEBTRANSPORT_SESSION: finish up and close soon. */
    default void sessionDraining(WebTransportSession session) {
    }

    /**
     * The session ended.
     *
     * @param code   unsigned 32-bit application code (0 if the peer gave none, or the connection was lost)
     * @param reason the peer's or the local reason text; empty if none
     */
    default void sessionClosed(WebTransportSession session, int code, String reason) {
    }
}

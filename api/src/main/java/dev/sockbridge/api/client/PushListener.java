package dev.sockbridge.api.client;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * Receives the events of a socket in push mode ({@link SockbridgeClient#push}). Every method has an
 * empty default, so a listener overrides only what its socket produces.
 *
 * <p><b>Threading.</b> Called on the transport's event loop ({@code client.transport().executor()}),
 * one event at a time, in the order the proxy sent them. Do not block in a callback (the blocking
 * {@code Bridged*} classes refuse to run there); hand work to another executor instead.
 *
 * <p><b>Buffers.</b> {@code data} is valid during {@link #onData} only: the client releases it when
 * the method returns. To keep it, {@link ByteBuf#retain()} it (and release that reference later).
 *
 * <p><b>Backpressure (credit).</b> The proxy pushes only as much as the socket's credit allows. Each data event spends {@code max(1, data.readableBytes())} of the socket's credit,
 * each accept event 1; see {@link CreditMode} for how it comes back.
 */
public interface PushListener {

    /**
     * Bytes arrived: the next part of a stream, or one whole datagram with its source.
     *
     * @param fd the socket
     * @param data the bytes, released when this method returns
     * @param from the datagram's source, or null on a stream socket
     * @param flags MSG_TRUNC if the datagram was cut
     */
    default void onData(int fd, ByteBuf data, InetSocketAddress from, int flags) {
    }

    /** Listening socket {@code fd} accepted a connection, now descriptor {@code newFd} (in request/reply mode). */
    default void onAccept(int fd, int newFd, InetSocketAddress peer) {
    }

    /**
     * The socket's readiness changed, as poll bits: POLLOUT when a non-blocking connect completed,
     * POLLIN|POLLRDHUP at end of stream (after the last data), POLLERR with {@code errno} on failure,
     * POLLHUP when both directions are done.
     */
    default void onReady(int fd, int events, int errno) {
    }
}

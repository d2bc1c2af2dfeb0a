package dev.sockbridge.api.message;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * What the proxy pushes for a socket in push mode ({@link Request.Push}). Each event spends credit:
 * its data length for {@link Data} (at least 1), 1 for {@link Accept}; {@link Ready} is free. The
 * proxy stops reading a socket whose credit is spent, so a slow client holds memory flat.
 */
public sealed interface Event extends Message {
    int fd();

    /** Incoming bytes (stream) or one datagram with its source; MSG_TRUNC in flags if it was cut. */
    record Data(int fd, int flags, InetSocketAddress from, ByteBuf data) implements Event, DataCarrier {
        public MessageType messageType() { return MessageType.DATA_EVENT; }
    }

    /** A connection accepted on listening socket {@code fd}, now descriptor {@code newFd}. */
    record Accept(int fd, int newFd, InetSocketAddress peer) implements Event {
        public MessageType messageType() { return MessageType.ACCEPT_EVENT; }
    }

    /**
     * A change of readiness, as poll events: POLLOUT when a connect completed or the socket can take
     * data again, POLLIN|POLLRDHUP at end of stream, POLLERR with {@code errno} on failure, POLLHUP when
     * both directions are done.
     */
    record Ready(int fd, int events, int errno) implements Event {
        public MessageType messageType() { return MessageType.READY_EVENT; }
    }
}

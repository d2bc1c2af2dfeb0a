package dev.sockbridge.api.message;

import dev.sockbridge.api.Errno;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.List;

/** The answer to one {@link Request}, matched by {@code callId}. */
public sealed interface Reply extends Message {
    int callId();

    /**
     * A failed call. {@code code} is a positive errno (Linux numbering) or, for getaddrinfo and
     * getnameinfo, a negative EAI code; {@code reason} says why in words (may be empty).
     */
    record Error(int callId, int code, String reason) implements Reply {
        public Error(int callId, Errno errno, String reason) {
            this(callId, errno.code(), reason);
        }
        public MessageType messageType() { return MessageType.ERROR_REPLY; }
    }

    record Ok(int callId) implements Reply {
        public MessageType messageType() { return MessageType.OK_REPLY; }
    }

    /** One integer: a new fd, a byte count or an option value. */
    record Value(int callId, long value) implements Reply {
        public MessageType messageType() { return MessageType.VALUE_REPLY; }
    }

    record SocketPair(int callId, int fd0, int fd1) implements Reply {
        public MessageType messageType() { return MessageType.SOCKETPAIR_REPLY; }
    }

    record Accept(int callId, int fd, InetSocketAddress peer) implements Reply {
        public MessageType messageType() { return MessageType.ACCEPT_REPLY; }
    }

    /**
     * Received bytes. {@code from} is set for recvfrom/recvmsg on datagram sockets, {@code flags} may
     * hold MSG_TRUNC (the datagram was longer than asked; {@code data} holds its first part).
     * Empty data on a stream socket is end of stream.
     */
    record Data(int callId, int flags, InetSocketAddress from, ByteBuf data) implements Reply, DataCarrier {
        public MessageType messageType() { return MessageType.DATA_REPLY; }
    }

    record Address(int callId, InetSocketAddress address) implements Reply {
        public MessageType messageType() { return MessageType.ADDRESS_REPLY; }
    }

    record AddrInfos(int callId, List<AddrInfo> results) implements Reply {
        public AddrInfos {
            results = List.copyOf(results);
        }
        public MessageType messageType() { return MessageType.ADDRINFO_REPLY; }
    }

    record NameInfo(int callId, String host, String service) implements Reply {
        public MessageType messageType() { return MessageType.NAMEINFO_REPLY; }
    }

    /** The descriptors of the poll with their returned events (only those with events), in request order. */
    record Poll(int callId, List<PollFd> ready) implements Reply {
        public Poll {
            ready = List.copyOf(ready);
        }
        public MessageType messageType() { return MessageType.POLL_REPLY; }
    }
}

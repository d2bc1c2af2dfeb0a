package dev.sockbridge.api.message;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A socket call. Every request carries a {@code callId} chosen by the client; the proxy answers it
 * with exactly one {@link Reply} of the same id (replies may come in any order). Call id 0 is
 * reserved for fire-and-forget {@link SendTo}s on the datagram path, which get no reply.
 *
 * <p>Constants (families, types, flags, levels, options) are in Linux numbering: see
 * {@link dev.sockbridge.api.Posix}. Addresses are {@link InetSocketAddress}es: IPv4, IPv6 (with
 * scope id) or unresolved host names.
 */
public sealed interface Request extends Message {
    int callId();

    /** socket(domain, type | SOCK_NONBLOCK?, protocol) → {@link Reply.Value} with the new fd. */
    record Socket(int callId, int domain, int type, int protocol) implements Request {
        public MessageType messageType() { return MessageType.SOCKET; }
    }

    /** socketpair(domain, type, protocol) → {@link Reply.SocketPair}. The pair lives inside the proxy. */
    record SocketPair(int callId, int domain, int type, int protocol) implements Request {
        public MessageType messageType() { return MessageType.SOCKETPAIR; }
    }

    /** bind(fd, address) → {@link Reply.Ok}. */
    record Bind(int callId, int fd, InetSocketAddress address) implements Request {
        public MessageType messageType() { return MessageType.BIND; }
    }

    /** connect(fd, address) → {@link Reply.Ok}; EINPROGRESS on a non-blocking socket. */
    record Connect(int callId, int fd, InetSocketAddress address) implements Request {
        public MessageType messageType() { return MessageType.CONNECT; }
    }

    /** listen(fd, backlog) → {@link Reply.Ok}. */
    record Listen(int callId, int fd, int backlog) implements Request {
        public MessageType messageType() { return MessageType.LISTEN; }
    }

    /** accept4(fd, flags) → {@link Reply.Accept}; flags may hold SOCK_NONBLOCK for the new socket. */
    record Accept(int callId, int fd, int flags) implements Request {
        public MessageType messageType() { return MessageType.ACCEPT; }
    }

    /** send(fd, data, flags) → {@link Reply.Value} with the bytes taken. */
    record Send(int callId, int fd, int flags, ByteBuf data) implements Request, DataCarrier {
        public MessageType messageType() { return MessageType.SEND; }
    }

    /** recv(fd, length, flags) → {@link Reply.Data}; empty data is end of stream. */
    record Recv(int callId, int fd, int length, int flags) implements Request {
        public MessageType messageType() { return MessageType.RECV; }
    }

    /** sendto(fd, data, flags, address) → {@link Reply.Value}. {@code address} may be null on a connected socket. */
    record SendTo(int callId, int fd, int flags, InetSocketAddress address, ByteBuf data) implements Request, DataCarrier {
        public MessageType messageType() { return MessageType.SENDTO; }
    }

    /** recvfrom(fd, length, flags) → {@link Reply.Data} with the source address. */
    record RecvFrom(int callId, int fd, int length, int flags) implements Request {
        public MessageType messageType() { return MessageType.RECVFROM; }
    }

    /**
     * sendmsg(fd, msg, flags) → {@link Reply.Value}. The client gathers the iovec into
     * {@code data} (a composite buffer, not a copy); control messages are not carried.
     */
    record SendMsg(int callId, int fd, int flags, InetSocketAddress address, ByteBuf data) implements Request, DataCarrier {
        public MessageType messageType() { return MessageType.SENDMSG; }
    }

    /** recvmsg(fd, length, flags) → {@link Reply.Data}, whose flags carry MSG_TRUNC. */
    record RecvMsg(int callId, int fd, int length, int flags) implements Request {
        public MessageType messageType() { return MessageType.RECVMSG; }
    }

    /** shutdown(fd, how) → {@link Reply.Ok}. */
    record Shutdown(int callId, int fd, int how) implements Request {
        public MessageType messageType() { return MessageType.SHUTDOWN; }
    }

    /** close(fd) → {@link Reply.Ok}. */
    record Close(int callId, int fd) implements Request {
        public MessageType messageType() { return MessageType.CLOSE; }
    }

    /** getsockopt(fd, level, name) → {@link Reply.Value}; see {@link dev.sockbridge.api.SocketOption} for the value's meaning. */
    record GetSockOpt(int callId, int fd, int level, int name) implements Request {
        public MessageType messageType() { return MessageType.GETSOCKOPT; }
    }

    /** setsockopt(fd, level, name, value) → {@link Reply.Ok}. */
    record SetSockOpt(int callId, int fd, int level, int name, long value) implements Request {
        public MessageType messageType() { return MessageType.SETSOCKOPT; }
    }

    /** getaddrinfo(host, service, hints) → {@link Reply.AddrInfos}; host or service may be null. */
    record GetAddrInfo(int callId, String host, String service, int flags, int family, int socktype, int protocol)
            implements Request {
        public MessageType messageType() { return MessageType.GETADDRINFO; }
    }

    /** getnameinfo(address, flags) → {@link Reply.NameInfo}. */
    record GetNameInfo(int callId, InetSocketAddress address, int flags) implements Request {
        public MessageType messageType() { return MessageType.GETNAMEINFO; }
    }

    /** poll(fds, timeout) → {@link Reply.Poll}. A negative timeout waits without limit, 0 does not wait. */
    record Poll(int callId, List<PollFd> fds, int timeoutMillis) implements Request {
        public Poll {
            fds = List.copyOf(fds);
        }
        public MessageType messageType() { return MessageType.POLL; }
    }

    /** getsockname(fd) → {@link Reply.Address}. */
    record GetSockName(int callId, int fd) implements Request {
        public MessageType messageType() { return MessageType.GETSOCKNAME; }
    }

    /** getpeername(fd) → {@link Reply.Address}. */
    record GetPeerName(int callId, int fd) implements Request {
        public MessageType messageType() { return MessageType.GETPEERNAME; }
    }

    /**
     * Switches a socket between request/reply delivery (the default) and push delivery → {@link Reply.Ok}.
     * In push mode the proxy sends {@link Event}s for incoming data, accepted connections and readiness,
     * spending credit that the client grants with {@link Control.Credit}; {@code credit} is the first grant.
     */
    record Push(int callId, int fd, boolean enabled, long credit) implements Request {
        public MessageType messageType() { return MessageType.PUSH; }
    }
}

package dev.sockbridge.frontend.emscripten.internal;

import dev.sockbridge.api.SocketOption;

/**
 * One Emscripten call in flight: its header and what the encoder needs to lay out its reply, noted by the
 * decoder. Loop-confined like the session that owns it.
 */
public final class PosixCall {
    /** The client's call id, echoed in the reply (the engine gets ids of its own). */
    final int id;
    /** The opcode ({@link PosixWire}), which picks the reply's layout and minimum size. */
    final int op;
    /** SHUTDOWN(SHUT_RDWR): the engine descriptor to release once the shutdown is answered. */
    int fd;
    boolean closeAfter;
    /** ACCEPT, GETSOCKNAME, GETPEERNAME, RECVFROM: the caller's address buffer. */
    int addrMax;
    /** GETSOCKOPT: the caller's option buffer, and the option as the engine knows it (null if unknown). */
    int optLen;
    SocketOption<?> opt;
    /** GETADDRINFO: the hints' ai_flags, echoed in every result. */
    int gaiFlags;
    /** SOCKET, SOCKETPAIR: of type SOCK_DGRAM. */
    boolean datagram;
    /** RECV, RECVFROM with MSG_TRUNC on a datagram socket: the caller's length (ret is the real one); else -1. */
    int truncLength = -1;

    public PosixCall(int id, int op) {
        this.id = id;
        this.op = op;
    }

    public int id() {
        return id;
    }

    public int op() {
        return op;
    }

    @Override
    public String toString() {
        return "call[id=" + id + " op=" + PosixWire.name(op) + " fd=" + fd + " closeAfter=" + closeAfter + " addrMax="
                + addrMax + " optLen=" + optLen + " opt=" + opt + " gaiFlags=" + gaiFlags + " datagram=" + datagram
                + " truncLength=" + truncLength + "]";
    }
}

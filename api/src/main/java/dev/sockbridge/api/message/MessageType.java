package dev.sockbridge.api.message;

import java.util.HashMap;
import java.util.Map;

/**
 * Every message's type code: the first element of its CBOR array on the wire
 * ({@code docs/protocol.md}). Requests are 0x10..0x2f; each reply type serves the calls named in
 * its comment.
 */
public enum MessageType {
    HELLO(0x01), WELCOME(0x02), GOODBYE(0x03), CREDIT(0x04), GOING_AWAY(0x05),

    DATA_EVENT(0x08), ACCEPT_EVENT(0x09), READY_EVENT(0x0a),

    SOCKET(0x10), SOCKETPAIR(0x11), BIND(0x12), CONNECT(0x13), LISTEN(0x14), ACCEPT(0x15),
    SEND(0x16), RECV(0x17), SENDTO(0x18), RECVFROM(0x19), SENDMSG(0x1a), RECVMSG(0x1b),
    SHUTDOWN(0x1c), CLOSE(0x1d), GETSOCKOPT(0x1e), SETSOCKOPT(0x1f), GETADDRINFO(0x20),
    GETNAMEINFO(0x21), POLL(0x22), GETSOCKNAME(0x23), GETPEERNAME(0x24), PUSH(0x25),

    /** Any call that failed. */
    ERROR_REPLY(0x40),
    /** bind, connect, listen, shutdown, close, setsockopt, push. */
    OK_REPLY(0x41),
    /** socket (the fd), send/sendto/sendmsg (bytes sent), getsockopt (the value). */
    VALUE_REPLY(0x42),
    SOCKETPAIR_REPLY(0x43),
    ACCEPT_REPLY(0x44),
    /** recv, recvfrom, recvmsg. */
    DATA_REPLY(0x45),
    /** getsockname, getpeername. */
    ADDRESS_REPLY(0x46),
    ADDRINFO_REPLY(0x47),
    NAMEINFO_REPLY(0x48),
    POLL_REPLY(0x49);

    private static final Map<Integer, MessageType> BY_CODE = new HashMap<>();
    static {
        for (MessageType t : values()) {
            BY_CODE.put(t.code, t);
        }
    }

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public boolean isRequest() {
        return code >= 0x10 && code < 0x40;
    }

    /** The type with this code, or {@code null}. */
    public static MessageType of(int code) {
        return BY_CODE.get(code);
    }
}

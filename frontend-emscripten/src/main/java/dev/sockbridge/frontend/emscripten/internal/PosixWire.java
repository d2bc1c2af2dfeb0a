package dev.sockbridge.frontend.emscripten.internal;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import io.netty.buffer.ByteBuf;

/**
 * Layout of Emscripten's PROXY_POSIX_SOCKETS messages (client {@code websocket_to_posix_socket.cpp},
 * 3.1.6; unchanged in newer releases). Every integer is 32-bit little-endian; one request or reply
 * per binary WebSocket message.
 *
 * <pre>
 *  request: @0 callId i32 | @4 opcode i32 | @8 arguments (per opcode)
 *  reply:   @0 callId i32 | @4 ret i32    | @8 errno i32 (Emscripten numbering) | @12 payload
 * </pre>
 *
 * A reply shorter than the minimum the client expects for its call is dropped by the client, and
 * the calling thread then waits forever: {@link #minReplySize} is therefore applied to every reply,
 * errors included.
 */
public final class PosixWire {
    public static final int SOCKET = 1;
    public static final int SOCKETPAIR = 2;
    public static final int SHUTDOWN = 3;
    public static final int BIND = 4;
    public static final int CONNECT = 5;
    public static final int LISTEN = 6;
    public static final int ACCEPT = 7;
    public static final int GETSOCKNAME = 8;
    public static final int GETPEERNAME = 9;
    public static final int SEND = 10;
    public static final int RECV = 11;
    public static final int SENDTO = 12;
    public static final int RECVFROM = 13;
    public static final int SENDMSG = 14;
    public static final int RECVMSG = 15;
    public static final int GETSOCKOPT = 16;
    public static final int SETSOCKOPT = 17;
    public static final int GETADDRINFO = 18;
    public static final int GETNAMEINFO = 19;

    /**
     * Added to engine descriptors to make the handles a program sees: positive, never 0 (which the reference proxy
     * treats as shared by every connection), clear of wasm's own fds 0-2 and of the first files a program opens.
     */
    public static final int HANDLE_OFFSET = 100;

    public static final int REQUEST_HEADER = 8;
    public static final int REPLY_HEADER = 12;
    /** SENDTO's fixed {@code dest_addr} field. */
    public static final int MAX_SOCKADDR = 256;
    /** GETADDRINFO's fixed {@code node} and {@code ai_canonname} fields. */
    public static final int MAX_NODE = 2048;
    public static final int MAX_SERVICE = 128;
    public static final int GETADDRINFO_REQUEST = 8 + MAX_NODE + MAX_SERVICE + 5 * 4; // 2204
    public static final int GETADDRINFO_REPLY = REPLY_HEADER + MAX_NODE + 4; // 2064

    /**
     * The opcode of a request too short to hold one (4 to 7 bytes). Only GETSOCKNAME and GETPEERNAME
     * reach the wire truncated (their request size is computed from the caller's buffer), so that is
     * the minimum such a reply needs.
     */
    public static final int TRUNCATED = -1;

    /** EAI_SYSTEM in musl numbering (same as glibc): an engine errno on getaddrinfo travels with it. */
    public static final int EAI_SYSTEM = -11;

    // musl SOL_SOCKET option numbers for wasm32 (32-bit long) that differ from Linux x86-64
    static final int MUSL_SO_TIMESTAMP = 63;
    static final int MUSL_SO_TIMESTAMPNS = 64;
    static final int MUSL_SO_TIMESTAMPING = 65;
    static final int MUSL_SO_RCVTIMEO = 66;
    static final int MUSL_SO_SNDTIMEO = 67;

    private PosixWire() {
    }

    /** The size below which the 3.1.6 client drops a reply to {@code op} (and its caller hangs). */
    public static int minReplySize(int op) {
        switch (op) {
            case SOCKET: case SHUTDOWN: case BIND: case CONNECT: case LISTEN: case ACCEPT:
            case SEND: case RECV: case SENDTO: case RECVFROM: case GETSOCKOPT: case SETSOCKOPT:
                return REPLY_HEADER;
            case SOCKETPAIR:
                return REPLY_HEADER + 8;
            case GETSOCKNAME: case GETPEERNAME: case TRUNCATED:
                return REPLY_HEADER + 4;
            case GETADDRINFO:
                return GETADDRINFO_REPLY;
            default:
                // no call of the client's: nobody waits for it, so the header is all it needs (padding
                // such replies to the largest minimum made every bad request cost 2064 bytes of answer)
                return REPLY_HEADER;
        }
    }

    /** The smallest request the opcode's fixed fields need. */
    public static int minRequestSize(int op) {
        switch (op) {
            case SOCKET: case SOCKETPAIR: return 20;
            case SHUTDOWN: case BIND: case CONNECT: case LISTEN: case ACCEPT: return 16;
            case GETSOCKNAME: case GETPEERNAME: return 12; // the client sends them short (see the session)
            case SEND: case RECV: return 20;
            case SENDTO: return 24 + MAX_SOCKADDR;
            case RECVFROM: case GETSOCKOPT: case SETSOCKOPT: return 24;
            case GETADDRINFO: return GETADDRINFO_REQUEST;
            default: return REQUEST_HEADER;
        }
    }

    public static String name(int op) {
        switch (op) {
            case SOCKET: return "SOCKET";
            case SOCKETPAIR: return "SOCKETPAIR";
            case SHUTDOWN: return "SHUTDOWN";
            case BIND: return "BIND";
            case CONNECT: return "CONNECT";
            case LISTEN: return "LISTEN";
            case ACCEPT: return "ACCEPT";
            case GETSOCKNAME: return "GETSOCKNAME";
            case GETPEERNAME: return "GETPEERNAME";
            case SEND: return "SEND";
            case RECV: return "RECV";
            case SENDTO: return "SENDTO";
            case RECVFROM: return "RECVFROM";
            case SENDMSG: return "SENDMSG";
            case RECVMSG: return "RECVMSG";
            case GETSOCKOPT: return "GETSOCKOPT";
            case SETSOCKOPT: return "SETSOCKOPT";
            case GETADDRINFO: return "GETADDRINFO";
            case GETNAMEINFO: return "GETNAMEINFO";
            default: return "opcode " + op;
        }
    }

    /**
     * The engine's (Linux) option for a musl {@code (level, name)}. Only SOL_SOCKET names differ:
     * wasm32 musl takes its 32-bit-{@code long} branch (SO_RCVTIMEO 66, SO_SNDTIMEO 67,
     * SO_TIMESTAMP 63); wasm64 builds send Linux's 20/21/29, which are accepted as well.
     */
    public static SocketOption<?> option(int level, int name) {
        if (level == Posix.SOL_SOCKET) {
            switch (name) {
                case MUSL_SO_RCVTIMEO: return SocketOption.SO_RCVTIMEO;
                case MUSL_SO_SNDTIMEO: return SocketOption.SO_SNDTIMEO;
                case MUSL_SO_TIMESTAMP: return SocketOption.of(level, 29);
                case MUSL_SO_TIMESTAMPNS: return SocketOption.of(level, 35);
                case MUSL_SO_TIMESTAMPING: return SocketOption.of(level, 37);
                default: break;
            }
        }
        return SocketOption.of(level, name);
    }

    /** An unsigned 32-bit field as a non-negative int (values above 2^31-1 become Integer.MAX_VALUE). */
    public static int u32(ByteBuf b, int at) {
        return (int) Math.min(b.getUnsignedIntLE(at), Integer.MAX_VALUE);
    }

    /** A NUL-terminated string in a fixed field of {@code max} bytes (all of it if there is no NUL). */
    public static String cString(ByteBuf b, int at, int max) {
        int end = at;
        while (end < at + max && b.getByte(end) != 0) {
            end++;
        }
        return b.toString(at, end - at, java.nio.charset.StandardCharsets.UTF_8);
    }
}

package dev.sockbridge.api.transport;

import java.util.List;
import java.util.Objects;

/**
 * Why a {@link Transport} (and the Sockbridge session on it) ended: an int in WebSocket numbering (RFC 6455
 * section 7.4) with a name and a short default reason, as Netty's {@code WebSocketCloseStatus}. Every transport
 * carries the same codes, whatever its wire (a WebSocket close frame, a QUIC close record, a length-prefixed
 * close), and {@code Goodbye} uses them too.
 *
 * <p>The named constants are the codes Sockbridge itself uses ({@link #known()}, listed in docs/protocol.md
 * section 3.3); an application may use its own in 4000-4999 through {@link #of(int)}. Codes 1005 and 1006 are
 * only ever reported ({@link TransportListener#closed}), never sent: a transport asked to send one sends
 * 1000 instead ({@link #isSendable()}).
 *
 * <p>Immutable; equal when the codes are equal.
 */
public final class CloseCode {
    /** The client or the proxy is done. */
    public static final CloseCode NORMAL = new CloseCode(1000, "NORMAL", "normal closure");
    /** The proxy or the peer goes away: shutdown, idle timeout, the parent of a stream closed. */
    public static final CloseCode GOING_AWAY = new CloseCode(1001, "GOING_AWAY", "going away");
    /** The peer broke the protocol: a malformed frame or record, a message it may not send. */
    public static final CloseCode PROTOCOL_ERROR = new CloseCode(1002, "PROTOCOL_ERROR", "protocol error");
    /** The peer sent a kind of data that is not accepted: a text message, a stream nobody takes. */
    public static final CloseCode UNSUPPORTED_DATA = new CloseCode(1003, "UNSUPPORTED_DATA", "unsupported data");
    /** Reported when the peer's close carried no code; never sent. */
    public static final CloseCode NO_STATUS = new CloseCode(1005, "NO_STATUS", "no status code");
    /** Reported when the connection was lost without a close; never sent. */
    public static final CloseCode ABNORMAL = new CloseCode(1006, "ABNORMAL", "connection lost");
    /** A message's content is invalid for its type (bad base64 on a websockify route). */
    public static final CloseCode INVALID_PAYLOAD = new CloseCode(1007, "INVALID_PAYLOAD", "invalid payload");
    /** Refused by policy or admission, or a per-connection budget was exceeded. */
    public static final CloseCode POLICY_VIOLATION = new CloseCode(1008, "POLICY_VIOLATION", "policy violation");
    /** A frame or message over the receiver's maximum size. */
    public static final CloseCode TOO_BIG = new CloseCode(1009, "TOO_BIG", "message too big");
    /** The proxy (or a listener) failed unexpectedly. */
    public static final CloseCode INTERNAL_ERROR = new CloseCode(1011, "INTERNAL_ERROR", "internal error");
    /** Refused or ended for a limit that passes: too many sessions, the buffer budget; try again later. */
    public static final CloseCode TRY_AGAIN_LATER = new CloseCode(1013, "TRY_AGAIN_LATER", "try again later");
    /** The peers share no protocol version. */
    public static final CloseCode UNSUPPORTED_VERSION = new CloseCode(4001, "UNSUPPORTED_VERSION", "unsupported version");
    /** A session-wide limit that cannot be reported on a single call (e.g. too many malformed requests). */
    public static final CloseCode LIMIT_EXCEEDED = new CloseCode(4002, "LIMIT_EXCEEDED", "limit exceeded");

    private static final List<CloseCode> KNOWN = List.of(NORMAL, GOING_AWAY, PROTOCOL_ERROR, UNSUPPORTED_DATA,
            NO_STATUS, ABNORMAL, INVALID_PAYLOAD, POLICY_VIOLATION, TOO_BIG, INTERNAL_ERROR, TRY_AGAIN_LATER,
            UNSUPPORTED_VERSION, LIMIT_EXCEEDED);

    private final int code;
    private final String name;
    private final String reason;

    private CloseCode(int code, String name, String reason) {
        this.code = code;
        this.name = name;
        this.reason = reason;
    }

    /**
     * The constant for {@code code} if it has one, else an unnamed code (an application's 4000-4999, a peer's
     * code this side does not know). Throws IllegalArgumentException outside 0-65535 (a close code is 16 bits).
     */
    public static CloseCode of(int code) {
        for (CloseCode c : KNOWN) {
            if (c.code == code) {
                return c;
            }
        }
        if (code < 0 || code > 0xFFFF) {
            throw new IllegalArgumentException("a close code is 16 bits, not " + code);
        }
        return new CloseCode(code, "CODE_" + code, "closed with " + code);
    }

    /** The named codes, in ascending order: the table of docs/protocol.md section 3.3. */
    public static List<CloseCode> known() {
        return KNOWN;
    }

    /** The number on the wire. */
    public int code() {
        return code;
    }

    /** The constant's name ({@code NORMAL}, ...), or {@code CODE_n} for an unnamed code. */
    public String name() {
        return name;
    }

    /** A short default reason, for a close that has none of its own. */
    public String reason() {
        return reason;
    }

    /**
     * Whether an endpoint may send this code (RFC 6455 7.4): 1000-1003, 1007-1014 and 3000-4999; not 1004-1006,
     * 1015 nor unassigned ones.
     */
    public boolean isSendable() {
        return isSendable(code);
    }

    /** {@link #isSendable()} for a bare int. */
    public static boolean isSendable(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CloseCode && ((CloseCode) o).code == code;
    }

    @Override
    public int hashCode() {
        return Integer.hashCode(code);
    }

    /** {@code 1000 NORMAL}. */
    @Override
    public String toString() {
        return code + " " + name;
    }

    /** Null-safe reason: {@code reason} if given, else the code's default. */
    static String reasonOr(CloseCode code, String reason) {
        return reason != null ? reason : Objects.requireNonNull(code, "code").reason();
    }
}

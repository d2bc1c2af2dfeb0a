package dev.sockbridge.api.client;

import java.io.IOException;

/**
 * The session ended before a call was answered, or before the handshake finished: by a
 * {@code Goodbye} from the proxy, by {@link SockbridgeClient#close()}, or because the transport
 * closed. {@link #code()} is the close code (WebSocket numbering, as in
 * {@link dev.sockbridge.api.message.Control.Goodbye}) and {@link #reason()} the reason given.
 */
public class SessionClosedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int code;
    private final String reason;

    public SessionClosedException(int code, String reason) {
        super("session closed (" + code + (reason == null || reason.isEmpty() ? "" : ": " + reason) + ")");
        this.code = code;
        this.reason = reason == null ? "" : reason;
    }

    /** The close code: 1000 normal, 1001 going away, 1002 protocol error, 4001 unsupported version, ... */
    public int code() {
        return code;
    }

    /** The reason the closing side gave; may be empty. */
    public String reason() {
        return reason;
    }
}

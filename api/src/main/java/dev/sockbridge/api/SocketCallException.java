package dev.sockbridge.api;

/**
 * A socket call that the proxy answered with an error: the errno (or, for getaddrinfo and
 * getnameinfo, a negative {@link GaiError} code) and the proxy's reason.
 */
public class SocketCallException extends java.io.IOException {
    private static final long serialVersionUID = 1L;
    private final int code;

    public SocketCallException(int code, String reason) {
        super(describe(code) + (reason == null || reason.isEmpty() ? "" : ": " + reason));
        this.code = code;
    }

    private static String describe(int code) {
        return code < 0 ? GaiError.nameOf(code) : Errno.nameOf(code);
    }

    /** The raw code: positive errno (Linux numbering) or negative EAI code. */
    public int code() {
        return code;
    }

    /** The errno, or {@code null} for an EAI code or an errno Sockbridge does not name. */
    public Errno errno() {
        return code > 0 ? Errno.of(code) : null;
    }
}

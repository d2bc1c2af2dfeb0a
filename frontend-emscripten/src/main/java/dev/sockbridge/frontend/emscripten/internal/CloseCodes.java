package dev.sockbridge.frontend.emscripten.internal;

/**
 * Every WebSocket close code the Emscripten front ends send, in one place (RFC 6455 numbering), so they can become
 * the api's close-code type in one change.
 */
public final class CloseCodes {
    /** websockify bridge: the target ended the connection. */
    public static final int NORMAL = 1000;
    /** The proxy shuts down. */
    public static final int GOING_AWAY = 1001;
    /**
     * websockify bridge: no target for the URL, or the policy denies it. POSIX bridge: too many malformed requests.
     */
    public static final int POLICY = 1008;
    /** websockify bridge: more data before the target connected than the session's buffer takes. */
    public static final int TOO_BIG = 1009;
    /** websockify bridge: the target could not be reached or failed. */
    public static final int ERROR = 1011;

    private CloseCodes() {
    }
}

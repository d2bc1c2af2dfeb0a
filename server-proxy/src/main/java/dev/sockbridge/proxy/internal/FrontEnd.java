package dev.sockbridge.proxy.internal;

/**
 * One served connection of any wire protocol (Sockbridge CBOR, Emscripten POSIX, websockify
 * bridge), as {@link dev.sockbridge.proxy.SockbridgeProxy} sees it for shutdown: it waits until
 * calls in flight are answered, then ends every front end.
 */
public interface FrontEnd {
    /**
     * Malformed requests a session may send that are answered with an error; the next one ends the
     * session with a close code and reason instead. A client that works sends none; one that sends
     * garbage without end is stopped rather than answered forever.
     */
    int MAX_MALFORMED_REQUESTS = 256;

    /** Calls received and not yet answered (0 for front ends without calls). Any thread; an estimate. */
    int outstandingCalls();

    boolean isEnded();

    /** Ends it from the proxy's side. Any thread; idempotent. */
    void close(int code, String reason);
}

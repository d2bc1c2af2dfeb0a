package dev.sockbridge.proxy;

/**
 * Paired start/end events for metrics and logs (after OkHttp's EventListener). Every method has a
 * no-op default. Called on event loops: must be fast and must not block.
 */
public interface ProxyListener {
    ProxyListener NONE = new ProxyListener() {
    };

    default void sessionOpened(SessionInfo session) {
    }

    /** {@code code}/{@code reason} say how it ended (WebSocket close-code numbering). */
    default void sessionClosed(SessionInfo session, int code, String reason) {
    }

    default void callStarted(SessionInfo session, String call, int fd) {
    }

    /** {@code error} is 0 on success, else the errno (or negative EAI code). */
    default void callEnded(SessionInfo session, String call, int fd, int error) {
    }

    default void callDenied(SessionInfo session, String call, String reason) {
    }

    /**
     * A session was refused before it started. {@code remote} may be null; {@code reason} is a short
     * word such as "limit-sessions", "limit-address", "rate", "auth", "origin", "host".
     */
    default void sessionRefused(java.net.SocketAddress remote, String transport, String reason) {
    }

    default void nativeChannelOpened(SessionInfo session, String kind) {
    }

    default void nativeChannelClosed(SessionInfo session, String kind) {
    }
}

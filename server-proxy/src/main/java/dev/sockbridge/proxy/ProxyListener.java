package dev.sockbridge.proxy;

import java.net.SocketAddress;

/**
 * Paired start/end events for metrics and logs (after OkHttp's EventListener), for every session of every front
 * end (Sockbridge CBOR, Emscripten, websockify bridge, custom ones). Every method has a no-op default.
 *
 * <p><b>Threading.</b> Events of a session are called on that session's event loop, in order, unless a method says
 * otherwise; events of different sessions come concurrently from different loops. Implementations must be
 * thread-safe, fast, and must not block. They should not throw: an exception is caught, logged (a warning the first
 * time, then at DEBUG) and otherwise ignored, so the engine and the other listeners go on.
 *
 * <p><b>Several listeners.</b> {@link SockbridgeProxy.Builder#listener} may be called more than once (metrics and an
 * access log, say): every listener hears every event, in the order they were added.
 *
 * <p>Pairs: every {@link #sessionOpened} is followed by one {@link #sessionClosed}; every {@link #callStarted} by one
 * {@link #callEnded} (also when the session ends first: EBADF); every {@link #nativeChannelOpened} by one
 * {@link #nativeChannelClosed}.
 */
public interface ProxyListener {
    ProxyListener NONE = new ProxyListener() {
    };

    /** A session was admitted and made. Called on the thread that admitted it (any thread). */
    default void sessionOpened(SessionInfo session) {
    }

    /** {@code code}/{@code reason} say how it ended (WebSocket close-code numbering). */
    default void sessionClosed(SessionInfo session, int code, String reason) {
    }

    /**
     * A call began. {@code call} is its name ("socket", "connect", "sendto", "getaddrinfo", ...), {@code fd} the
     * descriptor it is on, or -1 for calls on none.
     */
    default void callStarted(SessionInfo session, String call, int fd) {
    }

    /** The call of {@link #callStarted} ended; {@code error} is 0 on success, else the errno (or negative EAI code). */
    default void callEnded(SessionInfo session, String call, int fd, int error) {
    }

    /**
     * The policy refused part of a call ({@code call}: "connect", "bind", "sendto", "getaddrinfo", ...); the call
     * then ends with EACCES (or, for a lookup, an EAI code). Comes between its callStarted and callEnded, except for
     * a refusal found after a non-blocking connect already answered EINPROGRESS.
     */
    default void callDenied(SessionInfo session, String call, String reason) {
    }

    /**
     * A session was refused before it started. {@code remote} may be null; {@code reason} is one of "rate",
     * "limit-sessions", "limit-address" (the {@link ProxyLimits}), "auth" (the authenticator refused), "expired"
     * (the grant had expired). Called on the thread that ran the admission (a transport's, or the
     * authenticator's): any thread.
     */
    default void sessionRefused(SocketAddress remote, String transport, String reason) {
    }

    /** A native channel ("tcp", "tcp-listen", "tcp-accepted", "udp") of the session was opened. */
    default void nativeChannelOpened(SessionInfo session, String kind) {
    }

    default void nativeChannelClosed(SessionInfo session, String kind) {
    }

    /** {@code bytes} of socket {@code fd} were handed to its native channel (a send, sendto, sendmsg). */
    default void bytesSent(SessionInfo session, int fd, long bytes) {
    }

    /** {@code bytes} arrived for socket {@code fd} from its native channel (one read, or one datagram). */
    default void bytesReceived(SessionInfo session, int fd, long bytes) {
    }

    /**
     * The proxy dropped one datagram of socket {@code fd} ({@code -1} when it belongs to no socket it could tell:
     * a datagram from the client that did not decode). Each drop that {@link ProxyStats#datagramsDropped} counts
     * is heard here once. {@code reason} is one of:
     * <ul>
     *   <li>"filtered": received from a source the socket does not take (not its connected peer, or one the
     *       policy refuses);</li>
     *   <li>"no-room": received while the socket's receive buffer was full, or a sendto beyond the session's or
     *       the proxy's buffer budget (answered ENOBUFS);</li>
     *   <li>"queue-full": a sendto while the native channel's send queue was full (answered EAGAIN or ENOBUFS);</li>
     *   <li>"send-failed": a fire-and-forget send (the datagram path, call id 0) that failed, whatever the cause
     *       (policy, address, no room, closed socket: nobody is there to be told);</li>
     *   <li>"datagram-path": one the front end dropped ({@link dev.sockbridge.proxy.spi.EngineSession#datagramDropped}):
     *       a push datagram the client's transport would not carry, one from the client that did not decode or
     *       was not a fire-and-forget send, or (a websockify UDP bridge) one lost to a socket error.</li>
     * </ul>
     * Datagrams lost on the wire are not heard: nobody sees them go.
     */
    default void datagramDropped(SessionInfo session, int fd, String reason) {
    }
}

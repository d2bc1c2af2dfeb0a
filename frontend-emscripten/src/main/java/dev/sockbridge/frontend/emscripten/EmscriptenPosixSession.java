package dev.sockbridge.frontend.emscripten;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.frontend.emscripten.internal.PosixSession;

/**
 * Serves Emscripten's {@code -sPROXY_POSIX_SOCKETS} bridge protocol (the role of Emscripten's
 * {@code websocket_to_posix_proxy}) on one connection, with the proxy's own engine, policy and
 * limits: one session per bridge WebSocket, all of the program's threads multiplexed over it.
 *
 * <p>Mount it on a WebSocket route that selects <b>no</b> subprotocol (the client offers none) and
 * carries binary messages as frames, one request or reply each:
 *
 * <pre>{@code
 *   webSocketServer.addRoute(WebSocketRoute.builder("/posix", session ->
 *           EmscriptenPosixSession.serve(proxy, session)).build());   // accepts no subprotocol
 *   // program: emscripten_init_websocket_to_posix_socket_bridge("ws://host:port/posix");
 * }</pre>
 *
 * <p>What it does better than the reference proxy, for unmodified 3.1.6+ clients: errno values in
 * Emscripten (WASI) numbering, getsockopt values where the client reads them, SOCK_NONBLOCK and
 * SO_RCVTIMEO/SO_SNDTIMEO honoured, every request with a readable call id answered (ENOSYS, EINVAL)
 * with at least the size the client waits for, no thread per call. {@code shutdown(fd, SHUT_RDWR)}
 * also releases the handle, because the client never sends {@code close()}. Handles are engine
 * descriptors plus {@value #HANDLE_OFFSET}.
 */
public final class EmscriptenPosixSession {
    /** {@link dev.sockbridge.proxy.SessionInfo#protocol()} of these sessions. */
    public static final String PROTOCOL = PosixSession.PROTOCOL;
    /** Added to engine descriptors to make the handles a program sees. */
    public static final int HANDLE_OFFSET = PosixSession.HANDLE_OFFSET;

    private final PosixSession session;

    private EmscriptenPosixSession(PosixSession session) {
        this.session = session;
    }

    /**
     * Starts serving {@code transport} (open, not yet started) as an Emscripten POSIX-socket bridge, under the
     * proxy's admission: a transport its {@link SockbridgeProxy#admission() admission check} admitted (the
     * route's) is served at once under its grant; any other is put to the check now, and closed with the
     * refusal's close code if refused. While the proxy shuts down the transport is closed with 1001 instead.
     * Any thread.
     *
     * @return the session, or null when it is not served yet (the check runs asynchronously) or refused
     */
    public static EmscriptenPosixSession serve(SockbridgeProxy proxy, Transport transport) {
        EmscriptenPosixSession[] out = new EmscriptenPosixSession[1];
        proxy.admitThen(transport, ticket -> {
            PosixSession s = new PosixSession(proxy.context(), transport, ticket);
            out[0] = new EmscriptenPosixSession(s);
            if (!proxy.register(s, transport, ticket)) {
                s.close(1001, "proxy is shutting down");
                return;
            }
            s.start();
        });
        return out[0];
    }

    /** Calls received and not yet answered (blocked recv/accept/connect count). */
    public int outstandingCalls() {
        return session.outstandingCalls();
    }

    /** Frames too short to hold a call id, dropped unanswered (the client's getsockname/getpeername bug). */
    public long droppedShortFrames() {
        return session.shortFrames();
    }

    public boolean isEnded() {
        return session.isEnded();
    }

    /** Ends the session (closes every socket it owns) and closes the transport. Idempotent, any thread. */
    public void close(int code, String reason) {
        session.close(code, reason);
    }
}

package dev.sockbridge.frontend.emscripten;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.frontend.emscripten.internal.PosixSession;
import dev.sockbridge.frontend.emscripten.internal.PosixWire;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.proxy.spi.FrontEnd;
import dev.sockbridge.proxy.spi.FrontEndFactory;
import java.util.concurrent.CompletableFuture;

/**
 * Serves Emscripten's {@code -sPROXY_POSIX_SOCKETS} bridge protocol (the role of Emscripten's
 * {@code websocket_to_posix_proxy}) as a front end of the proxy's engine ({@link FrontEndFactory}), with its
 * policy, limits and stats: one session per bridge WebSocket, all of the program's threads multiplexed over it.
 *
 * <p>Mount it on a WebSocket route that selects <b>no</b> subprotocol (the client offers none) and
 * carries binary messages as frames, one request or reply each:
 *
 * <pre>{@code
 *   webSocketServer.addRoute(WebSocketRoute.builder("/posix", session ->
 *           proxy.attach(session, EmscriptenPosixSession.factory()))     // accepts no subprotocol
 *       .admission(proxy.admission()).build());
 *   // program: emscripten_init_websocket_to_posix_socket_bridge("ws://host:port/posix");
 * }</pre>
 *
 * <p>What it does better than the reference proxy, for unmodified 3.1.6+ clients: errno values in
 * Emscripten (WASI) numbering, getsockopt values where the client reads them, SOCK_NONBLOCK and
 * SO_RCVTIMEO/SO_SNDTIMEO honoured, every request with a readable call id answered (ENOSYS, EINVAL)
 * with at least the size the client waits for, no thread per call. {@code shutdown(fd, SHUT_RDWR)}
 * also releases the handle, because the client never sends {@code close()}. Handles are engine
 * descriptors plus {@value #HANDLE_OFFSET}.
 *
 * <p><b>Lifecycle, threading, backpressure</b>: those of every front end (see {@link FrontEnd}); the transport is
 * read only while it is writable, so a client that does not read its answers stops being read. Close codes: 1008
 * after {@value FrontEnd#MAX_MALFORMED_REQUESTS} malformed requests, and the proxy's own (1001 shutdown, 1008 grant
 * expired, 1013 over budget).
 */
public final class EmscriptenPosixSession {
    /** {@link dev.sockbridge.proxy.SessionInfo#protocol()} of these sessions. */
    public static final String PROTOCOL = PosixSession.PROTOCOL;
    /** Added to engine descriptors to make the handles a program sees. */
    public static final int HANDLE_OFFSET = PosixWire.HANDLE_OFFSET;

    private EmscriptenPosixSession() {
    }

    /** The front end of this protocol, for {@link SockbridgeProxy#attach(Transport, FrontEndFactory)} and serve. */
    public static FrontEndFactory factory() {
        return PosixSession.FACTORY;
    }

    /**
     * Serves {@code transport} (open, not yet started) as an Emscripten POSIX-socket bridge: shorthand for
     * {@code proxy.attach(transport, factory())}, with its admission (a transport the route's admission check
     * admitted is served under its grant at once; any other is checked now and closed if refused). Any thread.
     *
     * @return completes with the front end once it started, or with null if refused or closed first
     */
    public static CompletableFuture<FrontEnd> serve(SockbridgeProxy proxy, Transport transport) {
        return proxy.attach(transport, factory());
    }
}

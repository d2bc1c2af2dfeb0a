package dev.sockbridge.transport.websocket;

import dev.sockbridge.api.transport.Transport;

/**
 * One upgraded WebSocket connection on a {@link WebSocketServer} route: a {@link Transport} whose
 * frames are binary WebSocket messages, plus what the upgrade request said.
 *
 * <p>Everything in {@link Transport} holds. <b>Lifecycle:</b> {@link #start} installs the listener
 * (nothing is delivered before), {@link #close} sends a close frame with the code and reason, {@code closed}
 * is called exactly once. <b>Threading:</b> callbacks run on the channel's event loop ({@link #executor()}).
 * <b>Backpressure:</b> {@link #send} takes ownership of the buffer and sends it as one binary message
 * without copying, {@link #isWritable()} follows the channel's writability (its water marks) and
 * {@link #setAutoRead} the channel's autoRead. Text messages close the session with 1003, messages over
 * the route's maximum size with 1009; pings are answered by the transport.
 */
public interface WebSocketSession extends Transport {

    /** The request path that matched the route, without the query. */
    String path();

    /** The raw query string of the upgrade request, or null. */
    String query();

    /** The subprotocol agreed in the handshake, or null when the client offered none. */
    String subprotocol();

    /** A header of the upgrade request (first value), or null. */
    String requestHeader(String name);
}

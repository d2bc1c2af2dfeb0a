package dev.sockbridge.transport.websocket;

/**
 * Serves the binary WebSocket sessions of one {@link WebSocketRoute}: the raw hook through which
 * other protocols (Sockbridge itself, an Emscripten socket bridge, a websockify-style bridge) share
 * one {@link WebSocketServer} port.
 *
 * <p><b>Threading.</b> Called on the session's event loop, once the handshake response has been
 * written. It must not block.
 *
 * <p><b>Contract.</b> The handler must {@link WebSocketSession#start start} the session (or
 * {@link WebSocketSession#close close} it); until then nothing is read from the connection.
 * An exception thrown here closes the session with 1011.
 */
@FunctionalInterface
public interface WebSocketHandler {

    /** A client completed the upgrade on this handler's route. */
    void sessionOpened(WebSocketSession session);
}

/**
 * Sockbridge over WebSocket: the {@link dev.sockbridge.transport.websocket.WebSocketTransportProvider}
 * ({@code ws}, {@code wss}) for clients and servers, and the
 * {@link dev.sockbridge.transport.websocket.WebSocketServer} on which several protocols share one port,
 * each on a {@link dev.sockbridge.transport.websocket.WebSocketRoute} whose
 * {@link dev.sockbridge.transport.websocket.WebSocketHandler} gets raw binary
 * {@link dev.sockbridge.transport.websocket.WebSocketSession}s. Option keys are in
 * {@link dev.sockbridge.transport.websocket.WebSocketOptions}. Everything under {@code .internal} may
 * change without notice.
 */
package dev.sockbridge.transport.websocket;

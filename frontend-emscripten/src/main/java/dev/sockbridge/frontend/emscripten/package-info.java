/**
 * Drop-in server side for unmodified Emscripten programs, on the proxy's one engine: two front ends on the public
 * front-end SPI ({@link dev.sockbridge.proxy.spi}), which this module uses and nothing internal of the proxy.
 *
 * <p>Emscripten programs reach sockets in one of two ways, and each has a front end here:
 *
 * <ul>
 *   <li>{@link dev.sockbridge.frontend.emscripten.EmscriptenPosixSession}: programs linked with
 *       {@code -lwebsocket.js -sPROXY_POSIX_SOCKETS -pthread -sPROXY_TO_PTHREAD} send every socket
 *       call over one WebSocket ({@code emscripten_init_websocket_to_posix_socket_bridge(url)}).
 *       This replaces Emscripten's {@code websocket_to_posix_proxy}; its calls run in the engine like
 *       Sockbridge protocol calls do.</li>
 *   <li>{@link dev.sockbridge.frontend.emscripten.WebsockifyBridge}: programs built without it (SOCKFS,
 *       the default) open one WebSocket per socket and expect a websockify-style bridge to a fixed
 *       TCP target; UDP sockets open one WebSocket per destination. Targets come from
 *       {@link dev.sockbridge.frontend.emscripten.BridgeTargets}; the bridge makes ordinary calls (socket, connect,
 *       send, push-mode receive) on an engine session of its own.</li>
 * </ul>
 *
 * <p>Both take a {@link dev.sockbridge.api.transport.Transport} whose frames are the binary messages
 * of one accepted WebSocket, and both obey the proxy's {@link dev.sockbridge.proxy.SocketPolicy},
 * limits, stats and shutdown. What a WebSocket route must do for them:
 *
 * <table>
 *   <caption>Route requirements</caption>
 *   <tr><th></th><th>POSIX bridge</th><th>websockify bridge</th></tr>
 *   <tr><td>subprotocol</td><td>none offered, none selected</td><td>select {@code binary} when offered; accept none</td></tr>
 *   <tr><td>call</td><td>{@code proxy.attach(t, EmscriptenPosixSession.factory())}</td>
 *       <td>{@code proxy.attach(t, WebsockifyBridge.factory(targets, pathAndQuery))}</td></tr>
 *   <tr><td>text message</td><td colspan="2">close with 1003 and a reason (not a frame)</td></tr>
 *   <tr><td>ping</td><td colspan="2">answer with pong in the transport; never close for it</td></tr>
 * </table>
 *
 * Wire details: {@code shared/emscripten-protocol.md}.
 */
package dev.sockbridge.frontend.emscripten;

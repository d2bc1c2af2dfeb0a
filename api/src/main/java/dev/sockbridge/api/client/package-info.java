/**
 * The Java client of Sockbridge: POSIX socket calls executed by a Sockbridge proxy.
 *
 * <ul>
 *   <li>{@link dev.sockbridge.api.client.SockbridgeClient}: the session, one asynchronous method per
 *       socket call, push mode with credit.</li>
 *   <li>{@link dev.sockbridge.api.client.BridgedSocket}, {@link dev.sockbridge.api.client.BridgedServerSocket},
 *       {@link dev.sockbridge.api.client.BridgedDatagramSocket}: blocking wrappers shaped like
 *       {@code java.net.Socket}, {@code ServerSocket} and {@code DatagramSocket}.</li>
 * </ul>
 *
 * <p>The wire protocol is described in {@code docs/protocol.md}. The implementation lives in
 * {@code dev.sockbridge.api.internal.client}, which is not API.
 */
package dev.sockbridge.api.client;

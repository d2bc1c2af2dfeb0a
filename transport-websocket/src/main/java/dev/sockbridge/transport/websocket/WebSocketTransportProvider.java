package dev.sockbridge.transport.websocket;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.TransportProvider;
import dev.sockbridge.transport.websocket.internal.ServerEngine;
import dev.sockbridge.transport.websocket.internal.WebSocketConnector;
import dev.sockbridge.transport.websocket.internal.WebSocketServerTransport;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Sockbridge over WebSocket: {@code ws://host:port/path} and {@code wss://host:port/path}, on Netty
 * (epoll where available, NIO otherwise). Each transport frame is one binary WebSocket message; the
 * subprotocol is {@value WebSocketOptions#SUBPROTOCOL}. Options are listed in {@link WebSocketOptions}.
 *
 * <p>{@link #newServer} makes a server of its own on the URI's host and port, with the Sockbridge
 * route at the URI's path; to share a port with other protocols or pages use {@link WebSocketServer}
 * and its {@link WebSocketServer#transport(String)}.
 *
 * <p>{@link #connect} fails with a {@code WebSocketClientHandshakeException} (HTTP status in its
 * response) when the server refuses the upgrade, and with the I/O error when it cannot connect.
 *
 * <p><b>Event loops.</b> Without a group, transports and servers run on one group shared by the JVM (daemon
 * threads {@code sockbridge-ws-epoll-*} or {@code sockbridge-ws-nio-*}, never shut down); option
 * {@value WebSocketOptions#NATIVE_TRANSPORT}{@code =false} picks the NIO one. The overloads that take an
 * {@link EventLoopGroup} run on the caller's group instead (for example one from
 * {@link dev.sockbridge.api.transport.EventLoops#newGroup}), which the caller shuts down after closing them.
 *
 * <p><b>Threading.</b> Stateless and thread-safe.
 */
public final class WebSocketTransportProvider implements TransportProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("ws", "wss");
    }

    @Override
    public CompletableFuture<Transport> connect(URI uri, TransportOptions options) {
        return connect(uri, options, null);
    }

    /** {@link #connect(URI, TransportOptions)} on {@code group} (null: the shared group). */
    public CompletableFuture<Transport> connect(URI uri, TransportOptions options, EventLoopGroup group) {
        return WebSocketConnector.connect(uri, options == null ? TransportOptions.defaults() : options, group);
    }

    @Override
    public ServerTransport newServer(URI uri, TransportOptions options) {
        return newServer(uri, options, null);
    }

    /**
     * {@link #newServer(URI, TransportOptions)} on {@code group} (null: the shared group): the listening socket and
     * every connection it accepts.
     */
    public ServerTransport newServer(URI uri, TransportOptions options, EventLoopGroup group) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!schemes().contains(scheme)) {
            throw new IllegalArgumentException("not a ws or wss URI: " + uri);
        }
        boolean secure = scheme.equals("wss");
        String host = uri.getHost() == null ? "0.0.0.0" : uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() != -1 ? uri.getPort() : secure ? 443 : 80;
        String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
        ServerEngine engine = new ServerEngine(host, port, secure,
                options == null ? TransportOptions.defaults() : options, group, Map.of(), null, List.of());
        return new WebSocketServerTransport(engine, path, true);
    }
}

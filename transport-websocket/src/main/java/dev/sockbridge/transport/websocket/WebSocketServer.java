package dev.sockbridge.transport.websocket;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.transport.websocket.internal.ServerEngine;
import dev.sockbridge.transport.websocket.internal.WebSocketServerTransport;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * One HTTP/WebSocket port shared by several protocols, each on its own path, plus plain pages.
 *
 * <pre>
 *                      ┌─ GET /sockbridge  (Upgrade, sockbridge.v1) ─▶ WebSocketRoute ─▶ ServerTransportListener
 *   ws(s)://host:port ─┼─ GET /emscripten  (Upgrade, binary)        ─▶ WebSocketRoute ─▶ WebSocketHandler
 *                      ├─ GET /  /demo.js  (plain)                   ─▶ StaticContent map, then HttpHandler
 *                      ├─ Upgrade at any other path                  ─▶ the routes at WebSocketRoute.ANY_PATH, by subprotocol
 *                      └─ anything else                              ─▶ 404
 * </pre>
 *
 * <p>Upgrades are checked before they are answered: a path with no route (and no
 * {@link WebSocketRoute#ANY_PATH} routes) gets 404; routes sharing a path are told apart by the
 * offered subprotocol (see {@link WebSocketRoute}); with an Origin
 * allowlist ({@value WebSocketOptions#ALLOWED_ORIGINS}) a missing or unlisted Origin gets 403;
 * subprotocols are agreed per route (see {@link WebSocketRoute}), 400 if none fits. After the
 * upgrade, a session reads binary messages reassembled from fragments up to its route's
 * {@link WebSocketRoute.Builder#maxMessageSize} or else {@link TransportOptions#MAX_FRAME_SIZE}
 * (over it: close 1009; a message in progress is held in memory, so keep the server's default to what
 * most routes need), closes on text messages (1003),
 * pings every {@value WebSocketOptions#PING_INTERVAL_MILLIS} and closes after
 * {@value WebSocketOptions#IDLE_TIMEOUT_MILLIS} without reading anything (1001 "idle timeout").
 * Every option key is in {@link WebSocketOptions}.
 *
 * <p><b>Lifecycle.</b> {@link #start} binds (and loads or makes the TLS certificate); routes may be
 * added and removed before or after. {@link #shutdown} closes the listening socket and leaves open
 * connections alone; {@link #shutdownNow} also closes every connection (sessions with 1001).
 *
 * <p><b>Threading.</b> Thread-safe. Handlers run on the connections' event loops and must not block. The
 * event loops are the builder's {@link Builder#eventLoopGroup} or else a group shared by the JVM.
 *
 * <p><b>Backpressure.</b> Each session's {@code isWritable()} follows its channel's write buffer (water marks
 * {@link TransportOptions#HIGH_WATER_MARK}/{@link TransportOptions#LOW_WATER_MARK}) and {@code setAutoRead(false)}
 * stops reading from its socket; what a session's handler does with them is its own. Each connection holds at most
 * one message in progress (its route's maximum size) and one upgrade request (16 KiB).
 *
 * <pre>
 *   WebSocketServer server = WebSocketServer.builder()
 *           .bind("0.0.0.0", 8080)
 *           .content("/", StaticContent.html(demoPage))
 *           .build();
 *   ServerTransport sockbridge = server.transport("/sockbridge");   // for the proxy engine
 *   sockbridge.start(proxy::transportCreated).get();                // starts the server too
 * </pre>
 */
public final class WebSocketServer {
    private final ServerEngine engine;

    private WebSocketServer(Builder b) {
        this.engine = new ServerEngine(b.host, b.port, b.secure, b.options, b.group, b.content, b.httpHandler, b.routes);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the port; completes with the bound address. Idempotent. */
    public CompletableFuture<InetSocketAddress> start() {
        return engine.start();
    }

    /** The bound address, once started (else null). */
    public InetSocketAddress localAddress() {
        return engine.localAddress();
    }

    /** Whether this server speaks TLS (wss). */
    public boolean isSecure() {
        return engine.isSecure();
    }

    /** The certificate the server presents (made at start if self-signed), or null without TLS. */
    public X509Certificate certificate() {
        return engine.certificate();
    }

    /** {@code ws://} or {@code wss://} URI for {@code path} on the bound port. Needs {@link #start}. */
    public URI uri(String path) {
        return engine.uri(path);
    }

    /**
     * Adds a route; throws IllegalStateException if a route at its path speaks one of its subprotocols, or
     * both serve clients that offer none (see {@link WebSocketRoute}: the subprotocol must tell them apart).
     */
    public void addRoute(WebSocketRoute route) {
        engine.addRoute(Objects.requireNonNull(route, "route"));
    }

    /**
     * Removes every route at {@code path}; later upgrades to it get 404 (or the {@link WebSocketRoute#ANY_PATH}
     * routes). Open sessions go on.
     */
    public boolean removeRoute(String path) {
        return engine.removeRoute(path, null);
    }

    /**
     * The Sockbridge {@link ServerTransport} at {@code path} on this server: its {@code start} adds a
     * {@link WebSocketRoute#sockbridge} route and starts the server if needed; its {@code shutdown}
     * removes the route; its {@code shutdownNow} also closes the sessions it accepted. The port stays
     * open for the other routes until this server is shut down. At {@link WebSocketRoute#ANY_PATH} it
     * serves clients that offer the Sockbridge subprotocol at every path without a route of its own.
     */
    public ServerTransport transport(String path) {
        return new WebSocketServerTransport(engine, path, false);
    }

    /** Closes the listening socket; open connections go on. */
    public CompletableFuture<Void> shutdown() {
        return engine.shutdown();
    }

    /** Closes the listening socket and every connection; completes once all are closed. */
    public CompletableFuture<Void> shutdownNow() {
        return engine.shutdownNow();
    }

    @Override
    public String toString() {
        return "WebSocketServer[" + (isSecure() ? "wss " : "ws ") + localAddress() + "]";
    }

    /** Builds a {@link WebSocketServer}; by default on 127.0.0.1, port 0, no TLS, default options. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private boolean secure;
        private TransportOptions options = TransportOptions.defaults();
        private EventLoopGroup group;
        private final Map<String, StaticContent> content = new LinkedHashMap<>();
        private HttpHandler httpHandler;
        private final List<WebSocketRoute> routes = new ArrayList<>();

        private Builder() {
        }

        /** The address to listen on ("0.0.0.0" for all) and the port (0 for any free one). */
        public Builder bind(String host, int port) {
            this.host = Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Serve wss: needs {@value WebSocketOptions#TLS_CERT_FILE} and {@value WebSocketOptions#TLS_KEY_FILE},
         * or {@value WebSocketOptions#TLS_SELF_SIGNED}{@code =true}, in the options.
         */
        public Builder secure(boolean secure) {
            this.secure = secure;
            return this;
        }

        /** Options: see {@link WebSocketOptions}. */
        public Builder options(TransportOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Run the listening socket and every connection on this group (the caller shuts it down after this server)
         * instead of the shared one; {@link dev.sockbridge.api.transport.EventLoops#newGroup} makes a native one.
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = group;
            return this;
        }

        public Builder route(WebSocketRoute route) {
            routes.add(Objects.requireNonNull(route, "route"));
            return this;
        }

        /** Serves {@code content} for GET/HEAD of exactly {@code path}. */
        public Builder content(String path, StaticContent content) {
            this.content.put(Objects.requireNonNull(path, "path"), Objects.requireNonNull(content, "content"));
            return this;
        }

        /** Asked for GET/HEAD paths not in the static content. */
        public Builder httpHandler(HttpHandler handler) {
            this.httpHandler = handler;
            return this;
        }

        public WebSocketServer build() {
            return new WebSocketServer(this);
        }
    }
}

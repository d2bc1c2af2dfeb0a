package dev.sockbridge.transport.websocket;

import dev.sockbridge.api.transport.AdmissionCheck;
import dev.sockbridge.api.transport.ServerTransportListener;
import java.util.List;
import java.util.Objects;

/**
 * A path on a {@link WebSocketServer} and the {@link WebSocketHandler} that serves upgrades to it,
 * with the subprotocols the route speaks. Immutable and thread-safe.
 *
 * <p><b>Subprotocols.</b> A client that offers subprotocols gets the first of its offers that the
 * route accepts, in the client's order; if it offers only others, the upgrade is refused with HTTP
 * 400. A client that offers none is served without a {@code Sec-WebSocket-Protocol} header, unless the
 * route {@link Builder#requireSubprotocol requires} one (then 400). The server never answers with a
 * subprotocol the client did not offer.
 *
 * <p><b>Message size.</b> Each route sets the largest message its sessions accept, after reassembly
 * of fragments ({@link Builder#maxMessageSize}; by default the server's
 * {@link dev.sockbridge.api.transport.TransportOptions#MAX_FRAME_SIZE}). A larger message closes the
 * session with 1009. A message being received is held in memory until it is complete, so this is
 * also the most a session on this route holds for a message in progress: keep it to what the
 * protocol needs.
 *
 * <p><b>Sharing a path.</b> Several routes may share a path when the subprotocol tells them apart: no
 * subprotocol is spoken by two of them, and at most one serves clients that offer none. The client's
 * first offer that one of them speaks picks that route (its limits, admission and handler); a client
 * that offers none goes to the route that serves such clients. Routes at {@link #ANY_PATH} serve
 * upgrades to every path that has no route of its own, which is how one port answers at {@code /}
 * (and anywhere else) as websockify and Emscripten's {@code websocket_to_posix_proxy} do:
 *
 * <pre>{@code
 *   server.transport(WebSocketRoute.ANY_PATH);   // sockbridge.v1 (required here)
 *   server.addRoute(WebSocketRoute.builder(WebSocketRoute.ANY_PATH, bridge)
 *           .subprotocols("binary").requireSubprotocol(true).build());
 *   server.addRoute(WebSocketRoute.builder(WebSocketRoute.ANY_PATH, posixProxy).build());   // no subprotocol
 * }</pre>
 */
public final class WebSocketRoute {
    /**
     * The path of routes that serve upgrades to any path no route names exactly ({@code /} included);
     * their sessions see the request's own path in {@link WebSocketSession#path()}.
     */
    public static final String ANY_PATH = "/*";

    private final int maxMessageSize;
    private final String path;
    private final List<String> subprotocols;
    private final boolean requireSubprotocol;
    private final String base64Subprotocol;
    private final WebSocketHandler handler;
    private final AdmissionCheck admission;

    private WebSocketRoute(Builder b) {
        this.admission = b.admission;
        this.path = b.path;
        this.subprotocols = List.copyOf(b.subprotocols);
        this.requireSubprotocol = b.requireSubprotocol;
        this.base64Subprotocol = b.base64Subprotocol;
        this.handler = b.handler;
        this.maxMessageSize = b.maxMessageSize;
    }

    /**
     * The Sockbridge route: subprotocol {@value WebSocketOptions#SUBPROTOCOL} (or none, except at
     * {@link #ANY_PATH}, where a client that offers none belongs to another protocol and Sockbridge's
     * clients always offer it), each upgrade admitted by {@code listener}'s
     * {@link ServerTransportListener#admit admit}, each session handed to {@code listener} as a transport.
     */
    public static WebSocketRoute sockbridge(String path, ServerTransportListener listener) {
        Objects.requireNonNull(listener, "listener");
        return builder(path, listener::transportCreated).subprotocols(WebSocketOptions.SUBPROTOCOL)
                .requireSubprotocol(ANY_PATH.equals(path)).admission(listener::admit).build();
    }

    /**
     * A route for a handler of raw binary sessions at {@code path} (exact, without query; or
     * {@link #ANY_PATH}); by default it accepts no subprotocol.
     */
    public static Builder builder(String path, WebSocketHandler handler) {
        return new Builder(path, handler);
    }

    /** The largest message (in bytes, after reassembly) this route's sessions accept; 0 for the server's default. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    public String path() {
        return path;
    }

    /** The subprotocols the route accepts; empty when it speaks none. */
    public List<String> subprotocols() {
        return subprotocols;
    }

    /**
     * The subprotocol (one of {@link #subprotocols()}) whose sessions carry their messages base64-encoded in
     * text messages, or null; see {@link Builder#base64Subprotocol}.
     */
    public String base64Subprotocol() {
        return base64Subprotocol;
    }

    /** Whether a client that offers no subprotocol is refused. */
    public boolean requiresSubprotocol() {
        return requireSubprotocol;
    }

    public WebSocketHandler handler() {
        return handler;
    }

    /** Decides each upgrade before it is answered; {@link AdmissionCheck#admitAll()} unless set. */
    public AdmissionCheck admission() {
        return admission;
    }

    @Override
    public String toString() {
        return "WebSocketRoute[" + path + " " + subprotocols + (requireSubprotocol ? " required" : "")
                + (base64Subprotocol != null ? " base64 " + base64Subprotocol : "")
                + (maxMessageSize > 0 ? " max " + maxMessageSize : "") + "]";
    }

    /** Builds a {@link WebSocketRoute}. */
    public static final class Builder {
        private int maxMessageSize;
        private final String path;
        private final WebSocketHandler handler;
        private List<String> subprotocols = List.of();
        private boolean requireSubprotocol;
        private String base64Subprotocol;
        private AdmissionCheck admission = AdmissionCheck.admitAll();

        private Builder(String path, WebSocketHandler handler) {
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/") || (path.contains("*") && !path.equals(ANY_PATH))) {
                throw new IllegalArgumentException("a route path starts with '/' and has no '*' (but ANY_PATH): " + path);
            }
            this.path = path;
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /**
         * The largest message this route's sessions accept, in bytes after reassembly of fragments;
         * larger ones close the session with 1009. Default: the server's
         * {@link dev.sockbridge.api.transport.TransportOptions#MAX_FRAME_SIZE}.
         */
        public Builder maxMessageSize(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxMessageSize must be positive: " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /** The subprotocols this route accepts (e.g. {@code "binary"} for a websockify bridge). */
        public Builder subprotocols(String... names) {
            for (String n : names) {
                if (n == null || n.isBlank() || n.contains(",")) {
                    throw new IllegalArgumentException("bad subprotocol name: " + n);
                }
            }
            this.subprotocols = List.of(names);
            return this;
        }

        /**
         * Also speak {@code name} (added to the subprotocols), with websockify's old base64 framing: the peer
         * sends and receives each message base64-encoded in a text message, the handler still sees binary
         * messages both ways. The route's largest message counts decoded bytes; invalid base64 closes with
         * 1007; binary messages from such a peer are taken as they are.
         */
        public Builder base64Subprotocol(String name) {
            if (name == null || name.isBlank() || name.contains(",")) {
                throw new IllegalArgumentException("bad subprotocol name: " + name);
            }
            this.base64Subprotocol = name;
            return this;
        }

        /** Refuse clients that offer no subprotocol (default false: they are served). */
        public Builder requireSubprotocol(boolean require) {
            this.requireSubprotocol = require;
            return this;
        }

        /**
         * Decides each upgrade to this route once the path, Origin, version and subprotocol have passed, and
         * before the 101: a refusal is answered with its HTTP status and reason (and Retry-After). The session
         * then carries the request and the admission's attachment ({@link WebSocketSession#connectRequest()},
         * {@link WebSocketSession#attachment()}); the admission is released when the connection ends. Default:
         * everyone is admitted.
         */
        public Builder admission(AdmissionCheck check) {
            this.admission = Objects.requireNonNull(check, "check");
            return this;
        }

        public WebSocketRoute build() {
            if (base64Subprotocol != null && !subprotocols.contains(base64Subprotocol)) {
                List<String> all = new java.util.ArrayList<>(subprotocols);
                all.add(base64Subprotocol);
                subprotocols = List.copyOf(all);
            }
            if (requireSubprotocol && subprotocols.isEmpty()) {
                throw new IllegalStateException("a route that requires a subprotocol must accept one");
            }
            return new WebSocketRoute(this);
        }
    }
}

package dev.sockbridge.transport.websocket;

import dev.sockbridge.api.transport.AdmissionCheck;
import dev.sockbridge.api.transport.ServerTransportListener;
import java.util.List;
import java.util.Objects;

/**
 * A path on a {@link WebSocketServer} and the {@link WebSocketHandler} that serves upgrades to it,
 * with the subprotocols the route speaks. Immutable.
 *
 * <p><b>Subprotocols.</b> A client that offers subprotocols gets the first of its offers that the
 * route accepts, in the client's order; if it offers only others, the upgrade is refused with HTTP
 * 400. A client that offers none is served without a {@code Sec-WebSocket-Protocol} header, unless the
 * route {@link Builder#requireSubprotocol requires} one (then 400). The server never answers with a
 * subprotocol the client did not offer.
 */
public final class WebSocketRoute {
    private final String path;
    private final List<String> subprotocols;
    private final boolean requireSubprotocol;
    private final WebSocketHandler handler;
    private final AdmissionCheck admission;

    private WebSocketRoute(Builder b) {
        this.admission = b.admission;
        this.path = b.path;
        this.subprotocols = List.copyOf(b.subprotocols);
        this.requireSubprotocol = b.requireSubprotocol;
        this.handler = b.handler;
    }

    /**
     * The Sockbridge route: subprotocol {@value WebSocketOptions#SUBPROTOCOL} (or none), each upgrade
     * admitted by {@code listener}'s {@link ServerTransportListener#admit admit}, each session handed to
     * {@code listener} as a transport.
     */
    public static WebSocketRoute sockbridge(String path, ServerTransportListener listener) {
        Objects.requireNonNull(listener, "listener");
        return builder(path, listener::transportCreated).subprotocols(WebSocketOptions.SUBPROTOCOL)
                .admission(listener::admit).build();
    }

    /** A route for a handler of raw binary sessions; by default it accepts no subprotocol. */
    public static Builder builder(String path, WebSocketHandler handler) {
        return new Builder(path, handler);
    }

    public String path() {
        return path;
    }

    /** The subprotocols the route accepts; empty when it speaks none. */
    public List<String> subprotocols() {
        return subprotocols;
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
        return "WebSocketRoute[" + path + " " + subprotocols + (requireSubprotocol ? " required" : "") + "]";
    }

    /** Builds a {@link WebSocketRoute}. */
    public static final class Builder {
        private final String path;
        private final WebSocketHandler handler;
        private List<String> subprotocols = List.of();
        private boolean requireSubprotocol;
        private AdmissionCheck admission = AdmissionCheck.admitAll();

        private Builder(String path, WebSocketHandler handler) {
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("a route path starts with '/': " + path);
            }
            this.path = path;
            this.handler = Objects.requireNonNull(handler, "handler");
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
            if (requireSubprotocol && subprotocols.isEmpty()) {
                throw new IllegalStateException("a route that requires a subprotocol must accept one");
            }
            return new WebSocketRoute(this);
        }
    }
}

package dev.sockbridge.frontend.emscripten;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a {@link WebsockifyBridge} WebSocket goes, decided from the request target of its HTTP
 * upgrade request (path and query, e.g. {@code /bridge?token=db1}). The transport does not expose
 * the URL, so the WebSocket route handler passes it in.
 *
 * <p>Whatever this answers, the proxy's {@link dev.sockbridge.proxy.SocketPolicy} still checks
 * the resolved numeric address before a byte moves; a denied or unknown target closes the
 * WebSocket with 1008.
 *
 * <p>Implementations must be thread-safe and fast (called on event loops; file reads are cached).
 */
@FunctionalInterface
public interface BridgeTargets {

    /** TCP (websockify) or UDP (one WebSocket per destination, datagram per message). */
    enum Kind { TCP, UDP }

    /** A host (name or numeric; IPv6 without brackets) and port, carried as TCP or UDP. */
    record Target(String host, int port, Kind kind) {
        public Target {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(kind, "kind");
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw new IllegalArgumentException("bad target " + host + ":" + port);
            }
        }

        /**
         * Parses {@code host:port}, {@code [v6]:port}, or either with a {@code tcp://} or
         * {@code udp://} prefix (which overrides {@code defaultKind}).
         */
        public static Target parse(String spec, Kind defaultKind) {
            String s = spec.trim();
            Kind kind = defaultKind;
            if (s.regionMatches(true, 0, "tcp://", 0, 6)) {
                kind = Kind.TCP;
                s = s.substring(6);
            } else if (s.regionMatches(true, 0, "udp://", 0, 6)) {
                kind = Kind.UDP;
                s = s.substring(6);
            }
            int colon = s.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("target needs host:port: " + spec);
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new IllegalArgumentException("IPv6 targets need brackets: " + spec);
            }
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in target: " + spec, e);
            }
            return new Target(host, port, kind);
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(java.util.Locale.ROOT) + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * The target for a WebSocket whose upgrade request had this request target (path plus optional
     * query, as in the request line); null when there is none (the bridge closes with 1008).
     */
    Target resolve(String requestTarget);

    /** Every WebSocket goes to one target (websockify's {@code websockify PORT host:port}). */
    static BridgeTargets fixed(Target target) {
        Objects.requireNonNull(target, "target");
        return path -> target;
    }

    static BridgeTargets fixed(String host, int port, Kind kind) {
        return fixed(new Target(host, port, kind));
    }

    /**
     * The URL names the target: the {@code target} query parameter, else the last path segment, as
     * {@code host:port} or {@code [v6]:port} (percent-encoding allowed), e.g.
     * {@code /websockify?target=127.0.0.1:7000} (for routes matched by exact path) or
     * {@code /tcp/127.0.0.1:7000}. Convenient for tests and development; only as open as the
     * proxy's SocketPolicy, which still checks every target.
     */
    static BridgeTargets fromUrl(Kind kind) {
        Objects.requireNonNull(kind, "kind");
        return requestTarget -> {
            String spec = queryParam(requestTarget, "target");
            if (spec == null) {
                String p = pathOf(requestTarget);
                spec = URLDecoder.decode(p.substring(p.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
            }
            if (spec.isEmpty()) {
                return null;
            }
            try {
                return Target.parse(spec, kind);
            } catch (IllegalArgumentException e) {
                return null;
            }
        };
    }

    /** The request target to pass to {@link #resolve}: a path and an optional raw query (no '?'). */
    static String requestTarget(String path, String query) {
        String p = path == null || path.isEmpty() ? "/" : path;
        return query == null || query.isEmpty() ? p : p + "?" + query;
    }

    /**
     * websockify's token files: lines {@code token: host:port} ({@code #} comments and blank lines
     * ignored; a target may carry a {@code tcp://}/{@code udp://} prefix, else {@code defaultKind}).
     * {@code file} may be a directory, whose regular files are all read. The token comes from the
     * {@code token} query parameter, else from the last path segment. The files are re-read when
     * their modification times change.
     */
    static BridgeTargets tokenFile(Path file, Kind defaultKind) {
        return new TokenFileTargets(file, defaultKind);
    }

    /** The path part of a request target (no query, no fragment). */
    static String pathOf(String requestTarget) {
        String s = requestTarget == null ? "" : requestTarget;
        int q = s.indexOf('?');
        if (q >= 0) {
            s = s.substring(0, q);
        }
        int h = s.indexOf('#');
        return h >= 0 ? s.substring(0, h) : s;
    }

    /** The first value of a query parameter, decoded; null if absent. */
    static String queryParam(String requestTarget, String name) {
        if (requestTarget == null) {
            return null;
        }
        int q = requestTarget.indexOf('?');
        if (q < 0) {
            return null;
        }
        String query = requestTarget.substring(q + 1);
        int h = query.indexOf('#');
        if (h >= 0) {
            query = query.substring(0, h);
        }
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}

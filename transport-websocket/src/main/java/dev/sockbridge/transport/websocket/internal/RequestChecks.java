package dev.sockbridge.transport.websocket.internal;

import dev.sockbridge.api.internal.transport.HostCheck;
import java.util.Locale;
import java.util.Set;

/**
 * The Host and Origin checks every request passes before it is served. Why both: a web page the
 * developer visits may open a WebSocket to {@code ws://127.0.0.1:8080} (Origin tells us whose page it
 * is), and a page on an attacker's name that re-resolves to 127.0.0.1 (DNS rebinding) is same-origin
 * with itself, which only the Host header gives away.
 */
final class RequestChecks {
    private RequestChecks() {
    }

    /** "*" in a set means any. */
    static final String ANY = HostCheck.ANY;

    /** See {@link HostCheck#hostAllowed}; a missing Host (HTTP/1.0) is refused. */
    static boolean hostAllowed(String hostHeader, Set<String> allowedHosts) {
        return HostCheck.hostAllowed(hostHeader, allowedHosts);
    }

    /**
     * Whether a WebSocket upgrade's Origin may open a session: none (native clients; browsers always
     * send one), the server's own origin (a page it served: same scheme family, host and port as the
     * Host header), or one in {@code allowedOrigins} (normalised, see {@link WebSocketConfig#normalizeOrigin}).
     */
    static boolean originAllowed(String origin, String hostHeader, boolean secure, Set<String> allowedOrigins) {
        if (origin == null || allowedOrigins.contains(ANY)) {
            return true;
        }
        String o = WebSocketConfig.normalizeOrigin(origin);
        if (allowedOrigins.contains(o)) {
            return true;
        }
        return hostHeader != null && o.equals(ownOrigin(hostHeader, secure));
    }

    /** The origin of a page this server served under {@code hostHeader}. */
    static String ownOrigin(String hostHeader, boolean secure) {
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        String scheme = secure ? "https" : "http";
        String defPort = secure ? ":443" : ":80";
        if (h.endsWith(defPort)) {
            h = h.substring(0, h.length() - defPort.length());
        }
        return scheme + "://" + h;
    }

    static String hostOf(String hostHeader) {
        return HostCheck.hostOf(hostHeader);
    }

    static boolean isIpLiteral(String host) {
        return HostCheck.isIpLiteral(host);
    }
}

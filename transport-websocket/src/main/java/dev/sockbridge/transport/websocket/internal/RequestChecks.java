package dev.sockbridge.transport.websocket.internal;

import java.net.URI;
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
    static final String ANY = "*";

    /**
     * Whether the Host header names this server: an IP literal (rebinding needs a name of the
     * attacker's), "localhost", or a name in {@code allowedHosts}. A missing Host is allowed only for
     * HTTP/1.0 clients, which is what HttpObjectDecoder gives us as null here.
     */
    static boolean hostAllowed(String hostHeader, Set<String> allowedHosts) {
        if (allowedHosts.contains(ANY)) {
            return true;
        }
        if (hostHeader == null) {
            return false;
        }
        String host = hostOf(hostHeader);
        if (host == null) {
            return false;
        }
        return isIpLiteral(host) || host.equals("localhost") || allowedHosts.contains(host);
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

    /** The host part of a Host header (lower case, IPv6 without brackets), or null if malformed. */
    static String hostOf(String hostHeader) {
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (h.isEmpty()) {
            return null;
        }
        try {
            URI u = new URI("http://" + h + "/");
            String host = u.getHost();
            if (host == null) {
                return null;
            }
            return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        } catch (Exception e) {
            return null;
        }
    }

    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return host.matches("[0-9a-f:.%a-z]+") && host.chars().filter(c -> c == ':').count() >= 2;
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}

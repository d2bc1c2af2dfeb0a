package dev.sockbridge.api.internal.transport;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * The check of the name a client used for a server (the HTTP Host header, HTTP/3's :authority), shared by the
 * WebSocket and WebTransport servers. A page on an attacker's name that re-resolves to 127.0.0.1 (DNS rebinding)
 * is same-origin with itself; only the name it asked for gives it away.
 */
public final class HostCheck {
    private HostCheck() {
    }

    /** "*" in a set of allowed hosts means any. */
    public static final String ANY = "*";

    /**
     * Whether {@code hostHeader} (host, optionally with a port) names this server: an IP literal (rebinding needs a
     * name of the attacker's), "localhost", or a name in {@code allowedHosts}. Null is refused.
     */
    public static boolean hostAllowed(String hostHeader, Set<String> allowedHosts) {
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

    /** The host part of a Host header (lower case, IPv6 without brackets), or null if malformed. */
    public static String hostOf(String hostHeader) {
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

    public static boolean isIpLiteral(String host) {
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

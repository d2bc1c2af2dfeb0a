package dev.sockbridge.api.transport;

import java.net.SocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a client presented when it asked for a session: the WebSocket upgrade, the WebTransport
 * CONNECT, or the start of a raw QUIC or in-process connection. Admission checks (authentication,
 * origin, limits) read it before any session exists. Immutable.
 */
public interface ConnectRequest {

    /** The transport scheme: "ws", "wss", "webtransport", "quic", "inprocess", ... */
    String scheme();

    /** The request path without the query; "/" where the transport has no path. */
    String path();

    /** The raw query string, or null. */
    String query();

    /** A request header's first value, by case-insensitive name; empty where the transport has no headers. */
    Optional<String> header(String name);

    /** The client's address as the transport saw it; null for in-process clients. */
    SocketAddress remoteAddress();

    /** The client's TLS certificate chain, leaf first, when it presented one (mTLS); else empty. */
    List<X509Certificate> peerCertificates();

    /** The query parameters, decoded, in order. */
    default Map<String, List<String>> queryParameters() {
        String q = query();
        if (q == null || q.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String part : q.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return Collections.unmodifiableMap(out);
    }

    /** One query parameter's first value. */
    default Optional<String> queryParameter(String name) {
        List<String> v = queryParameters().get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    /** The cookies of the Cookie header. */
    default Map<String, String> cookies() {
        Optional<String> h = header("cookie");
        if (h.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String c : h.get().split(";")) {
            int eq = c.indexOf('=');
            if (eq > 0) {
                out.putIfAbsent(c.substring(0, eq).trim(), c.substring(eq + 1).trim());
            }
        }
        return Collections.unmodifiableMap(out);
    }
}

package dev.sockbridge.api.testing;

import dev.sockbridge.api.transport.ConnectRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link ConnectRequest} as a transport would report it (scheme ws, path /sockbridge, from 127.0.0.1:40000), for
 * authenticator tests that need no transport.
 */
public record TestRequest(String query, Map<String, String> headers, List<X509Certificate> peerCertificates) implements ConnectRequest {

    public static TestRequest query(String q) {
        return new TestRequest(q, Map.of(), List.of());
    }

    public static TestRequest header(String name, String value) {
        return new TestRequest(null, Map.of(name.toLowerCase(Locale.ROOT), value), List.of());
    }

    public static TestRequest certificates(List<X509Certificate> chain) {
        return new TestRequest(null, Map.of(), chain);
    }

    public static TestRequest none() {
        return new TestRequest(null, Map.of(), List.of());
    }

    @Override
    public String scheme() {
        return "ws";
    }

    @Override
    public String path() {
        return "/sockbridge";
    }

    @Override
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    @Override
    public SocketAddress remoteAddress() {
        return new InetSocketAddress("127.0.0.1", 40000);
    }
}

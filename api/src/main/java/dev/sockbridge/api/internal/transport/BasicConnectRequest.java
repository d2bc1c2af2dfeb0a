package dev.sockbridge.api.internal.transport;

import dev.sockbridge.api.transport.ConnectRequest;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;

/** The {@link ConnectRequest} every transport builds: values copied at the upgrade, immutable after. */
public final class BasicConnectRequest implements ConnectRequest {
    private final String scheme;
    private final String path;
    private final String query;
    private final Map<String, String> headers;
    private final SocketAddress remote;
    private final List<X509Certificate> peerCertificates;

    /** {@code headers}: name to first value; names are matched case-insensitively. */
    public BasicConnectRequest(String scheme, String path, String query, Map<String, String> headers,
                               SocketAddress remote, List<X509Certificate> peerCertificates) {
        this.scheme = scheme;
        this.path = path == null || path.isEmpty() ? "/" : path;
        this.query = query;
        TreeMap<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            headers.forEach(h::putIfAbsent);
        }
        this.headers = h;
        this.remote = remote;
        this.peerCertificates = peerCertificates == null ? List.of() : List.copyOf(peerCertificates);
    }

    /** A request with no path, query or headers: raw QUIC, in-process, a transport attached directly. */
    public static BasicConnectRequest bare(String scheme, String query, SocketAddress remote,
                                           List<X509Certificate> peerCertificates) {
        return new BasicConnectRequest(scheme, "/", query, Map.of(), remote, peerCertificates);
    }

    /** The client's certificate chain of a TLS engine that asked for one; empty when none was presented. */
    public static List<X509Certificate> peerCertificates(SSLEngine engine) {
        if (engine == null || engine.getSession() == null) {
            return List.of();
        }
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : engine.getSession().getPeerCertificates()) {
                if (c instanceof X509Certificate) {
                    out.add((X509Certificate) c);
                }
            }
            return out;
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String query() {
        return query;
    }

    @Override
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    @Override
    public SocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public List<X509Certificate> peerCertificates() {
        return peerCertificates;
    }

    @Override
    public String toString() {
        return scheme + " " + path + (query == null ? "" : "?...") + " from " + remote;
    }
}

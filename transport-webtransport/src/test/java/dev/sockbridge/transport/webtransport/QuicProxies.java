package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.SockbridgeProxy;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The QUIC end-to-end tests' common setup: a proxy served over raw QUIC and over WebTransport on 127.0.0.1, each
 * server with a self-signed certificate of its own, and the client options that pin it.
 */
final class QuicProxies {
    /** The two QUIC transports, as server URIs on an ephemeral port. */
    static final List<String> SERVER_URIS = List.of("quic://127.0.0.1:0", "webtransport://127.0.0.1:0/sockbridge");

    private QuicProxies() {
    }

    /** Serves {@code proxy} on both QUIC transports with {@code serverOptions}; records each server and URI by scheme. */
    static void serveBoth(SockbridgeProxy proxy, TransportOptions serverOptions, Map<String, QuicServerTransport> servers,
                          Map<String, URI> uris) throws Exception {
        for (String u : SERVER_URIS) {
            QuicServerTransport server = QuicServerTransport.create(URI.create(u), serverOptions);
            URI uri = proxy.serve(server).get(10, TimeUnit.SECONDS);
            servers.put(uri.getScheme(), server);
            uris.put(uri.getScheme(), uri);
        }
    }

    /** Client options that trust {@code server}'s certificate (by its SHA-256, as a browser's serverCertificateHashes). */
    static TransportOptions pinned(QuicServerTransport server) {
        return TransportOptions.defaults().with(QuicTransportOptions.CERTIFICATE_SHA256, server.certificate().sha256Base64());
    }
}

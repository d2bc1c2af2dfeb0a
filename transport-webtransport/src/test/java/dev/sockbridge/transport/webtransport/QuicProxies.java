package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.SockbridgeProxy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

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

    /**
     * A proxy with default settings, served on both QUIC transports with the proxy's largest frame and whatever
     * {@code more} adds to the server options; records each server and URI by scheme.
     */
    static SockbridgeProxy startBoth(UnaryOperator<TransportOptions> more, Map<String, QuicServerTransport> servers,
                                     Map<String, URI> uris) throws Exception {
        SockbridgeProxy proxy = SockbridgeProxy.builder().build();
        serveBoth(proxy, more.apply(TransportOptions.defaults()
                .with(TransportOptions.MAX_FRAME_SIZE, proxy.limits().maxFrameSize())), servers, uris);
        return proxy;
    }

    /** Shuts {@code proxy} down at once (its servers with it) and closes {@code peers}; either may be null. */
    static void stop(SockbridgeProxy proxy, NativePeers peers) throws Exception {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO).get(20, TimeUnit.SECONDS);
        }
        if (peers != null) {
            peers.close();
        }
    }

    /** Client options that trust {@code server}'s certificate (by its SHA-256, as a browser's serverCertificateHashes). */
    static TransportOptions pinned(QuicServerTransport server) {
        return TransportOptions.defaults().with(QuicTransportOptions.CERTIFICATE_SHA256, server.certificate().sha256Base64());
    }
}

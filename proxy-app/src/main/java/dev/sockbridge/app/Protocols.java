package dev.sockbridge.app;

import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.transport.webtransport.QuicServerTransport;
import dev.sockbridge.transport.webtransport.QuicTransportOptions;
import dev.sockbridge.transport.webtransport.ServerCertificate;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import dev.sockbridge.frontend.emscripten.BridgeTargets;
import dev.sockbridge.frontend.emscripten.EmscriptenPosixSession;
import dev.sockbridge.frontend.emscripten.WebsockifyBridge;
import dev.sockbridge.transport.websocket.WebSocketRoute;
import dev.sockbridge.transport.websocket.WebSocketServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Mounts the protocols beside Sockbridge's own on the proxy's listeners. */
final class Protocols {
    private Protocols() {
    }

    /**
     * /emscripten: Emscripten's PROXY_POSIX_SOCKETS protocol (no subprotocol, as its client offers none).
     * /websockify and /websockify-udp: the websockify-compatible bridge of Emscripten's default socket
     * emulation (subprotocol "binary"), to the configured target(s); every target under the policy.
     * And at / (and every path without a route of its own), chosen by the offered subprotocol, as the
     * tools these replace answer there: "binary" or "base64" the bridge (TCP, or UDP with --bridge-udp, since the
     * handshake cannot tell), none the POSIX proxy; Sockbridge's own subprotocol is mounted there by the
     * caller ({@code server.transport(WebSocketRoute.ANY_PATH)}).
     */
    static void mountEmscripten(SockbridgeProxy proxy, WebSocketServer server, ProxyOptions opts) throws IOException {
        BridgeTargets tcp = targets(opts, BridgeTargets.Kind.TCP);
        BridgeTargets udp = targets(opts, BridgeTargets.Kind.UDP);
        for (String path : List.of("/emscripten", WebSocketRoute.ANY_PATH)) {
            // admitted before the upgrade is answered, as the Sockbridge route is: a refusal is an HTTP status
            server.addRoute(WebSocketRoute.builder(path, s -> proxy.attach(s, EmscriptenPosixSession.factory()))
                    .maxMessageSize(emscriptenMaxMessage(proxy)).admission(proxy.admission()).build());
        }
        server.addRoute(bridgeRoute(proxy, "/websockify", tcp, false, false));
        server.addRoute(bridgeRoute(proxy, "/websockify-udp", udp, true, false));
        boolean rootUdp = rootBridgeUdp(opts);
        server.addRoute(bridgeRoute(proxy, WebSocketRoute.ANY_PATH, rootUdp ? udp : tcp, rootUdp, true));
    }

    /**
     * The bridge at {@code path}: subprotocol "binary", or websockify's "base64" (text frames); required where a client that offers none belongs to
     * the POSIX proxy (the catch-all). A TCP bridge takes messages as large as one send(); UDP ones fit the default.
     */
    private static WebSocketRoute bridgeRoute(SockbridgeProxy proxy, String path, BridgeTargets targets, boolean udp,
                                              boolean require) {
        WebSocketRoute.Builder b = WebSocketRoute.builder(path,
                        s -> proxy.attach(s, WebsockifyBridge.factory(targets, BridgeTargets.requestTarget(s.path(), s.query()))))
                .subprotocols(WebsockifyBridge.SUBPROTOCOL).base64Subprotocol(WebsockifyBridge.BASE64_SUBPROTOCOL)
                .requireSubprotocol(require).admission(proxy.admission());
        if (!udp) {
            b.maxMessageSize(emscriptenMaxMessage(proxy));
        }
        return b.build();
    }

    /** Whether the bridge at / carries UDP: --bridge-udp. */
    static boolean rootBridgeUdp(ProxyOptions opts) {
        return opts.has("bridge-udp");
    }

    /**
     * Emscripten's clients cannot split a send: a message may be as large as one send() call (its
     * POSIX proxy protocol, and its websockify emulation for TCP). A UDP datagram fits the default.
     */
    static int emscriptenMaxMessage(SockbridgeProxy proxy) {
        return Math.max(proxy.limits().maxFrameSize(), 16 << 20) + 4096;
    }

    static String describeBridge(ProxyOptions opts) {
        if (opts.has("bridge-target")) {
            return "-> " + opts.get("bridge-target", "");
        }
        if (opts.has("bridge-tokens")) {
            return "(targets from token file " + opts.get("bridge-tokens", "") + ")";
        }
        if (opts.has("bridge-url-targets")) {
            return "(target from ?target=HOST:PORT, under the policy; development)";
        }
        return "(no target configured: connections are refused with 1008)";
    }

    private static BridgeTargets targets(ProxyOptions opts, BridgeTargets.Kind kind) throws IOException {
        List<BridgeTargets> list = new ArrayList<>();
        if (opts.has("bridge-tokens")) {
            list.add(BridgeTargets.tokenFile(Path.of(opts.get("bridge-tokens", "")), kind));
        }
        if (opts.has("bridge-target")) {
            list.add(BridgeTargets.fixed(BridgeTargets.Target.parse(opts.get("bridge-target", ""), kind)));
        }
        if (opts.has("bridge-url-targets")) {
            list.add(BridgeTargets.fromUrl(kind));
        }
        return requestTarget -> {
            for (BridgeTargets t : list) {
                BridgeTargets.Target r = t.resolve(requestTarget);
                if (r != null) {
                    return r;
                }
            }
            return null;
        };
    }

    /** What the demo page needs to open a WebTransport session: the URL and the certificate's hash. */
    static volatile String webTransportJson = "{}";

    /**
     * --webtransport-listen: Sockbridge over WebTransport (HTTP/3) at /sockbridge, for browsers; its
     * certificate (PEM from --tls-cert/--tls-key, else self-signed ECDSA P-256 for at most 14 days,
     * renewed without restart) is published with its SHA-256 at /webtransport.json for
     * serverCertificateHashes. Origins: the proxy's own page origins, plus --origin.
     * --quic-listen: Sockbridge over raw QUIC for native clients.
     */
    static List<AutoCloseable> startQuic(SockbridgeProxy proxy, ProxyOptions opts, List<String> pageOrigins) throws Exception {
        List<AutoCloseable> out = new ArrayList<>();
        TransportOptions base = TransportOptions.defaults().with(TransportOptions.MAX_FRAME_SIZE, proxy.limits().maxFrameSize());
        if (opts.has("auth-client-pin")) {
            // as on wss: pins need not chain to a CA, so TLS asks for any and the authenticator decides
            base = base.with(QuicTransportOptions.TLS_CLIENT_CERT_ANY, true);
        } else if (opts.has("auth-client-ca")) {
            base = base.with(QuicTransportOptions.TLS_CLIENT_CA_FILE, opts.get("auth-client-ca", null));
        }
        if (opts.has("tls-cert")) {
            base = base.with(QuicTransportOptions.TLS_CERT_FILE, opts.get("tls-cert", null))
                    .with(QuicTransportOptions.TLS_KEY_FILE, opts.get("tls-key", null));
        }
        if (opts.has("webtransport-listen")) {
            String[] hp = ProxyMain.hostAndPort(opts.get("webtransport-listen", null));
            // the proxy's own pages always, like the WebSocket listeners; --origin adds to them
            List<String> allowed = new ArrayList<>(pageOrigins);
            allowed.addAll(opts.all("origin"));
            String origins = String.join(",", allowed);
            QuicServerTransport wt = QuicServerTransport.create(
                    URI.create("webtransport://" + bracket(hp[0]) + ":" + hp[1] + "/sockbridge"),
                    base.with(QuicTransportOptions.ALLOWED_ORIGINS, origins)
                            .with(QuicTransportOptions.ALLOWED_HOSTS, String.join(",", opts.all("allowed-host"))));
            URI uri = proxy.serve(wt).get(10, TimeUnit.SECONDS);
            publish(uri, wt.certificate());
            wt.onCertificateChange(c -> {
                publish(uri, c);
                System.out.println("WebTransport certificate renewed, SHA-256 " + c.sha256Base64());
            });
            System.out.println("WebTransport:           " + uri + "  (origins " + origins + ")");
            System.out.println("  certificate SHA-256:  " + wt.certificate().sha256Base64() + "  (valid until "
                    + wt.certificate().notAfter() + "; served at /webtransport.json)");
            out.add(() -> wt.shutdownNow().get(10, TimeUnit.SECONDS));
        }
        if (opts.has("quic-listen")) {
            String[] hp = ProxyMain.hostAndPort(opts.get("quic-listen", null));
            QuicServerTransport q = QuicServerTransport.create(URI.create("quic://" + bracket(hp[0]) + ":" + hp[1]), base);
            URI uri = proxy.serve(q).get(10, TimeUnit.SECONDS);
            System.out.println("raw QUIC:               " + uri + "  (ALPN sockbridge; certificate SHA-256 "
                    + q.certificate().sha256Base64() + ")");
            out.add(() -> q.shutdownNow().get(10, TimeUnit.SECONDS));
        }
        return out;
    }

    private static String bracket(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private static void publish(URI uri, ServerCertificate c) {
        String url = "https://" + uri.getHost() + ":" + uri.getPort() + (uri.getPath() == null || uri.getPath().isEmpty() ? "/sockbridge" : uri.getPath());
        webTransportJson = "{\"url\":\"" + url + "\",\"certificateHashes\":[\"" + c.sha256Base64() + "\"],\"notAfter\":\""
                + c.notAfter() + "\"}";
    }
}

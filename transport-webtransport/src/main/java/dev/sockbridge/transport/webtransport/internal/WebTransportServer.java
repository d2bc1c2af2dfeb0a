package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.transport.webtransport.ServerCertificate;
import io.netty.handler.codec.http3.Http3;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A WebTransport server (HTTP/3 over QUIC, draft-02 framing as Chromium 156 speaks it) on Netty.
 *
 * <pre>
 *  UDP socket ── QUIC codec ── per connection: SETTINGS (0x8, 0x33, 0xffd277, 0x2b603742, WT max sessions)
 *                                 ├─ CONNECT :protocol webtransport, path -&gt; handler, Origin check -&gt; session
 *                                 ├─ bidi streams 0x41+id / uni streams 0x54+id -&gt; session's streams
 *                                 └─ datagrams quarter-id+payload -&gt; session's datagrams
 * </pre>
 *
 * <p>Usage:
 * <pre>{@code
 * WebTransportServer server = WebTransportServer.builder()
 *         .route("/echo", handler)
 *         .allowOrigins("http://127.0.0.1:8080")
 *         .certificateListener(c -> publish(c.sha256Base64()))
 *         .start();
 * // page: new WebTransport("https://127.0.0.1:" + port + "/echo",
 * //           {serverCertificateHashes: [{algorithm: "sha-256", value: hashBytes}]})
 * }</pre>
 *
 * <p><b>Lifecycle.</b> {@link Builder#start()} binds and serves; {@link #close()} closes every connection (its
 * sessions end with "QUIC connection closed"), the socket and the server's own event loop. Certificates:
 * by default self-signed ECDSA P-256, 13 days, renewed every 6 days without restart (new connections get the
 * new one); {@link #rotateCertificate} swaps by hand.
 *
 * <p><b>Threading.</b> Safe from any thread. One event loop serves the socket and all connections; handler
 * callbacks run there.
 *
 * <p><b>Backpressure.</b> Per stream through {@code QuicStreamChannel} writability and autoRead (QUIC flow
 * control), see {@link WebTransportSession}. Streams and datagrams that arrive for a session id that is not
 * open are held only briefly and in bounded number (until their CONNECT is answered), then dropped and counted
 * in {@link #droppedInboundStreams()} / {@link #droppedInboundDatagrams()}.
 */
public final class WebTransportServer extends AbstractQuicServer {
    private final InboundDropCounter drops;

    private WebTransportServer(QuicServerRuntime runtime, InboundDropCounter drops,
                               Consumer<ServerCertificate> certificateListener) {
        super(runtime, certificateListener);
        this.drops = drops;
    }

    public static Builder builder() {
        return new Builder();
    }

    public long droppedInboundStreams() {
        return drops.streams();
    }

    public long droppedInboundDatagrams() {
        return drops.datagrams();
    }

    /**
     * Configures a {@link WebTransportServer}. Defaults: 127.0.0.1 port 0, no routes, no origins allowed,
     * self-signed renewed certificate, 16 sessions per connection, hold-back of 16 streams / 64 datagrams for 2 s.
     *
     * <p>Threading: one thread at a time.
     */
    public static final class Builder extends AbstractQuicServer.Builder<Builder> {
        private final Map<String, WebTransportSessionHandler> routes = new LinkedHashMap<>();
        private final Set<String> origins = new HashSet<>();
        private final Set<String> hosts = new HashSet<>();
        private Predicate<String> originPredicate;
        private int maxSessionsPerConnection = 16;
        private int maxPendingStreams = 16;
        private int maxPendingDatagrams = 64;
        private Duration pendingTimeout = Duration.ofSeconds(2);

        private Builder() {
        }

        /** Sessions requested on exactly {@code path} (query ignored) go to {@code handler}; others get 404. */
        public Builder route(String path, WebTransportSessionHandler handler) {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with '/': " + path);
            }
            routes.put(path, Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /**
         * Names clients may use for this server (the CONNECT's :authority) besides IP literals and localhost; "*"
         * allows any. Others get 421, which stops DNS rebinding. A server with a certificate for a name lists it here.
         */
        public Builder allowedHosts(String... names) {
            for (String n : names) {
                hosts.add(n.toLowerCase(java.util.Locale.ROOT));
            }
            return this;
        }

        /** Origins (scheme://host[:port], as browsers send them) allowed to open sessions; others get 403. */
        public Builder allowOrigins(String... allowed) {
            origins.addAll(List.of(allowed));
            return this;
        }

        /** Additionally allows every origin the predicate accepts. A request without Origin always gets 403. */
        public Builder allowOrigins(Predicate<String> predicate) {
            originPredicate = Objects.requireNonNull(predicate, "predicate");
            return this;
        }

        public Builder maxSessionsPerConnection(int max) {
            this.maxSessionsPerConnection = max;
            return this;
        }

        /** Bounds for streams and datagrams that arrive before their session's CONNECT is accepted. */
        public Builder pendingLimits(int maxStreams, int maxDatagrams, Duration timeout) {
            this.maxPendingStreams = maxStreams;
            this.maxPendingDatagrams = maxDatagrams;
            this.pendingTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Concurrent streams the peer may open, per direction type. */
        public Builder maxStreams(long bidirectional, long unidirectional) {
            settings.quic.maxBidiStreams = bidirectional;
            settings.quic.maxUniStreams = Math.max(3, unidirectional); // HTTP/3 needs control + 2 QPACK streams
            return this;
        }

        public WebTransportServer start() throws InterruptedException {
            Set<String> allowed = Set.copyOf(origins);
            Predicate<String> extra = originPredicate;
            Predicate<String> originAllowed = o -> allowed.contains(o) || (extra != null && extra.test(o));
            WebTransportServerConfig config = new WebTransportServerConfig(routes, originAllowed,
                    maxSessionsPerConnection, maxPendingStreams, maxPendingDatagrams, pendingTimeout.toMillis(), () -> true,
                    dev.sockbridge.api.transport.AdmissionCheck.admitAll(), hosts);
            InboundDropCounter drops = new InboundDropCounter();
            QuicServerRuntime runtime = settings.start(Http3.supportedApplicationProtocols(),
                    ch -> WebTransportConnection.install(ch, config, drops), "webtransport-server");
            return new WebTransportServer(runtime, drops, settings.certificateListener);
        }
    }
}

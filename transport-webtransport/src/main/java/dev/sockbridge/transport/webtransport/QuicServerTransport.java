package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.transport.webtransport.internal.WebTransportSessionHandler;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.ServerTransportListener;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.transport.webtransport.internal.InboundDropCounter;
import dev.sockbridge.transport.webtransport.internal.QuicEventLoops;
import dev.sockbridge.transport.webtransport.internal.QuicServerRuntime;
import dev.sockbridge.transport.webtransport.internal.RawQuicSession;
import dev.sockbridge.transport.webtransport.internal.ServerSettings;
import dev.sockbridge.transport.webtransport.internal.SockbridgeSessionHandler;
import dev.sockbridge.transport.webtransport.internal.StreamSettings;
import dev.sockbridge.transport.webtransport.internal.WebTransportConnection;
import dev.sockbridge.transport.webtransport.internal.WebTransportServerConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http3.Http3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Sockbridge {@link ServerTransport} for {@code webtransport://HOST:PORT/PATH} (WebTransport over HTTP/3, for
 * browsers and this module's WebTransport client) and {@code quic://HOST:PORT} (raw QUIC with ALPN {@code sockbridge}, for
 * native clients). Made by {@link QuicTransportProvider#newServer}; options in {@link QuicTransportOptions}.
 *
 * <pre>
 *   UDP HOST:PORT ── QUIC ──┬─ webtransport: HTTP/3, CONNECT :protocol webtransport on PATH from an allowed Origin,
 *                           │                admitted by the listener (else its HTTP/3 status) = one session
 *                           └─ quic:         one connection (ALPN sockbridge), admitted by the listener (else an
 *                                            application close with its code and reason) = one session
 *   session ── main channel (the client's first bidirectional stream) = the {@link Transport} handed out
 *           ├─ more bidirectional streams (either side) = {@code streamOpened} / {@code openStream}
 *           └─ datagrams = {@code datagramReceived} / {@code sendDatagram}
 *   every stream: [u32 length][frame]..., ended by [u32 0x80000000|n][u32 code][reason] + FIN
 * </pre>
 *
 * <p><b>Certificate.</b> From {@code tlsCertFile}/{@code tlsKeyFile}, or self-signed (ECDSA P-256, 13 days,
 * renewed every 6 days without restart), which browsers accept through {@code serverCertificateHashes}:
 * {@link #certificate()} is the one in force, its {@link ServerCertificate#sha256Base64()} the value to give a
 * page; {@link #onCertificateChange} tells of renewals. The hash is also logged at start and at each renewal.
 *
 * <p><b>Lifecycle.</b> {@link #start} binds; {@link #shutdown} refuses new sessions (new WebTransport
 * sessions get HTTP 503, raw QUIC connections are closed with 1001 after their handshake) and leaves open ones
 * alone; {@link #shutdownNow} also closes every open transport and its session with 1001, gives the clients up to
 * half a second to close their connections, then closes what is left and the socket. Transports' executors
 * (shared event loops) stay usable afterwards.
 *
 * <p><b>Threading.</b> Safe from any thread. One event loop serves the socket and all of its connections; every
 * transport of this server runs its callbacks there. The loop is one of the group given to
 * {@link #create(URI, TransportOptions, EventLoopGroup)}, or else of a group shared by the JVM (daemon threads
 * {@code sockbridge-quic-server-*}, never shut down). Both are native (epoll) or NIO as
 * {@link dev.sockbridge.api.transport.EventLoops} chooses.
 *
 * <p><b>Backpressure.</b> Each transport's {@code isWritable()} turns false when more than
 * {@link TransportOptions#HIGH_WATER_MARK} bytes sent on its stream wait for QUIC's flow control, and
 * {@code setAutoRead(false)} stops reading the stream, so the client's stream window fills and QUIC stops it.
 * What a connection holds of frames received in part is bounded by
 * {@link QuicTransportOptions#MAX_REASSEMBLY_BYTES} ({@link #reassemblyBytes()} counts it).
 */
public final class QuicServerTransport implements ServerTransport {
    private static final Logger LOG = LoggerFactory.getLogger("dev.sockbridge.transport.webtransport");
    private static final long SHUTDOWN_GRACE_MS = 500;

    private final URI requested;
    private final TransportOptions options;
    private final boolean webTransport;
    private final EventLoopGroup group;
    private final Set<Transport> open = ConcurrentHashMap.newKeySet();
    private final List<Consumer<ServerCertificate>> certificateListeners = new CopyOnWriteArrayList<>();
    private volatile boolean accepting;
    private volatile QuicServerRuntime runtime;
    private volatile URI uri;
    private volatile String ownOrigin;
    private volatile InboundDropCounter drops;
    private ServerTransportListener listener;

    /**
     * A server for {@code webtransport://HOST:PORT/PATH} or {@code quic://HOST:PORT} (port 0: any), not started;
     * the same as {@code new QuicTransportProvider().newServer(uri, options)}.
     */
    public static QuicServerTransport create(URI uri, TransportOptions options) {
        return new QuicServerTransport(uri, options, null);
    }

    /**
     * {@link #create(URI, TransportOptions)} on {@code group} (null: the shared group): its UDP socket and every
     * connection run on one loop of it. The caller shuts the group down after this server.
     */
    public static QuicServerTransport create(URI uri, TransportOptions options, EventLoopGroup group) {
        return new QuicServerTransport(uri, options, group);
    }

    QuicServerTransport(URI uri, TransportOptions options, EventLoopGroup group) {
        this.requested = Objects.requireNonNull(uri, "uri");
        this.group = group;
        this.options = options == null ? TransportOptions.defaults() : options;
        this.webTransport = QuicOptionValues.isWebTransport(uri);
        QuicOptionValues.host(uri);
        if (uri.getPort() < 0) {
            throw new IllegalArgumentException("URI needs a port (0 for any): " + uri);
        }
    }

    @Override
    public synchronized CompletableFuture<URI> start(ServerTransportListener l) {
        Objects.requireNonNull(l, "listener");
        if (listener != null) {
            return CompletableFuture.failedFuture(new IllegalStateException("already started"));
        }
        listener = l;
        try {
            ServerSettings settings = new ServerSettings();
            settings.bindAddress = new InetSocketAddress(QuicOptionValues.host(requested), requested.getPort());
            settings.eventLoopGroup = group != null ? group : QuicEventLoops.server();
            QuicOptionValues.applyQuic(options, settings.quic);
            QuicOptionValues.applyServerLimits(options, settings);
            settings.certificateListener = this::certificateChanged;
            String certFile = options.get(QuicTransportOptions.TLS_CERT_FILE, null);
            String keyFile = options.get(QuicTransportOptions.TLS_KEY_FILE, null);
            if (certFile != null || keyFile != null) {
                if (certFile == null || keyFile == null) {
                    throw new IllegalArgumentException("tlsCertFile and tlsKeyFile go together");
                }
                settings.certificate = ServerCertificate.fromPem(Path.of(certFile), Path.of(keyFile));
            }
            String clientCa = options.get(QuicTransportOptions.TLS_CLIENT_CA_FILE, null);
            settings.clientCaFile = clientCa == null ? null : new java.io.File(clientCa);
            settings.anyClientCertificate = options.getBoolean(QuicTransportOptions.TLS_CLIENT_CERT_ANY, false);
            StreamSettings streams = QuicOptionValues.streamSettings(options, webTransport, true);
            // WebTransport: the CONNECT is put to the listener's admission check; raw QUIC: the connection
            SockbridgeSessionHandler handler = webTransport
                    ? SockbridgeSessionHandler.server(streams, () -> accepting, this::accepted)
                    : SockbridgeSessionHandler.rawServer(streams, () -> accepting, this::accepted, l::admit);
            accepting = true;
            String path = QuicOptionValues.path(requested);
            if (webTransport) {
                Map<String, WebTransportSessionHandler> routes = new LinkedHashMap<>();
                routes.put(path, handler);
                for (String p : QuicOptionValues.list(options, QuicTransportOptions.PATHS)) {
                    routes.put(p.startsWith("/") ? p : "/" + p, handler);
                }
                WebTransportServerConfig config = new WebTransportServerConfig(routes, originPolicy(),
                        16, 16, 64, 2_000, () -> accepting, l::admit,
                        QuicOptionValues.list(options, QuicTransportOptions.ALLOWED_HOSTS).stream()
                                .map(n -> n.toLowerCase(java.util.Locale.ROOT)).collect(java.util.stream.Collectors.toSet()));
                InboundDropCounter counter = new InboundDropCounter();
                drops = counter;
                runtime = settings.start(Http3.supportedApplicationProtocols(),
                        ch -> WebTransportConnection.install(ch, config, counter), "sockbridge-webtransport");
            } else {
                String alpn = QuicOptionValues.alpn(options);
                runtime = settings.start(new String[] {alpn}, ch -> RawQuicSession.install(ch, alpn, handler, null),
                        "sockbridge-quic");
            }
            InetSocketAddress bound = runtime.localAddress();
            String host = requested.getHost();
            ownOrigin = "https://" + host + ":" + bound.getPort();
            uri = webTransport
                    ? new URI(QuicOptionValues.WEBTRANSPORT, null, QuicOptionValues.host(requested), bound.getPort(),
                            path, null, null)
                    : new URI(QuicOptionValues.QUIC, null, QuicOptionValues.host(requested), bound.getPort(), null,
                            null, null);
            ServerCertificate cert = runtime.tls().certificate();
            LOG.info("Sockbridge " + (webTransport ? "WebTransport" : "QUIC") + " server at " + uri
                    + ", certificate sha256 (base64, for serverCertificateHashes) " + cert.sha256Base64()
                    + ", valid until " + cert.notAfter());
            writeHashFile(cert);
            return CompletableFuture.completedFuture(uri);
        } catch (Exception e) {
            accepting = false;
            return CompletableFuture.failedFuture(e instanceof InterruptedException
                    ? new IOException("interrupted while binding", e) : e);
        }
    }

    /** Decides the Origin of WebTransport CONNECTs: the allowed list, "*" for any, by default this server's own. */
    private Predicate<String> originPolicy() {
        List<String> allowed = QuicOptionValues.list(options, QuicTransportOptions.ALLOWED_ORIGINS);
        if (allowed.contains("*")) {
            return o -> true;
        }
        if (allowed.isEmpty()) {
            return o -> o.equalsIgnoreCase(ownOrigin);
        }
        Set<String> set = new LinkedHashSet<>();
        for (String a : allowed) {
            set.add(a.endsWith("/") ? a.substring(0, a.length() - 1) : a);
        }
        return set::contains;
    }

    private void accepted(Transport t) {
        open.add(t);
        t.closeFuture().whenComplete((v, e) -> open.remove(t));
        try {
            listener.transportCreated(t);
        } catch (RuntimeException | Error e) {
            LOG.warn("transportCreated threw; closing " + t, e);
            t.close(CloseCode.INTERNAL_ERROR.code(), "server error");
        }
    }

    private void certificateChanged(ServerCertificate cert) {
        LOG.info("Sockbridge " + (webTransport ? "WebTransport" : "QUIC") + " server at " + uri
                + " renewed its certificate: sha256 (base64) " + cert.sha256Base64() + ", valid until "
                + cert.notAfter());
        writeHashFile(cert);
        for (Consumer<ServerCertificate> c : certificateListeners) {
            try {
                c.accept(cert);
            } catch (RuntimeException e) {
                LOG.warn("certificate listener failed", e);
            }
        }
    }

    private void writeHashFile(ServerCertificate cert) {
        String file = options.get(QuicTransportOptions.CERTIFICATE_HASH_FILE, null);
        if (file == null) {
            return;
        }
        try {
            Path target = Path.of(file).toAbsolutePath();
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.writeString(tmp, cert.sha256Base64() + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("cannot write the certificate hash to " + file, e);
        }
    }

    @Override
    public URI uri() {
        return uri;
    }

    /** The certificate new connections get now (null before {@link #start}). */
    public ServerCertificate certificate() {
        QuicServerRuntime r = runtime;
        return r == null ? null : r.tls().certificate();
    }

    /** Tells {@code listener} of every later certificate (renewals), on an event loop thread. */
    public void onCertificateChange(Consumer<ServerCertificate> certificateListener) {
        certificateListeners.add(Objects.requireNonNull(certificateListener, "certificateListener"));
    }

    /** Replaces the certificate for new connections (open ones keep theirs) and tells the listeners. */
    public void rotateCertificate(ServerCertificate next) {
        QuicServerRuntime r = runtime;
        if (r == null) {
            throw new IllegalStateException("not started");
        }
        r.tls().replace(Objects.requireNonNull(next, "next"));
        certificateChanged(next);
    }

    /** The bound UDP address (null before {@link #start}). */
    public InetSocketAddress localAddress() {
        QuicServerRuntime r = runtime;
        return r == null ? null : r.localAddress();
    }

    /** WebTransport only: peer streams and datagrams dropped because they named no open session. */
    public long droppedInboundDatagrams() {
        InboundDropCounter d = drops;
        return d == null ? 0 : d.datagrams();
    }

    /** QUIC connections open now. */
    public int connectionCount() {
        QuicServerRuntime r = runtime;
        return r == null ? 0 : r.connectionCount();
    }

    /** Connections refused because {@link QuicTransportOptions#MAX_CONNECTIONS} were open. */
    public long refusedConnections() {
        QuicServerRuntime r = runtime;
        return r == null ? 0 : r.refusedConnections();
    }

    /** Retry packets sent for address validation ({@link QuicTransportOptions#ADDRESS_VALIDATION}). */
    public long addressValidationRetries() {
        QuicServerRuntime r = runtime;
        return r == null ? 0 : r.retries();
    }

    /**
     * Bytes held now, over all connections, in frames received only in part or not yet taken by a paused reader
     * (bounded per connection by {@link QuicTransportOptions#MAX_REASSEMBLY_BYTES}). Frames handed to a listener
     * are the listener's to count.
     */
    public long reassemblyBytes() {
        QuicServerRuntime r = runtime;
        return r == null ? 0 : r.reassemblyBytes();
    }

    /** Open transports (main channels) now. */
    public int openTransports() {
        return open.size();
    }

    /**
     * New sessions are refused from now on: WebTransport CONNECTs get 503, raw QUIC connections are closed with 1001
     * right after their handshake (a raw QUIC client's connect waits for the server's acceptance, so it fails).
     */
    private void stopAccepting() {
        accepting = false;
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        stopAccepting();
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> shutdownNow() {
        stopAccepting();
        for (Transport t : open) {
            SockbridgeSessionHandler.closeNow(t, CloseCode.GOING_AWAY.code(), "server shutting down");
        }
        QuicServerRuntime r = runtime;
        if (r == null) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.runAsync(() -> {
            // a moment for the close records and capsules to arrive and the clients to close their connections,
            // before whatever is left is cut with a bare QUIC close
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_GRACE_MS);
            while (r.connectionCount() > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            r.close();
        });
    }

    @Override
    public String toString() {
        return "QuicServerTransport{" + (uri != null ? uri : requested) + "}";
    }
}

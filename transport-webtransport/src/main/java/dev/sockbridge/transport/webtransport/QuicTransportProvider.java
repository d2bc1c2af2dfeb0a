package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.transport.webtransport.internal.AbstractQuicClient;
import dev.sockbridge.transport.webtransport.internal.RawQuicClient;
import dev.sockbridge.transport.webtransport.internal.WebTransportClient;
import dev.sockbridge.transport.webtransport.internal.WebTransportSession;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.TransportProvider;
import dev.sockbridge.transport.webtransport.internal.QuicEventLoops;
import dev.sockbridge.transport.webtransport.internal.QuicOptions;
import dev.sockbridge.transport.webtransport.internal.SockbridgeSessionHandler;
import dev.sockbridge.transport.webtransport.internal.StreamSettings;
import dev.sockbridge.api.internal.tls.Pem;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.Quic;
import io.netty.util.concurrent.Future;

import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Sockbridge over QUIC: {@code webtransport://HOST:PORT/PATH} (WebTransport over HTTP/3, what browsers speak) and
 * {@code quic://HOST:PORT} (raw QUIC with ALPN {@code sockbridge}). Both carry the session's frames on QUIC streams
 * (length-prefixed, see {@link QuicServerTransport}), offer {@code DATAGRAMS} (QUIC datagrams) and {@code STREAMS}
 * (more bidirectional streams), and read the options of {@link QuicTransportOptions}.
 *
 * <p>{@link #newServer} makes a {@link QuicServerTransport}; {@link #connect} opens a client transport (a
 * WebTransport session or a raw QUIC connection), trusting the certificate pins of {@code certificateSha256},
 * the certificates of {@code tlsTrustCertFile}, or else the JDK's CAs. Unavailable (skipped by
 * {@code Transports}) where Netty's native QUIC library does not load: the application adds
 * {@code io.netty:netty-codec-native-quic} with its platform's classifier (for example {@code linux-x86_64}).
 *
 * <p><b>Lifecycle.</b> A client transport is open once {@link #connect} completes and ends with its
 * {@code close} (or the peer's, or the QUIC connection's end); each one has a QUIC connection of its own. Servers:
 * see {@link QuicServerTransport}.
 *
 * <p><b>Backpressure.</b> As on the server: a client transport's {@code isWritable()} follows the bytes waiting for
 * QUIC's flow control on its stream ({@link dev.sockbridge.api.transport.TransportOptions#HIGH_WATER_MARK}), and
 * {@code setAutoRead(false)} stops reading it, so the server's stream window fills.
 *
 * <p><b>Event loops.</b> Without a group, servers and client transports run on groups shared by the JVM
 * ({@code sockbridge-quic-server-*} and {@code sockbridge-quic-client-*} daemon threads, never shut down); the
 * overloads that take an {@link EventLoopGroup} run on the caller's group (for example one from
 * {@link dev.sockbridge.api.transport.EventLoops#newGroup}), which the caller shuts down after closing them.
 *
 * <p><b>Threading.</b> Thread-safe. Clients (TLS context and QUIC parameters) are cached per options and group, at
 * most {@value #MAX_CLIENTS}.
 */
public final class QuicTransportProvider implements TransportProvider {
    private static final int MAX_CLIENTS = 32;
    private static final Map<List<Object>, Object> CLIENTS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Object>, Object> eldest) {
            return size() > MAX_CLIENTS;
        }
    };

    @Override
    public Set<String> schemes() {
        return Set.of(QuicOptionValues.WEBTRANSPORT, QuicOptionValues.QUIC);
    }

    @Override
    public boolean isAvailable() {
        try {
            return Quic.isAvailable();
        } catch (LinkageError e) {
            return false;
        }
    }

    @Override
    public ServerTransport newServer(URI uri, TransportOptions options) {
        return new QuicServerTransport(uri, options, null);
    }

    /** {@link #newServer(URI, TransportOptions)} on {@code group} (null: the shared group). */
    public QuicServerTransport newServer(URI uri, TransportOptions options, EventLoopGroup group) {
        return new QuicServerTransport(uri, options, group);
    }

    @Override
    public CompletableFuture<Transport> connect(URI uri, TransportOptions options) {
        return connect(uri, options, null);
    }

    /** {@link #connect(URI, TransportOptions)} on {@code group} (null: the shared group). */
    public CompletableFuture<Transport> connect(URI uri, TransportOptions options, EventLoopGroup group) {
        EventLoopGroup g = group != null ? group : QuicEventLoops.client();
        TransportOptions o = options == null ? TransportOptions.defaults() : options;
        try {
            boolean webTransport = QuicOptionValues.isWebTransport(uri);
            if (uri.getPort() <= 0) {
                throw new IllegalArgumentException("URI needs a port: " + uri);
            }
            StreamSettings settings = QuicOptionValues.streamSettings(o, webTransport, false);
            SockbridgeSessionHandler handler = SockbridgeSessionHandler.client(settings);
            Future<WebTransportSession> session;
            if (webTransport) {
                String authority = uri.getRawAuthority();
                URI https = new URI("https", authority, QuicOptionValues.path(uri), uri.getRawQuery(), null);
                String origin = o.get(QuicTransportOptions.ORIGIN, "https://" + authority);
                WebTransportClient client = (WebTransportClient) client(o, true, g);
                session = client.connect(https, origin, handler);
            } else {
                RawQuicClient client = (RawQuicClient) client(o, false, g);
                session = client.connect(new InetSocketAddress(QuicOptionValues.host(uri), uri.getPort()), handler);
            }
            CompletableFuture<Transport> result = new CompletableFuture<>();
            session.addListener(f -> {
                if (!f.isSuccess()) {
                    result.completeExceptionally(f.cause());
                    return;
                }
                WebTransportSession s = (WebTransportSession) f.getNow();
                handler.openMain(s).whenComplete((t, e) -> {
                    if (e != null) {
                        s.close(CloseCode.INTERNAL_ERROR.code(), "cannot open the main stream");
                        result.completeExceptionally(e);
                    } else if (!result.complete(t)) {
                        t.close(CloseCode.GOING_AWAY.code(), "connect abandoned");
                    }
                });
            });
            return result;
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A client for these options (TLS trust, QUIC parameters, ALPN), made once and reused: a QUIC TLS context is not
     * free to make. At most {@value #MAX_CLIENTS} are kept; one dropped from the cache stays valid for the
     * connections it made.
     */
    private static Object client(TransportOptions o, boolean webTransport, EventLoopGroup group)
            throws IOException, GeneralSecurityException {
        List<Object> key = List.of(webTransport, o.asMap(), group);
        synchronized (CLIENTS) {
            Object c = CLIENTS.get(key);
            if (c != null) {
                return c;
            }
        }
        List<byte[]> pins = QuicOptionValues.pins(o);
        TrustManagerFactory trust = pins.isEmpty() ? trust(o) : null;
        QuicOptions q = new QuicOptions();
        QuicOptionValues.applyQuic(o, q);
        Duration connectTimeout = Duration.ofMillis(o.getInt(QuicTransportOptions.CONNECT_TIMEOUT_MILLIS,
                QuicTransportOptions.DEFAULT_CONNECT_TIMEOUT_MILLIS));
        Object client = webTransport
                ? configure(WebTransportClient.builder().maxStreams(q.maxBidiStreams, q.maxUniStreams),
                        o, group, connectTimeout, q, pins, trust).build()
                : configure(RawQuicClient.builder().applicationProtocol(QuicOptionValues.alpn(o)),
                        o, group, connectTimeout, q, pins, trust).build();
        synchronized (CLIENTS) {
            Object raced = CLIENTS.putIfAbsent(key, client);
            return raced != null ? raced : client;
        }
    }

    /** What both QUIC clients take from the options: event loops, timeouts, windows, trust and client certificate. */
    private static <B extends AbstractQuicClient.Builder<B>> B configure(B b, TransportOptions o, EventLoopGroup group,
            Duration connectTimeout, QuicOptions q, List<byte[]> pins, TrustManagerFactory trust) {
        b.eventLoopGroup(group)
                .connectTimeout(connectTimeout)
                .idleTimeout(q.idleTimeout)
                .flowControlWindows(q.initialMaxData, q.initialMaxStreamData);
        pins.forEach(b::pinCertificateSha256);
        if (trust != null) {
            b.trustManager(trust);
        }
        String certFile = o.get(QuicTransportOptions.TLS_CLIENT_CERT_FILE, null);
        if (certFile != null) {
            b.clientCertificate(new java.io.File(certFile),
                    new java.io.File(o.get(QuicTransportOptions.TLS_CLIENT_KEY_FILE, certFile)));
        }
        return b;
    }

    /** The certificates of {@code tlsTrustCertFile}, or the JDK's CAs. */
    private static TrustManagerFactory trust(TransportOptions o) throws IOException, GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        String file = o.get(QuicTransportOptions.TLS_TRUST_CERT_FILE, null);
        if (file == null) {
            tmf.init((KeyStore) null);
            return tmf;
        }
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (X509Certificate c : Pem.readCertificates(Files.readString(Path.of(file), StandardCharsets.US_ASCII))) {
            ks.setCertificateEntry("trusted-" + i++, c);
        }
        tmf.init(ks);
        return tmf;
    }
}

package dev.sockbridge.transport.webtransport.internal;

import io.netty.handler.codec.http3.Http3;
import io.netty.util.concurrent.Future;

import javax.net.ssl.TrustManagerFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;

/**
 * A minimal WebTransport-over-HTTP/3 client (draft-02 framing, as {@link WebTransportServer} and Chromium 156
 * speak it), for Java programs and tests: each {@link #connect} is one QUIC connection carrying one
 * {@link WebTransportSession}, the same interface servers hand out.
 *
 * <pre>{@code
 * try (WebTransportClient client = WebTransportClient.builder()
 *         .pinCertificateSha256(server.certificate().sha256()).build()) {
 *     WebTransportSession s = client.connect(URI.create("https://127.0.0.1:4433/echo"),
 *             "https://app.example", handler).get(5, SECONDS);
 * }
 * }</pre>
 *
 * <p>What it does not do: pool sessions on one connection, negotiate newer drafts, or send anything but the
 * CONNECT on its HTTP/3 request stream.
 *
 * <p><b>Trust.</b> Certificate pins (SHA-256 of the DER leaf, like a page's {@code serverCertificateHashes}) or a
 * {@link TrustManagerFactory}; one of them is required.
 *
 * <p><b>Lifecycle.</b> A session's end closes its QUIC connection. {@link #close()} closes every connection and,
 * if the client made it, its event loop.
 *
 * <p><b>Threading, Backpressure:</b> as {@link WebTransportSession}.
 */
public final class WebTransportClient extends AbstractQuicClient {
    private WebTransportClient(Builder builder) {
        super(builder, "webtransport-client", Http3.supportedApplicationProtocols());
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens a session at {@code url} ({@code https://host:port/path}; the host must be a literal address or
     * resolvable name).
     *
     * @param origin the {@code Origin} header the server checks, or {@code null} for none
     * @return completes with the session once the server answered the CONNECT with 200 (after
     *         {@code handler.sessionOpened}); fails on any other status, a failed handshake or trust check, or the
     *         connect timeout
     */
    public Future<WebTransportSession> connect(URI url, String origin, WebTransportSessionHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (url.getHost() == null || url.getPort() < 0) {
            throw new IllegalArgumentException("need https://host:port/path, not " + url);
        }
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        InetSocketAddress server = new InetSocketAddress(url.getHost(), url.getPort());
        String authority = url.getRawAuthority();
        if (server.isUnresolved()) {
            return failed(new java.net.UnknownHostException(url.getHost()));
        }
        String p = path;
        return connect(server, Http3.newQuicClientCodecBuilder(),
                (ch, opened) -> WebTransportClientSession.install(ch, authority, p, origin, handler, opened));
    }

    /** Configures a {@link WebTransportClient}. Threading: one thread at a time. */
    public static final class Builder extends AbstractQuicClient.Builder<Builder> {
        private Builder() {
        }

        /** Concurrent streams the server may open, per direction type (at least 3 unidirectional for HTTP/3). */
        public Builder maxStreams(long bidirectional, long unidirectional) {
            options.maxBidiStreams = bidirectional;
            options.maxUniStreams = Math.max(3, unidirectional);
            return this;
        }

        public WebTransportClient build() {
            return new WebTransportClient(this);
        }
    }
}

package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.transport.TransportOptions;

/**
 * The {@link TransportOptions} keys the {@code webtransport} and {@code quic} transports read
 * ({@link QuicTransportProvider}), with their defaults. Besides these, both sides read the common keys
 * {@link TransportOptions#MAX_FRAME_SIZE} (the largest frame accepted from the peer; a larger one closes the
 * transport with 1009), {@link TransportOptions#HIGH_WATER_MARK} and {@link TransportOptions#LOW_WATER_MARK} (bytes
 * sent on a stream and not yet taken by QUIC, which drive {@code isWritable()}).
 *
 * <pre>
 *   key                      side    default                  meaning
 *   tlsCertFile, tlsKeyFile  server  -                        PEM certificate chain and PKCS#8 PEM key; without them a
 *                                                             self-signed ECDSA P-256 certificate of 13 days, renewed
 *                                                             every 6 days (what serverCertificateHashes accepts)
 *   certificateHashFile      server  -                        file that always holds the base64 SHA-256 of the current
 *                                                             certificate (for pages' serverCertificateHashes)
 *   allowedOrigins           server  https://HOST:PORT        comma-separated Origins that may open WebTransport
 *                                                             sessions ("*" = any); others get HTTP 403
 *   allowedHosts             server  -                        comma-separated names the CONNECT's :authority may use
 *                                                             besides IP literals and localhost ("*" = any); others
 *                                                             get HTTP 421 (DNS rebinding)
 *   paths                    server  the URI's path           comma-separated WebTransport paths (the URI's path, or
 *                                                             /sockbridge if it has none, always included)
 *   mainStreamTimeoutMillis  server  10000                    close a session whose client opens no main stream
 *   alpn                     both    sockbridge               raw QUIC application protocol
 *   idleTimeoutMillis        both    30000                    QUIC idle timeout (the smaller of both sides counts)
 *   closeTimeoutMillis       both    3000                     how long a closed main channel waits for the peer to end
 *                                                             the session before ending it itself
 *   streamWindow             both    4194304                  QUIC flow-control window per stream (bytes)
 *   connectionWindow         both    16777216                 QUIC flow-control window per connection (bytes)
 *   maxStreams               both    256                      concurrent bidirectional streams the peer may open
 *                                                             (QUIC stream credit: the peer cannot open more; its
 *                                                             openStream fails until one of them has closed)
 *   maxUniStreams            both    16                       concurrent unidirectional streams the peer may open (at
 *                                                             least 3: HTTP/3 needs its control and QPACK streams)
 *   addressValidation        server  true                     answer a client's first packet with a Retry and accept
 *                                                             only the HMAC token it carries back (RFC 9000 8.1), so no
 *                                                             handshake is spent on a spoofed address
 *   maxConnections           server  1024                     QUIC connections at once; more are closed at their first
 *                                                             packet with the transport error CONNECTION_REFUSED
 *   maxReassemblyBytes       server  16777216                 per connection: bytes of frames received only in part (or
 *                                                             not yet taken by a paused reader), over all its streams;
 *                                                             a stream whose data would exceed it is closed with 1008.
 *                                                             Each stream holds at most one partial frame (maxFrameSize)
 *   certificateSha256        client  -                        comma-separated SHA-256 pins of the server certificate
 *                                                             (base64 or hex), like serverCertificateHashes
 *   tlsTrustCertFile         client  -                        PEM certificates to trust (default: the JDK's CAs)
 *   origin                   client  https://HOST:PORT        Origin header sent with the WebTransport CONNECT
 *   connectTimeoutMillis     client  10000                    QUIC handshake (and CONNECT) time limit
 *   keepAliveMillis          client  10000                    an empty datagram this often keeps an idle connection
 *                                                             open; 0 = off
 * </pre>
 */
public final class QuicTransportOptions {
    private QuicTransportOptions() {
    }

    public static final String TLS_CERT_FILE = "tlsCertFile";
    public static final String TLS_KEY_FILE = "tlsKeyFile";
    public static final String CERTIFICATE_HASH_FILE = "certificateHashFile";
    public static final String ALLOWED_ORIGINS = "allowedOrigins";
    /** Names a WebTransport CONNECT's :authority may carry besides IP literals and localhost; see the table. */
    public static final String ALLOWED_HOSTS = "allowedHosts";
    public static final String PATHS = "paths";
    public static final String MAIN_STREAM_TIMEOUT_MILLIS = "mainStreamTimeoutMillis";
    public static final String ALPN = "alpn";
    public static final String IDLE_TIMEOUT_MILLIS = "idleTimeoutMillis";
    public static final String CLOSE_TIMEOUT_MILLIS = "closeTimeoutMillis";
    public static final String STREAM_WINDOW = "streamWindow";
    public static final String CONNECTION_WINDOW = "connectionWindow";
    public static final String MAX_STREAMS = "maxStreams";
    public static final String MAX_UNI_STREAMS = "maxUniStreams";
    public static final String ADDRESS_VALIDATION = "addressValidation";
    public static final String MAX_CONNECTIONS = "maxConnections";
    public static final String MAX_REASSEMBLY_BYTES = "maxReassemblyBytes";
    public static final String CERTIFICATE_SHA256 = "certificateSha256";
    public static final String TLS_TRUST_CERT_FILE = "tlsTrustCertFile";
    /**
     * Server: ask clients for a TLS certificate and accept those that chain to a CA in this PEM file.
     * Optional for the client (browsers without one still connect); the proxy's authenticator decides.
     */
    public static final String TLS_CLIENT_CA_FILE = "tlsClientCaFile";
    /**
     * Server: ask clients for any TLS certificate (still optional) and leave deciding on it to the
     * admission check, e.g. certificates pinned by fingerprint. Unsafe without such a check.
     */
    public static final String TLS_CLIENT_CERT_ANY = "tlsClientCertAny";
    /** Client: present this PEM certificate chain (with {@link #TLS_CLIENT_KEY_FILE}, PKCS#8) when asked. */
    public static final String TLS_CLIENT_CERT_FILE = "tlsClientCertFile";
    public static final String TLS_CLIENT_KEY_FILE = "tlsClientKeyFile";
    public static final String ORIGIN = "origin";
    public static final String CONNECT_TIMEOUT_MILLIS = "connectTimeoutMillis";
    public static final String KEEP_ALIVE_MILLIS = "keepAliveMillis";

    /** The WebTransport path served when the URI names none. */
    public static final String DEFAULT_PATH = "/sockbridge";
    public static final int DEFAULT_IDLE_TIMEOUT_MILLIS = 30_000;
    public static final int DEFAULT_CLOSE_TIMEOUT_MILLIS = 3_000;
    public static final int DEFAULT_MAIN_STREAM_TIMEOUT_MILLIS = 10_000;
    public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 10_000;
    public static final int DEFAULT_KEEP_ALIVE_MILLIS = 10_000;
    public static final int DEFAULT_STREAM_WINDOW = 4 << 20;
    public static final int DEFAULT_CONNECTION_WINDOW = 16 << 20;
    public static final int DEFAULT_MAX_STREAMS = 256;
    public static final int DEFAULT_MAX_UNI_STREAMS = 16;
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    public static final int DEFAULT_MAX_REASSEMBLY_BYTES = 16 << 20;
}

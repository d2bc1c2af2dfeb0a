package dev.sockbridge.transport.websocket;

import dev.sockbridge.api.transport.TransportOptions;

/**
 * The {@link TransportOptions} keys the WebSocket transport reads, with their defaults. Besides these,
 * both sides read the common keys {@link TransportOptions#MAX_FRAME_SIZE} (the largest message
 * accepted, after reassembly of fragments; larger ones close the connection with 1009),
 * {@link TransportOptions#HIGH_WATER_MARK} and {@link TransportOptions#LOW_WATER_MARK} (the channel's
 * {@code WriteBufferWaterMark}, which drives {@code isWritable()}).
 *
 * <pre>
 *   key                        side     default       meaning
 *   tlsCertFile, tlsKeyFile    server   -             PEM certificate chain and PKCS#8 PEM key for wss
 *   tlsKeyPassword             server   -             password of an encrypted PKCS#8 key
 *   tlsSelfSigned              server   false         wss with a certificate made at start (development only)
 *   tlsSelfSignedHosts         server   localhost,127.0.0.1,::1 (+ the bind host)  names it is made for
 *   tlsSelfSignedCertOut       server   -             file the made certificate is written to (PEM)
 *   pingIntervalMillis         both     30000 / 0     server / client ping period; 0 = no pings
 *   idleTimeoutMillis          both     120000 / 0    close 1001 "idle timeout" after this long with nothing read
 *   closeTimeoutMillis         both     3000          how long a close waits for the peer's close frame
 *   handshakeTimeoutMillis     both     10000         how long the HTTP upgrade may take
 *   allowedOrigins             server   -             comma-separated Origins allowed besides the server's own
 *                                                    (pages it served) and none (native clients); others get
 *                                                    HTTP 403; "*" allows any (an open door for every web page)
 *   allowedHosts               server   -             comma-separated names the Host header may carry besides IP
 *                                                    literals and localhost; others get HTTP 421 (DNS
 *                                                    rebinding); "*" allows any
 *   tlsTrustCertFile           client   -             PEM certificate(s) to trust instead of the JDK's CAs
 *   tlsInsecureTrustAll        client   false         trust any certificate, any host: UNSAFE, tests only
 *   origin                     client   -             Origin header to send (none by default)
 *   connectTimeoutMillis       client   10000         TCP connect timeout
 *   nativeTransport            both     true          shared group: native (epoll) where EventLoops finds it, else NIO
 * </pre>
 */
public final class WebSocketOptions {
    private WebSocketOptions() {
    }

    /** The subprotocol of Sockbridge over WebSocket, version included. */
    public static final String SUBPROTOCOL = "sockbridge.v1";

    public static final String TLS_CERT_FILE = "tlsCertFile";
    public static final String TLS_KEY_FILE = "tlsKeyFile";
    public static final String TLS_KEY_PASSWORD = "tlsKeyPassword";
    public static final String TLS_SELF_SIGNED = "tlsSelfSigned";
    public static final String TLS_SELF_SIGNED_HOSTS = "tlsSelfSignedHosts";
    public static final String TLS_SELF_SIGNED_CERT_OUT = "tlsSelfSignedCertOut";
    public static final String PING_INTERVAL_MILLIS = "pingIntervalMillis";
    public static final String IDLE_TIMEOUT_MILLIS = "idleTimeoutMillis";
    public static final String CLOSE_TIMEOUT_MILLIS = "closeTimeoutMillis";
    public static final String HANDSHAKE_TIMEOUT_MILLIS = "handshakeTimeoutMillis";
    public static final String ALLOWED_ORIGINS = "allowedOrigins";
    public static final String ALLOWED_HOSTS = "allowedHosts";
    public static final String TLS_TRUST_CERT_FILE = "tlsTrustCertFile";
    /**
     * Server: ask wss clients for a certificate and accept those that chain to a CA in this PEM file.
     * Optional for the client (browsers without one still connect); the proxy's authenticator decides.
     */
    public static final String TLS_CLIENT_CA_FILE = "tlsClientCaFile";
    /**
     * Server: ask wss clients for any certificate (still optional) and leave deciding on it to the
     * admission check, e.g. certificates pinned by fingerprint. Unsafe without such a check.
     */
    public static final String TLS_CLIENT_CERT_ANY = "tlsClientCertAny";
    /** Client: present this PEM certificate chain (with {@link #TLS_CLIENT_KEY_FILE}, PKCS#8) when asked. */
    public static final String TLS_CLIENT_CERT_FILE = "tlsClientCertFile";
    public static final String TLS_CLIENT_KEY_FILE = "tlsClientKeyFile";
    /** Trusts every certificate for every host. Unsafe: for tests against a self-signed server only. */
    public static final String TLS_INSECURE_TRUST_ALL = "tlsInsecureTrustAll";
    public static final String ORIGIN = "origin";
    public static final String CONNECT_TIMEOUT_MILLIS = "connectTimeoutMillis";
    public static final String NATIVE_TRANSPORT = "nativeTransport";

    public static final int DEFAULT_SERVER_PING_INTERVAL_MILLIS = 30_000;
    public static final int DEFAULT_SERVER_IDLE_TIMEOUT_MILLIS = 120_000;
    public static final int DEFAULT_CLOSE_TIMEOUT_MILLIS = 3_000;
    public static final int DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 10_000;
}

package dev.sockbridge.transport.websocket.internal;

import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_CERT_FILE;
import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_CLIENT_CA_FILE;
import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_CLIENT_CERT_ANY;
import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_CLIENT_CERT_FILE;
import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_CLIENT_KEY_FILE;
import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_INSECURE_TRUST_ALL;
import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_KEY_FILE;
import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_KEY_PASSWORD;
import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_SELF_SIGNED;
import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_SELF_SIGNED_CERT_OUT;
import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_SELF_SIGNED_HOSTS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.TLS_TRUST_CERT_FILE;

import dev.sockbridge.api.transport.TransportOptions;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Builds the TLS contexts of the WebSocket transport from its options. */
public final class TlsContexts {
    private TlsContexts() {
    }

    /** How long a self-signed development certificate is valid. */
    static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(14);

    /** A server context and the certificate it presents. */
    public record ServerTls(SslContext context, X509Certificate certificate) {
    }

    /**
     * The server's context: from PEM files ({@code tlsCertFile}, {@code tlsKeyFile}, a PKCS#8 key) or,
     * with {@code tlsSelfSigned=true}, from a certificate made now.
     */
    public static ServerTls server(TransportOptions o, String bindHost) throws Exception {
        String cert = o.get(TLS_CERT_FILE, null);
        String key = o.get(TLS_KEY_FILE, null);
        if (cert != null || key != null) {
            if (cert == null || key == null) {
                throw new IllegalArgumentException("wss needs both " + TLS_CERT_FILE + " and " + TLS_KEY_FILE);
            }
            SslContext ctx = clientAuth(SslContextBuilder.forServer(new File(cert), new File(key), o.get(TLS_KEY_PASSWORD, null)), o).build();
            X509Certificate leaf;
            try (InputStream in = Files.newInputStream(Path.of(cert))) {
                leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            return new ServerTls(ctx, leaf);
        }
        if (o.getBoolean(TLS_SELF_SIGNED, false)) {
            String hostsOpt = o.get(TLS_SELF_SIGNED_HOSTS, null);
            List<String> hosts = hostsOpt == null
                    ? SelfSignedCertificate.defaultHosts(bindHost)
                    : Arrays.stream(hostsOpt.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toList());
            SelfSignedCertificate ss = SelfSignedCertificate.generate(hosts, SELF_SIGNED_VALIDITY);
            String out = o.get(TLS_SELF_SIGNED_CERT_OUT, null);
            if (out != null) {
                ss.writeCertificate(Path.of(out));
            }
            return new ServerTls(clientAuth(SslContextBuilder.forServer(ss.key(), ss.certificate()), o).build(), ss.certificate());
        }
        throw new IllegalArgumentException("wss needs " + TLS_CERT_FILE + " and " + TLS_KEY_FILE
                + " (PEM), or " + TLS_SELF_SIGNED + "=true for development");
    }

    /**
     * With {@code tlsClientCaFile}: asks for (does not require) a client certificate issued by those CAs;
     * with {@code tlsClientCertAny}: for any, which the admission check then decides on.
     */
    private static SslContextBuilder clientAuth(SslContextBuilder b, TransportOptions o) {
        if (o.getBoolean(TLS_CLIENT_CERT_ANY, false)) {
            return b.trustManager(InsecureTrustManagerFactory.INSTANCE).clientAuth(ClientAuth.OPTIONAL);
        }
        String ca = o.get(TLS_CLIENT_CA_FILE, null);
        return ca == null ? b : b.trustManager(new File(ca)).clientAuth(ClientAuth.OPTIONAL);
    }

    /**
     * The client's context: the JDK's trusted CAs, or only the certificates in {@code tlsTrustCertFile},
     * with host name verification; or, with {@code tlsInsecureTrustAll=true}, anything (unsafe).
     */
    public static SslContext client(TransportOptions o) throws Exception {
        SslContextBuilder b = SslContextBuilder.forClient();
        if (o.getBoolean(TLS_INSECURE_TRUST_ALL, false)) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            String trust = o.get(TLS_TRUST_CERT_FILE, null);
            if (trust != null) {
                b.trustManager(new File(trust));
            }
            b.endpointIdentificationAlgorithm("HTTPS");
        }
        String clientCert = o.get(TLS_CLIENT_CERT_FILE, null);
        if (clientCert != null) {
            b.keyManager(new File(clientCert), new File(o.get(TLS_CLIENT_KEY_FILE, clientCert)));
        }
        return b.build();
    }
}

package dev.sockbridge.proxy.auth;

import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.proxy.AuthenticationException;
import dev.sockbridge.proxy.SessionGrant;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * mTLS for native clients: admits a session whose TLS client certificate (as the transport reports
 * it in {@link ConnectRequest#peerCertificates()}) either has a pinned SHA-256 fingerprint or
 * chains to one of the configured CA certificates (PKIX, no revocation check), and is within its
 * validity period. The grant is the configured one (policy and limits; null for the proxy's own),
 * with the leaf's subject as the session's subject.
 *
 * <p>The TLS layer must ask for the certificate ({@code WebSocketOptions.TLS_CLIENT_CA_FILE},
 * {@code QuicTransportOptions.TLS_CLIENT_CA_FILE}); it checks the chain too, and this check repeats
 * it so that a transport configured to accept any certificate still admits only trusted ones.
 * Thread-safe; validation runs on the calling event loop (a short chain is cheap).
 */
public final class ClientCertificateAuthenticator implements CredentialAuthenticator {
    private final Set<TrustAnchor> anchors;
    private final Set<String> pins;
    private final SocketPolicy policy;
    private final SessionLimits limits;
    private final Clock clock;

    private ClientCertificateAuthenticator(Builder b) {
        Set<TrustAnchor> a = new HashSet<>();
        for (X509Certificate c : b.cas) {
            a.add(new TrustAnchor(c, null));
        }
        anchors = Set.copyOf(a);
        pins = Set.copyOf(b.pins);
        policy = b.policy;
        limits = b.limits;
        clock = b.clock;
        if (anchors.isEmpty() && pins.isEmpty()) {
            throw new IllegalArgumentException("a client certificate check needs a CA or a pinned fingerprint");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Certificates from a PEM file (one or more {@code CERTIFICATE} blocks). */
    public static List<X509Certificate> readCertificates(Path pem) throws IOException {
        try {
            Collection<? extends java.security.cert.Certificate> cs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)));
            List<X509Certificate> out = new ArrayList<>();
            for (java.security.cert.Certificate c : cs) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(pem + ": no certificate");
            }
            return out;
        } catch (CertificateException e) {
            throw new IllegalArgumentException(pem + ": not a PEM certificate file", e);
        }
    }

    /** The lowercase hex SHA-256 of a certificate's DER encoding (what pins name). */
    public static String fingerprint(X509Certificate c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean recognises(ConnectRequest request) {
        return !request.peerCertificates().isEmpty();
    }

    @Override
    public CompletionStage<SessionGrant> authenticate(ConnectRequest request) {
        List<X509Certificate> chain = request.peerCertificates();
        if (chain.isEmpty()) {
            return CompletableFuture.failedFuture(new AuthenticationException(401, "client certificate required"));
        }
        X509Certificate leaf = chain.get(0);
        Date now = Date.from(clock.instant());
        try {
            leaf.checkValidity(now);
        } catch (CertificateException e) {
            return CompletableFuture.failedFuture(new AuthenticationException(401, "client certificate expired or not yet valid"));
        }
        if (!pins.contains(fingerprint(leaf)) && !chainsToCa(chain, now)) {
            return CompletableFuture.failedFuture(new AuthenticationException(401, "client certificate not trusted"));
        }
        return CompletableFuture.completedFuture(
                new SessionGrant(leaf.getSubjectX500Principal().getName(), policy, limits, null));
    }

    private boolean chainsToCa(List<X509Certificate> chain, Date now) {
        if (anchors.isEmpty()) {
            return false;
        }
        List<X509Certificate> path = new ArrayList<>(chain);
        // a client that sends its CA too: the anchor is not part of the path to validate
        path.removeIf(c -> anchors.stream().anyMatch(a -> a.getTrustedCert().equals(c)));
        if (path.isEmpty()) {
            return false; // presenting a CA certificate itself is not a client identity
        }
        try {
            PKIXParameters p = new PKIXParameters(anchors);
            p.setRevocationEnabled(false);
            p.setDate(now);
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), p);
            return true;
        } catch (CertPathValidatorException | CertificateException e) {
            return false;
        } catch (InvalidAlgorithmParameterException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Not thread-safe. */
    public static final class Builder {
        private final List<X509Certificate> cas = new ArrayList<>();
        private final Set<String> pins = new HashSet<>();
        private SocketPolicy policy;
        private SessionLimits limits;
        private Clock clock = Clock.systemUTC();

        /** Trusts client certificates issued (directly or through intermediates the client sends) by this CA. */
        public Builder trustCa(X509Certificate ca) {
            cas.add(Objects.requireNonNull(ca));
            return this;
        }

        public Builder trustCas(Collection<X509Certificate> all) {
            all.forEach(this::trustCa);
            return this;
        }

        /** Admits the certificate with this SHA-256 fingerprint (hex, colons and case ignored). */
        public Builder pinSha256(String hex) {
            String h = hex.replace(":", "").strip().toLowerCase(Locale.ROOT);
            if (!h.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("a SHA-256 fingerprint is 64 hex digits: " + hex);
            }
            pins.add(h);
            return this;
        }

        /** The admitted sessions' own policy (narrowing the proxy's); default none (the proxy's alone). */
        public Builder policy(SocketPolicy p) {
            policy = p;
            return this;
        }

        public Builder limits(SessionLimits l) {
            limits = l;
            return this;
        }

        public Builder clock(Clock c) {
            clock = Objects.requireNonNull(c);
            return this;
        }

        public ClientCertificateAuthenticator build() {
            return new ClientCertificateAuthenticator(this);
        }
    }
}

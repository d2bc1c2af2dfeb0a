package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.internal.tls.Pem;
import dev.sockbridge.api.internal.tls.SelfSignedCertificate;
import dev.sockbridge.api.internal.tls.SelfSignedCertificateGenerator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A server's TLS identity: private key, certificate chain (leaf first) and the SHA-256 hash of the leaf's DER
 * encoding, which a browser page passes as {@code serverCertificateHashes: [{algorithm: "sha-256", value}]}.
 *
 * <p>For {@code serverCertificateHashes} Chromium requires an ECDSA certificate valid for at most 14 days;
 * {@link #selfSigned()} makes one (P-256, 13 days, SANs localhost/127.0.0.1/::1). A CA-issued certificate
 * loaded with {@link #fromPem(Path, Path)} needs no hash at all.
 *
 * <p>Lifecycle: immutable. A server swaps to a new instance with
 * {@link QuicServerTransport#rotateCertificate}; its self-signed ones are renewed that way.
 *
 * <p>Threading: safe from any thread.
 */
public final class ServerCertificate {
    private final PrivateKey privateKey;
    private final List<X509Certificate> chain;
    private final byte[] sha256;

    private ServerCertificate(PrivateKey privateKey, List<X509Certificate> chain) {
        this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
        this.chain = List.copyOf(chain);
        if (this.chain.isEmpty()) {
            throw new IllegalArgumentException("certificate chain is empty");
        }
        this.sha256 = Pem.sha256(this.chain.get(0));
    }

    /** A new self-signed ECDSA P-256 certificate for the loopback names, valid for 13 days. */
    public static ServerCertificate selfSigned() {
        return selfSigned(SelfSignedCertificateGenerator.DEFAULT_VALIDITY);
    }

    /**
     * A new self-signed ECDSA P-256 certificate for the loopback names.
     *
     * @param validity at most 14 days
     */
    public static ServerCertificate selfSigned(Duration validity) {
        SelfSignedCertificate generated = SelfSignedCertificateGenerator.loopback(validity).generate();
        return new ServerCertificate(generated.privateKey(), List.of(generated.certificate()));
    }

    public static ServerCertificate of(PrivateKey privateKey, List<X509Certificate> chain) {
        return new ServerCertificate(privateKey, chain);
    }

    /**
     * Loads a PEM certificate chain and an unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}) key, e.g. from
     * {@code openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 13 ...}.
     */
    public static ServerCertificate fromPem(Path certificateChain, Path privateKey)
            throws IOException, GeneralSecurityException {
        return new ServerCertificate(
                Pem.readPrivateKey(Files.readString(privateKey, StandardCharsets.US_ASCII)),
                Pem.readCertificates(Files.readString(certificateChain, StandardCharsets.US_ASCII)));
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** Leaf first. */
    public List<X509Certificate> chain() {
        return chain;
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** SHA-256 of the leaf certificate's DER encoding (a copy). */
    public byte[] sha256() {
        return sha256.clone();
    }

    public String sha256Hex() {
        return Pem.hex(sha256);
    }

    /** For {@code Uint8Array.from(atob(value), c => c.charCodeAt(0))} in a page. */
    public String sha256Base64() {
        return Pem.base64(sha256);
    }

    public Instant notBefore() {
        return certificate().getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }

    /** The chain as PEM text. */
    public String certificatePem() {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : chain) {
            sb.append(Pem.certificate(c));
        }
        return sb.toString();
    }

    /** The key as PKCS#8 PEM text ({@code BEGIN PRIVATE KEY}). */
    public String privateKeyPem() {
        return Pem.privateKey(privateKey);
    }

    @Override
    public String toString() {
        return "ServerCertificate{subject=" + certificate().getSubjectX500Principal().getName()
                + ", notAfter=" + notAfter() + ", sha256=" + sha256Hex() + "}";
    }
}

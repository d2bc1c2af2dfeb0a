package dev.sockbridge.api.internal.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/**
 * A generated key and certificate with their PEM texts and the SHA-256 hash of the DER certificate.
 *
 * @param privateKey  the EC private key (PKCS#8 encodable)
 * @param certificate the self-signed certificate
 */
public record SelfSignedCertificate(PrivateKey privateKey, X509Certificate certificate) {
    public SelfSignedCertificate {
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(certificate, "certificate");
    }

    public String certificatePem() {
        return Pem.certificate(certificate);
    }

    /** {@code BEGIN PRIVATE KEY} (PKCS#8). */
    public String privateKeyPem() {
        return Pem.privateKey(privateKey);
    }

    /** SHA-256 of the DER certificate, for {@code serverCertificateHashes}. */
    public byte[] sha256() {
        return Pem.sha256(certificate);
    }

    public String sha256Hex() {
        return Pem.hex(sha256());
    }

    public String sha256Base64() {
        return Pem.base64(sha256());
    }

    public Instant notBefore() {
        return certificate.getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }
}

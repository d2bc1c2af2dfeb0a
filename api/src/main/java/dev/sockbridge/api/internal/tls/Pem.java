package dev.sockbridge.api.internal.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM text for certificates and PKCS#8 private keys, and the SHA-256 certificate hash that WebTransport's
 * {@code serverCertificateHashes} expects (the hash of the DER certificate, not of the PEM text).
 *
 * <p>Only {@code BEGIN CERTIFICATE} and {@code BEGIN PRIVATE KEY} (PKCS#8, the OpenSSL 3 default) are read;
 * SEC1 {@code BEGIN EC PRIVATE KEY} and encrypted keys are rejected with a message naming the conversion.
 *
 * <p>Threading: stateless, safe from any thread.
 */
public final class Pem {
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private Pem() {
    }

    public static String encode(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    public static String certificate(X509Certificate certificate) {
        try {
            return encode("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateException e) {
            throw new IllegalStateException("certificate cannot be encoded", e);
        }
    }

    public static String privateKey(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("private key is not PKCS#8 encodable: " + key.getFormat());
        }
        return encode("PRIVATE KEY", key.getEncoded());
    }

    /** Every certificate in the text, in order (leaf first by convention). */
    public static List<X509Certificate> readCertificates(String pem) throws CertificateException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (Certificate c : factory.generateCertificates(
                new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            out.add((X509Certificate) c);
        }
        if (out.isEmpty()) {
            throw new CertificateException("no certificate in PEM text");
        }
        return out;
    }

    /** The first PKCS#8 key in the text; EC, RSA and Ed25519 are tried in turn. */
    public static PrivateKey readPrivateKey(String pem) throws GeneralSecurityException {
        Matcher m = PKCS8.matcher(pem);
        if (!m.find()) {
            if (pem.contains("BEGIN EC PRIVATE KEY") || pem.contains("BEGIN RSA PRIVATE KEY")) {
                throw new InvalidKeySpecException("key is in a traditional (SEC1/PKCS#1) format; convert it with "
                        + "'openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem'");
            }
            throw new InvalidKeySpecException("no unencrypted 'BEGIN PRIVATE KEY' (PKCS#8) block in PEM text");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new InvalidKeySpecException("PKCS#8 key is neither EC, RSA nor Ed25519", last);
    }

    /** SHA-256 of the DER encoding: the value for {@code serverCertificateHashes}. */
    public static byte[] sha256(X509Certificate certificate) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    public static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}

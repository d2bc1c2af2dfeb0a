package dev.sockbridge.transport.websocket.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A self-signed X.509 certificate made with nothing but {@code java.security} and {@link Der}:
 * an ECDSA P-256 key, SHA-256 signature, the given host names and IP addresses as subjectAltNames,
 * key usage digitalSignature and extended key usage serverAuth. For development servers only: no
 * client trusts it unless told to.
 *
 * <pre>
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 * TBSCertificate ::= SEQUENCE { [0] version v3, serialNumber, signature, issuer, validity,
 *                               subject, subjectPublicKeyInfo, [3] extensions }
 * </pre>
 */
public final class SelfSignedCertificate {
    private final PrivateKey key;
    private final X509Certificate certificate;

    private SelfSignedCertificate(PrivateKey key, X509Certificate certificate) {
        this.key = key;
        this.certificate = certificate;
    }

    public PrivateKey key() {
        return key;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    @Override
    public String toString() {
        // never the key
        return "SelfSignedCertificate[" + certificate.getSubjectX500Principal() + ", until " + certificate.getNotAfter() + "]";
    }

    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    private static final String COMMON_NAME = "2.5.4.3";
    private static final String SUBJECT_ALT_NAME = "2.5.29.17";
    private static final String BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String KEY_USAGE = "2.5.29.15";
    private static final String EXT_KEY_USAGE = "2.5.29.37";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    /** Makes a certificate for {@code hosts} (names or IP literals) valid from an hour ago for {@code validity}. */
    public static SelfSignedCertificate generate(List<String> hosts, Duration validity) throws GeneralSecurityException {
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("a certificate needs at least one host");
        }
        SecureRandom random = new SecureRandom();
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"), random);
        KeyPair kp = kpg.generateKeyPair();

        byte[] serial = new byte[16];
        random.nextBytes(serial);
        serial[0] &= 0x7f;
        serial[0] |= 0x01; // positive and non-zero
        Instant now = Instant.now();
        byte[] algorithm = Der.sequence(Der.oid(ECDSA_WITH_SHA256));
        byte[] name = Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8(hosts.get(0)))));

        byte[] tbs = Der.sequence(
                Der.explicit(0, Der.integer(2)),
                Der.integer(new BigInteger(serial)),
                algorithm,
                name,
                Der.sequence(Der.time(now.minus(Duration.ofHours(1))), Der.time(now.plus(validity))),
                name,
                kp.getPublic().getEncoded(),
                Der.explicit(3, Der.sequence(
                        extension(BASIC_CONSTRAINTS, true, Der.sequence()),
                        extension(KEY_USAGE, true, Der.bitString(new byte[] {(byte) 0x80}, 7)),
                        extension(EXT_KEY_USAGE, false, Der.sequence(Der.oid(SERVER_AUTH))),
                        extension(SUBJECT_ALT_NAME, false, subjectAltNames(hosts)))));

        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(kp.getPrivate(), random);
        signer.update(tbs);
        byte[] der = Der.sequence(tbs, algorithm, Der.bitString(signer.sign(), 0));

        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
        cert.verify(kp.getPublic());
        return new SelfSignedCertificate(kp.getPrivate(), cert);
    }

    /** The default names: localhost and the loopback addresses, plus {@code bindHost} if given. */
    public static List<String> defaultHosts(String bindHost) {
        Set<String> hosts = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        if (bindHost != null && !bindHost.isBlank() && !bindHost.equals("0.0.0.0") && !bindHost.equals("::")) {
            hosts.add(bindHost);
        }
        return new ArrayList<>(hosts);
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
                : Der.sequence(Der.oid(oid), Der.octetString(value));
    }

    private static byte[] subjectAltNames(List<String> hosts) throws GeneralSecurityException {
        List<byte[]> names = new ArrayList<>();
        for (String h : hosts) {
            String host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
            if (isIpLiteral(host)) {
                try {
                    // a literal: no lookup happens
                    names.add(Der.implicitPrimitive(7, InetAddress.getByName(host).getAddress()));
                } catch (IOException e) {
                    throw new GeneralSecurityException("bad IP address " + host, e);
                }
            } else {
                names.add(Der.implicitPrimitive(2, host.getBytes(StandardCharsets.US_ASCII)));
            }
        }
        return Der.sequence(names.toArray(new byte[0][]));
    }

    static boolean isIpLiteral(String host) {
        return host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    /** The certificate as PEM text. */
    public String certificatePem() {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private key as unencrypted PKCS#8 PEM text. */
    public String keyPem() {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    /** Writes the certificate as PEM to {@code file}, for clients to trust. */
    public void writeCertificate(Path file) throws IOException {
        Files.writeString(file, certificatePem(), StandardCharsets.US_ASCII);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}

package dev.sockbridge.api.internal.tls;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Makes short-lived self-signed ECDSA P-256 server certificates that browsers accept through WebTransport's
 * {@code serverCertificateHashes}: validity at most 14 days (Chromium rejects 15), ECDSA (RSA is rejected),
 * with SANs {@code localhost}, {@code 127.0.0.1} and {@code ::1} by default.
 *
 * <p>Built only on {@code java.security} ({@code KeyPairGenerator("EC")}, {@code Signature("SHA256withECDSA")})
 * and a small DER writer: no BouncyCastle, no {@code sun.*}. The result is parsed back with the JDK's
 * {@link CertificateFactory}, so a malformed encoding fails here and not in a TLS handshake.
 *
 * <p>The certificate starts one minute in the past (clock skew between hosts) and the whole
 * notBefore..notAfter span equals the requested validity, which is what Chromium measures.
 *
 * <p>Threading: immutable, safe from any thread. Generation takes a few milliseconds (key generation and one
 * signature).
 */
public final class SelfSignedCertificateGenerator {
    /** Chromium's limit for {@code serverCertificateHashes} certificates. */
    public static final Duration MAX_VALIDITY = Duration.ofDays(14);
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(13);
    static final Duration BACKDATE = Duration.ofMinutes(1);

    private static final String OID_EC_PUBLIC_KEY_WITH_SHA256 = "1.2.840.10045.4.3.2"; // ecdsa-with-SHA256
    private static final String OID_COMMON_NAME = "2.5.4.3";
    private static final String OID_SUBJECT_ALT_NAME = "2.5.29.17";
    private static final String OID_BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String OID_KEY_USAGE = "2.5.29.15";
    private static final String OID_EXT_KEY_USAGE = "2.5.29.37";
    private static final String OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    private final Duration validity;
    private final String commonName;
    private final List<String> dnsNames;
    private final List<InetAddress> ipAddresses;
    private final Clock clock;
    private final SecureRandom random;

    private SelfSignedCertificateGenerator(Duration validity, String commonName, List<String> dnsNames,
                                           List<InetAddress> ipAddresses, Clock clock, SecureRandom random) {
        if (validity.isNegative() || validity.isZero() || validity.compareTo(MAX_VALIDITY) > 0) {
            throw new IllegalArgumentException("validity must be in (0, 14 days] for serverCertificateHashes: "
                    + validity);
        }
        this.validity = validity;
        this.commonName = Objects.requireNonNull(commonName, "commonName");
        this.dnsNames = List.copyOf(dnsNames);
        this.ipAddresses = List.copyOf(ipAddresses);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Loopback names only: {@code localhost}, {@code 127.0.0.1}, {@code ::1}; 13 days. */
    public static SelfSignedCertificateGenerator loopback() {
        return loopback(DEFAULT_VALIDITY);
    }

    public static SelfSignedCertificateGenerator loopback(Duration validity) {
        try {
            return new SelfSignedCertificateGenerator(validity, "sockbridge localhost", List.of("localhost"),
                    List.of(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}),
                            InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})),
                    Clock.systemUTC(), new SecureRandom());
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // literal addresses never resolve
        }
    }

    public SelfSignedCertificateGenerator withValidity(Duration newValidity) {
        return new SelfSignedCertificateGenerator(newValidity, commonName, dnsNames, ipAddresses, clock, random);
    }

    public SelfSignedCertificateGenerator withNames(String newCommonName, List<String> newDnsNames,
                                                    List<InetAddress> newIpAddresses) {
        return new SelfSignedCertificateGenerator(validity, newCommonName, newDnsNames, newIpAddresses, clock,
                random);
    }

    public SelfSignedCertificateGenerator withClock(Clock newClock) {
        return new SelfSignedCertificateGenerator(validity, commonName, dnsNames, ipAddresses, newClock, random);
    }

    public Duration validity() {
        return validity;
    }

    /** A new key pair and certificate. */
    public SelfSignedCertificate generate() {
        try {
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
            kpg.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair keyPair = kpg.generateKeyPair();

            Instant notBefore = clock.instant().minus(BACKDATE).truncatedTo(ChronoUnit.SECONDS);
            Instant notAfter = notBefore.plus(validity);

            byte[] algorithm = Der.sequence(Der.oid(OID_EC_PUBLIC_KEY_WITH_SHA256)); // parameters absent (RFC 5758)
            byte[] name = Der.sequence(Der.set(Der.sequence(Der.oid(OID_COMMON_NAME), Der.utf8String(commonName))));
            byte[] tbs = Der.sequence(
                    Der.explicit(0, Der.integer(2)), // v3
                    Der.integer(serialNumber()),
                    algorithm,
                    name,
                    Der.sequence(Der.time(notBefore.atZone(ZoneOffset.UTC)), Der.time(notAfter.atZone(ZoneOffset.UTC))),
                    name,
                    keyPair.getPublic().getEncoded(), // already a SubjectPublicKeyInfo
                    Der.explicit(3, Der.sequence(extensions())));

            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(keyPair.getPrivate(), random);
            signer.update(tbs);
            byte[] der = Der.sequence(tbs, algorithm, Der.bitString(signer.sign())); // JCA emits DER Ecdsa-Sig-Value

            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            certificate.verify(keyPair.getPublic());
            return new SelfSignedCertificate(keyPair.getPrivate(), certificate);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("self-signed certificate generation failed", e);
        }
    }

    private BigInteger serialNumber() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        bytes[0] = (byte) ((bytes[0] & 0x7f) | 0x40); // positive, non-zero, at most 20 octets (RFC 5280 4.1.2.2)
        return new BigInteger(bytes);
    }

    private byte[][] extensions() {
        List<byte[]> altNames = new ArrayList<>();
        for (String dns : dnsNames) {
            altNames.add(Der.implicitPrimitive(2, dns.getBytes(StandardCharsets.US_ASCII)));
        }
        for (InetAddress ip : ipAddresses) {
            altNames.add(Der.implicitPrimitive(7, ip.getAddress()));
        }
        return new byte[][] {
                extension(OID_BASIC_CONSTRAINTS, true, Der.sequence()), // cA FALSE (default, so omitted)
                extension(OID_KEY_USAGE, true, new byte[] {Der.BIT_STRING, 2, 7, (byte) 0x80}), // digitalSignature
                extension(OID_EXT_KEY_USAGE, false, Der.sequence(Der.oid(OID_SERVER_AUTH))),
                extension(OID_SUBJECT_ALT_NAME, false, Der.sequence(altNames.toArray(new byte[0][]))),
        };
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
                : Der.sequence(Der.oid(oid), Der.octetString(value));
    }
}

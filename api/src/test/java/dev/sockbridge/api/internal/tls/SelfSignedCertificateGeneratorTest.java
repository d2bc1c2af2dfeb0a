package dev.sockbridge.api.internal.tls;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelfSignedCertificateGeneratorTest {
    @Test
    void defaultCertificateIsEcdsaP256ForLoopbackNamesAndThirteenDays() throws Exception {
        Instant before = Instant.now();
        SelfSignedCertificate generated = SelfSignedCertificateGenerator.loopback().generate();
        X509Certificate cert = generated.certificate();

        assertEquals(3, cert.getVersion());
        assertEquals("SHA256withECDSA", cert.getSigAlgName());
        assertEquals("1.2.840.10045.4.3.2", cert.getSigAlgOID());
        ECPublicKey key = (ECPublicKey) cert.getPublicKey();
        assertEquals(256, key.getParams().getCurve().getField().getFieldSize());
        cert.verify(key); // self-signed
        cert.checkValidity();

        Duration span = Duration.between(generated.notBefore(), generated.notAfter());
        assertEquals(Duration.ofDays(13), span);
        assertTrue(span.compareTo(SelfSignedCertificateGenerator.MAX_VALIDITY) <= 0);
        assertFalse(generated.notBefore().isAfter(before), "starts in the past for clock skew");

        Set<String> sans = cert.getSubjectAlternativeNames().stream()
                .map(entry -> entry.get(0) + ":" + entry.get(1)).collect(Collectors.toSet());
        assertEquals(Set.of("2:localhost", "7:127.0.0.1", "7:0:0:0:0:0:0:0:1"), sans);
        assertEquals(-1, cert.getBasicConstraints(), "not a CA");
        assertTrue(cert.getKeyUsage()[0], "digitalSignature");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), cert.getExtendedKeyUsage());
        assertTrue(cert.getSerialNumber().signum() > 0);
    }

    @Test
    void hashIsSha256OfTheDerCertificateInHexAndBase64() throws Exception {
        SelfSignedCertificate generated = SelfSignedCertificateGenerator.loopback().generate();
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(generated.certificate().getEncoded());
        assertArrayEquals(expected, generated.sha256());
        assertEquals(HexFormat.of().formatHex(expected), generated.sha256Hex());
        assertArrayEquals(expected, Base64.getDecoder().decode(generated.sha256Base64()));
        assertNotEquals(generated.sha256Hex(), SelfSignedCertificateGenerator.loopback().generate().sha256Hex(),
                "every certificate has its own key and serial");
    }

    @Test
    void pemTextRoundTripsThroughTheJdkParsers() throws Exception {
        SelfSignedCertificate generated = SelfSignedCertificateGenerator.loopback().generate();
        String certPem = generated.certificatePem();
        String keyPem = generated.privateKeyPem();
        assertTrue(certPem.startsWith("-----BEGIN CERTIFICATE-----\n"));
        assertTrue(keyPem.startsWith("-----BEGIN PRIVATE KEY-----\n"), "PKCS#8");
        assertTrue(certPem.lines().allMatch(l -> l.length() <= 64));

        List<X509Certificate> parsed = Pem.readCertificates(certPem);
        assertEquals(List.of(generated.certificate()), parsed);
        assertArrayEquals(generated.privateKey().getEncoded(), Pem.readPrivateKey(keyPem).getEncoded());
    }

    @Test
    void validityIsCappedAtFourteenDays() {
        // one certificate: two made a moment apart can straddle a second boundary
        var cert = SelfSignedCertificateGenerator.loopback(Duration.ofDays(14)).generate();
        assertEquals(Duration.ofDays(14), Duration.between(cert.notBefore(), cert.notAfter()));
        assertThrows(IllegalArgumentException.class,
                () -> SelfSignedCertificateGenerator.loopback(Duration.ofDays(14).plusSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> SelfSignedCertificateGenerator.loopback(Duration.ZERO));
    }

    @Test
    void datesFrom2050UseGeneralizedTime() throws Exception {
        Clock future = Clock.fixed(Instant.parse("2049-12-25T00:00:00Z"), ZoneOffset.UTC);
        SelfSignedCertificate generated = SelfSignedCertificateGenerator.loopback().withClock(future).generate();
        assertEquals(Instant.parse("2050-01-06T23:59:00Z"), generated.notAfter()); // GeneralizedTime, read back
        assertEquals(Instant.parse("2049-12-24T23:59:00Z"), generated.notBefore()); // UTCTime
    }

    @Test
    void traditionalKeyFormatsAreRefusedWithAConversionHint() {
        Exception e = assertThrows(Exception.class,
                () -> Pem.readPrivateKey("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"));
        assertTrue(e.getMessage().contains("openssl pkcs8"), e.getMessage());
    }
}

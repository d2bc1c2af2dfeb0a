package dev.sockbridge.transport.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SelfSignedCertificateTest {

    @Test
    void derLengthsAndOidsEncodeAsX690Says() {
        assertArrayEquals(new byte[] {0x04, 0x00}, Der.octetString(new byte[0]));
        assertEquals(2 + 127, Der.octetString(new byte[127]).length);
        byte[] l128 = Der.octetString(new byte[128]);
        assertArrayEquals(new byte[] {0x04, (byte) 0x81, (byte) 0x80}, java.util.Arrays.copyOf(l128, 3));
        byte[] l256 = Der.octetString(new byte[256]);
        assertArrayEquals(new byte[] {0x04, (byte) 0x82, 0x01, 0x00}, java.util.Arrays.copyOf(l256, 4));
        assertArrayEquals(new byte[] {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03, 0x02},
                Der.oid("1.2.840.10045.4.3.2"));
        assertArrayEquals(new byte[] {0x02, 0x01, 0x00}, Der.integer(BigInteger.ZERO));
        assertArrayEquals(new byte[] {0x02, 0x02, 0x00, (byte) 0x80}, Der.integer(128));
        assertEquals(Der.UTC_TIME, Der.time(Instant.parse("2049-12-31T23:59:59Z"))[0]);
        assertEquals(Der.GENERALIZED_TIME, Der.time(Instant.parse("2050-01-01T00:00:00Z"))[0]);
        assertEquals("491231235959Z", new String(Der.time(Instant.parse("2049-12-31T23:59:59Z")), 2, 13,
                java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void certificateIsAValidSelfSignedEcdsaServerCertificateForTheHosts() throws Exception {
        SelfSignedCertificate ss = SelfSignedCertificate.generate(SelfSignedCertificate.defaultHosts("10.1.2.3"),
                Duration.ofDays(14));
        X509Certificate c = ss.certificate();
        c.checkValidity();
        c.verify(c.getPublicKey());
        assertEquals(3, c.getVersion());
        assertEquals("SHA256withECDSA", c.getSigAlgName());
        assertEquals("EC", c.getPublicKey().getAlgorithm());
        assertEquals(c.getSubjectX500Principal(), c.getIssuerX500Principal());
        assertEquals("CN=localhost", c.getSubjectX500Principal().getName());
        assertEquals(-1, c.getBasicConstraints(), "not a CA");
        assertTrue(c.getKeyUsage()[0], "digitalSignature");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), c.getExtendedKeyUsage());
        assertTrue(c.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(13))));
        assertTrue(c.getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(15))));
        Set<List<?>> sans = new HashSet<>(c.getSubjectAlternativeNames());
        assertTrue(sans.contains(List.of(2, "localhost")), sans.toString());
        assertTrue(sans.contains(List.of(7, "127.0.0.1")), sans.toString());
        assertTrue(sans.contains(List.of(7, "0:0:0:0:0:0:0:1")), sans.toString());
        assertTrue(sans.contains(List.of(7, "10.1.2.3")), sans.toString());
        assertTrue(ss.certificatePem().startsWith("-----BEGIN CERTIFICATE-----\n"));
        assertTrue(ss.keyPem().startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertTrue(!ss.toString().contains("PRIVATE"), "toString never shows the key");
    }
}

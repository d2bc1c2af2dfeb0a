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

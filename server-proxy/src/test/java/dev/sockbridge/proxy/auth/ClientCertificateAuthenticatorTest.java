package dev.sockbridge.proxy.auth;

import static dev.sockbridge.proxy.auth.TokenAuthenticatorTest.S;
import static dev.sockbridge.proxy.auth.TokenAuthenticatorTest.addr;
import static dev.sockbridge.proxy.auth.TokenAuthenticatorTest.refusal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.internal.tls.SelfSignedCertificate;
import dev.sockbridge.api.internal.tls.SelfSignedCertificateGenerator;
import dev.sockbridge.api.testing.TestPki;
import dev.sockbridge.api.testing.TestRequest;
import dev.sockbridge.proxy.SessionGrant;
import dev.sockbridge.proxy.SocketPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientCertificateAuthenticatorTest {

    static SessionGrant admit(ClientCertificateAuthenticator a, TestRequest r) throws Exception {
        return a.authenticate(r).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aCertificateIssuedByTheCaIsAdmittedWithTheConfiguredGrant(@TempDir Path dir) throws Exception {
        TestPki.Issued ca = TestPki.ca("Game Studio Client CA");
        TestPki.Issued client = TestPki.issue(ca, "server-bot-7");
        Path caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, dev.sockbridge.api.internal.tls.Pem.certificate(ca.certificate()));
        SocketPolicy grantPolicy = SocketPolicy.builder().allowConnect("10.1.2.3", "7777").build();
        ClientCertificateAuthenticator a = ClientCertificateAuthenticator.builder()
                .trustCas(ClientCertificateAuthenticator.readCertificates(caFile)).policy(grantPolicy).build();

        TestRequest r = TestRequest.certificates(List.of(client.certificate()));
        assertTrue(a.recognises(r));
        SessionGrant g = admit(a, r);
        assertEquals("CN=server-bot-7", g.subject());
        assertTrue(g.policy().checkConnect(S, addr("10.1.2.3", 7777), false).allowed());
        assertFalse(g.policy().checkConnect(S, addr("10.1.2.3", 22), false).allowed());
        // a client that sends the CA along still validates
        assertEquals("CN=server-bot-7", admit(a, TestRequest.certificates(List.of(client.certificate(), ca.certificate()))).subject());
    }

    @Test
    void certificatesFromElsewhereAreRefused() throws Exception {
        TestPki.Issued ca = TestPki.ca("Client CA");
        TestPki.Issued other = TestPki.ca("Other CA");
        ClientCertificateAuthenticator a = ClientCertificateAuthenticator.builder().trustCa(ca.certificate()).build();

        assertEquals("client certificate not trusted",
                refusal(TestRequest.certificates(List.of(TestPki.issue(other, "intruder").certificate())), a));
        SelfSignedCertificate self = SelfSignedCertificateGenerator.loopback().generate();
        assertEquals("client certificate not trusted", refusal(TestRequest.certificates(List.of(self.certificate())), a));
        // the CA's own certificate is no client identity
        assertEquals("client certificate not trusted", refusal(TestRequest.certificates(List.of(ca.certificate())), a));
        // an intruder's leaf that names our CA as issuer, with the issuer's name copied, fails on the signature
        TestPki.Issued lookalike = TestPki.ca("Client CA");
        assertEquals("client certificate not trusted",
                refusal(TestRequest.certificates(List.of(TestPki.issue(lookalike, "intruder").certificate())), a));
        assertFalse(a.recognises(TestRequest.none()));
        assertEquals("client certificate required", refusal(TestRequest.none(), a));
    }

    @Test
    void expiredAndNotYetValidCertificatesAreRefused() throws Exception {
        TestPki.Issued ca = TestPki.ca("Client CA");
        TestPki.Issued leaf = TestPki.issue(ca, "bot", Instant.now().minusSeconds(60), Instant.now().plusSeconds(600));
        TestRequest r = TestRequest.certificates(List.of(leaf.certificate()));
        ClientCertificateAuthenticator later = ClientCertificateAuthenticator.builder().trustCa(ca.certificate())
                .clock(Clock.fixed(Instant.now().plusSeconds(1200), ZoneOffset.UTC)).build();
        assertEquals("client certificate expired or not yet valid", refusal(r, later));
        ClientCertificateAuthenticator earlier = ClientCertificateAuthenticator.builder().trustCa(ca.certificate())
                .clock(Clock.fixed(Instant.now().minusSeconds(3600), ZoneOffset.UTC)).build();
        assertEquals("client certificate expired or not yet valid", refusal(r, earlier));
    }

    @Test
    void aPinnedFingerprintAdmitsThatCertificateOnly() throws Exception {
        SelfSignedCertificate pinned = SelfSignedCertificateGenerator.loopback().generate();
        SelfSignedCertificate other = SelfSignedCertificateGenerator.loopback().generate();
        String colons = pinned.sha256Hex().toUpperCase().replaceAll("(..)(?!$)", "$1:");
        ClientCertificateAuthenticator a = ClientCertificateAuthenticator.builder().pinSha256(colons).build();
        assertEquals(pinned.sha256Hex(), ClientCertificateAuthenticator.fingerprint(pinned.certificate()));
        SessionGrant g = admit(a, TestRequest.certificates(List.of(pinned.certificate())));
        assertNull(g.policy(), "no configured policy: the proxy's own alone");
        assertEquals("client certificate not trusted", refusal(TestRequest.certificates(List.of(other.certificate())), a));
        assertThrows(IllegalArgumentException.class, () -> ClientCertificateAuthenticator.builder().pinSha256("abcd"));
        assertThrows(IllegalArgumentException.class, () -> ClientCertificateAuthenticator.builder().build());
    }
}

package dev.sockbridge.proxy.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.TestPki;
import dev.sockbridge.api.testing.TestRequest;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.proxy.AuthenticationException;
import dev.sockbridge.proxy.SessionGrant;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SocketPolicy;
import dev.sockbridge.proxy.auth.internal.GrantPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;

class TokenAuthenticatorTest {
    static final Instant T0 = Instant.parse("2026-12-07T08:00:00Z");
    static final SessionInfo S = new SessionInfo(1, new InetSocketAddress("127.0.0.1", 40000), "ws", "sockbridge");

    final SecretKey hmacKey = TokenKeys.hmacKey(bytes(32, 1));
    final KeyPair edKeys = TokenKeys.newEd25519KeyPair();

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    static GrantClaims player(Instant exp) {
        return GrantClaims.builder("player-42").issuedAt(exp.minusSeconds(600)).expiresAt(exp)
                .connect("10.1.2.3:7777/tcp", "10.1.2.3:7778/udp").build();
    }

    static Clock at(Instant t) {
        return Clock.fixed(t, ZoneOffset.UTC);
    }

    TokenAuthenticator hmacVerifier(Instant now) {
        return TokenAuthenticator.builder().hmacKey(hmacKey).clock(at(now)).build();
    }

    TokenAuthenticator edVerifier(Instant now) {
        return TokenAuthenticator.builder().ed25519Key(edKeys.getPublic()).clock(at(now)).build();
    }

    static String refusal(TokenAuthenticator v, String token) {
        AuthenticationException e = assertThrows(AuthenticationException.class, () -> v.verify(token));
        assertEquals(401, e.status());
        return e.reason();
    }

    static String refusal(ConnectRequest r, dev.sockbridge.proxy.SessionAuthenticator a) {
        return Refusals.refusal(r, a);
    }

    static InetSocketAddress addr(String host, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    @Test
    void hmacTokenRoundTripsAndGrantsExactlyItsTargets() throws Exception {
        String token = TokenMinter.hmac(hmacKey).mint(player(T0.plusSeconds(600)));
        GrantClaims c = hmacVerifier(T0).verify(token);
        assertEquals("player-42", c.subject());
        assertEquals(T0.plusSeconds(600), c.expiresAt());
        SessionGrant g = c.toGrant();
        SocketPolicy p = g.policy();
        assertTrue(p.checkConnect(S, addr("10.1.2.3", 7777), false).allowed());
        assertTrue(p.checkConnect(S, addr("10.1.2.3", 7778), true).allowed());
        // the protocol is part of the grant: the UDP port is not a TCP port, and vice versa
        assertFalse(p.checkConnect(S, addr("10.1.2.3", 7778), false).allowed());
        assertFalse(p.checkConnect(S, addr("10.1.2.3", 7777), true).allowed());
        assertFalse(p.checkConnect(S, addr("10.1.2.4", 7777), false).allowed());
        assertFalse(p.checkConnect(S, addr("127.0.0.1", 7777), false).allowed());
        // no bind/listen rights were granted, but a UDP sender's ephemeral port is not one
        assertFalse(p.checkBind(S, addr("127.0.0.1", 7777), false).allowed());
        assertFalse(p.checkBind(S, addr("0.0.0.0", 0), false).allowed());
        assertTrue(p.checkBind(S, addr("0.0.0.0", 0), true).allowed());
        assertFalse(p.checkBind(S, addr("0.0.0.0", 9999), true).allowed());
        assertNull(g.limits());
        assertNull(g.expiresAt(), "the session outlives the token unless the claims bound it");
    }

    @Test
    void ed25519TokenRoundTrips() {
        String token = TokenMinter.ed25519(edKeys.getPrivate()).mint(player(T0.plusSeconds(600)));
        assertEquals(64, Base64.getUrlDecoder().decode(token.substring(token.indexOf('.') + 1)).length);
        assertEquals("player-42", edVerifier(T0).verify(token).subject());
    }

    @Test
    void ed25519KeysSurviveTheirPemFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path pub = dir.resolve("pub.pem");
        java.nio.file.Path priv = dir.resolve("priv.pem");
        java.nio.file.Files.writeString(pub, TokenKeys.pem(edKeys.getPublic()));
        java.nio.file.Files.writeString(priv, TokenKeys.pem(edKeys.getPrivate()));
        String token = TokenMinter.ed25519(TokenKeys.readEd25519PrivateKey(priv)).mint(player(T0.plusSeconds(60)));
        assertEquals("player-42", TokenAuthenticator.builder().ed25519Key(TokenKeys.readEd25519PublicKey(pub)).clock(at(T0))
                .build().verify(token).subject());
        java.nio.file.Path hk = dir.resolve("hmac.key");
        java.nio.file.Files.writeString(hk, TokenKeys.newHmacKeyText() + "\n");
        SecretKey k = TokenKeys.readHmacKey(hk);
        assertEquals("player-42", TokenAuthenticator.builder().hmacKey(k).clock(at(T0)).build()
                .verify(TokenMinter.hmac(k).mint(player(T0.plusSeconds(60)))).subject());
        java.nio.file.Files.writeString(hk, "c2hvcnQ=");
        assertThrows(IllegalArgumentException.class, () -> TokenKeys.readHmacKey(hk));
    }

    @Test
    void expiredTokensAreRefusedAfterTheClockSkew() {
        String token = TokenMinter.hmac(hmacKey).mint(player(T0));
        // within the default 60 s allowance
        assertNotNull(hmacVerifier(T0.plusSeconds(59)).verify(token));
        assertEquals("token expired", refusal(hmacVerifier(T0.plusSeconds(61)), token));
        TokenAuthenticator strict = TokenAuthenticator.builder().hmacKey(hmacKey).clockSkew(Duration.ZERO)
                .clock(at(T0.plusSeconds(1))).build();
        assertEquals("token expired", refusal(strict, token));
        String ed = TokenMinter.ed25519(edKeys.getPrivate()).mint(player(T0));
        assertEquals("token expired", refusal(edVerifier(T0.plus(Duration.ofHours(1))), ed));
    }

    @Test
    void tokensFromTheFutureAreRefused() {
        GrantClaims c = GrantClaims.builder("p").notBefore(T0.plusSeconds(300)).expiresAt(T0.plusSeconds(900))
                .connect("10.1.2.3:7777/tcp").build();
        String token = TokenMinter.hmac(hmacKey).mint(c);
        assertEquals("token not yet valid", refusal(hmacVerifier(T0), token));
        assertNotNull(hmacVerifier(T0.plusSeconds(250)).verify(token), "within the skew of nbf");
        // without nbf, the issue time bounds it
        String issued = TokenMinter.hmac(hmacKey).mint(player(T0.plusSeconds(3600))); // iat = T0 + 3000 s
        assertEquals("token not yet valid", refusal(hmacVerifier(T0), issued));
    }

    @Test
    void tamperedTokensAreRefused() {
        for (String token : new String[] {TokenMinter.hmac(hmacKey).mint(player(T0.plusSeconds(600))),
                TokenMinter.ed25519(edKeys.getPrivate()).mint(player(T0.plusSeconds(600)))}) {
            TokenAuthenticator v = TokenAuthenticator.builder().hmacKey(hmacKey).ed25519Key(edKeys.getPublic())
                    .clock(at(T0)).build();
            int dot = token.indexOf('.');
            // widen the grant: the claims are readable, and rewriting them must break the signature
            String json = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8);
            String wider = json.replace("10.1.2.3:7777/tcp", "0.0.0.0/0");
            assertTrue(!wider.equals(json));
            String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(wider.getBytes(StandardCharsets.UTF_8))
                    + token.substring(dot);
            assertEquals("bad token signature", refusal(v, forged));
            // a flipped signature bit
            byte[] sig = Base64.getUrlDecoder().decode(token.substring(dot + 1));
            sig[sig.length / 2] ^= 1;
            assertEquals("bad token signature",
                    refusal(v, token.substring(0, dot + 1) + Base64.getUrlEncoder().withoutPadding().encodeToString(sig)));
            // a later expiry
            String later = json.replaceFirst("\"exp\":[0-9]+", "\"exp\":" + T0.plusSeconds(86400 * 365).getEpochSecond());
            assertTrue(!later.equals(json));
            assertEquals("bad token signature", refusal(v, Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(later.getBytes(StandardCharsets.UTF_8)) + token.substring(dot)));
            assertNotNull(v.verify(token), "the untouched token is still good");
        }
    }

    @Test
    void tokensSignedWithAnotherKeyAreRefused() {
        String otherHmac = TokenMinter.hmac(TokenKeys.hmacKey(bytes(32, 2))).mint(player(T0.plusSeconds(600)));
        assertEquals("bad token signature", refusal(hmacVerifier(T0), otherHmac));
        String otherEd = TokenMinter.ed25519(TokenKeys.newEd25519KeyPair().getPrivate()).mint(player(T0.plusSeconds(600)));
        assertEquals("bad token signature", refusal(edVerifier(T0), otherEd));
        // rotation: a verifier with both the old and the new key accepts tokens of either
        TokenAuthenticator both = TokenAuthenticator.builder().hmacKey(TokenKeys.hmacKey(bytes(32, 2))).hmacKey(hmacKey)
                .clock(at(T0)).build();
        assertNotNull(both.verify(otherHmac));
        assertNotNull(both.verify(TokenMinter.hmac(hmacKey).mint(player(T0.plusSeconds(600)))));
    }

    @Test
    void theVerifiersKeysDecideTheAlgorithm() throws Exception {
        String ed = TokenMinter.ed25519(edKeys.getPrivate()).mint(player(T0.plusSeconds(600)));
        String hmac = TokenMinter.hmac(hmacKey).mint(player(T0.plusSeconds(600)));
        assertEquals("token signature algorithm not accepted", refusal(hmacVerifier(T0), ed));
        assertEquals("token signature algorithm not accepted", refusal(edVerifier(T0), hmac));
        // the classic confusion: HMAC keyed with the (public) Ed25519 key bytes; the public key is
        // never an HMAC secret here, so the verifier holding it refuses
        SecretKey fromPublic = TokenKeys.hmacKey(edKeys.getPublic().getEncoded());
        String confused = TokenMinter.hmac(fromPublic).mint(player(T0.plusSeconds(600)));
        assertEquals("token signature algorithm not accepted", refusal(edVerifier(T0), confused));
        TokenAuthenticator both = TokenAuthenticator.builder().hmacKey(hmacKey).ed25519Key(edKeys.getPublic()).clock(at(T0)).build();
        assertEquals("bad token signature", refusal(both, confused));
        assertThrows(IllegalArgumentException.class, () -> TokenAuthenticator.builder().ed25519Key(
                TestPki.ecKeys().getPublic()), "an EC key is not an Ed25519 key");
    }

    @Test
    void malformedTokensAreRefused() {
        TokenAuthenticator v = hmacVerifier(T0);
        String good = TokenMinter.hmac(hmacKey).mint(player(T0.plusSeconds(600)));
        for (String t : new String[] {"", "abc", "a.b.c", ".", good + ".x", good.replace('.', ' '), "e30.AAAA",
                good.substring(0, good.indexOf('.') + 1), "x".repeat(5000) + "." + good.substring(good.indexOf('.') + 1),
                "!!!." + good.substring(good.indexOf('.') + 1)}) {
            assertEquals("malformed token", refusal(v, t), t.length() > 60 ? t.substring(0, 60) : t);
        }
    }

    @Test
    void signedButMalformedClaimsAreRefusedNotWidened() throws Exception {
        String[] bad = {
            "{\"v\":1,\"sub\":\"p\",\"exp\":" + T0.plusSeconds(60).getEpochSecond() + ",\"connect\":[\"10.0.0.0/8\"],\"admin\":true}",
            "{\"v\":2,\"sub\":\"p\",\"exp\":" + T0.plusSeconds(60).getEpochSecond() + "}",
            "{\"v\":1,\"sub\":\"p\"}",
            "{\"v\":1,\"sub\":\"p\",\"exp\":\"tomorrow\"}",
            "{\"v\":1,\"sub\":\"p\",\"exp\":" + T0.plusSeconds(60).getEpochSecond() + ",\"connect\":[\"not-an-address:80\"]}",
            "{\"v\":1,\"sub\":\"p\",\"exp\":" + T0.plusSeconds(60).getEpochSecond() + ",\"connect\":\"10.0.0.1\"}",
            "{\"v\":1,\"sub\":\"p\",\"exp\":1,\"exp\":" + T0.plusSeconds(60).getEpochSecond() + "}",
            "[1,2,3]",
            "not json",
        };
        for (String json : bad) {
            String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
            String sig = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    dev.sockbridge.proxy.auth.internal.TokenCodec.hmac(hmacKey, payload));
            String reason = refusal(hmacVerifier(T0), payload + "." + sig);
            assertTrue(reason.startsWith("malformed token claims"), json + " -> " + reason);
        }
    }

    @Test
    void theTokenComesFromTheQueryTheBearerHeaderTheSubprotocolOrTheCookie() throws Exception {
        String token = TokenMinter.hmac(hmacKey).mint(player(T0.plusSeconds(600)));
        TokenAuthenticator v = hmacVerifier(T0);
        for (ConnectRequest r : new ConnectRequest[] {
            TestRequest.query("a=1&token=" + token),
            TestRequest.header("Authorization", "Bearer " + token),
            TestRequest.header("Cookie", "x=1; sockbridge_token=" + token),
            TestRequest.header("Sec-WebSocket-Protocol", "sockbridge.v1, sockbridge.token." + token),
        }) {
            assertTrue(v.recognises(r));
            SessionGrant g = v.authenticate(r).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals("player-42", g.subject());
        }
        assertFalse(v.recognises(TestRequest.none()));
        assertFalse(v.recognises(TestRequest.query("token=websockify-style")));
        assertFalse(v.recognises(TestRequest.header("Authorization", "Basic " + token)));
        assertFalse(v.recognises(TestRequest.header("Sec-WebSocket-Protocol", "sockbridge.v1, sockbridge.token.")));
        assertEquals("no token", refusal(TestRequest.none(), v));
        assertEquals("malformed token", refusal(TestRequest.query("token=abc"), v));
    }

    @Test
    void aGrantNarrowerThanTheProxysPolicyDeniesWhatTheProxyWouldAllow() throws Exception {
        // the proxy allows all of 10/8 on every port and loopback; the player's token one TCP target
        SocketPolicy proxy = SocketPolicy.builder().allowConnect("10.0.0.0/8", "*").allowConnect("127.0.0.0/8", "*")
                .allowBind("127.0.0.0/8", "*").build();
        SessionGrant g = hmacVerifier(T0).verify(TokenMinter.hmac(hmacKey).mint(player(T0.plusSeconds(600)))).toGrant();
        InetSocketAddress[] wider = {addr("10.1.2.3", 22), addr("10.9.9.9", 7777), addr("127.0.0.1", 8080)};
        for (InetSocketAddress a : wider) {
            assertTrue(proxy.checkConnect(S, a, false).allowed(), "the proxy alone allows " + a);
            SocketPolicy.Decision d = g.policy().checkConnect(S, a, false);
            assertFalse(d.allowed(), "the grant denies " + a);
            assertTrue(d.reason().startsWith("session grant:"), d.reason());
        }
        assertTrue(proxy.checkBind(S, addr("127.0.0.1", 5000), false).allowed());
        assertFalse(g.policy().checkBind(S, addr("127.0.0.1", 5000), false).allowed());
        // and a grant wider than the proxy does not widen it: the proxy still denies 192.168.0.1,
        // which a grant of 0.0.0.0/0 allows; a call must pass both
        GrantPolicy wide = GrantPolicy.of(java.util.List.of("0.0.0.0/0"), java.util.List.of(), java.util.List.of(), false);
        assertTrue(wide.checkConnect(S, addr("192.168.0.1", 80), false).allowed());
        assertFalse(proxy.checkConnect(S, addr("192.168.0.1", 80), false).allowed());
    }

    @Test
    void lookupRightsAndLimitsTravelInTheToken() throws Exception {
        GrantClaims c = GrantClaims.builder("p").validFor(Duration.ofMinutes(10)).connect("10.1.2.3:7777/tcp")
                .bind("127.0.0.1:20000-20100/tcp").lookup("game.example.com", ".cdn.example.net").reverseLookups(true)
                .maxSockets(8).maxBufferedBytes(1 << 20).sessionExpiresAt(Instant.now().plus(Duration.ofHours(1))).build();
        TokenAuthenticator v = TokenAuthenticator.hmac(hmacKey);
        GrantClaims back = v.verify(TokenMinter.hmac(hmacKey).mint(c));
        SocketPolicy p = back.policy();
        assertTrue(p.checkLookup(S, "game.example.com").allowed());
        assertTrue(p.checkLookup(S, "GAME.example.com.").allowed());
        assertTrue(p.checkLookup(S, "eu.cdn.example.net").allowed());
        assertFalse(p.checkLookup(S, "cdn.example.net").allowed());
        assertFalse(p.checkLookup(S, "evilgame.example.com").allowed());
        assertFalse(p.checkLookup(S, "internal.corp").allowed());
        assertTrue(p.checkReverseLookup(S, InetAddress.getByName("10.1.2.3")).allowed());
        assertTrue(p.checkBind(S, addr("127.0.0.1", 20050), false).allowed());
        assertFalse(p.checkBind(S, addr("127.0.0.1", 20050), true).allowed());
        SessionGrant g = back.toGrant();
        assertEquals(8, g.limits().maxSockets());
        assertEquals(1 << 20, g.limits().maxBufferedBytes());
        assertEquals(Integer.MAX_VALUE, g.limits().maxOutstandingCalls(), "unset: the proxy's own applies");
        assertEquals(c.sessionExpiresAt(), g.expiresAt());
        // no lookup rule: no lookups
        SocketPolicy none = player(T0).policy();
        assertFalse(none.checkLookup(S, "localhost").allowed());
        assertFalse(none.checkReverseLookup(S, InetAddress.getByName("127.0.0.1")).allowed());
    }

    @Test
    void theMinterRefusesWhatItCannotSign() {
        assertThrows(IllegalArgumentException.class, () -> TokenKeys.hmacKey(new byte[16]));
        assertThrows(NullPointerException.class, () -> GrantClaims.builder("p").connect("10.0.0.1:1").build(),
                "no expiry");
        assertThrows(IllegalArgumentException.class, () -> GrantClaims.builder("p").validFor(Duration.ofMinutes(1))
                .connect("example.com:80").build(), "rules are numeric");
        assertThrows(IllegalArgumentException.class, () -> GrantClaims.builder("p").validFor(Duration.ofMinutes(1))
                .lookup("bad name!").build());
    }
}

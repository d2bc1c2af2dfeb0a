package dev.sockbridge.frontend.emscripten;

import static dev.sockbridge.proxy.auth.Refusals.refusal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.TestRequest;
import dev.sockbridge.proxy.SessionAuthenticator;
import dev.sockbridge.proxy.SessionGrant;
import dev.sockbridge.proxy.SocketPolicy;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.auth.CredentialAuthenticator;
import dev.sockbridge.proxy.auth.TokenAuthenticator;
import dev.sockbridge.proxy.auth.TokenKeys;
import dev.sockbridge.proxy.auth.TokenMinter;
import dev.sockbridge.proxy.auth.GrantClaims;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileAuthenticatorTest {
    static final SessionInfo S = new SessionInfo(1, new InetSocketAddress("127.0.0.1", 40000), "ws", "sockbridge");

    static InetSocketAddress addr(String host, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    @TempDir
    Path dir;

    static SessionGrant admit(SessionAuthenticator a, dev.sockbridge.api.transport.ConnectRequest r) throws Exception {
        return a.authenticate(r).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aListedTokenMayReachExactlyItsTarget() throws Exception {
        Path f = dir.resolve("tokens");
        Files.writeString(f, "# game servers\ndb1: 10.1.2.3:7777\nvoice: udp://10.1.2.3:7778\nv6: [2001:db8::7]:9000\n");
        TokenFileAuthenticator a = TokenFileAuthenticator.of(f);

        SessionGrant g = admit(a, TestRequest.query("token=db1"));
        SocketPolicy p = g.policy();
        assertTrue(p.checkConnect(S, addr("10.1.2.3", 7777), false).allowed());
        assertFalse(p.checkConnect(S, addr("10.1.2.3", 7777), true).allowed(), "a TCP target is not a UDP one");
        assertFalse(p.checkConnect(S, addr("10.1.2.3", 7778), false).allowed());
        assertFalse(p.checkConnect(S, addr("10.1.2.4", 7777), false).allowed());
        assertFalse(p.checkBind(S, addr("127.0.0.1", 7777), false).allowed(), "no listen rights");
        assertFalse(p.checkLookup(S, "localhost").allowed(), "no lookups for a numeric target");
        assertFalse(g.subject().contains("db1"), "the token itself stays out of logs: " + g.subject());

        SessionGrant voice = admit(a, TestRequest.header("Authorization", "Bearer voice"));
        assertTrue(voice.policy().checkConnect(S, addr("10.1.2.3", 7778), true).allowed());
        assertFalse(voice.policy().checkConnect(S, addr("10.1.2.3", 7778), false).allowed());
        assertTrue(admit(a, TestRequest.query("token=v6")).policy().checkConnect(S, addr("2001:db8::7", 9000), false).allowed());

        assertTrue(a.recognises(TestRequest.query("token=db1")));
        assertFalse(a.recognises(TestRequest.query("token=nope")));
        assertFalse(a.recognises(TestRequest.none()));
        assertEquals("unknown token", refusal(TestRequest.query("token=nope"), a));
        assertEquals("no token", refusal(TestRequest.none(), a));
        // the path is no token source here (websockify's last-segment fallback is for its bridge only)
        assertEquals("unknown token", refusal(TestRequest.query("token=../db1"), a));
    }

    @Test
    void aNamedTargetIsResolvedAtAdmissionAndItsNameMayBeLookedUp() throws Exception {
        Path f = dir.resolve("tokens");
        Files.writeString(f, "local: localhost:7000\n");
        SessionGrant g = admit(TokenFileAuthenticator.of(f), TestRequest.query("token=local"));
        assertTrue(g.policy().checkConnect(S, addr("127.0.0.1", 7000), false).allowed());
        assertFalse(g.policy().checkConnect(S, addr("127.0.0.1", 7001), false).allowed());
        assertTrue(g.policy().checkLookup(S, "localhost").allowed());
        assertFalse(g.policy().checkLookup(S, "example.com").allowed());
    }

    @Test
    void theFileIsReReadWhenItChanges() throws Exception {
        Path f = dir.resolve("tokens");
        Files.writeString(f, "a: 10.0.0.1:80\n");
        TokenFileAuthenticator t = TokenFileAuthenticator.of(f);
        assertTrue(t.recognises(TestRequest.query("token=a")));
        Files.writeString(f, "b: 10.0.0.2:80\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plus(Duration.ofSeconds(5))));
        assertFalse(t.recognises(TestRequest.query("token=a")), "a revoked token");
        assertTrue(t.recognises(TestRequest.query("token=b")));
    }

    @Test
    void aBrokenFileFailsAtStart() throws Exception {
        Path f = dir.resolve("tokens");
        Files.writeString(f, "a 10.0.0.1:80\n");
        assertThrows(IllegalArgumentException.class, () -> TokenFileAuthenticator.of(f));
        assertThrows(RuntimeException.class, () -> TokenFileAuthenticator.of(dir.resolve("missing")));
    }

    @Test
    void firstOfLetsTheAuthenticatorThatRecognisesTheCredentialDecide() throws Exception {
        Path f = dir.resolve("tokens");
        Files.writeString(f, "db1: 10.1.2.3:7777\n");
        javax.crypto.SecretKey k = TokenKeys.hmacKey(new byte[] {7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31});
        SessionAuthenticator all = CredentialAuthenticator.firstOf(List.of(TokenAuthenticator.hmac(k), TokenFileAuthenticator.of(f)));
        String signed = TokenMinter.hmac(k).mint(GrantClaims.builder("player").validFor(Duration.ofMinutes(5))
                .connect("10.9.9.9:1/udp").build());
        assertEquals("player", admit(all, TestRequest.query("token=" + signed)).subject());
        assertTrue(admit(all, TestRequest.query("token=db1")).policy().checkConnect(S, addr("10.1.2.3", 7777), false).allowed());
        assertEquals("unknown token", refusal(TestRequest.query("token=db2"), all));
        assertEquals("credentials required", refusal(TestRequest.none(), all));
        // a signed-looking token with a bad signature is refused by the signed-token check, not passed on
        assertEquals("bad token signature", refusal(TestRequest.query("token=" + signed.substring(0, signed.length() - 2) + "AA"), all));
    }
}

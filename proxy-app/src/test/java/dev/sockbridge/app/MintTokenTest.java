package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.TestRequest;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.proxy.AuthenticationException;
import dev.sockbridge.proxy.SessionGrant;
import dev.sockbridge.proxy.auth.GrantClaims;
import dev.sockbridge.proxy.auth.TokenAuthenticator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The game backend's command (MintToken) and the proxy's flags (ProxyAuth) agree: keys MintToken
 * writes, given to the proxy as --auth-token-key (either kind) or the specific flags, verify the
 * tokens MintToken signs, with the grant it was asked for.
 */
class MintTokenTest {
    @TempDir
    Path dir;

    @Test
    void hmacKeyAndTokenFromTheCommandAreAcceptedByTheProxysFlags() throws Exception {
        Path key = dir.resolve("token.key");
        assertTrue(MintToken.run(new String[] {"--new-hmac-key", key.toString()}).contains("--auth-token-key"));
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(key),
                "a secret is readable by its owner only");
        String token = MintToken.run(new String[] {"--hmac-key", key.toString(), "--subject", "player-42", "--ttl", "600",
                "--connect", "10.1.2.3:7777/tcp", "--connect", "10.1.2.3:7778/udp", "--max-sockets", "4"});

        for (String flag : List.of("--auth-token-key", "--auth-hmac-key")) {
            ProxyAuth auth = ProxyAuth.from(ProxyOptions.parse(new String[] {flag, key.toString()}));
            SessionGrant g = grant(auth, token);
            assertEquals("player-42", g.subject());
            assertEquals(4, g.limits().maxSockets());
            assertTrue(g.policy().describe().contains("10.1.2.3"), g.policy().describe());
            assertTrue(auth.demoMintingKey != null, "an HMAC key can mint the demo's tokens");
        }
        // a token of the claims MintToken was given: expiry 600 s ahead (whole seconds)
        GrantClaims c = TokenAuthenticator.builder().hmacKey(dev.sockbridge.proxy.auth.TokenKeys.readHmacKey(key)).build().verify(token);
        long ttl = Duration.between(Instant.now(), c.expiresAt()).getSeconds();
        assertTrue(ttl > 500 && ttl <= 600, "ttl " + ttl);
        assertEquals(List.of("10.1.2.3:7777/tcp", "10.1.2.3:7778/udp"), c.connect());
    }

    @Test
    void ed25519KeysFromTheCommandVerifyAtTheProxyWithThePublicHalfOnly() throws Exception {
        Path priv = dir.resolve("signing.pem");
        Path pub = dir.resolve("verify.pem");
        MintToken.run(new String[] {"--new-ed25519-key", priv.toString(), pub.toString()});
        String token = MintToken.run(new String[] {"--ed25519-private-key", priv.toString(), "--connect", "10.1.2.3:7777"});

        for (String flag : List.of("--auth-token-key", "--auth-ed25519-public-key")) {
            ProxyAuth auth = ProxyAuth.from(ProxyOptions.parse(new String[] {flag, pub.toString()}));
            assertEquals("player", grant(auth, token).subject());
            assertEquals(null, auth.demoMintingKey, "a public key mints nothing");
        }
        // the HMAC proxy does not take it
        Path hmac = dir.resolve("h.key");
        MintToken.run(new String[] {"--new-hmac-key", hmac.toString()});
        ProxyAuth other = ProxyAuth.from(ProxyOptions.parse(new String[] {"--auth-token-key", hmac.toString()}));
        ExecutionException e = assertThrows(ExecutionException.class, () -> grant(other, token));
        assertEquals("token signature algorithm not accepted", ((AuthenticationException) e.getCause()).reason());
    }

    @Test
    void badInvocationsSayWhatIsWrong() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MintToken.run(new String[] {"--connect", "10.0.0.1:1"}))
                .getMessage().contains("--hmac-key"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MintToken.run(new String[] {"--subject"}))
                .getMessage().contains("needs a value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MintToken.run(new String[] {"--bogus"}))
                .getMessage().contains("unknown option --bogus"));
        assertThrows(IllegalArgumentException.class, () -> ProxyAuth.from(ProxyOptions.parse(new String[] {"--auth-client-pin",
                "00".repeat(31)})), "a fingerprint of 31 bytes");
        assertEquals(null, noAuth(), "no --auth-* flag: no authenticator");
    }

    private static ProxyAuth noAuth() throws Exception {
        return ProxyAuth.from(ProxyOptions.parse(new String[] {"--listen", "127.0.0.1:0"}));
    }

    private static SessionGrant grant(ProxyAuth auth, String token) throws Exception {
        return auth.authenticator.authenticate(request("token=" + token)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static ConnectRequest request(String query) {
        return TestRequest.query(query);
    }
}

package dev.sockbridge.proxy.auth;

import dev.sockbridge.proxy.auth.internal.TokenCodec;
import java.security.Key;
import java.security.PrivateKey;
import java.util.Objects;
import javax.crypto.SecretKey;

/**
 * Signs {@link GrantClaims} into a token, for a game backend that decides who may open which
 * sockets: mint one per player and hand it to the page, which passes it to the proxy (the
 * {@code token} query parameter, an {@code Authorization: Bearer} header, or a cookie).
 *
 * <pre>{@code
 * TokenMinter minter = TokenMinter.hmac(TokenKeys.readHmacKey(Path.of("token.key")));
 * String token = minter.mint(GrantClaims.builder("player-42").validFor(Duration.ofMinutes(10))
 *         .connect("10.1.2.3:7777/tcp", "10.1.2.3:7778/udp").build());
 * }</pre>
 *
 * <p>Format: {@code base64url(claims JSON) "." base64url(signature)}; see docs/auth.md. The key's
 * type decides the algorithm (HMAC-SHA256 for a secret key, Ed25519 for an Ed25519 private key);
 * the token names none. Thread-safe.
 */
public final class TokenMinter {
    private final Key key;

    private TokenMinter(Key key) {
        this.key = Objects.requireNonNull(key, "key");
    }

    /** HMAC-SHA256 with a shared secret the proxy also holds ({@link TokenKeys#hmacKey}). */
    public static TokenMinter hmac(SecretKey key) {
        if (key.getEncoded() == null || key.getEncoded().length < TokenKeys.MIN_HMAC_KEY_BYTES) {
            throw new IllegalArgumentException("an HMAC key needs at least " + TokenKeys.MIN_HMAC_KEY_BYTES + " bytes");
        }
        return new TokenMinter(key);
    }

    /** Ed25519: the backend keeps the private key; the proxy holds only the public key. */
    public static TokenMinter ed25519(PrivateKey key) {
        if (!TokenCodec.isEd25519(key)) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + key.getAlgorithm());
        }
        return new TokenMinter(key);
    }

    public String mint(GrantClaims claims) {
        return TokenCodec.encode(claims, key);
    }
}

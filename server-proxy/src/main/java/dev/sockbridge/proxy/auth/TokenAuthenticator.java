package dev.sockbridge.proxy.auth;

import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.proxy.AuthenticationException;
import dev.sockbridge.proxy.SessionGrant;
import dev.sockbridge.proxy.auth.internal.TokenCodec;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.crypto.SecretKey;

/**
 * Admits sessions that present a token a {@link TokenMinter} signed with one of this verifier's keys,
 * under the token's {@link GrantClaims#toGrant() grant}.
 *
 * <p>The token is read from, in order: the {@code token} query parameter (also the WebTransport
 * CONNECT URL's), an {@code Authorization: Bearer} header, a WebSocket subprotocol offered as
 * {@code sockbridge.token.<token>} beside the real one (a browser's WebSocket can set no other header,
 * and this keeps the token out of URLs and access logs; the server answers with the real subprotocol
 * only), the {@code sockbridge_token} cookie.
 * Refusals are 401 with a short reason: {@code no token}, {@code malformed token},
 * {@code token signature algorithm not accepted} (e.g. an Ed25519 token at an HMAC-only verifier),
 * {@code bad token signature} (tampered, or signed with another key: the two are indistinguishable),
 * {@code malformed token claims}, {@code token expired}, {@code token not yet valid}.
 *
 * <p>Several keys of each kind may be configured (rotation): a signature of 32 bytes is checked
 * against the HMAC keys only, one of 64 bytes against the Ed25519 keys only. Checks run on the
 * calling event loop (one HMAC or one Ed25519 verification per key). Thread-safe.
 */
public final class TokenAuthenticator implements CredentialAuthenticator {
    /** The default allowance for clocks that disagree between the backend and the proxy. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    public static final String QUERY_PARAMETER = "token";
    public static final String COOKIE = "sockbridge_token";
    /** A WebSocket client offers {@code SUBPROTOCOL_PREFIX + token} as an extra subprotocol. */
    public static final String SUBPROTOCOL_PREFIX = "sockbridge.token.";

    private final List<SecretKey> hmacKeys;
    private final List<PublicKey> ed25519Keys;
    private final Duration skew;
    private final Clock clock;

    private TokenAuthenticator(Builder b) {
        hmacKeys = List.copyOf(b.hmac);
        ed25519Keys = List.copyOf(b.ed25519);
        skew = b.skew;
        clock = b.clock;
        if (hmacKeys.isEmpty() && ed25519Keys.isEmpty()) {
            throw new IllegalArgumentException("a token verifier needs at least one key");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static TokenAuthenticator hmac(SecretKey key) {
        return builder().hmacKey(key).build();
    }

    public static TokenAuthenticator ed25519(PublicKey key) {
        return builder().ed25519Key(key).build();
    }

    /** The token a request presents: query parameter, then bearer header, then subprotocol, then cookie. */
    public static Optional<String> presentedToken(ConnectRequest request) {
        Optional<String> q = request.queryParameter(QUERY_PARAMETER).filter(s -> !s.isEmpty());
        if (q.isPresent()) {
            return q;
        }
        Optional<String> h = request.header("authorization");
        if (h.isPresent() && h.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            String t = h.get().substring(7).strip();
            if (!t.isEmpty()) {
                return Optional.of(t);
            }
        }
        Optional<String> p = request.header("sec-websocket-protocol");
        if (p.isPresent()) {
            for (String offered : p.get().split(",")) {
                String o = offered.strip();
                if (o.length() > SUBPROTOCOL_PREFIX.length() && o.startsWith(SUBPROTOCOL_PREFIX)) {
                    return Optional.of(o.substring(SUBPROTOCOL_PREFIX.length()));
                }
            }
        }
        return Optional.ofNullable(request.cookies().get(COOKIE)).filter(s -> !s.isEmpty());
    }

    /** Recognises a token of the signed shape (two base64url parts, a 32- or 64-byte signature). */
    @Override
    public boolean recognises(ConnectRequest request) {
        return presentedToken(request).map(TokenCodec::split).isPresent();
    }

    @Override
    public CompletionStage<SessionGrant> authenticate(ConnectRequest request) {
        try {
            String token = presentedToken(request).orElseThrow(() -> new AuthenticationException(401, "no token"));
            return CompletableFuture.completedFuture(verify(token).toGrant());
        } catch (AuthenticationException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The claims of a valid token; else throws {@link AuthenticationException} (401) with the reason. */
    public GrantClaims verify(String token) {
        TokenCodec.Parts parts = TokenCodec.split(token);
        if (parts == null) {
            throw new AuthenticationException(401, "malformed token");
        }
        boolean hmac = parts.signature().length == TokenCodec.HMAC_SIG_BYTES;
        if (hmac ? hmacKeys.isEmpty() : ed25519Keys.isEmpty()) {
            throw new AuthenticationException(401, "token signature algorithm not accepted");
        }
        if (!TokenCodec.verify(parts, hmacKeys, ed25519Keys)) {
            throw new AuthenticationException(401, "bad token signature");
        }
        GrantClaims c;
        try {
            c = TokenCodec.parse(parts.payload());
        } catch (IllegalArgumentException e) {
            // signed by a key we trust, so the reason is the minter's mistake and safe to show
            throw new AuthenticationException(401, "malformed token claims: " + e.getMessage());
        }
        Instant now = clock.instant();
        if (now.isAfter(c.expiresAt().plus(skew))) {
            throw new AuthenticationException(401, "token expired");
        }
        Instant nbf = c.notBefore() != null ? c.notBefore() : c.issuedAt();
        if (nbf != null && now.plus(skew).isBefore(nbf)) {
            throw new AuthenticationException(401, "token not yet valid");
        }
        if (c.sessionExpiresAt() != null && !now.isBefore(c.sessionExpiresAt())) {
            throw new AuthenticationException(401, "token's session time is over");
        }
        return c;
    }

    /** Not thread-safe. */
    public static final class Builder {
        private final List<SecretKey> hmac = new ArrayList<>();
        private final List<PublicKey> ed25519 = new ArrayList<>();
        private Duration skew = DEFAULT_CLOCK_SKEW;
        private Clock clock = Clock.systemUTC();

        public Builder hmacKey(SecretKey key) {
            TokenMinter.hmac(key); // same checks
            hmac.add(key);
            return this;
        }

        public Builder ed25519Key(PublicKey key) {
            if (!TokenCodec.isEd25519(key)) {
                throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
            }
            ed25519.add(key);
            return this;
        }

        /** How far the proxy's clock may be behind or ahead of the minter's; default 60 s. */
        public Builder clockSkew(Duration d) {
            if (d.isNegative() || d.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("clock skew between 0 and 1 hour: " + d);
            }
            skew = d;
            return this;
        }

        public Builder clock(Clock c) {
            clock = Objects.requireNonNull(c);
            return this;
        }

        public TokenAuthenticator build() {
            return new TokenAuthenticator(this);
        }
    }
}

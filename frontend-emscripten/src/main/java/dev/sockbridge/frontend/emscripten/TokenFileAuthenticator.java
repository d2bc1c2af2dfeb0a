package dev.sockbridge.frontend.emscripten;

import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.proxy.AuthenticationException;
import dev.sockbridge.proxy.SessionGrant;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import dev.sockbridge.proxy.auth.CredentialAuthenticator;
import dev.sockbridge.proxy.auth.TokenAuthenticator;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * websockify's token files as an authenticator: a session whose token (query {@code token},
 * {@code Authorization: Bearer}, or the {@code sockbridge_token} cookie) is listed in the file is
 * admitted with a grant to connect to exactly that line's target and nothing else (no bind, no
 * listen, and a lookup of the target's own name only). Unlisted tokens are refused with 401.
 *
 * <p>File format as {@link BridgeTargets#tokenFile}: {@code token: host:port} lines, {@code #}
 * comments, an optional {@code tcp://}/{@code udp://} prefix (default TCP), a directory of such
 * files; re-read when a file's modification time changes.
 *
 * <p>A target given by name is resolved when the session is admitted, off the event loop, and the
 * grant allows the addresses it resolved to then. Thread-safe.
 */
public final class TokenFileAuthenticator implements CredentialAuthenticator {
    private final BridgeTargets targets;
    private final SessionLimits limits;
    private final Executor resolver;

    private TokenFileAuthenticator(BridgeTargets targets, SessionLimits limits, Executor resolver) {
        this.targets = targets;
        this.limits = limits;
        this.resolver = resolver;
    }

    /** Reads {@code file} now (failing on a missing or malformed file) and on every change. */
    public static TokenFileAuthenticator of(Path file) {
        return new TokenFileAuthenticator(BridgeTargets.tokenFile(file, BridgeTargets.Kind.TCP), null, ForkJoinPool.commonPool());
    }

    /** Sessions admitted by token get these limits too (the smaller of these and the proxy's wins). */
    public TokenFileAuthenticator withLimits(SessionLimits l) {
        return new TokenFileAuthenticator(targets, l, resolver);
    }

    /** The target a token names, or null when the file does not list it. */
    public BridgeTargets.Target target(String token) {
        if (token == null || token.isEmpty() || token.length() > 1024) {
            return null;
        }
        return targets.resolve("/?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    /** Recognises a token the file lists. */
    @Override
    public boolean recognises(ConnectRequest request) {
        return TokenAuthenticator.presentedToken(request).map(this::target).isPresent();
    }

    @Override
    public CompletionStage<SessionGrant> authenticate(ConnectRequest request) {
        Optional<String> token = TokenAuthenticator.presentedToken(request);
        if (token.isEmpty()) {
            return CompletableFuture.failedFuture(new AuthenticationException(401, "no token"));
        }
        BridgeTargets.Target t = target(token.get());
        if (t == null) {
            return CompletableFuture.failedFuture(new AuthenticationException(401, "unknown token"));
        }
        String subject = "token " + fingerprint(token.get());
        if (isNumeric(t.host())) {
            return CompletableFuture.completedFuture(grant(subject, t, List.of(t.host()), List.of()));
        }
        // a name lookup may block: off the event loop, completing with the refusal itself (not wrapped)
        CompletableFuture<SessionGrant> f = new CompletableFuture<>();
        resolver.execute(() -> {
            try {
                List<String> hosts = new ArrayList<>();
                for (InetAddress a : InetAddress.getAllByName(t.host())) {
                    hosts.add(a.getHostAddress());
                }
                f.complete(grant(subject, t, hosts, List.of(t.host())));
            } catch (UnknownHostException e) {
                f.completeExceptionally(new AuthenticationException(403, "token's target does not resolve"));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private SessionGrant grant(String subject, BridgeTargets.Target t, List<String> hosts, List<String> names) {
        String proto = t.kind() == BridgeTargets.Kind.UDP ? "/udp" : "/tcp";
        List<String> rules = new ArrayList<>();
        for (String h : hosts) {
            int pct = h.indexOf('%');
            String bare = pct >= 0 ? h.substring(0, pct) : h;
            rules.add((bare.contains(":") ? "[" + bare + "]" : bare) + ":" + t.port() + proto);
        }
        return new SessionGrant(subject, SocketPolicy.ofGrantRules(rules, List.of(), names, false), limits, null);
    }

    private static boolean isNumeric(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }

    /** A short stand-in for the token in logs, so the secret itself is never logged. */
    static String fingerprint(String token) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}

package dev.sockbridge.proxy.auth;

import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.proxy.AuthenticationException;
import dev.sockbridge.proxy.SessionAuthenticator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link SessionAuthenticator} for one kind of credential, which can tell whether a request
 * carries that kind at all. {@link #firstOf} combines several: the first that recognises the
 * request's credential decides, so a token file and signed tokens can share the {@code token}
 * parameter, and a native client with a certificate need not also bring a token.
 */
public interface CredentialAuthenticator extends SessionAuthenticator {

    /** True when the request carries a credential of this kind (valid or not). Cheap; must not block. */
    boolean recognises(ConnectRequest request);

    /**
     * Asks each authenticator in order whether it recognises the request; the first that does
     * decides (admits or refuses). A request none recognises is refused with 401.
     */
    static SessionAuthenticator firstOf(List<? extends CredentialAuthenticator> authenticators) {
        List<CredentialAuthenticator> all = List.copyOf(authenticators);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no authenticators");
        }
        return request -> {
            for (CredentialAuthenticator a : all) {
                if (a.recognises(request)) {
                    return a.authenticate(request);
                }
            }
            boolean presented = TokenAuthenticator.presentedToken(request).isPresent();
            return CompletableFuture.failedFuture(new AuthenticationException(401,
                    presented ? "unknown token" : "credentials required"));
        };
    }
}

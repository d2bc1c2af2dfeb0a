package dev.sockbridge.proxy.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.proxy.AuthenticationException;
import dev.sockbridge.proxy.SessionAuthenticator;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** What every authenticator test checks of a refusal, whichever authenticator and module: a 401 and its reason. */
public final class Refusals {
    private Refusals() {
    }

    /** The reason {@code a} refuses {@code r} with (waiting at most 10 s); fails unless it refuses with 401. */
    public static String refusal(ConnectRequest r, SessionAuthenticator a) {
        CompletionException e = assertThrows(CompletionException.class,
                () -> a.authenticate(r).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join());
        AuthenticationException ae = (AuthenticationException) e.getCause();
        assertEquals(401, ae.status());
        return ae.reason();
    }
}

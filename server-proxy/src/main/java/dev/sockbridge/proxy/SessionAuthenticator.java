package dev.sockbridge.proxy;

import dev.sockbridge.api.transport.ConnectRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a client may have a session, before the session exists: at the WebSocket upgrade,
 * the WebTransport CONNECT, or the start of a raw QUIC or in-process connection, for every transport
 * and front end the proxy serves. Fails closed: a stage that fails, or completes with null, refuses.
 *
 * <p><b>Threading.</b> Called on an event loop: it must not block. A slow check (a call to a game
 * backend) returns a stage that completes later.
 *
 * <p>Refuse by completing exceptionally with an {@link AuthenticationException}, whose HTTP status
 * (401, 403) and reason the client sees; any other failure is a 403 with a generic reason.
 */
@FunctionalInterface
public interface SessionAuthenticator {

    CompletionStage<SessionGrant> authenticate(ConnectRequest request);

    /** Admits everyone with the proxy's own policy and limits (the default when none is set). */
    static SessionAuthenticator none() {
        return r -> CompletableFuture.completedFuture(SessionGrant.proxyDefaults("anonymous"));
    }
}

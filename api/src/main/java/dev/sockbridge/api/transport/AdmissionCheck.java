package dev.sockbridge.api.transport;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a client may have a session, from what it presented ({@link ConnectRequest}), before the
 * session exists: before a WebSocket upgrade is answered, before a WebTransport CONNECT gets its 200, when a raw
 * QUIC connection or an in-process connection starts.
 *
 * <p><b>Threading.</b> Called on the connection's event loop: it must not block. A slow check returns a stage
 * that completes later, on any thread; the transport continues on its own loop and copes with the client
 * having left meanwhile (it then {@link Admission#release() releases} the admission).
 *
 * <p><b>Fails closed.</b> A check that throws, or whose stage fails or completes with null, refuses the
 * client (HTTP 403, close code 1008).
 */
@FunctionalInterface
public interface AdmissionCheck {

    CompletionStage<Admission> admit(ConnectRequest request);

    /** Admits everyone, with nothing attached. */
    static AdmissionCheck admitAll() {
        return r -> CompletableFuture.completedFuture(Admission.admit());
    }
}

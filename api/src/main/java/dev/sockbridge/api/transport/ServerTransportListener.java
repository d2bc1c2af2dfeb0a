package dev.sockbridge.api.transport;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Told of each connection a {@link ServerTransport} accepts.
 *
 * <p>A server asks {@link #admit} first, before the connection is answered (the WebSocket upgrade, the
 * WebTransport CONNECT) or, without HTTP, as soon as it starts; a refused client gets the admission's status
 * or close code and never becomes a transport. An admitted one is handed to {@link #transportCreated}, and the
 * transport carries the request and the admission's attachment ({@link Transport#connectRequest()},
 * {@link Transport#attachment()}).
 *
 * <p><b>Threading.</b> Both methods are called on an I/O thread (in Sockbridge's transports, the new
 * connection's event loop) and must not block: {@link #admit} answers through its {@code CompletionStage}, so a
 * slow check completes later on any thread.
 */
@FunctionalInterface
public interface ServerTransportListener {
    /** A new connection: the listener must {@link Transport#start} it (or close it). */
    void transportCreated(Transport transport);

    /**
     * Whether the client may have a session; see {@link AdmissionCheck} for threading and failure. The default
     * admits everyone.
     */
    default CompletionStage<Admission> admit(ConnectRequest request) {
        return CompletableFuture.completedFuture(Admission.admit());
    }
}

package dev.sockbridge.api.transport;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * A listener that hands each accepted connection to a {@link ServerTransportListener}.
 *
 * <p><b>Lifecycle.</b> {@link #start} binds and returns once listening (or fails);
 * {@link #shutdown} stops accepting new connections and leaves open ones alone;
 * {@link #shutdownNow} also closes them. Both are idempotent.
 *
 * <p><b>Threading.</b> Safe from any thread. The listener is called on the server's I/O threads (in Sockbridge's
 * transports, the event loop of the new connection, which becomes its transport's {@link Transport#executor()}).
 */
public interface ServerTransport {

    /** Starts listening; completes with the URI clients can use (with the real port if 0 was asked). */
    CompletableFuture<URI> start(ServerTransportListener listener);

    /** The URI clients use, once started. */
    URI uri();

    /** Stops accepting new connections. */
    CompletableFuture<Void> shutdown();

    /** Stops accepting and closes every open connection. */
    CompletableFuture<Void> shutdownNow();
}

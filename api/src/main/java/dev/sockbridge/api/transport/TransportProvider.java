package dev.sockbridge.api.transport;

import java.net.URI;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Makes transports for some URI schemes. Providers are found with {@link java.util.ServiceLoader}
 * (list the class in {@code META-INF/services/dev.sockbridge.api.transport.TransportProvider});
 * {@link Transports} picks, for a scheme, the available provider of highest {@link #priority()}.
 * Implementations must be thread-safe and cheap to construct.
 */
public interface TransportProvider {

    /** The URI schemes served, lower case ("ws", "wss", "inprocess", ...). */
    Set<String> schemes();

    /** Higher wins when several providers serve one scheme. Default 5. */
    default int priority() {
        return 5;
    }

    /** False when something the provider needs is missing at run time (a native library, say). */
    default boolean isAvailable() {
        return true;
    }

    /** Connects to a proxy at {@code uri}; completes with an open transport. */
    CompletableFuture<Transport> connect(URI uri, TransportOptions options);

    /** A server transport that will listen at {@code uri} once started. */
    ServerTransport newServer(URI uri, TransportOptions options);
}

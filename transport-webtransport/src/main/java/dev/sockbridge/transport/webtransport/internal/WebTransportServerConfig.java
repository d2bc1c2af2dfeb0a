package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.api.transport.AdmissionCheck;

import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Immutable WebTransport routing and limits of one server.
 *
 * @param routes                   exact request path (no query) to handler; other paths get 404
 * @param originAllowed            decides the {@code Origin} header; a request without one gets 403
 * @param maxSessionsPerConnection concurrent sessions on one QUIC connection; more get 429
 * @param maxPendingStreams        streams per connection held while their session's CONNECT is not yet accepted
 * @param maxPendingDatagrams      datagrams per connection held likewise
 * @param pendingTimeoutMillis     how long such streams and datagrams are held before they are dropped
 * @param accepting                false while the server refuses new sessions (they get 503)
 * @param admission                decides each CONNECT that passed the checks above, before its 200
 * @param allowedHosts             names the {@code :authority} may carry besides IP literals and localhost ("*": any);
 *                                 others get 421 (DNS rebinding)
 */
public record WebTransportServerConfig(Map<String, WebTransportSessionHandler> routes,
                                       Predicate<String> originAllowed,
                                       int maxSessionsPerConnection,
                                       int maxPendingStreams,
                                       int maxPendingDatagrams,
                                       long pendingTimeoutMillis,
                                       BooleanSupplier accepting,
                                       AdmissionCheck admission,
                                       java.util.Set<String> allowedHosts) {

    /** Without an admission check: every CONNECT that passes the other checks is admitted. */
    public WebTransportServerConfig(Map<String, WebTransportSessionHandler> routes, Predicate<String> originAllowed,
                                    int maxSessionsPerConnection, int maxPendingStreams, int maxPendingDatagrams,
                                    long pendingTimeoutMillis, BooleanSupplier accepting) {
        this(routes, originAllowed, maxSessionsPerConnection, maxPendingStreams, maxPendingDatagrams,
                pendingTimeoutMillis, accepting, AdmissionCheck.admitAll(), java.util.Set.of());
    }

    public WebTransportServerConfig {
        routes = Map.copyOf(routes);
        allowedHosts = java.util.Set.copyOf(allowedHosts);
        if (maxSessionsPerConnection < 1 || maxPendingStreams < 0 || maxPendingDatagrams < 0
                || pendingTimeoutMillis < 0) {
            throw new IllegalArgumentException("negative or zero limit");
        }
    }
}

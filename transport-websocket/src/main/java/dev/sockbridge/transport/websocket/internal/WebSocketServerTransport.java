package dev.sockbridge.transport.websocket.internal;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.Admission;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.ServerTransportListener;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.transport.websocket.WebSocketRoute;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Sockbridge {@link ServerTransport} over WebSocket: one route ({@code sockbridge.v1}) on a
 * {@link ServerEngine}. Made by the provider it owns its engine (shutdown closes the port); made by
 * {@code WebSocketServer.transport(path)} it shares the server's port with other routes and shutdown
 * only removes its route (later upgrades to the path get 404).
 */
public final class WebSocketServerTransport implements ServerTransport {
    private final ServerEngine engine;
    private final String path;
    private final boolean ownsEngine;
    private final Set<Transport> open = ConcurrentHashMap.newKeySet();
    private WebSocketRoute route;
    private volatile URI uri;
    private volatile boolean stopping;

    public WebSocketServerTransport(ServerEngine engine, String path, boolean ownsEngine) {
        this.engine = engine;
        this.path = path;
        this.ownsEngine = ownsEngine;
    }

    @Override
    public synchronized CompletableFuture<URI> start(ServerTransportListener listener) {
        if (route != null) {
            return CompletableFuture.failedFuture(new IllegalStateException("already started"));
        }
        WebSocketRoute r = WebSocketRoute.sockbridge(path, new ServerTransportListener() {
            @Override
            public void transportCreated(Transport t) {
                if (stopping) {
                    t.close(CloseCode.GOING_AWAY.code(), "server shutting down");
                    return;
                }
                open.add(t);
                t.closeFuture().whenComplete((v, e) -> open.remove(t));
                listener.transportCreated(t);
            }

            @Override
            public CompletionStage<Admission> admit(ConnectRequest request) {
                return listener.admit(request);
            }
        });
        try {
            engine.addRoute(r);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        route = r;
        return engine.start().handle((addr, err) -> {
            if (err != null) {
                engine.removeRoute(path, r);
                throw new java.util.concurrent.CompletionException(err);
            }
            uri = engine.uri(path);
            return uri;
        });
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        WebSocketRoute r;
        synchronized (this) {
            r = route;
        }
        if (r != null) {
            engine.removeRoute(path, r);
        }
        return ownsEngine ? engine.shutdown() : CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> shutdownNow() {
        stopping = true;
        List<CompletableFuture<Void>> all = new ArrayList<>();
        all.add(shutdown());
        for (Transport t : open) {
            t.close(CloseCode.GOING_AWAY.code(), "server shutting down");
            all.add(t.closeFuture());
        }
        if (ownsEngine) {
            all.add(engine.shutdownNow());
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
    }

    @Override
    public String toString() {
        return "WebSocketServerTransport[" + (uri != null ? uri : path) + "]";
    }
}

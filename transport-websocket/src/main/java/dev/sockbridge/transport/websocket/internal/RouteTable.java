package dev.sockbridge.transport.websocket.internal;

import dev.sockbridge.transport.websocket.WebSocketRoute;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The routes of a server by path, and the choice of one for an upgrade. Several routes may share a
 * path when the subprotocol tells them apart (no name spoken by two of them, at most one serving
 * clients that offer none); {@link WebSocketRoute#ANY_PATH} holds the routes for every path that has
 * none of its own. This is what lets one port answer at {@code /} the way the tools it replaces do:
 * the protocol is told by the subprotocol, not by the path.
 *
 * <p>Thread-safe: changes are serialized, lookups read an immutable list per path.
 */
final class RouteTable {
    private final Map<String, List<WebSocketRoute>> byPath = new ConcurrentHashMap<>();

    /** The route chosen for an upgrade and the subprotocol to answer with (null: none); or why there is none. */
    record Choice(WebSocketRoute route, String subprotocol, String refusal) {
    }

    synchronized void add(WebSocketRoute route) {
        List<WebSocketRoute> at = byPath.getOrDefault(route.path(), List.of());
        for (WebSocketRoute r : at) {
            for (String p : route.subprotocols()) {
                if (r.subprotocols().contains(p)) {
                    throw new IllegalStateException("a route at " + route.path() + " already speaks subprotocol " + p);
                }
            }
            if (!route.requiresSubprotocol() && !r.requiresSubprotocol()) {
                throw new IllegalStateException("a route at " + route.path()
                        + " already serves clients that offer no subprotocol (a route is already at this path)");
            }
        }
        List<WebSocketRoute> next = new ArrayList<>(at);
        next.add(route);
        byPath.put(route.path(), List.copyOf(next));
    }

    /** Removes {@code route} from {@code path}, or every route there when it is null. */
    synchronized boolean remove(String path, WebSocketRoute route) {
        List<WebSocketRoute> at = byPath.get(path);
        if (at == null) {
            return false;
        }
        if (route == null) {
            byPath.remove(path);
            return true;
        }
        List<WebSocketRoute> next = new ArrayList<>(at);
        if (!next.remove(route)) {
            return false;
        }
        if (next.isEmpty()) {
            byPath.remove(path);
        } else {
            byPath.put(path, List.copyOf(next));
        }
        return true;
    }

    /** The routes that serve an upgrade to {@code path}: its own, else the catch-all's; empty if none. */
    List<WebSocketRoute> candidates(String path) {
        List<WebSocketRoute> own = byPath.get(path);
        if (own != null) {
            return own;
        }
        return byPath.getOrDefault(WebSocketRoute.ANY_PATH, List.of());
    }

    /** Whether {@code path} is a WebSocket endpoint for a plain request's answer (426 rather than 404). */
    boolean isEndpoint(String path) {
        return byPath.containsKey(path) || (path.equals("/") && byPath.containsKey(WebSocketRoute.ANY_PATH));
    }

    /**
     * Picks the route for a client's offers: the first offer (in the client's order) that a route speaks
     * decides; a client that offers none goes to the route that serves such clients. Offers no route
     * speaks are ignored when another offer fits. Otherwise the refusal says what is spoken at
     * {@code path}.
     */
    static Choice choose(List<WebSocketRoute> candidates, List<String> offered, String path) {
        for (String o : offered) {
            for (WebSocketRoute r : candidates) {
                if (r.subprotocols().contains(o)) {
                    return new Choice(r, o, null);
                }
            }
        }
        Set<String> spoken = new LinkedHashSet<>();
        for (WebSocketRoute r : candidates) {
            spoken.addAll(r.subprotocols());
        }
        if (!offered.isEmpty()) {
            return new Choice(null, null, "none of the offered subprotocols " + offered + " is spoken at " + path
                    + "; it speaks " + List.copyOf(spoken));
        }
        for (WebSocketRoute r : candidates) {
            if (!r.requiresSubprotocol()) {
                return new Choice(r, null, null);
            }
        }
        return new Choice(null, null, "a subprotocol is required at " + path + ": one of " + List.copyOf(spoken));
    }
}

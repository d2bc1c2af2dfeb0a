package dev.sockbridge.transport.websocket;

/**
 * Answers plain HTTP GET/HEAD requests a {@link WebSocketServer} gets for paths that are not
 * WebSocket upgrades and not in its static map: a hook for a demo page or a directory of files.
 *
 * <p><b>Threading.</b> Called on an event loop: it must not block (keep content in memory).
 */
@FunctionalInterface
public interface HttpHandler {

    /**
     * The response for {@code path} (decoded, without query), or null for 404.
     *
     * @param path  the request path, e.g. {@code /index.html}
     * @param query the raw query string, or null
     */
    StaticContent get(String path, String query);
}

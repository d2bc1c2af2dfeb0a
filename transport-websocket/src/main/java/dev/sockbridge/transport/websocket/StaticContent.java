package dev.sockbridge.transport.websocket;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A plain HTTP response body a {@link WebSocketServer} serves for GET (and HEAD) requests: a demo
 * page, a script, a small file. Immutable; the bytes are not copied, so do not change them after.
 */
public record StaticContent(String contentType, byte[] body) {

    public StaticContent {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
    }

    public static StaticContent html(String html) {
        return new StaticContent("text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    public static StaticContent text(String text) {
        return new StaticContent("text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    public static StaticContent of(String contentType, byte[] body) {
        return new StaticContent(contentType, body);
    }
}

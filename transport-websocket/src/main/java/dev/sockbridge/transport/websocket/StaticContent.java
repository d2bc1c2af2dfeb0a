package dev.sockbridge.transport.websocket;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A plain HTTP response body a {@link WebSocketServer} serves for GET (and HEAD) requests: a demo
 * page, a script, a small file, a health check's answer. Immutable; the bytes are not copied, so do
 * not change them after. {@code status} is the HTTP status (200 unless made with {@link #withStatus}).
 */
public record StaticContent(String contentType, byte[] body, int status) {

    public StaticContent {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("HTTP status " + status);
        }
    }

    public StaticContent(String contentType, byte[] body) {
        this(contentType, body, 200);
    }

    /** The same body with another status: a readiness check answers 503 while the proxy drains. */
    public StaticContent withStatus(int httpStatus) {
        return new StaticContent(contentType, body, httpStatus);
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

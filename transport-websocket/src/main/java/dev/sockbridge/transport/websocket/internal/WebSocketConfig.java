package dev.sockbridge.transport.websocket.internal;

import static dev.sockbridge.transport.websocket.WebSocketOptions.ALLOWED_HOSTS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.ALLOWED_ORIGINS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.CLOSE_TIMEOUT_MILLIS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.CONNECT_TIMEOUT_MILLIS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.DEFAULT_CLOSE_TIMEOUT_MILLIS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.DEFAULT_CONNECT_TIMEOUT_MILLIS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.DEFAULT_SERVER_IDLE_TIMEOUT_MILLIS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.DEFAULT_SERVER_PING_INTERVAL_MILLIS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.HANDSHAKE_TIMEOUT_MILLIS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.IDLE_TIMEOUT_MILLIS;
import static dev.sockbridge.transport.websocket.WebSocketOptions.NATIVE_TRANSPORT;
import static dev.sockbridge.transport.websocket.WebSocketOptions.PING_INTERVAL_MILLIS;

import dev.sockbridge.api.transport.TransportOptions;
import io.netty.channel.WriteBufferWaterMark;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The options one side of the WebSocket transport runs with, read and checked once. */
public record WebSocketConfig(
        TransportOptions options,
        int maxFrameSize,
        int highWaterMark,
        int lowWaterMark,
        long pingIntervalMillis,
        long idleTimeoutMillis,
        long closeTimeoutMillis,
        long handshakeTimeoutMillis,
        int connectTimeoutMillis,
        Set<String> allowedOrigins,
        Set<String> allowedHosts,
        boolean nativeTransport) {

    public static WebSocketConfig forServer(TransportOptions o) {
        return of(o, DEFAULT_SERVER_PING_INTERVAL_MILLIS, DEFAULT_SERVER_IDLE_TIMEOUT_MILLIS);
    }

    public static WebSocketConfig forClient(TransportOptions o) {
        return of(o, 0, 0);
    }

    private static WebSocketConfig of(TransportOptions o, int defPing, int defIdle) {
        int high = o.getInt(TransportOptions.HIGH_WATER_MARK, TransportOptions.DEFAULT_HIGH_WATER_MARK);
        int low = o.getInt(TransportOptions.LOW_WATER_MARK, Math.min(TransportOptions.DEFAULT_LOW_WATER_MARK, high));
        if (low > high || low < 0) {
            throw new IllegalArgumentException("need 0 <= lowWaterMark <= highWaterMark, got " + low + " and " + high);
        }
        int max = o.maxFrameSize();
        if (max <= 0) {
            throw new IllegalArgumentException("maxFrameSize must be positive: " + max);
        }
        Set<String> origins = Arrays.stream(o.get(ALLOWED_ORIGINS, "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).map(WebSocketConfig::normalizeOrigin)
                .collect(Collectors.toUnmodifiableSet());
        return new WebSocketConfig(o, max, high, low,
                nonNegative(o, PING_INTERVAL_MILLIS, defPing),
                nonNegative(o, IDLE_TIMEOUT_MILLIS, defIdle),
                Math.max(1, nonNegative(o, CLOSE_TIMEOUT_MILLIS, DEFAULT_CLOSE_TIMEOUT_MILLIS)),
                Math.max(1, nonNegative(o, HANDSHAKE_TIMEOUT_MILLIS, DEFAULT_HANDSHAKE_TIMEOUT_MILLIS)),
                (int) Math.max(1, nonNegative(o, CONNECT_TIMEOUT_MILLIS, DEFAULT_CONNECT_TIMEOUT_MILLIS)),
                origins,
                Arrays.stream(o.get(ALLOWED_HOSTS, "").split(","))
                        .map(String::trim).filter(h -> !h.isEmpty()).map(h -> h.toLowerCase(Locale.ROOT))
                        .collect(Collectors.toUnmodifiableSet()),
                o.getBoolean(NATIVE_TRANSPORT, true));
    }

    private static long nonNegative(TransportOptions o, String key, int def) {
        int v = o.getInt(key, def);
        if (v < 0) {
            throw new IllegalArgumentException(key + " must not be negative: " + v);
        }
        return v;
    }

    /** Origins compare case-insensitively, without a trailing slash. */
    public static String normalizeOrigin(String origin) {
        String s = origin.trim().toLowerCase(Locale.ROOT);
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    public WriteBufferWaterMark waterMark() {
        return new WriteBufferWaterMark(lowWaterMark, highWaterMark);
    }
}

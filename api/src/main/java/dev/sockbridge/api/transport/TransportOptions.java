package dev.sockbridge.api.transport;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Settings a provider reads when it makes a transport: a string map, so that a provider can take
 * its own keys (TLS files, origins, paths) without the SPI knowing them. Immutable.
 * Common keys: {@link #MAX_FRAME_SIZE}, {@link #HIGH_WATER_MARK}, {@link #LOW_WATER_MARK}.
 */
public final class TransportOptions {
    public static final String MAX_FRAME_SIZE = "maxFrameSize";
    public static final String HIGH_WATER_MARK = "highWaterMark";
    public static final String LOW_WATER_MARK = "lowWaterMark";

    public static final int DEFAULT_MAX_FRAME_SIZE = 1 << 20;
    public static final int DEFAULT_HIGH_WATER_MARK = 1 << 20;
    public static final int DEFAULT_LOW_WATER_MARK = 512 << 10;

    private static final TransportOptions DEFAULTS = new TransportOptions(Map.of());
    private final Map<String, String> values;

    private TransportOptions(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static TransportOptions defaults() {
        return DEFAULTS;
    }

    public static TransportOptions of(Map<String, String> values) {
        return new TransportOptions(values);
    }

    /** A copy with one more (or a replaced) key. */
    public TransportOptions with(String key, Object value) {
        Map<String, String> m = new LinkedHashMap<>(values);
        m.put(key, String.valueOf(Objects.requireNonNull(value)));
        return new TransportOptions(m);
    }

    public String get(String key, String def) {
        return values.getOrDefault(key, def);
    }

    public int getInt(String key, int def) {
        String v = values.get(key);
        return v == null ? def : Integer.parseInt(v.trim());
    }

    public boolean getBoolean(String key, boolean def) {
        String v = values.get(key);
        return v == null ? def : Boolean.parseBoolean(v.trim());
    }

    public int maxFrameSize() {
        return getInt(MAX_FRAME_SIZE, DEFAULT_MAX_FRAME_SIZE);
    }

    public Map<String, String> asMap() {
        return values;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}

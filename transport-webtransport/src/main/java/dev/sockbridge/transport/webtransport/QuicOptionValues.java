package dev.sockbridge.transport.webtransport;

import dev.sockbridge.transport.webtransport.internal.RawQuicServer;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.transport.webtransport.internal.QuicOptions;
import dev.sockbridge.transport.webtransport.internal.ServerSettings;
import dev.sockbridge.transport.webtransport.internal.StreamSettings;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/** Reads {@link QuicTransportOptions} keys. Stateless. */
final class QuicOptionValues {
    static final String WEBTRANSPORT = "webtransport";
    static final String QUIC = "quic";

    private QuicOptionValues() {
    }

    static boolean isWebTransport(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals(WEBTRANSPORT)) {
            return true;
        }
        if (scheme.equals(QUIC)) {
            return false;
        }
        throw new IllegalArgumentException("not a webtransport:// or quic:// URI: " + uri);
    }

    static String host(URI uri) {
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("URI needs a host: " + uri);
        }
        String h = uri.getHost();
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    /** The URI's path, or {@link QuicTransportOptions#DEFAULT_PATH} when it has none. */
    static String path(URI uri) {
        String p = uri.getRawPath();
        return p == null || p.isEmpty() || p.equals("/") ? QuicTransportOptions.DEFAULT_PATH : p;
    }

    static StreamSettings streamSettings(TransportOptions o, boolean webTransport, boolean server) {
        return new StreamSettings(
                webTransport ? WEBTRANSPORT : QUIC,
                !webTransport,
                o.maxFrameSize(),
                o.getInt(TransportOptions.HIGH_WATER_MARK, TransportOptions.DEFAULT_HIGH_WATER_MARK),
                o.getInt(TransportOptions.LOW_WATER_MARK, TransportOptions.DEFAULT_LOW_WATER_MARK),
                o.getInt(QuicTransportOptions.CLOSE_TIMEOUT_MILLIS, QuicTransportOptions.DEFAULT_CLOSE_TIMEOUT_MILLIS),
                server ? 0 : o.getInt(QuicTransportOptions.KEEP_ALIVE_MILLIS,
                        QuicTransportOptions.DEFAULT_KEEP_ALIVE_MILLIS),
                server ? o.getInt(QuicTransportOptions.MAIN_STREAM_TIMEOUT_MILLIS,
                        QuicTransportOptions.DEFAULT_MAIN_STREAM_TIMEOUT_MILLIS) : 0);
    }

    static void applyQuic(TransportOptions o, QuicOptions q) {
        q.idleTimeout = Duration.ofMillis(o.getInt(QuicTransportOptions.IDLE_TIMEOUT_MILLIS,
                QuicTransportOptions.DEFAULT_IDLE_TIMEOUT_MILLIS));
        q.initialMaxStreamData = o.getInt(QuicTransportOptions.STREAM_WINDOW, QuicTransportOptions.DEFAULT_STREAM_WINDOW);
        q.initialMaxData = o.getInt(QuicTransportOptions.CONNECTION_WINDOW,
                QuicTransportOptions.DEFAULT_CONNECTION_WINDOW);
        q.maxBidiStreams = o.getInt(QuicTransportOptions.MAX_STREAMS, QuicTransportOptions.DEFAULT_MAX_STREAMS);
        // HTTP/3 opens a control and two QPACK streams whatever is asked
        q.maxUniStreams = Math.max(3, o.getInt(QuicTransportOptions.MAX_UNI_STREAMS,
                QuicTransportOptions.DEFAULT_MAX_UNI_STREAMS));
    }

    static void applyServerLimits(TransportOptions o, ServerSettings s) {
        s.addressValidation = o.getBoolean(QuicTransportOptions.ADDRESS_VALIDATION, true);
        s.maxConnections = positive(o, QuicTransportOptions.MAX_CONNECTIONS,
                QuicTransportOptions.DEFAULT_MAX_CONNECTIONS);
        s.maxReassemblyBytes = positive(o, QuicTransportOptions.MAX_REASSEMBLY_BYTES,
                QuicTransportOptions.DEFAULT_MAX_REASSEMBLY_BYTES);
    }

    private static int positive(TransportOptions o, String key, int def) {
        int v = o.getInt(key, def);
        if (v < 1) {
            throw new IllegalArgumentException(key + " must be positive: " + v);
        }
        return v;
    }

    static String alpn(TransportOptions o) {
        return o.get(QuicTransportOptions.ALPN, RawQuicServer.DEFAULT_ALPN);
    }

    static List<String> list(TransportOptions o, String key) {
        List<String> out = new ArrayList<>();
        String v = o.get(key, "");
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /** SHA-256 pins, each base64 (standard or URL-safe, padded or not) or 64 hex digits. */
    static List<byte[]> pins(TransportOptions o) {
        List<byte[]> out = new ArrayList<>();
        for (String s : list(o, QuicTransportOptions.CERTIFICATE_SHA256)) {
            byte[] b;
            if (s.length() == 64 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                b = HexFormat.of().parseHex(s);
            } else {
                String std = s.replace('-', '+').replace('_', '/');
                b = Base64.getDecoder().decode(std);
            }
            if (b.length != 32) {
                throw new IllegalArgumentException("certificateSha256 '" + s + "' is not a SHA-256 hash");
            }
            out.add(b);
        }
        return out;
    }
}

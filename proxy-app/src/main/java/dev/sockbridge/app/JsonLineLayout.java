package dev.sockbridge.app;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * {@code --log-format json}: one JSON object per line, flat, as log shippers (Vector, Fluent Bit, Promtail,
 * Filebeat) take them: {@code time} (ISO-8601, UTC), {@code level}, {@code logger}, {@code thread},
 * {@code message}, the event's SLF4J key-value pairs as fields of their own (numbers stay numbers; the access
 * log's fields come this way), and {@code exception} with the stack trace when there is one. Logback's own
 * JsonEncoder nests the pairs in a list of one-key objects, which queries cannot address by name.
 */
final class JsonLineLayout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"time\":");
        string(sb, Instant.ofEpochMilli(e.getTimeStamp()).toString());
        sb.append(",\"level\":");
        string(sb, e.getLevel().toString());
        sb.append(",\"logger\":");
        string(sb, e.getLoggerName());
        sb.append(",\"thread\":");
        string(sb, e.getThreadName());
        sb.append(",\"message\":");
        string(sb, e.getFormattedMessage());
        List<KeyValuePair> kvs = e.getKeyValuePairs();
        if (kvs != null) {
            for (KeyValuePair kv : kvs) {
                if (kv.key == null || isReserved(kv.key)) {
                    continue;
                }
                sb.append(',');
                string(sb, kv.key);
                sb.append(':');
                if (kv.value instanceof Number || kv.value instanceof Boolean) {
                    sb.append(kv.value);
                } else if (kv.value == null) {
                    sb.append("null");
                } else {
                    string(sb, String.valueOf(kv.value));
                }
            }
        }
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            sb.append(",\"exception\":");
            string(sb, ThrowableProxyUtil.asString(t));
        }
        return sb.append('}').append(CoreConstants.LINE_SEPARATOR).toString();
    }

    private static boolean isReserved(String key) {
        return switch (key) {
            case "time", "level", "logger", "thread", "message", "exception" -> true;
            default -> false;
        };
    }

    static void string(StringBuilder sb, String s) {
        if (s == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}

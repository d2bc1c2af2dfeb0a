package dev.sockbridge.api;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A typed socket option: its {@code (level, name)} pair in Linux numbering and the Java type of its
 * value. On the wire every value is one integer ({@link #toWire}/{@link #fromWire}):
 * flags are 0 or 1, sizes and counts are themselves, timeouts are microseconds (0 = none), and
 * {@link #SO_LINGER} is the linger time in seconds or -1 when lingering is off.
 *
 * <p>A call may name any {@code (level, name)} pair; one the proxy does not know gets
 * {@link Errno#ENOPROTOOPT}.
 *
 * <p>Level {@link #SOL_SOCKBRIDGE} ({@code 0x5342}, "SB") holds Sockbridge's own options, which the proxy
 * answers itself (no native socket has them): {@link #SB_DATAGRAMS_DROPPED}.
 *
 * @param <T> the value type
 */
public final class SocketOption<T> {
    /** How a value maps to the integer on the wire. */
    public enum Kind { FLAG, INT, TIMEOUT, LINGER }

    private static final Map<Long, SocketOption<?>> KNOWN = new LinkedHashMap<>();

    public static final SocketOption<Boolean> SO_REUSEADDR = flag("SO_REUSEADDR", Posix.SOL_SOCKET, 2, false);
    public static final SocketOption<Integer> SO_TYPE = integer("SO_TYPE", Posix.SOL_SOCKET, 3, true);
    public static final SocketOption<Integer> SO_ERROR = integer("SO_ERROR", Posix.SOL_SOCKET, 4, true);
    public static final SocketOption<Boolean> SO_BROADCAST = flag("SO_BROADCAST", Posix.SOL_SOCKET, 6, false);
    public static final SocketOption<Integer> SO_SNDBUF = integer("SO_SNDBUF", Posix.SOL_SOCKET, 7, false);
    public static final SocketOption<Integer> SO_RCVBUF = integer("SO_RCVBUF", Posix.SOL_SOCKET, 8, false);
    public static final SocketOption<Boolean> SO_KEEPALIVE = flag("SO_KEEPALIVE", Posix.SOL_SOCKET, 9, false);
    public static final SocketOption<Boolean> SO_OOBINLINE = flag("SO_OOBINLINE", Posix.SOL_SOCKET, 10, false);
    public static final SocketOption<Duration> SO_LINGER = new SocketOption<>("SO_LINGER", Posix.SOL_SOCKET, 13, Kind.LINGER, false);
    public static final SocketOption<Boolean> SO_REUSEPORT = flag("SO_REUSEPORT", Posix.SOL_SOCKET, 15, false);
    public static final SocketOption<Duration> SO_RCVTIMEO = new SocketOption<>("SO_RCVTIMEO", Posix.SOL_SOCKET, 20, Kind.TIMEOUT, false);
    public static final SocketOption<Duration> SO_SNDTIMEO = new SocketOption<>("SO_SNDTIMEO", Posix.SOL_SOCKET, 21, Kind.TIMEOUT, false);
    public static final SocketOption<Boolean> SO_ACCEPTCONN = flag("SO_ACCEPTCONN", Posix.SOL_SOCKET, 30, true);
    public static final SocketOption<Boolean> TCP_NODELAY = flag("TCP_NODELAY", Posix.IPPROTO_TCP, 1, false);
    public static final SocketOption<Integer> IP_TTL = integer("IP_TTL", Posix.IPPROTO_IP, 2, false);
    public static final SocketOption<Integer> IP_TOS = integer("IP_TOS", Posix.IPPROTO_IP, 1, false);
    public static final SocketOption<Boolean> IPV6_V6ONLY = flag("IPV6_V6ONLY", Posix.IPPROTO_IPV6, 26, false);

    /** The level of Sockbridge's own options ('S' 'B'), answered by the proxy rather than a native socket. */
    public static final int SOL_SOCKBRIDGE = 0x5342;
    /**
     * Read-only: the datagrams of this socket the proxy has dropped so far. This counts datagrams received
     * when there was no room or from a source that is not allowed, sends refused because the queue was full,
     * failed fire-and-forget sends (call id 0 on the datagram path), and push events that the transport's
     * datagram path refused. Datagrams lost on the network are not counted: nobody sees them go. On a stream
     * socket the value is 0.
     */
    public static final SocketOption<Integer> SB_DATAGRAMS_DROPPED =
            integer("SB_DATAGRAMS_DROPPED", SOL_SOCKBRIDGE, 1, true);

    private final String name;
    private final int level;
    private final int optname;
    private final Kind kind;
    private final boolean readOnly;

    private SocketOption(String name, int level, int optname, Kind kind, boolean readOnly) {
        this.name = name;
        this.level = level;
        this.optname = optname;
        this.kind = kind;
        this.readOnly = readOnly;
        KNOWN.put(key(level, optname), this);
    }

    private static SocketOption<Boolean> flag(String n, int level, int opt, boolean ro) {
        return new SocketOption<>(n, level, opt, Kind.FLAG, ro);
    }

    private static SocketOption<Integer> integer(String n, int level, int opt, boolean ro) {
        return new SocketOption<>(n, level, opt, Kind.INT, ro);
    }

    private static long key(int level, int name) {
        return ((long) level << 32) | (name & 0xffffffffL);
    }

    /** The known option with this level and name, or {@code null}. */
    public static SocketOption<?> of(int level, int optname) {
        return KNOWN.get(key(level, optname));
    }

    public static Collection<SocketOption<?>> all() {
        return Collections.unmodifiableCollection(KNOWN.values());
    }

    public String name() {
        return name;
    }

    public int level() {
        return level;
    }

    public int optname() {
        return optname;
    }

    public Kind kind() {
        return kind;
    }

    /** True for options that getsockopt reads but setsockopt refuses (EINVAL... here ENOPROTOOPT). */
    public boolean readOnly() {
        return readOnly;
    }

    /** The integer that carries {@code value} on the wire. */
    public long toWire(T value) {
        Objects.requireNonNull(value, "value");
        switch (kind) {
            case FLAG:
                return ((Boolean) value) ? 1 : 0;
            case INT:
                return (Integer) value;
            case TIMEOUT:
                return ((Duration) value).toNanos() / 1000;
            case LINGER:
                Duration d = (Duration) value;
                return d.isNegative() ? -1 : d.getSeconds();
            default:
                throw new AssertionError(kind);
        }
    }

    /** The typed value that {@code wire} carries. A linger of -1 comes back as a negative duration. */
    @SuppressWarnings("unchecked")
    public T fromWire(long wire) {
        switch (kind) {
            case FLAG:
                return (T) Boolean.valueOf(wire != 0);
            case INT:
                return (T) Integer.valueOf((int) wire);
            case TIMEOUT:
                return (T) Duration.ofNanos(wire * 1000);
            case LINGER:
                return (T) (wire < 0 ? Duration.ofSeconds(-1) : Duration.ofSeconds(wire));
            default:
                throw new AssertionError(kind);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}

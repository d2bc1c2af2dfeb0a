package dev.sockbridge.metrics;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.GaiError;
import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.proxy.ProxyListener;
import dev.sockbridge.proxy.ProxyStats;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SockbridgeProxy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * A proxy's sessions, calls, bytes, drops, refusals and native channels as Micrometer meters, in whatever
 * {@link MeterRegistry} the application uses (Prometheus, OTLP, JMX, ...). Counters are driven by the proxy's
 * {@link ProxyListener} events; what is a level rather than a count (sessions and native channels open, bytes
 * buffered) is a gauge read from {@link SockbridgeProxy#stats()} when the registry asks.
 *
 * <pre>
 *   MeterRegistry registry = ...;
 *   SockbridgeMetrics metrics = new SockbridgeMetrics(registry);
 *   SockbridgeProxy proxy = SockbridgeProxy.builder().listener(metrics).build();
 *   metrics.bindTo(proxy);   // the gauges
 * </pre>
 *
 * <p>Meters (Micrometer names; a Prometheus registry writes dots as underscores and adds {@code _total} to counters
 * and the base unit {@code _bytes} where there is one):
 * <table>
 *   <caption>meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>sockbridge.sessions.opened</td><td>counter</td><td>transport, protocol</td></tr>
 *   <tr><td>sockbridge.sessions.closed</td><td>counter</td><td>transport, protocol, code</td></tr>
 *   <tr><td>sockbridge.sessions.refused</td><td>counter</td><td>transport, reason</td></tr>
 *   <tr><td>sockbridge.sessions.active</td><td>gauge</td><td></td></tr>
 *   <tr><td>sockbridge.calls</td><td>counter</td><td>call, errno</td></tr>
 *   <tr><td>sockbridge.calls.denied</td><td>counter</td><td>call</td></tr>
 *   <tr><td>sockbridge.native.bytes</td><td>counter (bytes)</td><td>direction (sent, received)</td></tr>
 *   <tr><td>sockbridge.datagrams.dropped</td><td>counter</td><td>reason</td></tr>
 *   <tr><td>sockbridge.native.channels.opened</td><td>counter</td><td>kind (tcp, tcp-listen, tcp-accepted, udp)</td></tr>
 *   <tr><td>sockbridge.native.channels.active</td><td>gauge</td><td></td></tr>
 *   <tr><td>sockbridge.buffered</td><td>gauge (bytes)</td><td></td></tr>
 *   <tr><td>sockbridge.frames.malformed</td><td>counter</td><td></td></tr>
 * </table>
 * The tags' values are those of {@link ProxyListener}'s events; {@code errno} is the error's name
 * ({@code ECONNREFUSED}, {@code EAI_NONAME}) or {@code none} for success, {@code code} the close code's number.
 *
 * <p><b>Cardinality.</b> Every tag has a bounded set of values: nothing per session, per client address, per
 * descriptor or per target, and never the free-text reasons of denials and closes (those belong in logs). Errnos
 * and close codes Sockbridge does not name are tagged {@code other}; any other tag takes at most
 * {@value #MAX_TAG_VALUES} distinct values (a custom front end's call names, say), then {@code other}.
 *
 * <p><b>Threading.</b> The listener methods are called from the proxy's event loops, many at once; each only
 * increments a counter (lock-free), found in a concurrent map without allocating once its tags have been seen. No
 * lock is held and nothing blocks. Gauges are read on the registry's thread (a scrape), each from one
 * {@link SockbridgeProxy#stats()} snapshot.
 *
 * <p><b>Lifecycle.</b> Counters are registered on first use. {@link #bindTo(SockbridgeProxy)} registers the gauges
 * once; they hold the proxy weakly, as Micrometer's gauges do, and read NaN once it is gone. One instance per proxy
 * and registry: two proxies in one registry need different {@code tags} (say {@code proxy=a}).
 */
public final class SockbridgeMetrics implements ProxyListener {
    /** How many distinct values a tag of open-ended origin takes before further ones are tagged {@code other}. */
    public static final int MAX_TAG_VALUES = 64;

    static final String OTHER = "other";
    static final String NONE = "none";

    private static final Set<Integer> KNOWN_CLOSE_CODES =
            CloseCode.known().stream().map(CloseCode::code).collect(Collectors.toUnmodifiableSet());

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter bytesSent;
    private final Counter bytesReceived;
    private final BoundedValues callNames = new BoundedValues();
    private final BoundedValues transports = new BoundedValues();
    private final BoundedValues protocols = new BoundedValues();
    private final BoundedValues reasons = new BoundedValues();
    private final BoundedValues kinds = new BoundedValues();
    /** call name, then error number: the hot path's counters, reached with no allocation for errnos in -128..127. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<Integer, Counter>> calls = new ConcurrentHashMap<>();
    /** Per-connection and per-datagram counters by their raw tag value, found without building a key. */
    private final ConcurrentHashMap<String, Counter> channelsOpened = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> dropped = new ConcurrentHashMap<>();
    /** Counters of per-session events (opened, closed, refused, denied), by name and tag values. */
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final AtomicBoolean bound = new AtomicBoolean();

    /** Meters in {@code registry}, with no tags of their own. */
    public SockbridgeMetrics(MeterRegistry registry) {
        this(registry, Tags.empty());
    }

    /** Meters in {@code registry}, each with {@code tags} besides its own (to tell two proxies apart, say). */
    public SockbridgeMetrics(MeterRegistry registry, Iterable<Tag> tags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(tags);
        bytesSent = bytes("sent");
        bytesReceived = bytes("received");
    }

    private Counter bytes(String direction) {
        return Counter.builder("sockbridge.native.bytes").baseUnit("bytes")
                .description("bytes written to (sent) and read from (received) native sockets")
                .tags(tags).tag("direction", direction).register(registry);
    }

    /**
     * Registers the gauges over {@code proxy}'s {@link SockbridgeProxy#stats()}: sessions and native channels open,
     * bytes buffered, and the count of malformed frames. Once. Returns this.
     *
     * @throws IllegalStateException if called before
     */
    public SockbridgeMetrics bindTo(SockbridgeProxy proxy) {
        Objects.requireNonNull(proxy, "proxy");
        if (!bound.compareAndSet(false, true)) {
            throw new IllegalStateException("already bound to a proxy");
        }
        gauge("sockbridge.sessions.active", null, "sessions open now", proxy, s -> s.sessionsOpen());
        gauge("sockbridge.native.channels.active", null, "native TCP/UDP channels open now", proxy,
                s -> s.nativeChannelsOpen());
        gauge("sockbridge.buffered", "bytes", "bytes the proxy holds for all sessions now (receive and send queues, "
                + "pending writes, partial messages)", proxy, s -> s.bufferedBytes());
        FunctionCounter.builder("sockbridge.frames.malformed", proxy, p -> p.stats().malformedFrames())
                .description("frames from clients that did not decode").tags(tags).register(registry);
        return this;
    }

    private void gauge(String name, String unit, String description, SockbridgeProxy proxy,
                       ToDoubleFunction<ProxyStats> f) {
        Gauge.builder(name, proxy, p -> f.applyAsDouble(p.stats())).baseUnit(unit).description(description)
                .tags(tags).register(registry);
    }

    /** The counter {@code name} with these tag pairs, registered on first use. Builds a key: not for the hot paths. */
    private Counter counter(String name, String description, String... tagPairs) {
        String key = name + '\0' + String.join("\0", tagPairs);
        Counter c = counters.get(key);
        if (c == null) {
            c = counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags)
                    .tags(tagPairs).register(registry));
        }
        return c;
    }

    @Override
    public void sessionOpened(SessionInfo session) {
        counter("sockbridge.sessions.opened", "sessions admitted and started",
                "transport", transports.of(session.scheme()), "protocol", protocols.of(session.protocol())).increment();
    }

    @Override
    public void sessionClosed(SessionInfo session, int code, String reason) {
        counter("sockbridge.sessions.closed", "sessions ended, by close code",
                "transport", transports.of(session.scheme()), "protocol", protocols.of(session.protocol()),
                "code", closeCode(code)).increment();
    }

    @Override
    public void sessionRefused(SocketAddress remote, String transport, String reason) {
        counter("sockbridge.sessions.refused", "sessions refused before they started (limits, authentication)",
                "transport", transports.of(transport), "reason", reasons.of(reason)).increment();
    }

    @Override
    public void callEnded(SessionInfo session, String call, int fd, int error) {
        call = call == null ? NONE : call; // ConcurrentHashMap takes no null key
        ConcurrentHashMap<Integer, Counter> byError = calls.get(call);
        if (byError == null) {
            String name = callNames.of(call);
            byError = calls.computeIfAbsent(name, k -> new ConcurrentHashMap<>());
        }
        Counter c = byError.get(error);
        if (c == null) {
            String name = callNames.of(call);
            c = byError.computeIfAbsent(error, e -> Counter.builder("sockbridge.calls")
                    .description("socket calls executed, by call and errno (none: success)")
                    .tags(tags).tag("call", name).tag("errno", errnoName(e)).register(registry));
        }
        c.increment();
    }

    @Override
    public void callDenied(SessionInfo session, String call, String reason) {
        counter("sockbridge.calls.denied", "calls (or parts of them) the policy refused", "call", callNames.of(call))
                .increment();
    }

    @Override
    public void nativeChannelOpened(SessionInfo session, String kind) {
        kind = kind == null ? NONE : kind;
        Counter c = channelsOpened.get(kind);
        if (c == null) {
            String k = kinds.of(kind);
            c = counter("sockbridge.native.channels.opened", "native channels opened, by kind", "kind", k);
            if (!k.equals(OTHER)) {
                channelsOpened.putIfAbsent(k, c);
            }
        }
        c.increment();
    }

    @Override
    public void bytesSent(SessionInfo session, int fd, long bytes) {
        bytesSent.increment(bytes);
    }

    @Override
    public void bytesReceived(SessionInfo session, int fd, long bytes) {
        bytesReceived.increment(bytes);
    }

    @Override
    public void datagramDropped(SessionInfo session, int fd, String reason) {
        reason = reason == null ? NONE : reason;
        Counter c = dropped.get(reason);
        if (c == null) {
            String r = reasons.of(reason);
            c = counter("sockbridge.datagrams.dropped", "datagrams the proxy dropped, by reason", "reason", r);
            if (!r.equals(OTHER)) {
                dropped.putIfAbsent(r, c);
            }
        }
        c.increment();
    }

    /** The errno tag: the name Sockbridge knows it by, {@code none} for success, else {@code other}. */
    static String errnoName(int error) {
        if (error == 0) {
            return NONE;
        }
        if (error > 0) {
            Errno e = Errno.of(error);
            return e == null ? OTHER : e.name();
        }
        String gai = GaiError.nameOf(error);
        return gai.startsWith("EAI_") ? gai : OTHER;
    }

    /** The close-code tag: the number of a code Sockbridge names, else {@code other}. */
    static String closeCode(int code) {
        return KNOWN_CLOSE_CODES.contains(code) ? Integer.toString(code) : OTHER;
    }

    /**
     * A tag's values as they come, up to {@link #MAX_TAG_VALUES} distinct ones, then {@code other}: a bound on the
     * series a tag can make, whatever a custom front end or transport names things. Null is {@code none}.
     */
    static final class BoundedValues {
        private final Set<String> seen = ConcurrentHashMap.newKeySet();

        String of(String value) {
            if (value == null) {
                return NONE;
            }
            if (seen.contains(value)) {
                return value;
            }
            // a race may let a few more in than the bound; still bounded
            if (seen.size() >= MAX_TAG_VALUES) {
                return OTHER;
            }
            seen.add(value);
            return value;
        }
    }
}

package dev.sockbridge.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.internal.ProxyContext;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;

/**
 * A proxy on the in-process transport that each test builds with the limits it needs; every test ends with the
 * proxy drained (no session, native channel or buffered byte left).
 */
abstract class EngineTestBase {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    SockbridgeProxy proxy;
    URI uri;

    void startProxy(SockbridgeProxy.Builder b) throws Exception {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
            ProxyDrained.assertDrained(proxy);
        }
        proxy = b.build();
        uri = serveInProcess(proxy, "engine");
    }

    /** Serves {@code p} on a fresh in-process name (unique across tests) and returns the URI clients connect to. */
    static URI serveInProcess(SockbridgeProxy p, String prefix) throws Exception {
        URI name = URI.create("inprocess://" + prefix + "-" + COUNTER.incrementAndGet() + "-" + System.nanoTime());
        return p.serve(Transports.forUri(name).newServer(name, TransportOptions.defaults())).get(5, TimeUnit.SECONDS);
    }

    /**
     * For tests that keep their own proxy field: shuts {@code p} (if any) down at once and checks that it left no
     * native channel open.
     */
    static void shutdownLeavingNoChannels(SockbridgeProxy p) throws Exception {
        if (p != null) {
            p.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
            assertEquals(0, p.stats().nativeChannelsOpen(), "native channels left open");
        }
    }

    @AfterEach
    void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
            ProxyDrained.assertDrained(proxy);
        }
    }

    /**
     * Host lookups that answer only when the test says so, to race a lookup against a close. Replaces the
     * proxy's lookup until the proxy stops.
     */
    static final class HeldLookups implements ProxyContext.HostLookup {
        private record Held(EventLoop loop, String host, Consumer<List<InetAddress>> ok) {
        }

        private final List<Held> held = new ArrayList<>();

        HeldLookups install(SockbridgeProxy p) {
            p.context().hostLookup = this;
            return this;
        }

        @Override
        public synchronized void resolve(EventLoop loop, String host, Consumer<List<InetAddress>> ok,
                                         Consumer<Throwable> fail) {
            held.add(new Held(loop, host, ok));
        }

        synchronized int count() {
            return held.size();
        }

        /** Answers every held lookup with loopback, then waits until their loops have run what that queued. */
        void releaseAll() throws Exception {
            List<Held> now;
            synchronized (this) {
                now = new ArrayList<>(held);
                held.clear();
            }
            for (Held h : now) {
                h.ok.accept(List.of(InetAddress.getLoopbackAddress()));
            }
            for (Held h : now) {
                h.loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
            }
        }
    }
}

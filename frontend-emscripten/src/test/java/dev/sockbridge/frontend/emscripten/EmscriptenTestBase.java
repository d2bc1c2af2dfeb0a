package dev.sockbridge.frontend.emscripten;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.ServerTransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.ProxyStats;
import dev.sockbridge.proxy.SockbridgeProxy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A real proxy (loopback-only policy) with in-process servers whose connections go to the Emscripten front ends. */
abstract class EmscriptenTestBase {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    SockbridgeProxy proxy;
    NativePeers peers;
    private final List<ServerTransport> servers = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeEach
    void startProxy() throws Exception {
        proxy = SockbridgeProxy.builder().threads(2).build();
        peers = new NativePeers();
    }

    @AfterEach
    void stopProxy() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        for (ServerTransport s : servers) {
            s.shutdownNow().get(10, TimeUnit.SECONDS);
        }
        proxy.shutdown(Duration.ofSeconds(1)).get(20, TimeUnit.SECONDS);
        assertEquals(0, proxy.stats().nativeChannelsOpen(), "native channels left open: " + proxy.stats());
        // sessions end on their loops right after the shutdown closed them
        awaitStats(s -> s.sessionsOpen() == 0, "every session ended");
        dev.sockbridge.proxy.ProxyDrained.assertDrained(proxy);
        peers.close();
    }

    /** An in-process server whose connections are handed to {@code l}. */
    URI server(String kind, ServerTransportListener l) throws Exception {
        URI name = URI.create("inprocess://em-" + kind + "-" + COUNTER.incrementAndGet() + "-" + System.nanoTime());
        ServerTransport s = Transports.forUri(name).newServer(name, TransportOptions.defaults());
        servers.add(s);
        return s.start(l).get(10, TimeUnit.SECONDS);
    }

    URI posixServer() throws Exception {
        return server("posix", t -> EmscriptenPosixSession.serve(proxy, t));
    }

    EmClient posixClient(URI uri) throws Exception {
        EmClient c = EmClient.open(uri);
        clients.add(c);
        return c;
    }

    /** Waits (bounded) until the stats satisfy {@code p}. */
    ProxyStats awaitStats(Predicate<ProxyStats> p, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        ProxyStats s = proxy.stats();
        while (!p.test(s)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + ": " + s);
            }
            Thread.sleep(5);
            s = proxy.stats();
        }
        return s;
    }
}

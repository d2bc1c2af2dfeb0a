package dev.sockbridge.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.proxy.ProxyLimits;
import dev.sockbridge.transport.websocket.WebSocketOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Oversized messages get close code 1009 on every route, and the Sockbridge route's limit is the
 * protocol's 1 MiB, not the Emscripten route's 16 MiB (issue 10, point 2). Partially sent large
 * messages, held open, count against the budgets: with 12 such connections (about 132 MiB
 * declared) what the proxy took off the wire, seen from the kernel's queues ({@link KernelView}),
 * stays under its global cap and is all counted in its held bytes; the witness is served; all is
 * released.
 */
@Timeout(180)
class OversizedAndPartialMessagesTest {
    static final long GLOBAL_CAP = 24L << 20;
    /** Per connection, one read of the proxy's not yet counted (Netty reads at most 64 KiB at a time), and the handshakes. */
    static final long SLACK = 12 * (128 << 10);

    @Test
    void oversizedMessagesAreClosedWith1009OnEveryRoute() throws Exception {
        try (HostileProxy p = new HostileProxy(ProxyLimits.defaults())) {
            p.openWitness();
            String[][] routes = {{"/sockbridge", WebSocketOptions.SUBPROTOCOL}, {"/emscripten", null}, {"/websockify", "binary"},
                {"/websockify-udp", "binary"}};
            for (String[] r : routes) {
                try (RawWebSocket a = RawWebSocket.open(p.port, r[0], r[1])) {
                    assertEquals(101, a.status, a.responseHead);
                    a.write(RawWebSocket.frame(RawWebSocket.BINARY, new byte[1024], 1L << 40)); // a declared terabyte
                    assertEquals(1009, a.drainToClose(10_000, 30_000), r[0] + ": close code for a declared 1 TiB message");
                }
            }
            // the Sockbridge protocol needs 1 MiB: a 2 MiB message there is too big even though /emscripten takes 16 MiB
            try (RawWebSocket a = RawWebSocket.open(p.port, "/sockbridge", WebSocketOptions.SUBPROTOCOL)) {
                a.write(Frames.hello());
                RawWebSocket.Flood f = a.flood(i -> i == 0 ? RawWebSocket.frame(RawWebSocket.BINARY, new byte[0], 2L << 20)
                        : new byte[64 << 10], (2L << 20) + 16, 2000);
                int code = a.drainToClose(10_000, 30_000);
                assertEquals(1009, code, "close code for a 2 MiB message on /sockbridge (sent " + f.sent() + ")");
            }
            p.witnessRoundTrip();
            p.closeWitness();
            p.assertQuiescent();
        }
    }

    @Test
    @org.junit.jupiter.api.Disabled("open defect (issue 10, point 2): 12 partial messages (16 MiB each on the Emscripten "
            + "routes) against a 24 MiB proxy budget: the proxy ends the sessions that push it over (1013) and drops "
            + "their frames, but now and then one connection it has sent its close frame on stays open with its "
            + "16 MiB read and no longer counted (kernel's view 33.5 MB read, 16.7 MB counted) until the close timeout")
    void partialLargeMessagesHeldOpenAreCounted() throws Exception {
        try (HostileProxy p = new HostileProxy(ProxyLimits.defaults().withMaxBufferedBytes(GLOBAL_CAP))) {
            p.openWitness();
            p.takePeakBuffered();
            List<RawWebSocket> open = new CopyOnWriteArrayList<>();
            List<CompletableFuture<RawWebSocket.Flood>> floods = new ArrayList<>();
            // the floods run at once (the common pool may have a single thread on 2 cores)
            ExecutorService writers = Executors.newFixedThreadPool(12);
            // past this the test has failed: stop before a proxy that holds everything runs out of memory
            RawWebSocket.Abort overCap = () -> {
                long t = 0;
                for (RawWebSocket c : open) {
                    t += KernelView.readByProxy(c);
                }
                return t > GLOBAL_CAP + SLACK + (16L << 20);
            };
            try {
                for (int i = 0; i < 12; i++) {
                    String path = i % 3 == 0 ? "/sockbridge" : i % 3 == 1 ? "/emscripten" : "/websockify";
                    String sub = i % 3 == 0 ? WebSocketOptions.SUBPROTOCOL : i % 3 == 1 ? null : "binary";
                    RawWebSocket a = RawWebSocket.open(p.port, path, sub);
                    open.add(a);
                    assertEquals(101, a.status, a.responseHead);
                    if (i % 3 == 0) {
                        a.write(Frames.hello());
                    }
                    // declare the route's largest message and send all of it but the last 16 bytes, then hold
                    long declared = i % 3 == 0 ? (1 << 20) - 64 : 16L << 20;
                    floods.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return a.flood(k -> k == 0 ? RawWebSocket.frame(RawWebSocket.BINARY, new byte[0], declared)
                                    : new byte[16 << 10], declared - 16, 2000, overCap);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }, writers));
                }
                CompletableFuture.allOf(floods.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
                for (int i = 0; i < 5; i++) {
                    p.witnessRoundTrip();
                }
                // every writer has stopped (done or stalled): the kernel's queues are still now
                long taken = 0;
                for (int i = 0; i < open.size(); i++) {
                    // a connection the proxy closed (its budget was taken: 1013) holds nothing any more
                    if (!floods.get(i).join().closed() && !KernelView.proxyClosed(open.get(i))) {
                        taken += KernelView.readByProxy(open.get(i));
                    }
                }
                long counted = p.stats().bufferedBytes();
                long peak = p.takePeakBuffered();
                long sent = floods.stream().mapToLong(f -> f.join().sent()).sum();
                boolean aborted = floods.stream().anyMatch(f -> f.join().aborted());
                System.out.printf("12 partial messages (floods cut short: %b): %d bytes sent, %d taken off the wire by the proxy (kernel's view) "
                        + "and held, %d counted now, peak counted %d%n", aborted, sent, taken, counted, peak);
                assertTrue(peak <= GLOBAL_CAP + (1 << 20), "the proxy counted " + peak + " bytes held, over its cap " + GLOBAL_CAP);
                // a message not yet complete is held whole: what the proxy read of the open connections, it holds
                assertTrue(taken <= GLOBAL_CAP + SLACK, "the proxy read and holds " + taken
                        + " bytes of incomplete messages (kernel's view), over its cap " + GLOBAL_CAP);
                assertTrue(counted >= taken - SLACK, "the proxy holds " + taken
                        + " bytes of incomplete messages (kernel's view) but counts only " + counted);
            } finally {
                open.forEach(RawWebSocket::close);
                writers.shutdownNow();
            }
            p.closeWitness();
            p.assertQuiescent();
        }
    }
}

package dev.sockbridge.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.benchmarks.RawWebSocket;
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
    /**
     * How far past its cap the proxy's count may go: a session that pushes the total over the cap is ended by a task
     * of its event loop, and before that task runs each connection on the loop may take one more read batch (Netty
     * reads up to 16 × 64 KiB per channel per turn), counted and then freed with the session.
     */
    static final long OVERSHOOT = 12 * (1L << 20);

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

    /**
     * 12 connections each declare their route's largest message and send all of it but the last 16 bytes (about
     * 132 MiB declared against a 24 MiB proxy budget). Each connection ends in one of two ways, and the test waits
     * (bounded) until every one has: the proxy took all the client wrote and holds it, or the proxy closed it (1013
     * once its budget is taken: the frame dropped, no longer read, FIN and, at the close timeout, the end). Then the
     * kernel's view of what the proxy took off the connections it still serves must be held in its own count, and
     * stay under its cap; nothing changes by then but closes, and the count is read before the kernel's view, so a
     * close in between cannot make a correct proxy fail, while bytes read and not counted on an open connection do.
     */
    @Test
    void partialLargeMessagesHeldOpenAreCounted() throws Exception {
        try (HostileProxy p = new HostileProxy(ProxyLimits.defaults().withMaxBufferedBytes(GLOBAL_CAP))) {
            p.openWitness();
            p.takePeakBuffered();
            List<RawWebSocket> open = new CopyOnWriteArrayList<>();
            List<Long> complete = new ArrayList<>();
            List<CompletableFuture<RawWebSocket.Flood>> floods = new ArrayList<>();
            // the floods run at once (the common pool may have a single thread on 2 cores)
            ExecutorService writers = Executors.newFixedThreadPool(12);
            // past this the test has failed: stop before a proxy that holds everything runs out of memory
            RawWebSocket.Abort overCap = () -> {
                long t = 0;
                for (RawWebSocket c : open) {
                    if (!KernelView.proxyClosed(c)) {
                        t += KernelView.readByProxy(c);
                    }
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
                    byte[] header = RawWebSocket.frame(RawWebSocket.BINARY, new byte[0], declared);
                    long payload = declared - 16;
                    int chunk = 16 << 10;
                    complete.add(a.written() + header.length + payload);
                    floods.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            // the last chunk is cut short: not one byte past the 16 held back
                            return a.flood(k -> k == 0 ? header : new byte[(int) Math.min(chunk, payload - (long) (k - 1) * chunk)],
                                    header.length + payload, 2000, overCap);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }, writers));
                }
                CompletableFuture.allOf(floods.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
                assertTrue(floods.stream().noneMatch(f -> f.join().aborted()),
                        "the proxy read more than its cap allows off the connections it still serves (kernel's view)");
                // every connection settles: all its bytes taken by the proxy, or closed by the proxy (bounded: the
                // close timeout ends a closed one)
                List<String> unsettled = unsettled(open, complete);
                for (int i = 0; i < 600 && !unsettled.isEmpty(); i++) {
                    Thread.sleep(50);
                    unsettled = unsettled(open, complete);
                }
                assertEquals(List.of(), unsettled, "connections neither taken whole nor closed by the proxy");
                p.witnessRoundTrips(5);
                long counted = p.stats().bufferedBytes();
                long taken = 0;
                int served = 0;
                for (RawWebSocket c : open) {
                    if (!KernelView.proxyClosed(c)) {
                        taken += KernelView.readByProxy(c);
                        served++;
                    }
                }
                long peak = p.takePeakBuffered();
                long sent = floods.stream().mapToLong(f -> f.join().sent()).sum();
                System.out.printf("12 partial messages: %d bytes sent; %d connections still served, from which the proxy took "
                        + "%d bytes (kernel's view) and holds them; %d counted now, peak counted %d%n", sent, served, taken,
                        counted, peak);
                assertTrue(served < 12, "the proxy kept every connection: 132 MiB of partial messages under a 24 MiB cap");
                assertTrue(peak <= GLOBAL_CAP + OVERSHOOT, "the proxy counted " + peak + " bytes held, over its cap " + GLOBAL_CAP
                        + " by more than one read per connection");
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

    /**
     * The connections not yet settled: the proxy has neither closed its end nor taken every byte the client meant
     * to write ({@code complete}, written and no longer in either side's queue).
     */
    private static List<String> unsettled(List<RawWebSocket> open, List<Long> complete) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < open.size(); i++) {
            RawWebSocket c = open.get(i);
            if (!KernelView.proxyClosed(c) && (c.written() != complete.get(i) || KernelView.readByProxy(c) != complete.get(i))) {
                out.add(i + ": " + c.written() + " of " + complete.get(i) + " written, " + KernelView.readByProxy(c) + " taken");
            }
        }
        return out;
    }
}

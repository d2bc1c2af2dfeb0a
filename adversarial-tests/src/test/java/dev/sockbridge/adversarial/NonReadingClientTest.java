package dev.sockbridge.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.message.Request;
import dev.sockbridge.benchmarks.RawWebSocket;
import dev.sockbridge.proxy.ProxyLimits;
import dev.sockbridge.transport.websocket.WebSocketOptions;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that sends and never reads, on every WebSocket endpoint. The proxy must stop reading it
 * (or close it with a clear code) instead of queueing replies without bound (issue 10, point 1):
 * the proxy's counter of held bytes stays under a bound, the client cannot push the whole flood
 * into the proxy, what the proxy owes it (requests taken off the wire less replies handed to the
 * kernel, seen from the kernel's queues: {@link KernelView}) stays under the same bound, another
 * session keeps being served, and everything is released afterwards.
 */
@Timeout(180)
class NonReadingClientTest {
    /** Far above what loopback's socket buffers (a few MiB each way) and the session budget absorb. */
    static final long FLOOD = 32L << 20;
    /** One attacking session: its budget, plus one largest message in flight and the witness's bytes. */
    static final long BOUND = HostileProxy.SESSION_BUDGET + (1 << 20) + (256 << 10);
    static final long STALL_MILLIS = 2000;
    /**
     * The flood stops once the proxy owes this much more than the bound (the test has failed by then):
     * a proxy that reads without bound would otherwise exhaust the test JVM's heap and end the whole run.
     */
    static final long FLOOD_ABORT_MARGIN = 16L << 20;
    /** Call ids from 2^16 take 5 bytes in CBOR up to 2^32: every request of a flood, and so every reply, has one size. */
    static final int FIXED_WIDTH_IDS = 1 << 16;

    HostileProxy p;

    @BeforeEach
    void start() throws Exception {
        p = new HostileProxy(ProxyLimits.defaults());
        p.openWitness();
        p.takePeakBuffered();
    }

    @AfterEach
    void stop() throws Exception {
        p.close();
    }

    @Test
    void sockbridgeCallsOnABadDescriptor() throws Exception {
        // encoded once: the writer must outpace the proxy even on a loaded machine
        byte[][] frames = new byte[4096][];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = Frames.sockbridge(new Request.Close(FIXED_WIDTH_IDS + i, 9999));
        }
        attackAndCheck("/sockbridge", WebSocketOptions.SUBPROTOCOL, Frames.hello(), i -> frames[i % frames.length], true);
    }

    @Test
    void sockbridgePingsWhosePongsQueue() throws Exception {
        byte[] ping = RawWebSocket.frame(RawWebSocket.PING, new byte[125]);
        attackAndCheck("/sockbridge", WebSocketOptions.SUBPROTOCOL, Frames.hello(), i -> ping, true);
    }

    @Test
    void emscriptenUnknownCallsWithPaddedErrorReplies() throws Exception {
        attackAndCheck("/emscripten", null, new byte[0], i -> Frames.emscripten(FIXED_WIDTH_IDS + i, 999), true);
    }

    @Test
    void emscriptenPingsWhosePongsQueue() throws Exception {
        byte[] ping = RawWebSocket.frame(RawWebSocket.PING, new byte[125]);
        attackAndCheck("/emscripten", null, new byte[0], i -> ping, true);
    }

    @Test
    void websockifyUdpEchoesToAClientThatNeverReads() throws Exception {
        // datagrams may be dropped when the client cannot take them (UDP), so the proxy may keep reading:
        // only memory, service and release are required here
        byte[] dgram = RawWebSocket.frame(RawWebSocket.BINARY, new byte[1200]);
        attackAndCheck("/websockify-udp", "binary", new byte[0], i -> dgram, false);
    }

    /** A target that sends 256 MiB to a websockify client that never reads: the proxy must stop reading the target. */
    @Test
    void websockifyTargetFloodsAClientThatNeverReads() throws Exception {
        long base = p.stats().bytesFromNative();
        try (RawWebSocket a = RawWebSocket.open(p.port, "/websockify-flood", "binary")) {
            assertEquals(101, a.status, a.responseHead);
            long last = -1;
            long lastChange = System.nanoTime();
            // bounded: until the proxy stops reading the target for the stall window, or 60 s
            for (int i = 0; i < 6000; i++) {
                long now = p.stats().bytesFromNative();
                if (now != last) {
                    last = now;
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > STALL_MILLIS * 1_000_000L) {
                    break;
                }
                Thread.sleep(10);
            }
            assertTrue(last - base < 64L << 20, "the proxy read " + (last - base) + " bytes from the target for a client that reads nothing");
            // the kernel's view: what the proxy read from the target and has not handed to the client's connection, it holds
            long held = last - base - KernelView.inKernelToClient(a);
            System.out.printf("/websockify target flood: proxy read %d bytes of it, holds %d (kernel's view)%n", last - base, held);
            assertTrue(held <= BOUND, "the proxy holds " + held + " bytes of the target's data (kernel's view), over " + BOUND);
            p.witnessRoundTrips(5);
            p.assertPeakBufferedAtMost(BOUND);
        }
        p.closeWitness();
        p.assertQuiescent();
    }

    /** Requests the proxy has handled, answered or refused as malformed, over all sessions (the witness is idle meanwhile). */
    private long handled() {
        return p.stats().callsTotal() + p.stats().malformedFrames();
    }

    private static long owed(RawWebSocket a, long before, int requestSize, long replySize) throws java.io.IOException {
        long requests = (KernelView.readByProxy(a) - before) / requestSize;
        return requests * replySize - KernelView.inKernelToClient(a);
    }

    private void attackAndCheck(String path, String subprotocol, byte[] first, IntFunction<byte[]> frames,
                                boolean mustStopReading) throws Exception {
        RawWebSocket.Flood f;
        int closeCode = 0;
        long owed = -1;
        try (RawWebSocket a = RawWebSocket.open(p.port, path, subprotocol)) {
            assertEquals(101, a.status, a.responseHead);
            if (first.length > 0) {
                a.write(first);
                assertTrue(a.readFrame(30_000) != null, "no welcome");
            }
            // one request read by the client, to learn the size of each reply: the flood's are alike
            byte[] probe = frames.apply(1 << 30);
            a.write(probe);
            byte[][] reply = a.readFrame(30_000);
            assertTrue(reply != null, "no reply to " + path + "'s first request");
            long replySize = reply[1].length + (reply[1].length < 126 ? 2 : reply[1].length < 65536 ? 4 : 10);
            long before = a.written();
            // the kernel's view: requests the proxy took off the wire, less the replies it handed back to
            // the kernel, is what it still owes (replies queued, or requests read and not yet answered)
            RawWebSocket.Abort overBound = () -> mustStopReading && !KernelView.proxyClosed(a)
                    && owed(a, before, probe.length, replySize) > BOUND + (FLOOD_ABORT_MARGIN);
            long handledBefore = handled();
            f = a.flood(frames, FLOOD, STALL_MILLIS, overBound);
            boolean calls = (probe[0] & 0x0f) == RawWebSocket.BINARY;
            if (mustStopReading && calls && !KernelView.proxyClosed(a)) {
                // on a loaded machine the proxy may still be working through requests it read when the writer
                // stalled: counted as owed at a whole reply each, they made the estimate swing past the bound. So it
                // is taken once the proxy's own counter says every request it took off the wire was handled
                // (pings have no such count, and are answered as they are read; bounded: 30 s, then taken as is). The
                // last request may be read in part: whole ones only
                for (int i = 0; i < 300 && handled() - handledBefore < (KernelView.readByProxy(a) - before) / probe.length
                        && !KernelView.proxyClosed(a); i++) {
                    Thread.sleep(100);
                }
            }
            if (mustStopReading) {
                // a connection the proxy has closed (more than 256 malformed requests end a session) owes nothing:
                // what it read after the close was dropped, though a client that writes may not have noticed yet
                owed = KernelView.proxyClosed(a) ? 0 : owed(a, before, probe.length, replySize);
            }
            // the attacker is still connected and still not reading: the proxy must serve others meanwhile
            p.witnessRoundTrips(5);
            if (f.closed()) {
                // closed by the proxy: it must have said why (a close frame with a code), not just failed
                closeCode = a.drainToClose(1 << 20, 10_000);
            }
        }
        long peak = p.takePeakBuffered();
        System.out.printf("%s non-reading: sent %d bytes, stalled %b, closed %b (code %d), aborted %b, replies owed %d, peak buffered %d%n",
                path, f.sent(), f.stalled(), f.closed(), closeCode, f.aborted(), owed, peak);
        if (mustStopReading) {
            // a flood that neither stalled nor was closed within its time bound is judged by what the proxy owes alone
            assertTrue(f.stalled() || f.closed() || f.aborted() || f.sent() < FLOOD,
                    "the proxy read all " + f.sent() + " bytes from a client that reads nothing");
            assertTrue(owed <= BOUND, "the proxy owes " + owed + " bytes of replies (kernel's view), over " + BOUND);
        }
        if (f.closed()) {
            assertTrue(closeCode > 0, "the proxy dropped the connection without a close frame");
            assertNotEquals(1011, closeCode, "closed as an internal error");
        }
        assertTrue(peak <= BOUND, "the proxy held " + peak + " bytes, over " + BOUND);
        p.closeWitness();
        p.assertQuiescent();
    }
}

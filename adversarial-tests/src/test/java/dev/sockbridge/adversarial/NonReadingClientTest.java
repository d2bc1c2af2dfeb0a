package dev.sockbridge.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.message.Request;
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
 * into the proxy, another session keeps being served, and everything is released afterwards.
 */
@Timeout(180)
class NonReadingClientTest {
    /** Far above what loopback's socket buffers (a few MiB each way) and the session budget absorb. */
    static final long FLOOD = 32L << 20;
    /** One attacking session: its budget, plus one largest message in flight and the witness's bytes. */
    static final long BOUND = HostileProxy.SESSION_BUDGET + (1 << 20) + (256 << 10);
    static final long STALL_MILLIS = 2000;

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
        attackAndCheck("/sockbridge", WebSocketOptions.SUBPROTOCOL, Frames.hello(),
                i -> Frames.sockbridge(new Request.Close(i + 1, 9999)), true);
    }

    @Test
    void sockbridgePingsWhosePongsQueue() throws Exception {
        byte[] ping = RawWebSocket.frame(RawWebSocket.PING, new byte[125]);
        attackAndCheck("/sockbridge", WebSocketOptions.SUBPROTOCOL, Frames.hello(), i -> ping, true);
    }

    @Test
    void emscriptenUnknownCallsWithPaddedErrorReplies() throws Exception {
        attackAndCheck("/emscripten", null, new byte[0], i -> Frames.emscripten(i + 1, 999), true);
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
            assertTrue(last < 64L << 20, "the proxy read " + last + " bytes from the target for a client that reads nothing");
            for (int i = 0; i < 5; i++) {
                p.witnessRoundTrip();
            }
            long peak = p.takePeakBuffered();
            assertTrue(peak <= BOUND, "the proxy held " + peak + " bytes, over " + BOUND);
        }
        p.closeWitness();
        p.assertQuiescent();
    }

    private void attackAndCheck(String path, String subprotocol, byte[] first, IntFunction<byte[]> frames,
                                boolean mustStopReading) throws Exception {
        RawWebSocket.Flood f;
        int closeCode = 0;
        try (RawWebSocket a = RawWebSocket.open(p.port, path, subprotocol)) {
            assertEquals(101, a.status, a.responseHead);
            if (first.length > 0) {
                a.write(first);
            }
            f = a.flood(frames, FLOOD, STALL_MILLIS);
            // the attacker is still connected and still not reading: the proxy must serve others meanwhile
            for (int i = 0; i < 5; i++) {
                p.witnessRoundTrip();
            }
            if (f.closed()) {
                // closed by the proxy: it must have said why (a close frame with a code), not just failed
                closeCode = a.drainToClose(1 << 20, 10_000);
            }
        }
        long peak = p.takePeakBuffered();
        System.out.printf("%s non-reading: sent %d bytes, stalled %b, closed %b (code %d), peak buffered %d%n",
                path, f.sent(), f.stalled(), f.closed(), closeCode, peak);
        if (mustStopReading) {
            assertTrue(f.stalled() || f.closed(), "the proxy read all " + f.sent() + " bytes from a client that reads nothing");
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

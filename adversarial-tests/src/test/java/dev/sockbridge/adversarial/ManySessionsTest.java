package dev.sockbridge.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.benchmarks.RawWebSocket;
import dev.sockbridge.proxy.ProxyLimits;
import dev.sockbridge.transport.websocket.WebSocketOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many sessions at once against a small ProxyLimits.maxSessions, on /sockbridge and /emscripten
 * together: each attempt ends in a served session or a clear refusal (HTTP 503, or a close frame
 * with a code), none hangs; no more sessions are open than the cap; the proxy counts its
 * refusals; the witness keeps being served; all are released afterwards.
 */
@Timeout(120)
class ManySessionsTest {
    static final int CAP = 10;
    static final int ATTEMPTS = 60;

    enum Outcome { SERVED, REFUSED }

    @Test
    void attemptsOverTheCapAreRefusedNotHung() throws Exception {
        try (HostileProxy p = new HostileProxy(ProxyLimits.defaults().withMaxSessions(CAP))) {
            p.openWitness();
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<RawWebSocket> open = new ArrayList<>();
            try {
                List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
                for (int i = 0; i < ATTEMPTS; i++) {
                    boolean emscripten = i % 3 == 0;
                    outcomes.add(CompletableFuture.supplyAsync(() -> attempt(p.port, emscripten, open), pool));
                }
                CompletableFuture.allOf(outcomes.toArray(new CompletableFuture[0])).get(90, TimeUnit.SECONDS);
                long served = outcomes.stream().filter(f -> f.join() == Outcome.SERVED).count();
                long refused = ATTEMPTS - served;
                System.out.printf("%d attempts: %d served, %d refused; proxy: %s%n", ATTEMPTS, served, refused, p.stats());
                assertTrue(served <= CAP - 1, served + " sessions served besides the witness under a cap of " + CAP);
                assertTrue(refused >= ATTEMPTS - (CAP - 1), "refused " + refused);
                assertTrue(p.stats().sessionsRefused() >= refused, "the proxy counted " + p.stats().sessionsRefused() + " refusals of " + refused);
                assertTrue(p.stats().sessionsOpen() <= CAP, "sessions open over the cap: " + p.stats());
                p.witnessRoundTrip();
            } finally {
                synchronized (open) {
                    open.forEach(RawWebSocket::close);
                }
                pool.shutdownNow();
            }
            p.closeWitness();
            p.assertQuiescent();
            assertEquals(0, p.stats().sessionsOpen());
        }
    }

    /** One session attempt: served if it answers a call, refused if told so; a silent hang fails (30 s socket timeout). */
    private static Outcome attempt(int port, boolean emscripten, List<RawWebSocket> open) {
        try {
            RawWebSocket ws = RawWebSocket.open(port, emscripten ? "/emscripten" : "/sockbridge",
                    emscripten ? null : WebSocketOptions.SUBPROTOCOL);
            synchronized (open) {
                open.add(ws);
            }
            if (ws.status == 503 || ws.status == 429) {
                return Outcome.REFUSED;
            }
            if (ws.status != 101) {
                throw new AssertionError("unexpected handshake answer: " + ws.responseHead);
            }
            ws.write(emscripten ? Frames.emscripten(1, 999) : Frames.hello());
            byte[][] f = ws.readFrame(30_000);
            if (f == null) {
                throw new AssertionError("no answer and no refusal within 30 s (" + (emscripten ? "emscripten" : "sockbridge") + ")");
            }
            if (f[0][0] == RawWebSocket.CLOSE) {
                int code = f[1].length >= 2 ? ((f[1][0] & 0xff) << 8) | (f[1][1] & 0xff) : 1005;
                if (code == 1011 || code == 1005) {
                    throw new AssertionError("refused without a clear code: " + code);
                }
                return Outcome.REFUSED;
            }
            return Outcome.SERVED;
        } catch (java.io.IOException e) {
            throw new AssertionError("attempt failed: " + e, e);
        }
    }
}

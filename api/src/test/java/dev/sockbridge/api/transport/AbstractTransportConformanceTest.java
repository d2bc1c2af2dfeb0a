package dev.sockbridge.api.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.concurrent.EventExecutor;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link Transport} must keep, as one JUnit 5 suite that each transport runs by
 * subclassing (as gRPC's {@code AbstractTransportTest}). It ships in the api test-jar.
 *
 * <pre>
 *   test ──connect()──▶ client Transport ═══ wire ═══ server Transport ──▶ {@link Endpoint} (echo)
 *        ◀─frames────                                                     ◀─ same frames back
 * </pre>
 *
 * <p>A subclass supplies {@link #provider()}, {@link #serverUri()} (port 0 is fine: the suite uses
 * the URI {@link ServerTransport#start} returns) and, if it wants, other {@link #serverOptions()} /
 * {@link #clientOptions()}. Tests of optional capabilities ({@link Transport.Capability#DATAGRAMS},
 * {@link Transport.Capability#STREAMS}) are skipped where the transport lacks them.
 *
 * <p><b>Timing.</b> Every wait is bounded by {@link #timeout()}; nothing sleeps. To know that a
 * transport has done everything it was going to do, the suite runs a task on its executor and waits
 * for it ({@link #flush}).
 *
 * <p><b>Threading.</b> Every listener callback checks that it runs on {@link Transport#executor()};
 * {@link #tearDown} fails the test if one did not.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class AbstractTransportConformanceTest {

    /** The provider under test. */
    protected abstract TransportProvider provider();

    /** Where the server listens; port 0 is allowed. Called once per test. */
    protected abstract URI serverUri();

    /**
     * Options for both sides unless {@link #serverOptions()} or {@link #clientOptions()} say otherwise:
     * small water marks, so that backpressure shows after little data, and a 256 KiB frame limit.
     */
    protected TransportOptions options() {
        return TransportOptions.defaults()
                .with(TransportOptions.HIGH_WATER_MARK, 64 * 1024)
                .with(TransportOptions.LOW_WATER_MARK, 32 * 1024)
                .with(TransportOptions.MAX_FRAME_SIZE, 256 * 1024);
    }

    protected TransportOptions serverOptions() {
        return options();
    }

    protected TransportOptions clientOptions() {
        return options();
    }

    /** The bound on every single wait. */
    protected Duration timeout() {
        return Duration.ofSeconds(20);
    }

    /**
     * The most bytes the backpressure test may send before the client must have turned unwritable:
     * the high-water mark plus whatever the wire itself buffers (kernel socket buffers, for TCP).
     */
    protected long backpressureSendLimit() {
        return 64L << 20;
    }

    /**
     * The most bytes a server that answers every frame may hold ({@link Transport#countHeldBytes})
     * while its peer never reads, if it turns reading off whenever it is not writable: its high-water
     * mark, plus the answer that crossed it, plus what one read of the wire brought in before reading
     * stopped and a frame in progress (each at most a frame), with slack for the wire's framing.
     */
    protected long heldBytesLimit() {
        TransportOptions o = serverOptions();
        return o.getInt(TransportOptions.HIGH_WATER_MARK, TransportOptions.DEFAULT_HIGH_WATER_MARK)
                + 3L * o.maxFrameSize() + (64 << 10);
    }

    // ------------------------------------------------------------------------------------------------

    protected ServerTransport server;
    protected URI uri;
    /** Server-side endpoints, in the order the server accepted them. */
    protected final BlockingQueue<Endpoint> accepted = new LinkedBlockingQueue<>();
    /** What the server does with a new transport before starting it; the default echoes. */
    protected volatile Consumer<Endpoint> onAccept = e -> { };
    private final List<Endpoint> endpoints = new CopyOnWriteArrayList<>();
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void setUpServer() throws Exception {
        server = provider().newServer(serverUri(), serverOptions());
        uri = await(server.start(this::serverTransportCreated));
        assertNotNull(uri, "start completes with the URI clients use");
        assertEquals(uri, server.uri(), "uri() is the URI start returned");
    }

    private void serverTransportCreated(Transport t) {
        Endpoint e = new Endpoint("server#" + accepted.size(), t, true);
        endpoints.add(e);
        try {
            onAccept.accept(e);
        } finally {
            accepted.add(e);
        }
        if (!e.rejected) {
            e.start();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Endpoint e : endpoints) {
            e.transport.close(1000, "test over");
        }
        if (server != null) {
            await(server.shutdownNow());
        }
        for (Endpoint e : endpoints) {
            try {
                await(e.transport.closeFuture());
            } catch (AssertionError | Exception ex) {
                violations.add(e.name + ": closeFuture did not complete after close: " + ex);
            }
        }
        for (Endpoint e : endpoints) {
            flush(e.transport.executor());
            if (e.started && e.closedCalls.get() != 1) {
                violations.add(e.name + ": closed() called " + e.closedCalls.get() + " times");
            }
        }
        if (!violations.isEmpty()) {
            fail("contract violations:\n  " + String.join("\n  ", violations));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // frames

    @Test
    void thousandsOfSmallFramesEchoInOrderAndByteExact() throws Exception {
        Endpoint c = connect();
        Random rnd = new Random(1);
        int n = 5000;
        int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            sizes[i] = 4 + rnd.nextInt(300);
            c.transport.send(frame(c.transport, i, sizes[i]));
        }
        for (int i = 0; i < n; i++) {
            byte[] got = c.nextFrame(timeout());
            assertArrayEquals(pattern(i, sizes[i]), got, "frame " + i);
        }
        assertNull(c.frames.poll(), "no extra frames");
        // read on the server's executor: its frameReceived echoes before it counts, so the last echo can
        // reach the client a moment before the last count
        Endpoint server = accepted.peek();
        assertEquals(n, runOn(server.transport.executor(), () -> server.framesReceived.get()));
    }

    @Test
    void framesOfEdgeSizesEchoByteExact() throws Exception {
        Endpoint c = connect();
        int max = serverOptions().maxFrameSize();
        int[] sizes = {0, 1, 4, 64 * 1024, max - 1, max, 0, 1};
        for (int i = 0; i < sizes.length; i++) {
            c.transport.send(frame(c.transport, i, sizes[i]));
        }
        for (int i = 0; i < sizes.length; i++) {
            byte[] got = c.nextFrame(timeout());
            assertArrayEquals(pattern(i, sizes[i]), got, "frame " + i + " of " + sizes[i] + " bytes");
        }
    }

    @Test
    void frameOverMaxSizeClosesReceiverWith1009AndOtherConnectionsGoOn() throws Exception {
        Endpoint bystander = connect();
        Endpoint bystanderServer = nextAccepted();
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        int max = serverOptions().maxFrameSize();

        c.transport.send(frame(c.transport, 7, max + 1));

        Close atServer = await(s.closed);
        assertEquals(1009, atServer.code, "the receiving side closes with 1009: " + atServer);
        assertFalse(atServer.reason.isEmpty(), "with a reason");
        Close atClient = await(c.closed);
        assertEquals(1009, atClient.code, "the sender learns 1009: " + atClient);
        assertFalse(atClient.reason.isEmpty(), "with a reason");
        assertEquals(0, s.framesReceived.get(), "the oversized frame was never delivered");

        echoRoundTrip(bystander, 50);
        assertFalse(bystanderServer.closed.isDone());
    }

    // ------------------------------------------------------------------------------------------------
    // close

    @Test
    void closeFromClientIsSeenByServerWithCodeAndReason() throws Exception {
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        echoRoundTrip(c, 3);

        closeAndAssertBothSee(c, s, new Close(4001, "client says bye"));
        assertFalse(c.transport.isWritable(), "a closed transport is not writable");
    }

    @Test
    void closeFromServerIsSeenByClientWithCodeAndReason() throws Exception {
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        echoRoundTrip(c, 3);

        closeAndAssertBothSee(s, c, new Close(4002, "server says bye"));
    }

    /** {@code closer} closes with {@code close}: both listeners see its code and reason, both close futures end. */
    private void closeAndAssertBothSee(Endpoint closer, Endpoint peer, Close close) throws Exception {
        closer.transport.close(close.code(), close.reason());

        assertEquals(close, await(peer.closed));
        assertEquals(close, await(closer.closed));
        await(peer.transport.closeFuture());
        await(closer.transport.closeFuture());
    }

    @Test
    void framesSentBeforeCloseArriveBeforeIt() throws Exception {
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        s.echo = false;
        flush(s.transport.executor());
        for (int i = 0; i < 100; i++) {
            c.transport.send(frame(c.transport, i, 100));
        }
        c.transport.close(1000, "done");
        Close close = await(s.closed);
        assertEquals(1000, close.code);
        assertEquals(100, s.framesReceived.get(), "every frame sent before close was delivered before closed()");
        for (int i = 0; i < 100; i++) {
            assertArrayEquals(pattern(i, 100), s.frames.poll());
        }
    }

    @Test
    void closedIsCalledExactlyOnceWhenBothSidesCloseAtOnce() throws Exception {
        List<Endpoint[]> pairs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Endpoint c = connect();
            pairs.add(new Endpoint[] {c, nextAccepted()});
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (Endpoint[] p : pairs) {
            for (Endpoint e : p) {
                Thread t = new Thread(() -> {
                    try {
                        go.await(timeout().toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                    e.transport.close(1000, "race");
                    e.transport.close(1001, "again");
                });
                t.start();
                threads.add(t);
            }
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(timeout().toMillis());
        }
        for (Endpoint[] p : pairs) {
            for (Endpoint e : p) {
                await(e.closed);
                await(e.transport.closeFuture());
                flush(e.transport.executor());
                flush(e.transport.executor());
                assertEquals(1, e.closedCalls.get(), e.name + " closed() calls");
            }
        }
    }

    @Test
    void closeBeforeStartIsReportedOnStart() throws Exception {
        onAccept = e -> {
            e.rejected = true;
            e.transport.close(4003, "not today");
        };
        Transport t = await(provider().connect(uri, clientOptions()));
        Endpoint s = nextAccepted();
        await(s.transport.closeFuture());
        Endpoint c = new Endpoint("client-late", t, false);
        endpoints.add(c);
        c.start();
        assertEquals(new Close(4003, "not today"), await(c.closed));
        flush(t.executor());
        assertEquals(1, c.closedCalls.get());
    }

    @Test
    void framesSentBeforeStartAreDeliveredAfterStart() throws Exception {
        onAccept = e -> {
            for (int i = 0; i < 3; i++) {
                e.transport.send(frame(e.transport, i, 10));
            }
        };
        Transport t = await(provider().connect(uri, clientOptions()));
        Endpoint s = nextAccepted();
        flush(s.transport.executor());
        Endpoint c = new Endpoint("client-greeted", t, false);
        endpoints.add(c);
        c.start();
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(pattern(i, 10), c.nextFrame(timeout()));
        }
        echoRoundTrip(c, 3);
    }

    @Test
    void sendAfterCloseReleasesTheBuffer() throws Exception {
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        c.transport.close(1000, "bye");
        await(c.transport.closeFuture());
        await(s.transport.closeFuture());

        ByteBuf b = frame(c.transport, 1, 100);
        c.transport.send(b);
        assertEquals(0, b.refCnt(), "client send after close released the frame");

        ByteBuf b2 = frame(s.transport, 1, 100);
        s.transport.send(b2);
        assertEquals(0, b2.refCnt(), "server send after peer close released the frame");

        ByteBuf d = frame(c.transport, 1, 10);
        assertFalse(c.transport.sendDatagram(d), "no datagram after close");
        assertEquals(0, d.refCnt(), "datagram after close released");
    }

    // ------------------------------------------------------------------------------------------------
    // backpressure

    @Test
    void backpressureWhenServerStopsReadingAndRecoveryAfterward() throws Exception {
        onAccept = e -> {
            e.echo = false;
            e.keepFrames = false;
            e.transport.setAutoRead(false);
        };
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        assertTrue(c.transport.isWritable(), "writable at first");

        // a well-behaved sender: on the transport's executor, only while writable
        Producer p = pumpUntilStalled(c, 16 * 1024);
        int n = runOn(c.transport.executor(), () -> p.frames);
        assertEquals(Boolean.FALSE, c.writability.poll(timeout().toMillis(), TimeUnit.MILLISECONDS),
                "writabilityChanged(false) fired after " + p.bytes + " bytes");
        assertTrue(p.bytes <= backpressureSendLimit(), "memory stays bounded: " + p.bytes + " bytes");

        // the paused server got nothing
        assertEquals(0, runOn(s.transport.executor(), () -> s.framesReceived.get()),
                "no frame delivered while the server does not read");

        s.transport.setAutoRead(true);
        s.awaitFrames(n, timeout());
        assertEquals(n, s.framesReceived.get());
        assertNull(s.firstMismatch.get(), "every frame in order and byte exact");
        awaitWritability(c, true);
        assertTrue(c.transport.isWritable());
    }

    /** Waits until {@code e} is told its transport's writability is {@code value} (skipping other events). */
    protected void awaitWritability(Endpoint e, boolean value) throws InterruptedException {
        long deadline = System.nanoTime() + timeout().toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Boolean w = e.writability.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (w == null) {
                throw new AssertionError(e.name + ": no writabilityChanged(" + value + ") within " + timeout());
            }
            if (w == value) {
                return;
            }
        }
    }

    @Test
    void setAutoReadFalseOnClientStopsDeliveryUntilTurnedBackOn() throws Exception {
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        echoRoundTrip(c, 2);
        c.transport.setAutoRead(false);
        flush(c.transport.executor());
        for (int i = 0; i < 20; i++) {
            c.transport.send(frame(c.transport, i, 50));
        }
        s.awaitFrames(22, timeout());
        flush(s.transport.executor());
        flush(c.transport.executor());
        assertEquals(0, c.frames.size(), "nothing delivered while autoRead is off");
        c.transport.setAutoRead(true);
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(pattern(i, 50), c.nextFrame(timeout()));
        }
    }

    @Test
    void writabilityEndsWritableAfterManyTransitions() throws Exception {
        onAccept = e -> {
            e.echo = false;
            e.keepFrames = false;
        };
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        // the sender ignores writability on purpose, so the queue crosses the marks many times while the
        // server drains it concurrently
        int n = 4000;
        for (int i = 0; i < n; i++) {
            c.transport.send(frame(c.transport, i, 2048));
        }
        s.awaitFrames(n, timeout());
        assertNull(s.firstMismatch.get());
        flush(s.transport.executor());
        flush(c.transport.executor());
        flush(c.transport.executor());
        assertTrue(c.transport.isWritable(), "writable once everything was taken");
        List<Boolean> events = new ArrayList<>(c.writability);
        if (!events.isEmpty()) {
            assertEquals(Boolean.TRUE, events.get(events.size() - 1), "the last event says writable: " + events);
        }
    }

    /**
     * A peer that sends requests and never reads the answers, against a server that answers each
     * request and turns reading off while it is not writable (as a proxy front end does): the
     * requests stop being read, so the flooding side turns unwritable, and what the server holds stays
     * under {@link #heldBytesLimit()} although each answer is four times its request. Once the peer
     * reads again, every answer arrives in order and the server's held bytes return to zero.
     */
    @Test
    void aPeerThatNeverReadsIsHeldBackAndTheServerHoldsABoundedAmount() throws Exception {
        AtomicLong held = new AtomicLong();
        AtomicLong peak = new AtomicLong();
        int request = 1024;
        int answer = 4 * request;
        onAccept = e -> {
            e.echo = false;
            e.keepFrames = false;
            e.answerSize = answer;
            e.transport.countHeldBytes(d -> peak.accumulateAndGet(held.addAndGet(d), Math::max));
        };
        Stalled stalled = stallANonReadingClient(request);
        Endpoint c = stalled.client();
        Endpoint s = stalled.server();
        Producer p = stalled.producer();
        int sent = runOn(c.transport.executor(), () -> p.frames);
        flush(s.transport.executor());
        int answered = s.framesReceived.get();
        assertTrue(answered < sent, "the server stopped reading: it took " + answered + " of " + sent + " requests");
        assertTrue(peak.get() > 0, "the server's transport reports what it holds (peak " + peak.get() + ")");
        assertTrue(peak.get() <= heldBytesLimit(), "the server held at most " + heldBytesLimit() + " bytes, not "
                + peak.get() + " (" + answered + " answers of " + answer + " bytes)");

        c.transport.setAutoRead(true);
        c.awaitFrames(sent, timeout());
        assertNull(c.firstMismatch.get(), "every answer in order and byte exact");
        flush(s.transport.executor());
        assertNull(s.firstMismatch.get(), "every request in order and byte exact");
        assertEquals(sent, s.framesReceived.get());
        flush(s.transport.executor());
        assertEquals(0, held.get(), "the server holds nothing once every answer was taken");
    }

    /**
     * A well-behaved sender: frames of {@code frameSize} from {@code c}, on its transport's executor and only while
     * writable, until the transport says unwritable.
     */
    private Producer pumpUntilStalled(Endpoint c, int frameSize) throws Exception {
        Producer p = new Producer(c.transport, frameSize, backpressureSendLimit());
        c.producer = p;
        runOn(c.transport.executor(), () -> {
            p.pump();
            return null;
        });
        await(p.stalled);
        return p;
    }

    /** A client and its accepted server side, the client not reading and its producer stalled on writability. */
    private record Stalled(Endpoint client, Endpoint server, Producer producer) {
    }

    /**
     * Connects a client that does not read and pumps frames of {@code frameSize} from it until its transport says
     * unwritable (the server's {@link #onAccept} decides how the server answers).
     */
    private Stalled stallANonReadingClient(int frameSize) throws Exception {
        Endpoint c = connect();
        c.transport.setAutoRead(false);
        flush(c.transport.executor());
        Endpoint s = nextAccepted();
        c.keepFrames = false;
        Producer p = pumpUntilStalled(c, frameSize);
        return new Stalled(c, s, p);
    }

    /**
     * A server holding answers its peer does not read (and requests it stopped reading) gives every
     * held byte back once it has closed: the deltas its counter saw sum to zero when
     * {@link Transport#closeFuture()} completes, and none comes after.
     */
    @Test
    void heldBytesGoBackToZeroWhenATransportClosesWhileHolding() throws Exception {
        AtomicLong held = new AtomicLong();
        onAccept = e -> {
            e.echo = false;
            e.keepFrames = false;
            e.answerSize = 4096;
            e.transport.countHeldBytes(held::addAndGet);
        };
        Stalled stalled = stallANonReadingClient(1024);
        Endpoint c = stalled.client();
        Endpoint s = stalled.server();
        // the client stalls once the server reads slower than it sends, which on a loaded machine can happen
        // before the server's answers fill the kernel's buffers: the server holds some once they are full
        long deadline = System.nanoTime() + timeout().toNanos();
        while (runOn(s.transport.executor(), held::get) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(runOn(s.transport.executor(), held::get) > 0, "the server holds unread answers");

        s.transport.close(1000, "done");
        await(s.transport.closeFuture());
        assertEquals(0, held.get(), "everything held was given back at the close");
        flush(s.transport.executor());
        assertEquals(0, held.get(), "and nothing was counted after it");
        c.transport.close(1000, "done");
        await(c.transport.closeFuture());
    }

    /**
     * A sender on a thread of its own that stops whenever {@link Transport#isWritable()} says false and
     * waits for {@code writabilityChanged(true)}, many times over while the peer drains concurrently and
     * pauses its reading now and then: the flips come faster than the listener is told, and it must
     * never be left waiting. The events alternate and the last one says what isWritable() says.
     */
    @Test
    void aSenderThatSawUnwritableIsAlwaysToldWhenItIsWritableAgain() throws Exception {
        onAccept = e -> {
            e.echo = false;
            e.keepFrames = false;
            e.pauseEvery = 7;
        };
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        int seq = 0;
        for (int round = 0; round < 20; round++) {
            int before = c.writability.size();
            int n = 0;
            while (c.transport.isWritable()) {
                c.transport.send(frame(c.transport, seq++, 8 * 1024));
                if (++n > 10_000) {
                    fail("round " + round + ": still writable after " + n + " frames");
                }
            }
            // saw false: true must follow, whatever happened in between
            long deadline = System.nanoTime() + timeout().toNanos();
            while (true) {
                List<Boolean> ev = new ArrayList<>(c.writability);
                if (ev.size() > before && ev.get(ev.size() - 1) && c.transport.isWritable()) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail("round " + round + ": saw isWritable() false and was never told true; events " + ev.subList(before, ev.size())
                            + ", isWritable() " + c.transport.isWritable());
                }
                synchronized (c.signal) {
                    c.signal.wait(10);
                }
            }
        }
        s.awaitFrames(seq, timeout());
        assertNull(s.firstMismatch.get());
        flush(c.transport.executor());
        List<Boolean> events = new ArrayList<>(c.writability);
        for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i) != events.get(i - 1), "events alternate: " + events);
        }
        assertEquals(Boolean.FALSE, events.get(0), "the first event says unwritable: " + events);
        assertEquals(c.transport.isWritable(), events.get(events.size() - 1), "the last event is the state now");
    }

    /**
     * Flips that coalesce completely: the transport turns unwritable (and a sender sees it do so) and writable
     * again before anyone listens, so no event was ever due while it happened. The listener started afterwards
     * must still end up told the state as it is, with the events alternating: {@code false}, then {@code true}.
     * A transport that only snapshots its writability at start loses the "writable again" a sender that saw
     * false is waiting for (the websockify bridge polled for it every 50 ms).
     */
    @Test
    void writabilityFlipsThatCoalesceBeforeStartStillEndWithTheListenerToldWritable() throws Exception {
        onAccept = e -> {
            e.echo = false;
            e.keepFrames = false;
            e.transport.setAutoRead(false);
        };
        Transport t = await(provider().connect(uri, clientOptions()));
        Endpoint s = nextAccepted();
        flush(s.transport.executor());
        int n = 0;
        long bytes = 0;
        while (t.isWritable()) {
            if (bytes >= backpressureSendLimit()) {
                fail("sent " + bytes + " bytes before start and still writable");
            }
            t.send(frame(t, n++, 16 * 1024));
            bytes += 16 * 1024;
        }
        // the sender saw false; the server now takes everything, so the client is writable again, unstarted
        s.transport.setAutoRead(true);
        s.awaitFrames(n, timeout());
        assertNull(s.firstMismatch.get());
        flush(t.executor());
        flush(t.executor());

        Endpoint c = new Endpoint("client-flipped-before-start", t, false);
        endpoints.add(c);
        c.start();
        long deadline = System.nanoTime() + timeout().toNanos();
        while (true) {
            List<Boolean> ev = new ArrayList<>(c.writability);
            if (!ev.isEmpty() && ev.get(ev.size() - 1) && t.isWritable()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                fail("saw isWritable() false before start and was never told true; events " + ev
                        + ", isWritable() " + t.isWritable());
            }
            synchronized (c.signal) {
                c.signal.wait(10);
            }
        }
        flush(t.executor());
        assertEquals(List.of(false, true), new ArrayList<>(c.writability), "told false, then true, once each");
        echoRoundTrip(c, 0);
    }

    // ------------------------------------------------------------------------------------------------
    // datagrams and streams

    @Test
    void datagramsEchoAndOversizedOnesAreRefused() throws Exception {
        Endpoint c = connect();
        assumeTrue(c.transport.capabilities().contains(Transport.Capability.DATAGRAMS), "no datagrams here");
        Endpoint s = nextAccepted();
        int max = c.transport.maxDatagramSize();
        assertTrue(max > 0, "maxDatagramSize() > 0 with DATAGRAMS");

        int n = 20;
        for (int i = 0; i < n; i++) {
            assertTrue(c.transport.sendDatagram(frame(c.transport, i, 4 + i)), "datagram " + i + " accepted");
        }
        byte[] first = c.datagrams.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(first, "at least one datagram echoed");
        List<byte[]> got = new ArrayList<>();
        got.add(first);
        c.datagrams.drainTo(got);
        for (byte[] d : got) {
            int seq = ((d[0] & 0xff) << 24) | ((d[1] & 0xff) << 16) | ((d[2] & 0xff) << 8) | (d[3] & 0xff);
            assertTrue(seq >= 0 && seq < n, "seq " + seq);
            assertArrayEquals(pattern(seq, 4 + seq), d, "datagram " + seq + " byte exact");
        }

        ByteBuf big = frame(c.transport, 99, max + 1);
        assertFalse(c.transport.sendDatagram(big), "a datagram over maxDatagramSize() is refused");
        assertEquals(0, big.refCnt(), "and released");
        ByteBuf exact = frame(c.transport, 98, max);
        assertTrue(c.transport.sendDatagram(exact), "a datagram of maxDatagramSize() is accepted");
        echoRoundTrip(c, 2);
        assertFalse(s.closed.isDone());
    }

    @Test
    void streamsEchoIndependentlyOfTheMainFlow() throws Exception {
        Endpoint c = connect();
        assumeTrue(c.transport.capabilities().contains(Transport.Capability.STREAMS), "no streams here");
        Endpoint s = nextAccepted();

        // stall the main flow: the server stops reading it and the client fills it
        s.echo = false;
        s.keepFrames = false;
        s.transport.setAutoRead(false);
        flush(s.transport.executor());
        Producer p = pumpUntilStalled(c, 16 * 1024);
        int n = runOn(c.transport.executor(), () -> p.frames);

        Transport stream = await(c.transport.openStream());
        Endpoint cs = new Endpoint("client-stream", stream, false);
        endpoints.add(cs);
        cs.start();
        Transport serverStream = s.streams.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(serverStream, "server saw streamOpened");
        echoRoundTrip(cs, 200);

        s.transport.setAutoRead(true);
        s.awaitFrames(n, timeout());
        assertNull(s.firstMismatch.get());

        // closing the stream leaves the main transport alone
        stream.close(1000, "stream done");
        await(cs.closed);
        s.echo = true;
        s.keepFrames = true;
        flush(s.transport.executor());
        echoRoundTrip(c, 5);
    }

    // ------------------------------------------------------------------------------------------------
    // many connections, threading, server lifecycle

    @Test
    void fiftyConcurrentConnectionsEachEcho() throws Exception {
        int conns = 50;
        List<CompletableFuture<Transport>> fs = new ArrayList<>();
        for (int i = 0; i < conns; i++) {
            fs.add(provider().connect(uri, clientOptions()));
        }
        List<Endpoint> cs = new ArrayList<>();
        for (int i = 0; i < conns; i++) {
            Transport t = await(fs.get(i));
            Endpoint e = new Endpoint("client#" + i, t, false);
            endpoints.add(e);
            e.start();
            cs.add(e);
        }
        int perConn = 100;
        List<Thread> senders = new ArrayList<>();
        for (Endpoint e : cs) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < perConn; i++) {
                    e.transport.send(frame(e.transport, i, 64 + i));
                }
            });
            th.start();
            senders.add(th);
        }
        for (Thread th : senders) {
            th.join(timeout().toMillis());
        }
        for (Endpoint e : cs) {
            for (int i = 0; i < perConn; i++) {
                assertArrayEquals(pattern(i, 64 + i), e.nextFrame(timeout()), e.name + " frame " + i);
            }
        }
        assertEquals(conns, accepted.size());
    }

    @Test
    void listenerCallbacksRunOnTheTransportExecutor() throws Exception {
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        echoRoundTrip(c, 20);
        assertNotNull(c.transport.executor());
        assertNotNull(c.transport.alloc());
        assertNotNull(c.transport.scheme());
        assertFalse(c.transport.executor().inEventLoop());
        c.transport.close(1000, "bye");
        await(c.closed);
        await(s.closed);
        assertEquals(0, c.offExecutor.get() + s.offExecutor.get(), "callbacks off the executor");
        assertTrue(c.callbacks.get() > 0 && s.callbacks.get() > 0);
    }

    /**
     * A listener's bug is that connection's problem. The transport that called it ends (closed with
     * 1011, as RFC 6455 names an unexpected condition), its peer is told, and every other connection,
     * including new ones on the same executors, goes on.
     */
    @Test
    void aListenerThatThrowsEndsOnlyItsOwnTransport() throws Exception {
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        echoRoundTrip(c, 2);
        Endpoint other = connect();
        nextAccepted();
        s.throwOnFrame = true;
        c.transport.send(frame(c.transport, 1, 16));
        Close own = await(s.closed);
        assertEquals(1011, own.code, "the throwing end's close: " + own);
        Close peer = await(c.closed);
        assertTrue(peer.code >= 1000, "the peer's close: " + peer);
        echoRoundTrip(other, 20);
        // enough new connections to land on every executor the transport hands out in turn
        for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors() + 2; i++) {
            Endpoint n = connect();
            nextAccepted();
            echoRoundTrip(n, 2);
        }
    }

    @Test
    void shutdownNowClosesOpenTransports() throws Exception {
        List<Endpoint> cs = new ArrayList<>();
        List<Endpoint> ss = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            cs.add(connect());
            ss.add(nextAccepted());
        }
        echoRoundTrip(cs.get(0), 2);
        await(server.shutdownNow());
        for (Endpoint s : ss) {
            await(s.closed);
            await(s.transport.closeFuture());
        }
        for (Endpoint c : cs) {
            Close close = await(c.closed);
            assertTrue(close.code >= 1000, "close code " + close);
            await(c.transport.closeFuture());
        }
        assertConnectFails();
    }

    @Test
    void shutdownStopsAcceptingButLeavesOpenTransportsAlone() throws Exception {
        Endpoint c = connect();
        Endpoint s = nextAccepted();
        await(server.shutdown());
        assertConnectFails();
        echoRoundTrip(c, 10);
        assertFalse(s.closed.isDone());
        assertFalse(c.closed.isDone());
    }

    // ------------------------------------------------------------------------------------------------
    // helpers

    /** Connects and starts a client endpoint (which does not echo). */
    protected Endpoint connect() throws Exception {
        Transport t = await(provider().connect(uri, clientOptions()));
        Endpoint e = new Endpoint("client#" + endpoints.size(), t, false);
        endpoints.add(e);
        e.start();
        return e;
    }

    protected Endpoint nextAccepted() throws InterruptedException {
        Endpoint e = accepted.poll(timeout().toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(e, "the server accepted a connection");
        return e;
    }

    private void assertConnectFails() throws InterruptedException {
        CompletableFuture<Transport> f = provider().connect(uri, clientOptions());
        try {
            Transport t = f.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            t.close(1000, "should not have connected");
            fail("connect succeeded after the server stopped accepting");
        } catch (ExecutionException expected) {
            // refused
        } catch (TimeoutException te) {
            fail("connect neither failed nor succeeded within " + timeout());
        }
    }

    /** Sends {@code n} frames on an echoing connection and checks each comes back. */
    protected void echoRoundTrip(Endpoint c, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            c.transport.send(frame(c.transport, 1_000_000 + i, 32 + i));
        }
        for (int i = 0; i < n; i++) {
            assertArrayEquals(pattern(1_000_000 + i, 32 + i), c.nextFrame(timeout()), c.name + " echo " + i);
        }
    }

    protected <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("not done within " + timeout(), e);
        }
    }

    /** Waits until every task queued on {@code executor} before this call has run. */
    protected void flush(EventExecutor executor) throws Exception {
        runOn(executor, () -> null);
    }

    protected <T> T runOn(EventExecutor executor, java.util.concurrent.Callable<T> task) throws Exception {
        return executor.submit(task).get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A frame of {@code size} bytes: the sequence number (if it fits) then a pattern derived from it. */
    protected static ByteBuf frame(Transport t, int seq, int size) {
        ByteBuf b = t.alloc().buffer(size);
        b.writeBytes(pattern(seq, size));
        return b;
    }

    protected static byte[] pattern(int seq, int size) {
        byte[] out = new byte[size];
        for (int i = 0; i < size; i++) {
            out[i] = (byte) (seq * 31 + i * 7);
        }
        if (size >= 4) {
            out[0] = (byte) (seq >>> 24);
            out[1] = (byte) (seq >>> 16);
            out[2] = (byte) (seq >>> 8);
            out[3] = (byte) seq;
        }
        return out;
    }

    /**
     * Sends pattern frames 0, 1, 2... of one size, on the transport's executor and only while it is
     * writable, until the first {@code writabilityChanged(false)}: then {@link #stalled} completes.
     * It fails if it sent {@code limit} bytes without being stopped.
     */
    protected static final class Producer {
        private final Transport transport;
        private final int size;
        private final long limit;
        /** Frames and bytes sent (read them on the executor). */
        public int frames;
        public long bytes;
        private boolean stopped;
        public final CompletableFuture<Void> stalled = new CompletableFuture<>();

        public Producer(Transport transport, int size, long limit) {
            this.transport = transport;
            this.size = size;
            this.limit = limit;
        }

        /** Sends while writable; call on the executor. */
        public void pump() {
            while (!stopped && transport.isWritable() && bytes < limit) {
                transport.send(frame(transport, frames++, size));
                bytes += size;
            }
            if (!stopped && bytes >= limit && transport.isWritable()) {
                stopped = true;
                stalled.completeExceptionally(new AssertionError("sent " + bytes + " bytes and still writable"));
            }
        }

        void writabilityChanged(boolean writable) {
            if (!writable) {
                stopped = true;
                stalled.complete(null);
            } else {
                pump();
            }
        }
    }

    /** How a transport ended. */
    public record Close(int code, String reason) {
    }

    /**
     * A listener that records what it gets; on the server side it echoes frames, datagrams and streams
     * back by default. Every callback checks it runs on the transport's executor.
     */
    protected final class Endpoint implements TransportListener {
        public final String name;
        public final Transport transport;
        public final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
        public final BlockingQueue<byte[]> datagrams = new LinkedBlockingQueue<>();
        public final BlockingQueue<Boolean> writability = new LinkedBlockingQueue<>();
        public final BlockingQueue<Transport> streams = new LinkedBlockingQueue<>();
        public final CompletableFuture<Close> closed = new CompletableFuture<>();
        public final AtomicInteger closedCalls = new AtomicInteger();
        public final AtomicInteger framesReceived = new AtomicInteger();
        public final AtomicInteger offExecutor = new AtomicInteger();
        public final AtomicInteger callbacks = new AtomicInteger();
        /** When not echoing: the first frame that broke the sequence 0, 1, 2... (pattern frames). */
        public final AtomicReference<String> firstMismatch = new AtomicReference<>();
        private final AtomicLong nextSeq = new AtomicLong();
        public volatile boolean echo;
        /** Makes {@link #frameReceived} throw, after releasing the frame: a listener with a bug. */
        public volatile boolean throwOnFrame;
        private final boolean serverSide;
        final Object signal = new Object();
        /** When not echoing: keep copies of the frames in {@link #frames} (else only check them). */
        public volatile boolean keepFrames = true;
        volatile boolean rejected;
        /** Told of writability changes, if set. */
        public volatile Producer producer;
        /**
         * When positive (and not echoing): answer each frame with a pattern frame of this size, and turn
         * reading off while the transport is not writable (back on once it is), as a server should.
         */
        public volatile int answerSize;
        /** When positive: turn reading off after every this many frames, and back on a turn later. */
        public volatile int pauseEvery;
        private int answers;
        volatile boolean started;

        Endpoint(String name, Transport transport, boolean echo) {
            this.name = name;
            this.transport = transport;
            this.echo = echo;
            this.serverSide = echo;
        }

        /** Starts the transport with this endpoint as its listener. */
        public void start() {
            started = true;
            transport.start(this);
        }

        private void onExecutor(String what) {
            callbacks.incrementAndGet();
            if (!transport.executor().inEventLoop()) {
                offExecutor.incrementAndGet();
                violations.add(name + ": " + what + " ran on " + Thread.currentThread().getName()
                        + ", not on the transport's executor");
            }
            if (closedCalls.get() > 0) {
                violations.add(name + ": " + what + " after closed()");
            }
        }

        @Override
        public void frameReceived(ByteBuf frame) {
            onExecutor("frameReceived");
            if (throwOnFrame) {
                frame.release();
                throw new IllegalStateException(name + ": a listener bug, thrown by the test");
            }
            try {
                handleFrame(frame);
            } finally {
                // counted once handled, so that a test woken by the count sees the frame's effects
                framesReceived.incrementAndGet();
                synchronized (signal) {
                    signal.notifyAll();
                }
            }
        }

        private void handleFrame(ByteBuf frame) {
            if (echo) {
                transport.send(frame);
                return;
            }
            if (answerSize > 0) {
                transport.send(frame(transport, answers++, answerSize));
                if (!transport.isWritable()) {
                    transport.setAutoRead(false);
                }
            }
            if (pauseEvery > 0 && (framesReceived.get() + 1) % pauseEvery == 0) {
                transport.setAutoRead(false);
                transport.executor().execute(() -> transport.setAutoRead(true));
            }
            try {
                byte[] bytes = ByteBufUtil.getBytes(frame);
                if (keepFrames) {
                    frames.add(bytes);
                } else {
                    long seq = nextSeq.getAndIncrement();
                    if (!java.util.Arrays.equals(pattern((int) seq, bytes.length), bytes)) {
                        firstMismatch.compareAndSet(null, name + ": frame " + seq + " of " + bytes.length
                                + " bytes is not the expected one");
                    }
                }
            } finally {
                frame.release();
            }
        }

        @Override
        public void datagramReceived(ByteBuf datagram) {
            onExecutor("datagramReceived");
            if (echo) {
                transport.sendDatagram(datagram);
                return;
            }
            try {
                datagrams.add(ByteBufUtil.getBytes(datagram));
            } finally {
                datagram.release();
            }
        }

        @Override
        public void writabilityChanged(boolean writable) {
            onExecutor("writabilityChanged");
            writability.add(writable);
            synchronized (signal) {
                signal.notifyAll();
            }
            if (answerSize > 0 && writable) {
                transport.setAutoRead(true);
            }
            Producer p = producer;
            if (p != null) {
                p.writabilityChanged(writable);
            }
        }

        @Override
        public void streamOpened(Transport stream) {
            onExecutor("streamOpened");
            // server-side streams always echo, whatever the main flow does
            Endpoint e = new Endpoint(name + "/stream" + streams.size(), stream, serverSide);
            endpoints.add(e);
            streams.add(stream);
            e.start();
        }

        @Override
        public void closed(int code, String reason) {
            onExecutor("closed");
            if (closedCalls.incrementAndGet() > 1) {
                violations.add(name + ": closed() called again with " + code + " " + reason);
            }
            closed.complete(new Close(code, reason == null ? "" : reason));
            synchronized (signal) {
                signal.notifyAll();
            }
        }

        /** The next frame this (non-echoing) endpoint received, waiting at most {@code d}. */
        public byte[] nextFrame(Duration d) throws InterruptedException {
            byte[] b = frames.poll(d.toMillis(), TimeUnit.MILLISECONDS);
            if (b == null) {
                throw new AssertionError(name + ": no frame within " + d + " (closed: " + closed.getNow(null) + ")");
            }
            return b;
        }

        /** Waits until {@code n} frames have been received (or fails if the transport closes first). */
        public void awaitFrames(int n, Duration d) throws InterruptedException {
            long deadline = System.nanoTime() + d.toNanos();
            synchronized (signal) {
                while (framesReceived.get() < n) {
                    if (closed.isDone()) {
                        throw new AssertionError(name + ": closed after " + framesReceived.get() + " of " + n
                                + " frames: " + closed.getNow(null));
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError(name + ": " + framesReceived.get() + " of " + n + " frames within " + d);
                    }
                    TimeUnit.NANOSECONDS.timedWait(signal, left);
                }
            }
        }
    }
}

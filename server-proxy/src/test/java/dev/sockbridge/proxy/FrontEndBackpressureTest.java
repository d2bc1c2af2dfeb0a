package dev.sockbridge.proxy;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.EchoServer;
import dev.sockbridge.api.transport.TransportOptions;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Sockbridge front end over the in-process transport (no kernel buffers to hide anything in): a client
 * that sends calls and never reads the answers stops being read, and what the proxy holds for it, counted
 * by the proxy itself ({@link ProxyStats#bufferedBytes}), stays bounded while another session is served.
 */
@Timeout(120)
class FrontEndBackpressureTest {
    /**
     * The proxy's high-water mark of answers, plus the answers to what was on its way when reading stopped
     * and those requests themselves (the client's own high-water mark of each), with room to spare. Without
     * backpressure the answers grow with the requests: 64 MiB here.
     */
    static final long HELD_BOUND = 4L * TransportOptions.DEFAULT_HIGH_WATER_MARK;

    private SockbridgeProxy proxy;
    private URI uri;
    private EchoServer echo;

    @BeforeEach
    void start() throws Exception {
        proxy = SockbridgeProxy.builder().build();
        uri = EngineTestBase.serveInProcess(proxy, "backpressure");
        echo = EchoServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        proxy.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
        echo.close();
    }

    @Test
    void aClientThatNeverReadsStopsBeingReadAndWhatTheProxyHoldsStaysBounded() throws Exception {
        List<PollFd> fds = new ArrayList<>();
        for (int fd = 1000; fd < 1500; fd++) {
            fds.add(new PollFd(fd, 1 /* POLLIN */));
        }
        long calls0 = proxy.stats().callsTotal();
        RawSession flooder = RawSession.open(uri);
        flooder.transport.setAutoRead(false);
        // polls of 500 descriptors that do not exist, no timeout: each answered at once, as large as itself
        int max = 64 << 20 >> 11;
        int sent = 0;
        long peak = 0;
        boolean stalled = false;
        while (sent < max && !stalled) {
            while (sent < max && flooder.transport.isWritable()) {
                flooder.send(new Request.Poll(sent + 1000, fds, 0));
                sent++;
                peak = Math.max(peak, proxy.stats().bufferedBytes());
                assertTrue(peak <= HELD_BOUND, "the proxy holds at most " + HELD_BOUND + " bytes, not " + peak
                        + " (after " + sent + " requests)");
            }
            // not writable: the proxy has not taken our requests. It would again, unless it stopped reading
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (!flooder.transport.isWritable() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            stalled = !flooder.transport.isWritable();
            peak = Math.max(peak, proxy.stats().bufferedBytes());
            assertTrue(peak <= HELD_BOUND, "the proxy holds at most " + HELD_BOUND + " bytes, not " + peak
                    + " (after " + sent + " requests)");
        }
        long handled = proxy.stats().callsTotal() - calls0;
        System.out.println("in-process flood: " + sent + " requests sent, " + handled + " handled, the proxy held at most "
                + peak + " bytes (bound " + HELD_BOUND + ")");
        assertTrue(stalled && handled < sent, "the proxy stopped reading: it handled " + handled + " of " + sent);
        assertTrue(peak > TransportOptions.DEFAULT_HIGH_WATER_MARK / 2, "the answers it holds are counted: " + peak);

        // once the flooder reads again, so does the proxy: the last request is answered (after all others)
        flooder.transport.setAutoRead(true);
        flooder.awaitReply(1000 + sent - 1);

        try (RawSession other = RawSession.open(uri)) {
            int fd = other.value(new Request.Socket(other.nextId(), AF_INET, SOCK_STREAM, 0));
            other.ok(new Request.Connect(other.nextId(), fd, echo.tcpAddress()));
            byte[] msg = "still served".getBytes(StandardCharsets.UTF_8);
            other.value(new Request.Send(other.nextId(), fd, 0, Unpooled.wrappedBuffer(msg)));
            Reply r = other.call(new Request.Recv(other.nextId(), fd, 100, 0));
            assertArrayEquals(msg, data(r));
            other.ok(new Request.Close(other.nextId(), fd));
        }

        flooder.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (proxy.stats().sessionsOpen() > 0 || proxy.stats().bufferedBytes() != 0) {
            assertTrue(System.nanoTime() < deadline, "sessions ended and nothing held: " + proxy.stats());
            Thread.sleep(10);
        }
    }

    private static byte[] data(Reply r) {
        Reply.Data d = assertInstanceOf(Reply.Data.class, r, () -> "expected data, got " + r);
        try {
            return ByteBufUtil.getBytes(d.data());
        } finally {
            d.data().release();
        }
    }
}

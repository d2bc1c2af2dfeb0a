package dev.sockbridge.proxy;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.EchoServer;
import dev.sockbridge.api.Errno;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@link ProxyListener} installed on a real proxy hears every event of a session that makes real loopback
 * connections: the session, its calls (paired), the bytes, the native channel, a denied call and a refused session.
 */
@Timeout(60)
class ProxyListenerTest extends EngineTestBase {
    /** One event as the listener heard it, and whether it came on one of the proxy's event loops. */
    record Ev(String kind, long session, String call, int fd, long n, String text, boolean onLoop) {
    }

    final ConcurrentLinkedQueue<Ev> events = new ConcurrentLinkedQueue<>();
    EchoServer echo;

    final ProxyListener recorder = new ProxyListener() {
        private void add(String kind, SessionInfo s, String call, int fd, long n, String text) {
            events.add(new Ev(kind, s == null ? -1 : s.id(), call, fd, n, text, onProxyLoop()));
        }

        @Override
        public void sessionOpened(SessionInfo s) {
            add("opened", s, s.protocol(), -1, 0, s.scheme());
        }

        @Override
        public void sessionClosed(SessionInfo s, int code, String reason) {
            add("closed", s, null, -1, code, reason);
        }

        @Override
        public void callStarted(SessionInfo s, String call, int fd) {
            add("started", s, call, fd, 0, null);
        }

        @Override
        public void callEnded(SessionInfo s, String call, int fd, int error) {
            add("ended", s, call, fd, error, null);
        }

        @Override
        public void callDenied(SessionInfo s, String call, String reason) {
            add("denied", s, call, -1, 0, reason);
        }

        @Override
        public void sessionRefused(SocketAddress remote, String transport, String reason) {
            add("refused", null, null, -1, 0, reason);
        }

        @Override
        public void nativeChannelOpened(SessionInfo s, String kind) {
            add("native-opened", s, kind, -1, 0, null);
        }

        @Override
        public void nativeChannelClosed(SessionInfo s, String kind) {
            add("native-closed", s, kind, -1, 0, null);
        }

        @Override
        public void bytesSent(SessionInfo s, int fd, long bytes) {
            add("sent", s, null, fd, bytes, null);
        }

        @Override
        public void bytesReceived(SessionInfo s, int fd, long bytes) {
            add("received", s, null, fd, bytes, null);
        }

        @Override
        public void datagramDropped(SessionInfo s, int fd, String reason) {
            add("dropped", s, null, fd, 0, reason);
        }
    };

    private boolean onProxyLoop() {
        if (proxy == null) {
            return false;
        }
        for (EventExecutor e : proxy.eventLoopGroup()) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    @AfterEach
    void closeEcho() throws Exception {
        if (echo != null) {
            echo.close();
        }
    }

    private List<Ev> of(String kind) {
        return events.stream().filter(e -> e.kind.equals(kind)).collect(Collectors.toList());
    }

    /** Waits (bounded) until an event that {@code p} accepts has been heard. */
    private Ev await(String what, Predicate<Ev> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (Ev e : events) {
                if (p.test(e)) {
                    return e;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no " + what + " event; heard " + events);
    }

    @Test
    void listenerHearsSessionsCallsBytesDenialsAndRefusals() throws Exception {
        startProxy(SockbridgeProxy.builder().listener(recorder).proxyLimits(ProxyLimits.defaults().withMaxSessions(1)));
        echo = EchoServer.start();
        long id;
        int fd;
        int denied;
        try (RawSession s = RawSession.open(uri)) {
            Ev opened = await("sessionOpened", e -> e.kind.equals("opened"));
            id = opened.session;
            assertEquals("sockbridge", opened.call);

            fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.ok(new Request.Connect(s.nextId(), fd, echo.tcpAddress()));
            byte[] hello = "hello, listener".getBytes(StandardCharsets.US_ASCII);
            assertEquals(hello.length, s.value(new Request.Send(s.nextId(), fd, 0, Unpooled.wrappedBuffer(hello))));
            byte[] got = new byte[0];
            for (int i = 0; i < 20 && got.length < hello.length; i++) {
                Reply r = s.call(new Request.Recv(s.nextId(), fd, 1024, 0));
                Reply.Data d = assertInstanceOf(Reply.Data.class, r);
                byte[] part = ByteBufUtil.getBytes(d.data());
                Message.release(d);
                byte[] all = new byte[got.length + part.length];
                System.arraycopy(got, 0, all, 0, got.length);
                System.arraycopy(part, 0, all, got.length, part.length);
                got = all;
            }
            assertArrayEquals(hello, got);

            // a call the policy denies (the default policy allows loopback only): EACCES, heard as denied
            denied = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.error(new Request.Connect(s.nextId(), denied, new InetSocketAddress("192.0.2.1", 80)), Errno.EACCES.code());

            // a second session while the first is open: refused by the proxy's limit, before it exists
            RawSession refused = RawSession.open(uri, false);
            String closedWith = refused.closed.get(RawSession.TIMEOUT_S, TimeUnit.SECONDS);
            assertTrue(closedWith.startsWith("1013"), closedWith);
            await("sessionRefused", e -> e.kind.equals("refused") && e.text.equals("limit-sessions"));

            // the calls above were all answered, and each ended before its answer left the proxy
            List<Ev> started = of("started");
            List<Ev> ended = of("ended");
            assertEquals(List.of("socket", "connect", "send", "recv", "socket", "connect"),
                    collapseRecvs(started.stream().map(Ev::call).collect(Collectors.toList())));
            assertEquals(started.size(), ended.size(), () -> "started " + started + " ended " + ended);
            for (int i = 0; i < started.size(); i++) {
                assertEquals(started.get(i).call, ended.get(i).call);
                assertEquals(started.get(i).fd, ended.get(i).fd);
                assertEquals(id, started.get(i).session);
            }
            Ev connectEnd = ended.stream().filter(e -> e.call.equals("connect") && e.fd == fd).findFirst().orElseThrow();
            assertEquals(0, connectEnd.n, "connect to the echo server succeeded");
            Ev deniedEnd = ended.stream().filter(e -> e.call.equals("connect") && e.fd == denied).findFirst().orElseThrow();
            assertEquals(Errno.EACCES.code(), deniedEnd.n);
            Ev denial = of("denied").get(0);
            assertEquals("connect", denial.call);
            assertEquals(id, denial.session);
            assertEquals(-1, started.get(0).fd, "socket is on no descriptor");

            long sent = of("sent").stream().filter(e -> e.fd == fd).mapToLong(Ev::n).sum();
            long received = of("received").stream().filter(e -> e.fd == fd).mapToLong(Ev::n).sum();
            assertEquals(hello.length, sent);
            assertEquals(hello.length, received);
            assertEquals(List.of("tcp"), of("native-opened").stream().map(Ev::call).collect(Collectors.toList()));
        }
        Ev closed = await("sessionClosed", e -> e.kind.equals("closed"));
        assertEquals(id, closed.session);
        await("nativeChannelClosed", e -> e.kind.equals("native-closed") && e.call.equals("tcp"));
        assertEquals(1, of("opened").size(), "the refused session was never opened");
        assertEquals(1, of("closed").size());

        // every event of the session came on the proxy's event loop (sessionOpened and sessionRefused on the
        // admitting thread, which the listener's contract leaves open)
        for (Ev e : events) {
            if (!e.kind.equals("opened") && !e.kind.equals("refused")) {
                assertTrue(e.onLoop, () -> e + " was not heard on a proxy event loop");
            }
        }
    }

    @Test
    void aSessionTheAuthenticatorRefusesIsHeardAsRefusedAndNeverOpened() throws Exception {
        startProxy(SockbridgeProxy.builder().listener(recorder).authenticator(request ->
                java.util.concurrent.CompletableFuture.failedFuture(new AuthenticationException(403, "not on the list"))));
        RawSession refused = RawSession.open(uri, false);
        String closedWith = refused.closed.get(RawSession.TIMEOUT_S, TimeUnit.SECONDS);
        assertTrue(closedWith.startsWith("1008"), closedWith);
        await("sessionRefused", e -> e.kind.equals("refused") && e.text.equals("auth"));
        assertEquals(List.of(), of("opened"));
        assertEquals(1, proxy.stats().sessionsRefused());
    }

    /** A listener that throws from every event, as a broken metrics or log binding might. */
    static final class Throwing implements ProxyListener {
        final java.util.concurrent.atomic.AtomicInteger thrown = new java.util.concurrent.atomic.AtomicInteger();

        private void boom() {
            thrown.incrementAndGet();
            throw new IllegalStateException("listener bug");
        }

        @Override
        public void sessionOpened(SessionInfo s) {
            boom();
        }

        @Override
        public void sessionClosed(SessionInfo s, int code, String reason) {
            boom();
        }

        @Override
        public void callStarted(SessionInfo s, String call, int fd) {
            boom();
        }

        @Override
        public void callEnded(SessionInfo s, String call, int fd, int error) {
            boom();
        }

        @Override
        public void nativeChannelOpened(SessionInfo s, String kind) {
            boom();
        }

        @Override
        public void nativeChannelClosed(SessionInfo s, String kind) {
            boom();
        }

        @Override
        public void bytesSent(SessionInfo s, int fd, long bytes) {
            boom();
        }

        @Override
        public void bytesReceived(SessionInfo s, int fd, long bytes) {
            boom();
        }
    }

    @Test
    void listenersAddedOneByOneAllHearEveryEventInOrderAndOneThatThrowsBreaksNothing() throws Exception {
        // a second listener that tags what it hears, to check the order within each event
        ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();
        ProxyListener second = new ProxyListener() {
            @Override
            public void callStarted(SessionInfo s, String call, int fd) {
                order.add("second started " + call);
            }

            @Override
            public void callEnded(SessionInfo s, String call, int fd, int error) {
                order.add("second ended " + call);
            }
        };
        ProxyListener first = new ProxyListener() {
            @Override
            public void callStarted(SessionInfo s, String call, int fd) {
                order.add("first started " + call);
            }

            @Override
            public void callEnded(SessionInfo s, String call, int fd, int error) {
                order.add("first ended " + call);
            }
        };
        Throwing throwing = new Throwing();
        startProxy(SockbridgeProxy.builder().listener(throwing).listener(first).listener(recorder).listener(second));
        echo = EchoServer.start();
        try (RawSession s = RawSession.open(uri)) {
            byte[] hello = "past a broken listener".getBytes(StandardCharsets.US_ASCII);
            int fd = s.tcpEcho(echo.tcpAddress(), hello, "the echo came back though a listener throws from every event");
            s.ok(new Request.Close(s.nextId(), fd));
        }
        await("sessionClosed", e -> e.kind.equals("closed"));
        await("nativeChannelClosed", e -> e.kind.equals("native-closed"));

        // the listener after the throwing one heard the whole session
        assertEquals(1, of("opened").size());
        assertEquals(List.of("tcp"), of("native-opened").stream().map(Ev::call).collect(Collectors.toList()));
        assertEquals(of("started").size(), of("ended").size());
        assertEquals(List.of("socket", "connect", "send", "recv", "close"),
                collapseRecvs(of("started").stream().map(Ev::call).collect(Collectors.toList())));
        assertTrue(throwing.thrown.get() >= 12, "the broken listener was called (and threw) each time: " + throwing.thrown);

        // the two tagging listeners heard the same calls, the first one before the second each time
        List<String> firsts = order.stream().filter(o -> o.startsWith("first ")).map(o -> o.substring(6))
                .collect(Collectors.toList());
        List<String> seconds = order.stream().filter(o -> o.startsWith("second ")).map(o -> o.substring(7))
                .collect(Collectors.toList());
        assertEquals(firsts, seconds);
        assertEquals(2 * of("started").size(), firsts.size());
        List<String> all = List.copyOf(order);
        for (int i = 0; i < all.size(); i += 2) {
            assertEquals("first " + all.get(i + 1).substring(7), all.get(i), "order at " + i + ": " + all);
        }
    }

    @Test
    void droppedDatagramsAreHeardWithTheirSocketAndReasonAsTheStatsCountThem() throws Exception {
        startProxy(SockbridgeProxy.builder().listener(recorder));
        try (RawSession s = RawSession.open(uri);
             java.net.DatagramSocket peer = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
             java.net.DatagramSocket stranger = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, dev.sockbridge.api.Posix.SOCK_DGRAM, 0));
            s.ok(new Request.Bind(s.nextId(), fd, new InetSocketAddress("127.0.0.1", 0)));
            s.ok(new Request.Connect(s.nextId(), fd, (InetSocketAddress) peer.getLocalSocketAddress()));
            InetSocketAddress local = ((Reply.Address) s.call(new Request.GetSockName(s.nextId(), fd))).address();
            // a connected UDP socket drops what its peer did not send
            for (int i = 0; i < 3; i++) {
                stranger.send(new java.net.DatagramPacket(new byte[] {(byte) i}, 1, local));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (of("dropped").size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            List<Ev> dropped = of("dropped");
            assertEquals(3, dropped.size(), () -> "heard " + events);
            for (Ev d : dropped) {
                assertEquals(fd, d.fd);
                assertEquals("filtered", d.text);
                assertTrue(d.onLoop, "heard on the session's loop");
            }
            assertEquals(3, proxy.stats().datagramsDropped(), "each drop the stats count is heard once");
        }
    }

    /** The recv loop may take more than one recv; the test cares that recvs came between send and the second socket. */
    private static List<String> collapseRecvs(List<String> calls) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        for (String c : calls) {
            if (c.equals("recv") && !out.isEmpty() && out.get(out.size() - 1).equals("recv")) {
                continue;
            }
            out.add(c);
        }
        return out;
    }
}

package dev.sockbridge.api.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.GaiError;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketCallException;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SockbridgeClientTest {
    private static final long T = ScriptedPeer.TIMEOUT_SECONDS;
    @RegisterExtension
    final ScriptedPeer peer = new ScriptedPeer();

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(T, TimeUnit.SECONDS));
        return e.getCause();
    }

    private static <V> V value(CompletableFuture<V> f) throws Exception {
        return f.get(T, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ handshake

    @Test
    void connectSendsHelloAndCompletesWithTheWelcomeLimits() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            assertEquals(1, c.welcome().version());
            assertEquals(64, c.welcome().maxSockets());
            assertTrue(c.isOpen());
        }
    }

    @Test
    void connectFailsWithTheGoodbyeCodeAndReason() {
        peer.answerToHello = new Control.Goodbye(Control.Goodbye.UNSUPPORTED_VERSION, "only version 7");
        Throwable t = failure(SockbridgeClient.connect(peer.uri));
        SessionClosedException e = assertInstanceOf(SessionClosedException.class, t);
        assertEquals(4001, e.code());
        assertEquals("only version 7", e.reason());
    }

    @Test
    void connectToAnUnknownSchemeFails() {
        assertInstanceOf(IllegalArgumentException.class, failure(SockbridgeClient.connect(URI.create("nosuch://x"))));
    }

    // ------------------------------------------------------------------ calls

    @Test
    void repliesAreMatchedByCallIdInAnyOrder() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            CompletableFuture<Integer> socket = c.socket(Posix.AF_INET, Posix.SOCK_STREAM, 0);
            CompletableFuture<InetSocketAddress> name = c.getSockName(3);
            CompletableFuture<Received> recv = c.recv(3, 100, 0);
            Request.Socket q1 = peer.take(Request.Socket.class);
            Request.GetSockName q2 = peer.take(Request.GetSockName.class);
            Request.Recv q3 = peer.take(Request.Recv.class);
            assertTrue(q1.callId() > 0 && q1.callId() < q2.callId() && q2.callId() < q3.callId(), "positive, increasing call ids");
            assertEquals(100, q3.length());

            peer.send(new Reply.Data(q3.callId(), 0, null, Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII)));
            peer.send(new Reply.Address(q2.callId(), new InetSocketAddress("127.0.0.1", 4242)));
            peer.send(new Reply.Value(q1.callId(), 7));

            assertEquals(7, value(socket));
            assertEquals(new InetSocketAddress("127.0.0.1", 4242), value(name));
            assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), value(recv).takeBytes());
        }
    }

    @Test
    void everyCallSendsItsRequestAndMapsItsReply() throws Exception {
        peer.responder = r -> {
            switch (r.messageType()) {
                case SOCKETPAIR: return new Reply.SocketPair(r.callId(), 5, 6);
                case ACCEPT: return new Reply.Accept(r.callId(), 9, new InetSocketAddress("127.0.0.1", 5000));
                case SEND: return new Reply.Value(r.callId(), ((Request.Send) r).data().readableBytes());
                case SENDMSG: return new Reply.Value(r.callId(), ((Request.SendMsg) r).data().readableBytes());
                case GETSOCKOPT: return new Reply.Value(r.callId(), 1_500_000);
                case GETADDRINFO: return new Reply.AddrInfos(r.callId(), List.of());
                case GETNAMEINFO: return new Reply.NameInfo(r.callId(), "localhost", "http");
                case POLL: return new Reply.Poll(r.callId(), ((Request.Poll) r).fds().subList(0, 1));
                default: return new Reply.Ok(r.callId());
            }
        };
        try (SockbridgeClient c = peer.connect()) {
            assertArrayEquals(new int[] {5, 6}, value(c.socketPair(Posix.AF_UNIX, Posix.SOCK_STREAM, 0)));
            assertEquals(new Accepted(9, new InetSocketAddress("127.0.0.1", 5000)), value(c.accept(3)));
            assertEquals(5, value(c.send(3, "hello".getBytes(StandardCharsets.US_ASCII))));
            assertEquals(5, value(c.sendMsg(3, null, 0, Unpooled.wrappedBuffer(new byte[2]), Unpooled.wrappedBuffer(new byte[3]))));
            assertEquals(Duration.ofMillis(1500), value(c.getSockOpt(3, SocketOption.SO_RCVTIMEO)));
            value(c.setSockOpt(3, SocketOption.TCP_NODELAY, true));
            assertEquals(List.of(), value(c.getAddrInfo("localhost", "80")));
            assertEquals(new NameInfo("localhost", "http"), value(c.getNameInfo(new InetSocketAddress("127.0.0.1", 80), 0)));
            value(c.listen(3, 16));
            value(c.shutdown(3, Posix.SHUT_WR));
            value(c.close(3));

            assertInstanceOf(Request.SocketPair.class, peer.take());
            assertEquals(0, peer.take(Request.Accept.class).flags());
            Request.Send send = peer.take(Request.Send.class);
            assertEquals("hello", send.data().toString(StandardCharsets.US_ASCII));
            Message.release(send);
            Message.release(peer.take(Request.SendMsg.class));
            Request.GetSockOpt get = peer.take(Request.GetSockOpt.class);
            assertEquals(Posix.SOL_SOCKET, get.level());
            assertEquals(20, get.name());
            Request.SetSockOpt set = peer.take(Request.SetSockOpt.class);
            assertEquals(Posix.IPPROTO_TCP, set.level());
            assertEquals(1, set.value());
            Request.GetAddrInfo gai = peer.take(Request.GetAddrInfo.class);
            assertEquals("localhost", gai.host());
            assertEquals(Posix.AF_UNSPEC, gai.family());
        }
    }

    @Test
    void anErrorReplyFailsTheCallWithErrnoAndReason() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            CompletableFuture<Void> connect = c.connect(3, new InetSocketAddress("127.0.0.1", 1));
            CompletableFuture<?> gai = c.getAddrInfo("nonexistent.invalid", null);
            int connectId = peer.take(Request.Connect.class).callId();
            int gaiId = peer.take(Request.GetAddrInfo.class).callId();
            peer.send(new Reply.Error(gaiId, GaiError.EAI_NONAME, "Name or service not known"));
            peer.send(new Reply.Error(connectId, Errno.ECONNREFUSED, "Connection refused"));
            SocketCallException e = assertInstanceOf(SocketCallException.class, failure(connect));
            assertEquals(Errno.ECONNREFUSED, e.errno());
            assertTrue(e.getMessage().contains("ECONNREFUSED") && e.getMessage().contains("Connection refused"), e.getMessage());
            SocketCallException g = assertInstanceOf(SocketCallException.class, failure(gai));
            assertEquals(GaiError.EAI_NONAME, g.code());
            assertNull(g.errno());
        }
    }

    @Test
    void repliesWithUnknownCallIdsAreIgnoredAndCounted() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            peer.send(new Reply.Ok(999));
            peer.send(new Reply.Data(998, 0, null, Unpooled.copiedBuffer(new byte[10])));
            CompletableFuture<Void> bind = c.bind(3, new InetSocketAddress("127.0.0.1", 0));
            Request.Bind b = peer.take(Request.Bind.class);
            peer.send(new Reply.Ok(b.callId()));
            value(bind);
            assertEquals(2, c.stats().unknownReplies());
        }
    }

    @Test
    void aReplyOfTheWrongTypeFailsOnlyThatCall() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            CompletableFuture<Integer> socket = c.socket(Posix.AF_INET, Posix.SOCK_DGRAM, 0);
            peer.send(new Reply.Ok(peer.take(Request.Socket.class).callId()));
            assertTrue(failure(socket).getMessage().contains("SOCKET"));
            assertTrue(c.isOpen());
        }
    }

    @Test
    void aFrameOverTheSessionLimitFailsLocallyWithEmsgsize() throws Exception {
        peer.answerToHello = new Control.Welcome(1, "small", 1024, 64, 64, 1 << 20);
        try (SockbridgeClient c = peer.connect()) {
            SocketCallException e = assertInstanceOf(SocketCallException.class, failure(c.send(3, new byte[2000])));
            assertEquals(Errno.EMSGSIZE, e.errno());
            peer.expectNothing(100);
            assertTrue(c.isOpen());
        }
    }

    // ------------------------------------------------------------------ the end of a session

    @Test
    void aGoodbyeFailsEveryPendingCallWithItsCodeAndReason() throws Exception {
        SockbridgeClient c = peer.connect();
        CompletableFuture<Received> recv = c.recv(3, 10, 0);
        CompletableFuture<Accepted> accept = c.accept(4);
        peer.take();
        peer.take();
        peer.send(new Control.Goodbye(Control.Goodbye.GOING_AWAY, "proxy shutting down"));
        for (CompletableFuture<?> f : List.of(recv, accept)) {
            SessionClosedException e = assertInstanceOf(SessionClosedException.class, failure(f));
            assertEquals(1001, e.code());
            assertEquals("proxy shutting down", e.reason());
        }
        assertEquals(1001, c.closeFuture().get(T, TimeUnit.SECONDS).code());
        assertFalse(c.isOpen());
        assertInstanceOf(SessionClosedException.class, failure(c.socket(Posix.AF_INET, Posix.SOCK_STREAM, 0)));
        assertFalse(c.sendToUnreliable(3, new InetSocketAddress("127.0.0.1", 9), new byte[1]));
    }

    @Test
    void closingTheClientFailsPendingCallsAndSaysGoodbye() throws Exception {
        SockbridgeClient c = peer.connect();
        CompletableFuture<Received> recv = c.recv(3, 10, 0);
        peer.take(Request.Recv.class);
        c.close();
        SessionClosedException e = assertInstanceOf(SessionClosedException.class, failure(recv));
        assertEquals(Control.Goodbye.NORMAL, e.code());
        assertEquals(Control.Goodbye.NORMAL, peer.take(Control.Goodbye.class).code());
        peer.closed.get(T, TimeUnit.SECONDS);
        c.close(); // idempotent
    }

    @Test
    void theTransportClosingFailsPendingCalls() throws Exception {
        SockbridgeClient c = peer.connect();
        CompletableFuture<Received> recv = c.recv(3, 10, 0);
        peer.take(Request.Recv.class);
        peer.transport().close(Control.Goodbye.INTERNAL_ERROR, "boom");
        SessionClosedException e = assertInstanceOf(SessionClosedException.class, failure(recv));
        assertEquals(1011, e.code());
        assertEquals("boom", e.reason());
    }

    @Test
    void aMalformedFrameWithoutCallIdEndsTheSessionWith1002() throws Exception {
        SockbridgeClient c = peer.connect();
        CompletableFuture<Received> recv = c.recv(3, 10, 0);
        peer.take(Request.Recv.class);
        peer.transport().send(Unpooled.wrappedBuffer(new byte[] {(byte) 0xa0}));
        assertEquals(Control.Goodbye.PROTOCOL_ERROR, assertInstanceOf(SessionClosedException.class, failure(recv)).code());
        assertEquals(Control.Goodbye.PROTOCOL_ERROR, peer.take(Control.Goodbye.class).code());
        assertEquals(1, c.stats().malformedFrames());
    }

    @Test
    void aMalformedReplyWithACallIdFailsThatCallOnly() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            CompletableFuture<Integer> socket = c.socket(Posix.AF_INET, Posix.SOCK_STREAM, 0);
            int id = peer.take(Request.Socket.class).callId();
            // [0x42 VALUE, id, "x"]: a text where the value should be
            peer.transport().send(Unpooled.wrappedBuffer(new byte[] {(byte) 0x83, 0x18, 0x42, (byte) id, 0x61, 0x78}));
            assertTrue(failure(socket).getMessage().contains("malformed reply"));
            assertTrue(c.isOpen());
        }
    }

    // ------------------------------------------------------------------ push mode and credit

    /** Records events. */
    private static final class Recorder implements PushListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<ByteBuf> buffers = new CopyOnWriteArrayList<>();
        volatile boolean onLoop;

        @Override
        public void onData(int fd, ByteBuf data, InetSocketAddress from, int flags) {
            onLoop = io.netty.util.internal.ThreadExecutorMap.currentExecutor() != null;
            buffers.add(data);
            events.add("data " + fd + " " + data.toString(StandardCharsets.US_ASCII) + (from == null ? "" : " from " + from.getPort()));
        }

        @Override
        public void onAccept(int fd, int newFd, InetSocketAddress peer) {
            events.add("accept " + fd + " " + newFd);
        }

        @Override
        public void onReady(int fd, int events, int errno) {
            this.events.add("ready " + fd + " " + events + " " + errno);
        }

        /** Waits until {@code n} events in all have arrived. */
        void awaitEvents(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(T);
            while (events.size() < n && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertEquals(n, events.size(), "events so far: " + events);
        }
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void pushDeliversEventsAndAutoGrantsBackWhatWasConsumed() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            Recorder r = new Recorder();
            CompletableFuture<Void> on = c.push(5, r, 100);
            Request.Push push = peer.take(Request.Push.class);
            assertEquals(5, push.fd());
            assertTrue(push.enabled());
            assertEquals(100, push.credit());
            // events may follow the OK at once: the listener is already in place
            peer.send(new Reply.Ok(push.callId()));
            peer.send(new Event.Data(5, 0, null, ascii("x".repeat(30))));
            value(on);
            r.awaitEvents(1);
            assertEquals(List.of("data 5 " + "x".repeat(30)), r.events);
            assertEquals(0, r.buffers.get(0).refCnt(), "the client releases the data after onData");
            assertTrue(r.onLoop, "listeners run on the transport's event loop");
            peer.expectNothing(50); // 30 < half of 100: no grant yet

            peer.send(new Event.Data(5, 0, null, ascii("y".repeat(30))));
            Control.Credit credit = peer.take(Control.Credit.class);
            assertEquals(5, credit.fd());
            assertEquals(60, credit.bytes(), "grants back what the events spent once half the window is consumed");

            peer.send(new Event.Data(5, 0, null, Unpooled.EMPTY_BUFFER)); // costs 1
            peer.send(new Event.Ready(5, Posix.POLLIN | Posix.POLLRDHUP, 0)); // free
            r.awaitEvents(4);
            assertEquals("data 5 ", r.events.get(2));
            assertEquals("ready 5 8193 0", r.events.get(3));
            peer.expectNothing(50);
        }
    }

    @Test
    void acceptEventsSpendOneCreditEach() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            Recorder r = new Recorder();
            CompletableFuture<Void> on = c.push(4, r, 2);
            peer.send(new Reply.Ok(peer.take(Request.Push.class).callId()));
            value(on);
            peer.send(new Event.Accept(4, 7, new InetSocketAddress("127.0.0.1", 40000)));
            assertEquals(1, peer.take(Control.Credit.class).bytes(), "threshold of a window of 2 is 1");
            assertEquals("accept 4 7", r.events.get(0));
        }
    }

    @Test
    void manualCreditIsGrantedOnlyWhenAsked() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            Recorder r = new Recorder();
            CompletableFuture<Void> on = c.push(5, r, 10, CreditMode.MANUAL);
            peer.send(new Reply.Ok(peer.take(Request.Push.class).callId()));
            value(on);
            peer.send(new Event.Data(5, 0, null, ascii("0123456789")));
            r.awaitEvents(1);
            peer.expectNothing(100);
            c.grant(5, 10);
            Control.Credit credit = peer.take(Control.Credit.class);
            assertEquals(new Control.Credit(5, 10), credit);
            assertThrows(IllegalArgumentException.class, () -> c.grant(5, 0));
        }
    }

    @Test
    void eventsForSocketsNotInPushModeAreDroppedAndCounted() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            Recorder r = new Recorder();
            CompletableFuture<Void> on = c.push(5, r, 100);
            peer.send(new Reply.Ok(peer.take(Request.Push.class).callId()));
            value(on);
            CompletableFuture<Void> off = c.stopPush(5);
            Request.Push stop = peer.take(Request.Push.class);
            assertFalse(stop.enabled());
            peer.send(new Event.Data(5, 0, null, ascii("in flight"))); // sent before the OK: still delivered
            peer.send(new Reply.Ok(stop.callId()));
            value(off);
            r.awaitEvents(1);
            peer.send(new Event.Data(5, 0, null, ascii("late")));
            peer.send(new Event.Data(8, 0, null, ascii("never pushed")));
            CompletableFuture<Void> sync = c.bind(3, null);
            peer.send(new Reply.Ok(peer.take(Request.Bind.class).callId()));
            value(sync);
            assertEquals(List.of("data 5 in flight"), r.events);
            assertEquals(2, c.stats().eventsDropped());
        }
    }

    @Test
    void aRefusedPushRemovesTheListener() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            Recorder r = new Recorder();
            CompletableFuture<Void> on = c.push(5, r, 100);
            peer.send(new Reply.Error(peer.take(Request.Push.class).callId(), Errno.EBADF, "no socket 5"));
            assertEquals(Errno.EBADF, assertInstanceOf(SocketCallException.class, failure(on)).errno());
            peer.send(new Event.Data(5, 0, null, ascii("x")));
            CompletableFuture<Void> sync = c.bind(3, null);
            peer.send(new Reply.Ok(peer.take(Request.Bind.class).callId()));
            value(sync);
            assertEquals(List.of(), r.events);
            assertEquals(1, c.stats().eventsDropped());
        }
    }

    // ------------------------------------------------------------------ the datagram path

    @Test
    void unreliableSendsUseTheDatagramPathWithCallIdZero() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            assertTrue(c.sendToUnreliable(4, new InetSocketAddress("127.0.0.1", 9999), "ping".getBytes(StandardCharsets.US_ASCII)));
            Message m = peer.datagrams.poll(T, TimeUnit.SECONDS);
            Request.SendTo s = assertInstanceOf(Request.SendTo.class, m);
            assertEquals(0, s.callId());
            assertEquals(4, s.fd());
            assertEquals("ping", s.data().toString(StandardCharsets.US_ASCII));
            Message.release(s);
            assertEquals(1, c.stats().datagramsSent());
            assertEquals(0, c.stats().calls());
        }
    }

    @Test
    void anUnreliableSendTooLargeForOneDatagramFailsWithEmsgsizeAndSendsNothing() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            int max = c.transport().maxDatagramSize();
            ByteBuf big = Unpooled.buffer(max).writeZero(max); // with the message around it, one datagram is too small
            SocketCallException e = assertThrows(SocketCallException.class,
                    () -> c.sendToUnreliable(4, new InetSocketAddress("127.0.0.1", 9999), big));
            assertEquals(Errno.EMSGSIZE, e.errno());
            assertEquals(0, big.refCnt(), "the payload is released");
            assertTrue(c.sendToUnreliable(4, new InetSocketAddress("127.0.0.1", 9999), new byte[max - 64]), "one that fits goes");
            Request.SendTo s = assertInstanceOf(Request.SendTo.class, peer.datagrams.poll(T, TimeUnit.SECONDS));
            assertEquals(max - 64, s.data().readableBytes());
            Message.release(s);
            peer.expectNothing(100); // no fallback on the reliable path
            assertEquals(1, c.stats().datagramsSent());
            assertEquals(0, c.stats().datagramsDropped());
            assertEquals(0, c.stats().calls());
        }
    }

    @Test
    void pushDataArrivesOnTheDatagramPathToo() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            Recorder r = new Recorder();
            CompletableFuture<Void> on = c.push(6, r, 1000);
            peer.send(new Reply.Ok(peer.take(Request.Push.class).callId()));
            value(on);
            peer.sendDatagram(new Event.Data(6, 0, new InetSocketAddress("127.0.0.1", 5353), ascii("dgram")));
            r.awaitEvents(1);
            assertEquals(List.of("data 6 dgram from 5353"), r.events);
            peer.sendDatagram(new Reply.Ok(77)); // not allowed on the datagram path
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(T);
            while (c.stats().datagramsDropped() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, c.stats().datagramsDropped());
            assertEquals(0, c.stats().unknownReplies());
        }
    }

    @Test
    void whenWritableCompletesAtOnceOnAnIdleTransport() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            assertTrue(c.isWritable());
            assertNull(value(c.whenWritable()));
        }
    }

    @Test
    void receivedDataHelpers() {
        Received r = new Received(Unpooled.copiedBuffer(new byte[] {1, 2}), Posix.MSG_TRUNC, null);
        assertTrue(r.isTruncated());
        assertFalse(r.isEmpty());
        assertEquals("0102", ByteBufUtil.hexDump(r.takeBytes()));
        assertEquals(0, r.data().refCnt());
        r.release(); // safe twice
    }
}

package dev.sockbridge.api.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketCallException;
import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The blocking wrappers against a scripted peer that plays a tiny proxy. */
class BridgedSocketsTest {
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 7007);
    private ScriptedPeer peer;
    private SockbridgeClient client;
    /** What RECV / RECVFROM answer, in order; an empty queue leaves them unanswered. */
    private final Queue<byte[]> incoming = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws Exception {
        peer = new ScriptedPeer();
        peer.responder = this::tinyProxy;
        client = peer.connect();
    }

    @AfterEach
    void stop() {
        client.close();
        peer.close();
        seen.forEach(Message::release);
    }

    /** Answers like a proxy with one socket (fd 3) that talks to {@link #SERVER}. */
    private Message tinyProxy(Request r) {
        int id = r.callId();
        switch (r.messageType()) {
            case SOCKET: return new Reply.Value(id, 3);
            case GETADDRINFO: return new Reply.AddrInfos(id, List.of(
                    new AddrInfo(Posix.AF_INET, Posix.SOCK_STREAM, Posix.IPPROTO_TCP, SERVER, null)));
            case SEND: {
                int n = ((Request.Send) r).data().readableBytes();
                return new Reply.Value(id, n);
            }
            case SENDTO: return new Reply.Value(id, ((Request.SendTo) r).data().readableBytes());
            case RECV:
            case RECVFROM: {
                byte[] next = incoming.poll();
                if (next == null) {
                    return null;
                }
                int asked = r instanceof Request.Recv ? ((Request.Recv) r).length() : ((Request.RecvFrom) r).length();
                int n = Math.min(asked, next.length);
                boolean dgram = r instanceof Request.RecvFrom;
                return new Reply.Data(id, dgram && n < next.length ? Posix.MSG_TRUNC : 0, dgram ? SERVER : null,
                        Unpooled.wrappedBuffer(next, 0, n));
            }
            case GETSOCKNAME: return new Reply.Address(id, new InetSocketAddress("127.0.0.1", 40000));
            case ACCEPT: return new Reply.Accept(id, 4, new InetSocketAddress("127.0.0.1", 51000));
            default: return new Reply.Ok(id);
        }
    }

    /** Every request the peer has seen, in order. */
    private final List<Request> seen = new ArrayList<>();

    /** The requests of {@code type} the client has sent so far, in order. */
    private <T extends Request> List<T> sent(Class<T> type) {
        Message m;
        while ((m = peer.frames.poll()) != null) {
            if (m instanceof Request) {
                seen.add((Request) m);
            } else {
                Message.release(m);
            }
        }
        return seen.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Waits until the client has sent {@code n} requests of {@code type} (for calls that do not wait for their reply). */
    private <T extends Request> List<T> sentEventually(Class<T> type, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ScriptedPeer.TIMEOUT_SECONDS);
        List<T> out = sent(type);
        while (out.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
            out = sent(type);
        }
        assertEquals(n, out.size(), "requests of type " + type.getSimpleName());
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // ------------------------------------------------------------------ BridgedSocket

    @Test
    void aSocketConnectsByNameWritesReadsAndCloses() throws Exception {
        incoming.add(ascii("pong"));
        incoming.add(new byte[0]);
        BridgedSocket s = new BridgedSocket(client, "localhost", 7007);
        assertTrue(s.isConnected());
        assertEquals(3, s.fd());
        assertEquals(7007, s.getPort());
        s.getOutputStream().write(ascii("ping"));
        InputStream in = s.getInputStream();
        byte[] buf = new byte[10];
        assertEquals(4, in.read(buf));
        assertEquals("pong", new String(buf, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(-1, in.read(buf));
        s.close();
        assertTrue(s.isClosed());
        assertThrows(SocketException.class, () -> in.read(buf));

        assertEquals(SERVER, sent(Request.Connect.class).get(0).address(), "the address the proxy resolved");
        assertEquals("ping", sent(Request.Send.class).get(0).data().toString(StandardCharsets.US_ASCII));
        assertEquals(3, sentEventually(Request.Close.class, 1).get(0).fd());
    }

    @Test
    void readsAskForUpTo64KibAndKeepTheRestForTheNextRead() throws Exception {
        byte[] first = new byte[100_000];
        byte[] second = new byte[100_000];
        second[70_000 - 65_536] = 42;
        incoming.add(first);
        incoming.add(second);
        try (BridgedSocket s = new BridgedSocket(client, "localhost", 7007)) {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[70_001];
            int got = 0;
            while (got < buf.length) {
                got += in.read(buf, got, buf.length - got);
            }
            assertEquals(42, buf[70_000]);
        }
        List<Request.Recv> recvs = sent(Request.Recv.class);
        assertEquals(2, recvs.size());
        assertEquals(65536, recvs.get(0).length());
    }

    @Test
    void aReadTimeoutLeavesTheRecvOutstandingAndLosesNothing() throws Exception {
        try (BridgedSocket s = new BridgedSocket(client, "localhost", 7007)) {
            s.setSoTimeout(100);
            InputStream in = s.getInputStream();
            assertThrows(SocketTimeoutException.class, () -> in.read(new byte[10]));
            assertThrows(SocketTimeoutException.class, () -> in.read(new byte[10]));
            List<Request.Recv> recvs = sent(Request.Recv.class);
            assertEquals(1, recvs.size(), "one recv call, still waiting");
            peer.send(new Reply.Data(recvs.get(0).callId(), 0, null, Unpooled.wrappedBuffer(ascii("late"))));
            byte[] buf = new byte[10];
            assertEquals(4, in.read(buf));
            assertEquals("late", new String(buf, 0, 4, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void writesAreCutIntoChunksOfAtMost64KibAndPartialSendsContinue() throws Exception {
        Function<Request, Message> base = peer.responder;
        peer.responder = r -> r instanceof Request.Send && ((Request.Send) r).data().readableBytes() > 60_000
                ? new Reply.Value(r.callId(), 60_000) // the proxy took only part of it
                : base.apply(r);
        try (BridgedSocket s = new BridgedSocket(client, "localhost", 7007)) {
            s.getOutputStream().write(new byte[150_000]);
        }
        List<Integer> sizes = sent(Request.Send.class).stream().map(q -> q.data().readableBytes()).toList();
        // 65536 (60000 taken), 65536 (60000 taken), 30000
        assertEquals(List.of(65536, 65536, 30000), sizes);
    }

    @Test
    void aRefusedAddressIsSkippedForTheNextOne() throws Exception {
        InetSocketAddress first = new InetSocketAddress("127.0.0.2", 7007);
        Function<Request, Message> base = peer.responder;
        peer.responder = r -> {
            if (r instanceof Request.GetAddrInfo) {
                return new Reply.AddrInfos(r.callId(), List.of(
                        new AddrInfo(Posix.AF_INET, Posix.SOCK_STREAM, 6, first, null),
                        new AddrInfo(Posix.AF_INET, Posix.SOCK_STREAM, 6, SERVER, null)));
            }
            if (r instanceof Request.Connect && ((Request.Connect) r).address().equals(first)) {
                return new Reply.Error(r.callId(), Errno.ECONNREFUSED, "Connection refused");
            }
            return base.apply(r);
        };
        try (BridgedSocket s = new BridgedSocket(client)) {
            s.connect("example.test", 7007, 5000);
            assertEquals(SERVER, s.getRemoteSocketAddress());
        }
        sentEventually(Request.Close.class, 2); // the refused socket and the connected one
    }

    @Test
    void aRefusedConnectThrowsSocketCallException() {
        peer.responder = r -> r instanceof Request.Connect
                ? new Reply.Error(r.callId(), Errno.ECONNREFUSED, "Connection refused")
                : tinyProxy(r);
        SocketCallException e = assertThrows(SocketCallException.class, () -> new BridgedSocket(client, "localhost", 7007));
        assertEquals(Errno.ECONNREFUSED, e.errno());
    }

    @Test
    void aConnectTimeoutClosesTheSocket() throws Exception {
        peer.responder = r -> r instanceof Request.Connect ? null : tinyProxy(r);
        BridgedSocket s = new BridgedSocket(client);
        assertThrows(SocketTimeoutException.class, () -> s.connect(SERVER, 100));
        assertTrue(s.isClosed());
        assertEquals(3, sentEventually(Request.Close.class, 1).get(0).fd());
    }

    @Test
    void shutdownOutputSendsShutWrAndStopsWrites() throws Exception {
        try (BridgedSocket s = new BridgedSocket(client, "localhost", 7007)) {
            s.shutdownOutput();
            assertTrue(s.isOutputShutdown());
            assertThrows(SocketException.class, () -> s.getOutputStream().write(1));
        }
        assertEquals(Posix.SHUT_WR, sent(Request.Shutdown.class).get(0).how());
    }

    @Test
    void optionsSetBeforeConnectAreAppliedWhenTheSocketIsCreated() throws Exception {
        try (BridgedSocket s = new BridgedSocket(client)) {
            s.setTcpNoDelay(true);
            assertTrue(s.getTcpNoDelay());
            s.connect(SERVER);
        }
        Request.SetSockOpt set = sent(Request.SetSockOpt.class).get(0);
        assertEquals(Posix.IPPROTO_TCP, set.level());
        assertEquals(1, set.value());
    }

    @Test
    void blockingOnTheEventLoopIsRefused() throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> client.transport().executor()
                .submit(() -> {
                    new BridgedSocket(client).connect(SERVER);
                    return null;
                }).get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("event loop"));
    }

    // ------------------------------------------------------------------ BridgedServerSocket

    @Test
    void aServerSocketBindsListensAndAccepts() throws Exception {
        try (BridgedServerSocket server = new BridgedServerSocket(client)) {
            server.bind(new InetSocketAddress("127.0.0.1", 0), 10);
            assertEquals(40000, server.getLocalPort());
            try (BridgedSocket s = server.accept()) {
                assertEquals(4, s.fd());
                assertEquals(51000, s.getPort());
                assertTrue(s.isConnected());
            }
        }
        sentEventually(Request.Close.class, 2);
        List<Request> sent = sent(Request.class);
        assertEquals(List.of("SOCKET", "SETSOCKOPT", "BIND", "LISTEN", "GETSOCKNAME", "ACCEPT", "CLOSE", "CLOSE"),
                sent.stream().map(r -> r.messageType().name()).toList());
        assertEquals(10, ((Request.Listen) sent.get(3)).backlog());
    }

    @Test
    void anAcceptTimeoutLeavesTheAcceptOutstanding() throws Exception {
        peer.responder = r -> r instanceof Request.Accept ? null : tinyProxy(r);
        try (BridgedServerSocket server = new BridgedServerSocket(client, 0)) {
            server.setSoTimeout(100);
            assertThrows(SocketTimeoutException.class, server::accept);
            List<Request.Accept> accepts = sent(Request.Accept.class);
            assertEquals(1, accepts.size());
            peer.send(new Reply.Accept(accepts.get(0).callId(), 9, new InetSocketAddress("127.0.0.1", 1234)));
            try (BridgedSocket s = server.accept()) {
                assertEquals(9, s.fd());
            }
        }
    }

    // ------------------------------------------------------------------ BridgedDatagramSocket

    @Test
    void aDatagramSocketSendsAndReceivesWithTruncationLikeJavaNet() throws Exception {
        incoming.add(ascii("12345678"));
        incoming.add(ascii("ab"));
        incoming.add(ascii("wxyz"));
        try (BridgedDatagramSocket s = new BridgedDatagramSocket(client)) {
            assertEquals(40000, s.getLocalPort());
            s.send(new DatagramPacket(ascii("hi"), 2, SERVER));

            byte[] buf = new byte[8];
            DatagramPacket p = new DatagramPacket(buf, 2, 4); // room for 4 at offset 2
            s.receive(p);
            assertEquals(4, p.getLength(), "cut to the buffer");
            assertEquals("1234", new String(buf, 2, 4, StandardCharsets.US_ASCII));
            assertEquals(SERVER, p.getSocketAddress());
            s.receive(p);
            assertEquals(2, p.getLength());
            s.receive(p);
            assertEquals(4, p.getLength(), "the buffer length survives a short datagram, as in java.net");
            assertEquals("wxyz", new String(buf, 2, 4, StandardCharsets.US_ASCII));
        }
        List<Request> sent = sent(Request.class);
        Request.SendTo sendTo = (Request.SendTo) sent.stream().filter(r -> r instanceof Request.SendTo).findFirst().orElseThrow();
        assertEquals(SERVER, sendTo.address());
        assertArrayEquals(ascii("hi"), io.netty.buffer.ByteBufUtil.getBytes(sendTo.data()));
        List<Integer> asked = sent.stream().filter(r -> r instanceof Request.RecvFrom).map(r -> ((Request.RecvFrom) r).length()).toList();
        assertEquals(List.of(4, 4, 4), asked);
    }

    @Test
    void aDatagramReceiveTimeoutKeepsTheCallForTheNextReceive() throws Exception {
        try (BridgedDatagramSocket s = new BridgedDatagramSocket(client)) {
            s.setSoTimeout(100);
            DatagramPacket p = new DatagramPacket(new byte[16], 16);
            assertThrows(SocketTimeoutException.class, () -> s.receive(p));
            List<Request.RecvFrom> calls = sent(Request.RecvFrom.class);
            assertEquals(1, calls.size());
            ByteBuf d = Unpooled.wrappedBuffer(ascii("late"));
            peer.send(new Reply.Data(calls.get(0).callId(), 0, SERVER, d));
            s.receive(p);
            assertEquals("late", new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
        }
    }
}

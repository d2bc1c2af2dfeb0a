package dev.sockbridge.proxy;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.AF_INET6;
import static dev.sockbridge.api.Posix.SOCK_DGRAM;
import static dev.sockbridge.api.Posix.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.GaiError;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.EchoServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine end to end: real sockets on loopback, driven over the in-process transport. */
@Timeout(60)
class ProxyEngineTest extends EngineTestBase {
    EchoServer echo;

    @BeforeEach
    void start() throws Exception {
        startProxy(SockbridgeProxy.builder());
        echo = EchoServer.start();
    }

    /** Also checks that no native channel outlives the shutdown itself, before the echo server goes. */
    @AfterEach
    @Override
    void stopProxy() throws Exception {
        proxy.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
        assertEquals(0, proxy.stats().nativeChannelsOpen(), "native channels left open");
        ProxyDrained.assertDrained(proxy);
        echo.close();
    }

    static ByteBuf bytes(byte[] b) {
        return Unpooled.wrappedBuffer(b);
    }

    static byte[] data(Reply r) {
        Reply.Data d = assertInstanceOf(Reply.Data.class, r, () -> "expected data, got " + r);
        byte[] b = ByteBufUtil.getBytes(d.data());
        Message.release(d);
        return b;
    }

    int tcpConnect(RawSession s, InetSocketAddress to) throws Exception {
        int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
        s.ok(new Request.Connect(s.nextId(), fd, to));
        return fd;
    }

    @Test
    void tcpEchoOfOneMebibyteKeepsItsChecksum() throws Exception {
        try (RawSession s = RawSession.open(uri)) {
            int fd = tcpConnect(s, echo.tcpAddress());
            byte[] payload = new byte[1 << 20];
            new Random(7).nextBytes(payload);
            CRC32 sent = new CRC32();
            sent.update(payload);
            // sends pipelined with receives, as a real program with two threads would
            List<CompletableFuture<Reply>> sends = new ArrayList<>();
            for (int off = 0; off < payload.length; off += 16384) {
                sends.add(s.callAsync(new Request.Send(s.nextId(), fd, 0, Unpooled.wrappedBuffer(payload, off, 16384))));
            }
            CRC32 got = new CRC32();
            int total = 0;
            while (total < payload.length) {
                byte[] b = data(s.call(new Request.Recv(s.nextId(), fd, 65536, 0)));
                assertTrue(b.length > 0, "unexpected EOF at " + total);
                got.update(b);
                total += b.length;
            }
            for (CompletableFuture<Reply> f : sends) {
                assertEquals(16384, ((Reply.Value) f.get(10, TimeUnit.SECONDS)).value());
            }
            assertEquals(payload.length, total);
            assertEquals(sent.getValue(), got.getValue());
            s.ok(new Request.Close(s.nextId(), fd));
        }
    }

    @Test
    void halfCloseWorksInBothDirections() throws Exception {
        try (RawSession s = RawSession.open(uri)) {
            // our write side first: the echo server sees EOF, echoes what it had, then closes its side
            int fd = tcpConnect(s, echo.tcpAddress());
            s.value(new Request.Send(s.nextId(), fd, 0, bytes("last words".getBytes())));
            s.ok(new Request.Shutdown(s.nextId(), fd, Posix.SHUT_WR));
            s.error(new Request.Send(s.nextId(), fd, 0, bytes(new byte[1])), Errno.EPIPE.code());
            StringBuilder sb = new StringBuilder();
            byte[] b;
            while ((b = data(s.call(new Request.Recv(s.nextId(), fd, 100, 0)))).length > 0) {
                sb.append(new String(b));
            }
            assertEquals("last words", sb.toString());

            // the peer's write side first: we read EOF and can still send
            try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int fd2 = tcpConnect(s, new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()));
                try (Socket peer = ss.accept()) {
                    peer.getOutputStream().write("bye".getBytes());
                    peer.shutdownOutput();
                    assertEquals("bye", new String(data(s.call(new Request.Recv(s.nextId(), fd2, 100, Posix.MSG_WAITALL)))));
                    assertEquals(0, data(s.call(new Request.Recv(s.nextId(), fd2, 100, 0))).length, "EOF");
                    assertEquals(5, s.value(new Request.Send(s.nextId(), fd2, 0, bytes("still".getBytes()))));
                    byte[] in = peer.getInputStream().readNBytes(5);
                    assertEquals("still", new String(in));
                }
            }
        }
    }

    @Test
    void connectToAClosedPortGivesEconnrefused() throws Exception {
        int port;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = ss.getLocalPort();
        }
        try (RawSession s = RawSession.open(uri)) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            Reply.Error e = s.error(new Request.Connect(s.nextId(), fd, new InetSocketAddress("127.0.0.1", port)),
                    Errno.ECONNREFUSED.code());
            assertFalse(e.reason().isEmpty());
        }
    }

    @Test
    void nonBlockingConnectSaysEinprogressThenSoErrorAndRecvSaysEagain() throws Exception {
        try (RawSession s = RawSession.open(uri)) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM | Posix.SOCK_NONBLOCK, 0));
            s.error(new Request.Connect(s.nextId(), fd, echo.tcpAddress()), Errno.EINPROGRESS.code());
            // poll for writability, as a C program would
            Reply.Poll p = assertInstanceOf(Reply.Poll.class,
                    s.call(new Request.Poll(s.nextId(), List.of(new PollFd(fd, Posix.POLLOUT)), 10_000)));
            assertEquals(List.of(new PollFd(fd, Posix.POLLOUT)), p.ready());
            assertEquals(0, s.value(new Request.GetSockOpt(s.nextId(), fd, Posix.SOL_SOCKET, SocketOption.SO_ERROR.optname())));
            s.error(new Request.Recv(s.nextId(), fd, 10, 0), Errno.EAGAIN.code());
            s.error(new Request.Connect(s.nextId(), fd, echo.tcpAddress()), Errno.EISCONN.code());

            // and a failing one reports through SO_ERROR
            int port;
            try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = ss.getLocalPort();
            }
            int fd2 = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM | Posix.SOCK_NONBLOCK, 0));
            s.error(new Request.Connect(s.nextId(), fd2, new InetSocketAddress("127.0.0.1", port)), Errno.EINPROGRESS.code());
            Reply.Poll p2 = assertInstanceOf(Reply.Poll.class,
                    s.call(new Request.Poll(s.nextId(), List.of(new PollFd(fd2, Posix.POLLOUT)), 10_000)));
            assertTrue((p2.ready().get(0).events() & Posix.POLLERR) != 0, "POLLERR after a failed connect: " + p2);
            assertEquals(Errno.ECONNREFUSED.code(),
                    s.value(new Request.GetSockOpt(s.nextId(), fd2, Posix.SOL_SOCKET, SocketOption.SO_ERROR.optname())));
        }
    }

    @Test
    void listenAndAcceptServeANativeClient() throws Exception {
        try (RawSession s = RawSession.open(uri)) {
            int lfd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.ok(new Request.Bind(s.nextId(), lfd, new InetSocketAddress("127.0.0.1", 0)));
            s.ok(new Request.Listen(s.nextId(), lfd, 8));
            InetSocketAddress local = assertInstanceOf(Reply.Address.class,
                    s.call(new Request.GetSockName(s.nextId(), lfd))).address();
            assertTrue(local.getPort() > 0);
            CompletableFuture<Reply> accept = s.callAsync(new Request.Accept(s.nextId(), lfd, 0));
            try (Socket client = new Socket(local.getAddress(), local.getPort())) {
                Reply.Accept a = assertInstanceOf(Reply.Accept.class, accept.get(10, TimeUnit.SECONDS));
                assertEquals(client.getLocalPort(), a.peer().getPort());
                client.getOutputStream().write("hello proxy".getBytes());
                assertEquals("hello proxy", new String(data(s.call(new Request.Recv(s.nextId(), a.fd(), 11, Posix.MSG_WAITALL)))));
                s.value(new Request.Send(s.nextId(), a.fd(), 0, bytes("hello native".getBytes())));
                assertEquals("hello native", new String(client.getInputStream().readNBytes(12)));
                s.ok(new Request.Close(s.nextId(), a.fd()));
                assertEquals(-1, client.getInputStream().read(), "close reaches the native client");
            }
        }
    }

    @Test
    void udpEchoKeepsBoundariesAndReportsTruncation() throws Exception {
        try (RawSession s = RawSession.open(uri)) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.ok(new Request.Bind(s.nextId(), fd, new InetSocketAddress("127.0.0.1", 0)));
            s.value(new Request.SendTo(s.nextId(), fd, 0, echo.udpAddress(), bytes("one".getBytes())));
            s.value(new Request.SendTo(s.nextId(), fd, 0, echo.udpAddress(), bytes("two-two".getBytes())));
            s.value(new Request.SendTo(s.nextId(), fd, 0, echo.udpAddress(), bytes("three-three-three".getBytes())));
            Reply.Data d1 = assertInstanceOf(Reply.Data.class, s.call(new Request.RecvFrom(s.nextId(), fd, 100, 0)));
            assertEquals(echo.udpAddress(), d1.from());
            assertEquals("one", d1.data().toString(java.nio.charset.StandardCharsets.US_ASCII));
            Message.release(d1);
            assertEquals("two-two", new String(data(s.call(new Request.RecvFrom(s.nextId(), fd, 100, 0)))));
            Reply.Data d3 = assertInstanceOf(Reply.Data.class, s.call(new Request.RecvMsg(s.nextId(), fd, 5, 0)));
            assertEquals("three", d3.data().toString(java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(Posix.MSG_TRUNC, d3.flags() & Posix.MSG_TRUNC, "truncation is reported");
            Message.release(d3);
            s.error(new Request.SendTo(s.nextId(), fd, 0, echo.udpAddress(), bytes(new byte[70000])), Errno.EMSGSIZE.code());
        }
    }

    @Test
    void getaddrinfoResolvesLocalhostAndNumericIpv6() throws Exception {
        try (RawSession s = RawSession.open(uri)) {
            Reply.AddrInfos a = assertInstanceOf(Reply.AddrInfos.class,
                    s.call(new Request.GetAddrInfo(s.nextId(), "localhost", "80", Posix.AI_CANONNAME, 0, SOCK_STREAM, 0)));
            assertFalse(a.results().isEmpty());
            assertTrue(a.results().stream().anyMatch(r -> r.address().getAddress().isLoopbackAddress() && r.address().getPort() == 80));
            assertEquals("localhost", a.results().get(0).canonName());
            Reply.AddrInfos v6 = assertInstanceOf(Reply.AddrInfos.class,
                    s.call(new Request.GetAddrInfo(s.nextId(), "::1", "https", 0, AF_INET6, 0, 0)));
            AddrInfo first = v6.results().get(0);
            assertEquals(AF_INET6, first.family());
            assertEquals(InetAddress.getByName("::1"), first.address().getAddress());
            assertEquals(443, first.address().getPort());
            assertEquals(2, v6.results().size(), "one per socket type");
            s.error(new Request.GetAddrInfo(s.nextId(), "not numeric", null, Posix.AI_NUMERICHOST, 0, 0, 0), GaiError.EAI_NONAME);
            s.error(new Request.GetAddrInfo(s.nextId(), "localhost", null, 0, 99, 0, 0), GaiError.EAI_FAMILY);
            Reply.NameInfo n = assertInstanceOf(Reply.NameInfo.class,
                    s.call(new Request.GetNameInfo(s.nextId(), new InetSocketAddress("127.0.0.1", 80), 0)));
            assertEquals("localhost", n.host());
            assertEquals("http", n.service());
        }
    }

    @Test
    void pollWakesAsSoonAsDataArrives() throws Exception {
        try (RawSession s = RawSession.open(uri);
             ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int a = tcpConnect(s, new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()));
            int b = tcpConnect(s, echo.tcpAddress());
            try (Socket peer = ss.accept()) {
                CompletableFuture<Reply> poll = s.callAsync(new Request.Poll(s.nextId(),
                        List.of(new PollFd(a, Posix.POLLIN), new PollFd(b, Posix.POLLIN)), -1));
                // nothing is readable yet: the poll must still be waiting after the server has answered a later call
                s.value(new Request.GetSockOpt(s.nextId(), a, Posix.SOL_SOCKET, SocketOption.SO_TYPE.optname()));
                assertFalse(poll.isDone(), "poll returned before any data: " + (poll.isDone() ? poll.get() : ""));
                peer.getOutputStream().write(42);
                Reply.Poll p = assertInstanceOf(Reply.Poll.class, poll.get(10, TimeUnit.SECONDS));
                assertEquals(List.of(new PollFd(a, Posix.POLLIN)), p.ready());
            }
            Reply.Poll t = assertInstanceOf(Reply.Poll.class,
                    s.call(new Request.Poll(s.nextId(), List.of(new PollFd(b, Posix.POLLIN)), 50)));
            assertTrue(t.ready().isEmpty(), "timeout gives an empty poll");
            Reply.Poll nval = assertInstanceOf(Reply.Poll.class,
                    s.call(new Request.Poll(s.nextId(), List.of(new PollFd(999, Posix.POLLIN)), 0)));
            assertEquals(List.of(new PollFd(999, Posix.POLLNVAL)), nval.ready());
        }
    }

    @Test
    void oneSessionHoldsAHundredSocketsAtOnce() throws Exception {
        try (RawSession s = RawSession.open(uri)) {
            List<Integer> fds = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                fds.add(tcpConnect(s, echo.tcpAddress()));
            }
            assertEquals(100, proxy.stats().nativeChannelsOpen());
            List<CompletableFuture<Reply>> recvs = new ArrayList<>();
            for (int fd : fds) {
                s.value(new Request.Send(s.nextId(), fd, 0, bytes(("fd" + fd).getBytes())));
                recvs.add(s.callAsync(new Request.Recv(s.nextId(), fd, ("fd" + fd).length(), Posix.MSG_WAITALL)));
            }
            for (int i = 0; i < fds.size(); i++) {
                Reply r = recvs.get(i).get(10, TimeUnit.SECONDS);
                assertEquals("fd" + fds.get(i), new String(data(r)));
            }
        }
    }

    @Test
    void sessionEndClosesEveryNativeChannelItOwns() throws Exception {
        RawSession s = RawSession.open(uri);
        for (int i = 0; i < 5; i++) {
            tcpConnect(s, echo.tcpAddress());
        }
        int u = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
        s.ok(new Request.Bind(s.nextId(), u, new InetSocketAddress("127.0.0.1", 0)));
        int l = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
        s.ok(new Request.Listen(s.nextId(), l, 4));
        assertEquals(7, proxy.stats().nativeChannelsOpen());
        assertEquals(1, proxy.stats().sessionsOpen());
        s.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // the session's end closes its channels and then counts itself closed: wait for both
        while ((proxy.stats().nativeChannelsOpen() > 0 || proxy.stats().sessionsOpen() > 0) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        assertEquals(0, proxy.stats().nativeChannelsOpen(), "every native channel closed");
        assertEquals(0, proxy.stats().sessionsOpen());
    }

    @Test
    void defaultPolicyDeniesNonLoopbackWithEacces() throws Exception {
        try (RawSession s = RawSession.open(uri)) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            // 192.0.2.1 is TEST-NET-1: never routed; the policy must refuse before any packet is sent
            Reply.Error e = s.error(new Request.Connect(s.nextId(), fd, new InetSocketAddress("192.0.2.1", 80)), Errno.EACCES.code());
            assertTrue(e.reason().contains("policy"), e.reason());
            int u = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.error(new Request.SendTo(s.nextId(), u, 0, new InetSocketAddress("10.0.0.1", 53), bytes(new byte[1])), Errno.EACCES.code());
            s.error(new Request.Bind(s.nextId(), u, new InetSocketAddress("0.0.0.0", 0)), Errno.EACCES.code());
            assertTrue(proxy.stats().callsDenied() >= 3);
            assertEquals(0, proxy.stats().bytesToNative());
        }
    }

    @Test
    void policyRulesAllowOnlyWhatTheySay() throws Exception {
        startProxy(SockbridgeProxy.builder().policy(SocketPolicy.builder()
                .allowConnect("127.0.0.0/8", String.valueOf(echo.tcpAddress().getPort())).build()));
        try (RawSession s = RawSession.open(uri)) {
            tcpConnect(s, echo.tcpAddress());
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.error(new Request.Connect(s.nextId(), fd, new InetSocketAddress("127.0.0.1", echo.tcpAddress().getPort() + 1)),
                    Errno.EACCES.code());
            s.error(new Request.Listen(s.nextId(), fd, 1), Errno.EACCES.code());
        }
    }

    @Test
    void limitsGiveEmfileAndEnobufs() throws Exception {
        startProxy(SockbridgeProxy.builder().limits(SessionLimits.defaults().withMaxSockets(3).withMaxOutstandingCalls(4)
                .withMaxBufferedBytes(64 << 10).withSocketReceiveBuffer(16 << 10)));
        try (RawSession s = RawSession.open(uri)) {
            int a = tcpConnect(s, echo.tcpAddress());
            s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.error(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0), Errno.EMFILE.code());
            s.error(new Request.SocketPair(s.nextId(), Posix.AF_UNIX, SOCK_STREAM, 0), Errno.EMFILE.code());

            // four blocked recvs fill the outstanding-call limit; the fifth call is refused at once.
            // SO_RCVTIMEO lets them end by themselves afterwards.
            s.ok(new Request.SetSockOpt(s.nextId(), a, Posix.SOL_SOCKET, SocketOption.SO_RCVTIMEO.optname(), 300_000));
            List<CompletableFuture<Reply>> blocked = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                blocked.add(s.callAsync(new Request.Recv(s.nextId(), a, 10, 0)));
            }
            s.error(new Request.GetSockOpt(s.nextId(), a, Posix.SOL_SOCKET, SocketOption.SO_TYPE.optname()), Errno.ENOBUFS.code());
            for (CompletableFuture<Reply> f : blocked) {
                assertEquals(Errno.EAGAIN.code(), assertInstanceOf(Reply.Error.class, f.get(10, TimeUnit.SECONDS)).code());
            }
            s.value(new Request.Send(s.nextId(), a, 0, bytes(new byte[40])));
        }
        // buffered bytes: a native peer that never reads makes sends queue until the session limit
        startProxy(SockbridgeProxy.builder().limits(SessionLimits.defaults().withMaxBufferedBytes(256 << 10)));
        try (RawSession s = RawSession.open(uri);
             ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.ok(new Request.SetSockOpt(s.nextId(), fd, Posix.SOL_SOCKET, SocketOption.SO_SNDBUF.optname(), 4096));
            s.ok(new Request.Connect(s.nextId(), fd, new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort())));
            try (Socket stalled = ss.accept()) {
                List<CompletableFuture<Reply>> sends = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    sends.add(s.callAsync(new Request.Send(s.nextId(), fd, 0, bytes(new byte[32 << 10]))));
                }
                // the first sends fill Netty's and the kernel's buffers; later ones wait (blocking send),
                // and once the waiting bytes reach the session limit the rest are refused at once
                Reply.Error refused = assertInstanceOf(Reply.Error.class, sends.get(sends.size() - 1).get(10, TimeUnit.SECONDS));
                assertEquals(Errno.ENOBUFS.code(), refused.code());
                assertTrue(refused.reason().contains("buffer"), refused.reason());
                assertFalse(sends.get(sends.size() / 4).isDone() && sends.get(sends.size() / 4).get() instanceof Reply.Value
                        && sends.get(sends.size() / 2).isDone() && sends.get(sends.size() / 2).get() instanceof Reply.Value,
                        "a peer that never reads cannot have taken 3 MiB");
            }
        }
    }

    @Test
    void badInputGetsErrorsAndTheProxyServesOtherSessions() throws Exception {
        try (RawSession good = RawSession.open(uri); RawSession bad = RawSession.open(uri)) {
            int fd = tcpConnect(good, echo.tcpAddress());
            // truncated SEND (callId 101): an error reply, not a crash
            bad.sendRaw(ByteBufUtil.decodeHexDump("85161865" + "03"));
            assertEquals(Errno.EINVAL.code(), assertInstanceOf(Reply.Error.class, bad.awaitReply(101)).code());
            // unknown request type 0x3f with callId 102
            bad.sendRaw(ByteBufUtil.decodeHexDump("83183f186603"));
            assertEquals(Errno.ENOSYS.code(), assertInstanceOf(Reply.Error.class, bad.awaitReply(102)).code());
            // wrongly typed: SOCKET with a text domain, callId 103
            bad.sendRaw(ByteBufUtil.decodeHexDump("8510186761410100"));
            assertEquals(Errno.EINVAL.code(), assertInstanceOf(Reply.Error.class, bad.awaitReply(103)).code());
            // calls on a closed and on a foreign descriptor
            int mine = bad.value(new Request.Socket(bad.nextId(), AF_INET, SOCK_STREAM, 0));
            bad.ok(new Request.Close(bad.nextId(), mine));
            bad.error(new Request.Recv(bad.nextId(), mine, 1, 0), Errno.EBADF.code());
            bad.error(new Request.Send(bad.nextId(), fd == mine ? fd + 100 : fd, 0, bytes(new byte[1])), Errno.EBADF.code());
            bad.error(new Request.SetSockOpt(bad.nextId(), -5, 1, 2, 1), Errno.EBADF.code());
            // an oversized frame ends that session with a reason
            bad.sendRaw(new byte[proxy.limits().maxFrameSize() + 1]);
            assertTrue(bad.closed.get(10, TimeUnit.SECONDS).startsWith("1009"), bad.closed.get());
            // and the other session did not notice
            good.value(new Request.Send(good.nextId(), fd, 0, bytes("ok".getBytes())));
            assertEquals("ok", new String(data(good.call(new Request.Recv(good.nextId(), fd, 2, Posix.MSG_WAITALL)))));
        }
        try (RawSession garbage = RawSession.open(uri)) {
            garbage.sendRaw(new byte[] {(byte) 0xff, 0x00});
            assertTrue(garbage.closed.get(10, TimeUnit.SECONDS).startsWith("1002"));
        }
        try (RawSession noHello = RawSession.open(uri, false)) {
            noHello.send(new Request.Socket(1, AF_INET, SOCK_STREAM, 0));
            Control.Goodbye g = assertInstanceOf(Control.Goodbye.class, noHello.other.poll(10, TimeUnit.SECONDS));
            assertEquals(Control.Goodbye.PROTOCOL_ERROR, g.code());
        }
        try (RawSession future = RawSession.open(uri, false)) {
            future.send(new Control.Hello(List.of(7, 8), "from the future"));
            Control.Goodbye g = assertInstanceOf(Control.Goodbye.class, future.other.poll(10, TimeUnit.SECONDS));
            assertEquals(Control.Goodbye.UNSUPPORTED_VERSION, g.code());
            assertTrue(g.reason().contains("1"), g.reason());
        }
        assertTrue(proxy.stats().malformedFrames() >= 4);
    }

    @Test
    void pushModeDeliversUnderCreditOnly() throws Exception {
        try (RawSession s = RawSession.open(uri);
             ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int fd = tcpConnect(s, new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()));
            try (Socket peer = ss.accept()) {
                s.ok(new Request.Push(s.nextId(), fd, true, 1000));
                OutputStream out = peer.getOutputStream();
                out.write(new byte[5000]);
                out.flush();
                int got = 0;
                while (got < 1000) {
                    Event.Data d = assertInstanceOf(Event.Data.class, s.events.poll(10, TimeUnit.SECONDS));
                    got += d.data().readableBytes();
                    Message.release(d);
                }
                assertEquals(1000, got, "never more than the credit");
                // no more arrives without credit: prove it with a round trip that must come after any event
                s.value(new Request.GetSockOpt(s.nextId(), fd, Posix.SOL_SOCKET, SocketOption.SO_TYPE.optname()));
                assertNull(s.events.poll(), "no event beyond the credit");
                s.send(new Control.Credit(fd, 1 << 20));
                while (got < 5000) {
                    Event.Data d = assertInstanceOf(Event.Data.class, s.events.poll(10, TimeUnit.SECONDS));
                    got += d.data().readableBytes();
                    Message.release(d);
                }
                peer.shutdownOutput();
                Event.Ready eof = assertInstanceOf(Event.Ready.class, s.events.poll(10, TimeUnit.SECONDS));
                assertEquals(Posix.POLLIN | Posix.POLLRDHUP, eof.events());
            }
            // a listening socket in push mode announces connections
            int l = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.ok(new Request.Listen(s.nextId(), l, 4));
            InetSocketAddress la = ((Reply.Address) s.call(new Request.GetSockName(s.nextId(), l))).address();
            s.ok(new Request.Push(s.nextId(), l, true, 10));
            try (Socket c = new Socket(la.getAddress(), la.getPort())) {
                Event.Accept a = assertInstanceOf(Event.Accept.class, s.events.poll(10, TimeUnit.SECONDS));
                assertEquals(c.getLocalPort(), a.peer().getPort());
            }
        }
    }

    @Test
    void socketpairCarriesBytesBothWays() throws Exception {
        try (RawSession s = RawSession.open(uri)) {
            Reply.SocketPair p = assertInstanceOf(Reply.SocketPair.class,
                    s.call(new Request.SocketPair(s.nextId(), Posix.AF_UNIX, SOCK_STREAM, 0)));
            s.value(new Request.Send(s.nextId(), p.fd0(), 0, bytes("ping".getBytes())));
            assertEquals("ping", new String(data(s.call(new Request.Recv(s.nextId(), p.fd1(), 10, 0)))));
            s.value(new Request.Send(s.nextId(), p.fd1(), 0, bytes("pong".getBytes())));
            assertEquals("pong", new String(data(s.call(new Request.Recv(s.nextId(), p.fd0(), 10, 0)))));
            s.ok(new Request.Close(s.nextId(), p.fd0()));
            assertEquals(0, data(s.call(new Request.Recv(s.nextId(), p.fd1(), 10, 0))).length);
        }
    }

    @Test
    void socketOptionsAreTypedAndUnknownOnesGiveEnoprotoopt() throws Exception {
        try (RawSession s = RawSession.open(uri)) {
            int fd = tcpConnect(s, echo.tcpAddress());
            for (SocketOption<Boolean> o : List.of(SocketOption.TCP_NODELAY, SocketOption.SO_KEEPALIVE, SocketOption.SO_REUSEADDR)) {
                s.ok(new Request.SetSockOpt(s.nextId(), fd, o.level(), o.optname(), 1));
                assertEquals(1, s.value(new Request.GetSockOpt(s.nextId(), fd, o.level(), o.optname())), o.name());
            }
            s.ok(new Request.SetSockOpt(s.nextId(), fd, Posix.SOL_SOCKET, SocketOption.SO_RCVBUF.optname(), 65536));
            assertTrue(s.value(new Request.GetSockOpt(s.nextId(), fd, Posix.SOL_SOCKET, SocketOption.SO_RCVBUF.optname())) >= 65536);
            s.ok(new Request.SetSockOpt(s.nextId(), fd, Posix.SOL_SOCKET, SocketOption.SO_RCVTIMEO.optname(), 20_000));
            // SO_RCVTIMEO makes a blocking recv give up with EAGAIN
            s.error(new Request.Recv(s.nextId(), fd, 10, 0), Errno.EAGAIN.code());
            s.error(new Request.GetSockOpt(s.nextId(), fd, Posix.SOL_SOCKET, 12345), Errno.ENOPROTOOPT.code());
            s.error(new Request.SetSockOpt(s.nextId(), fd, 999, 1, 1), Errno.ENOPROTOOPT.code());
            s.error(new Request.SetSockOpt(s.nextId(), fd, Posix.SOL_SOCKET, SocketOption.SO_ERROR.optname(), 1), Errno.ENOPROTOOPT.code());
            assertEquals(SOCK_STREAM, s.value(new Request.GetSockOpt(s.nextId(), fd, Posix.SOL_SOCKET, SocketOption.SO_TYPE.optname())));
        }
    }

    @Test
    void blockingRecvDoesNotHoldUpOtherCallsOfTheSession() throws Exception {
        try (RawSession s = RawSession.open(uri);
             ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int quiet = tcpConnect(s, new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()));
            try (Socket peer = ss.accept()) {
                CompletableFuture<Reply> waiting = s.callAsync(new Request.Recv(s.nextId(), quiet, 10, 0));
                int fd = tcpConnect(s, echo.tcpAddress());
                s.value(new Request.Send(s.nextId(), fd, 0, bytes("x".getBytes())));
                assertEquals("x", new String(data(s.call(new Request.Recv(s.nextId(), fd, 1, 0)))));
                assertFalse(waiting.isDone());
                // closing the socket answers the waiting call
                s.ok(new Request.Close(s.nextId(), quiet));
                assertEquals(Errno.EBADF.code(), assertInstanceOf(Reply.Error.class, waiting.get(10, TimeUnit.SECONDS)).code());
            }
        }
    }

    @Test
    void nativeUdpClientCanReachABoundProxySocketOnlyFromAllowedSources() throws Exception {
        try (RawSession s = RawSession.open(uri); DatagramSocket native1 = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.ok(new Request.Bind(s.nextId(), fd, new InetSocketAddress("127.0.0.1", 0)));
            InetSocketAddress local = ((Reply.Address) s.call(new Request.GetSockName(s.nextId(), fd))).address();
            byte[] msg = "from native".getBytes();
            native1.send(new DatagramPacket(msg, msg.length, local));
            Reply.Data d = assertInstanceOf(Reply.Data.class, s.call(new Request.RecvFrom(s.nextId(), fd, 100, 0)));
            assertEquals(native1.getLocalPort(), d.from().getPort());
            assertArrayEquals(msg, ByteBufUtil.getBytes(d.data()));
            Message.release(d);
        }
    }

    @Test
    void udpEventsOnTheDatagramPathSpendNoCredit() throws Exception {
        // the in-process transport has a datagram path: push events of a UDP socket go there, and a lost
        // datagram could never be granted back, so they must not spend credit
        try (RawSession s = RawSession.open(uri); DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.ok(new Request.Bind(s.nextId(), fd, new InetSocketAddress("127.0.0.1", 0)));
            InetSocketAddress local = ((Reply.Address) s.call(new Request.GetSockName(s.nextId(), fd))).address();
            s.ok(new Request.Push(s.nextId(), fd, true, 1));
            for (int i = 0; i < 10; i++) {
                byte[] b = ("datagram " + i).getBytes();
                peer.send(new DatagramPacket(b, b.length, local));
                Event.Data d = assertInstanceOf(Event.Data.class, s.events.poll(10, TimeUnit.SECONDS), "datagram " + i);
                assertEquals("datagram " + i, d.data().toString(java.nio.charset.StandardCharsets.US_ASCII));
                Message.release(d);
            }
        }
    }
}

package dev.sockbridge.proxy;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.AF_INET6;
import static dev.sockbridge.api.Posix.SOCK_DGRAM;
import static dev.sockbridge.api.Posix.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.ServerTransportListener;
import dev.sockbridge.proxy.internal.SessionCore;
import io.netty.buffer.Unpooled;
import io.netty.util.NetUtil;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the policy lets a session reach, checked before any packet leaves: each check targets a
 * listener the test owns (and asserts it saw nothing) or an address where nothing listens, and
 * every UDP connect comes first, since a UDP connect sends nothing even when it wrongly succeeds.
 */
@Timeout(60)
class PolicyAddressTest {
    SockbridgeProxy proxy;
    URI uri;
    ServerSocketChannel tcpListener;
    DatagramChannel udpListener;
    /** Native channels the proxy opened: none for a call the policy refuses. */
    final java.util.concurrent.atomic.AtomicInteger channelsOpened = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void listeners() throws Exception {
        tcpListener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        tcpListener.configureBlocking(false);
        udpListener = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        udpListener.configureBlocking(false);
    }

    void startProxy(SockbridgeProxy.Builder b) throws Exception {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);
        }
        proxy = b.listener(new ProxyListener() {
            @Override
            public void nativeChannelOpened(SessionInfo session, String kind) {
                channelsOpened.incrementAndGet();
            }
        }).build();
        uri = EngineTestBase.serveInProcess(proxy, "policy");
    }

    @AfterEach
    void stop() throws Exception {
        EngineTestBase.shutdownLeavingNoChannels(proxy);
        tcpListener.close();
        udpListener.close();
    }

    /** Nothing reached the test's listeners: no connection waits in the backlog, no datagram in the queue. */
    void assertListenersUntouched() throws Exception {
        assertNull(tcpListener.accept(), "a connection reached the TCP listener");
        assertNull(udpListener.receive(ByteBuffer.allocate(64)), "a datagram reached the UDP listener");
    }

    int tcpPort() throws Exception {
        return ((InetSocketAddress) tcpListener.getLocalAddress()).getPort();
    }

    int udpPort() throws Exception {
        return ((InetSocketAddress) udpListener.getLocalAddress()).getPort();
    }

    /** An address as the client wrote it: IPv6 spellings stay IPv6 (InetAddress would fold ::ffff:a.b.c.d to IPv4). */
    static InetAddress addr(String s) throws Exception {
        byte[] b = NetUtil.createByteArrayFromIpAddressString(s);
        if (b == null) {
            // Netty does not parse every spelling (::ffff:0:a.b.c.d); Java does, and only folds ::ffff:a.b.c.d
            b = InetAddress.getByName(s).getAddress();
        }
        return b.length == 16 ? Inet6Address.getByAddress(null, b, -1) : InetAddress.getByAddress(b);
    }

    /** UDP connect, TCP connect and UDP sendto to {@code a} all fail with EACCES from the policy. */
    static void assertDenied(RawSession s, InetAddress a, int tcpPort, int udpPort) throws Exception {
        int family = a.getAddress().length == 16 ? AF_INET6 : AF_INET;
        int u = s.value(new Request.Socket(s.nextId(), family, SOCK_DGRAM, 0));
        Reply.Error e = s.error(new Request.Connect(s.nextId(), u, new InetSocketAddress(a, udpPort)), Errno.EACCES.code());
        assertTrue(e.reason().contains("policy"), e.reason());
        int t = s.value(new Request.Socket(s.nextId(), family, SOCK_STREAM, 0));
        e = s.error(new Request.Connect(s.nextId(), t, new InetSocketAddress(a, tcpPort)), Errno.EACCES.code());
        assertTrue(e.reason().contains("policy"), e.reason());
        int v = s.value(new Request.Socket(s.nextId(), family, SOCK_DGRAM, 0));
        e = s.error(new Request.SendTo(s.nextId(), v, 0, new InetSocketAddress(a, udpPort), Unpooled.wrappedBuffer(new byte[] {1})),
                Errno.EACCES.code());
        assertTrue(e.reason().contains("policy"), e.reason());
        for (int fd : new int[] {u, t, v}) {
            s.ok(new Request.Close(s.nextId(), fd));
        }
    }

    @Test
    void ipv4CarriedInIpv6IsCheckedAsIpv4UnderABroadAllowRule() throws Exception {
        startProxy(SockbridgeProxy.builder().policy(SocketPolicy.builder()
                .allowConnect("::/0", "*").allowConnect("0.0.0.0/0", "*").denyConnect("127.0.0.0/8", "*")
                .allowBind("127.0.0.0/8", "*").allowBind("::1/128", "*").build()));
        try (RawSession s = RawSession.open(uri)) {
            for (String a : List.of("127.0.0.1", "::ffff:127.0.0.1", "::ffff:0:127.0.0.1", "::127.0.0.1",
                    "64:ff9b::127.0.0.1", "2002:7f00:1::1", "2002:7f00:1:0:0:0:0:0")) {
                assertDenied(s, addr(a), tcpPort(), udpPort());
            }
        }
        assertListenersUntouched();
        assertEquals(0, proxy.stats().bytesToNative());
        assertEquals(0, channelsOpened.get(), "a refused call opened a native channel");
    }

    @Test
    void ipv6RuleDoesNotAdmitMappedLoopbackEvenWithoutADenyRule() throws Exception {
        // the case from the issue: --allow [::/0] denied 127.0.0.1 but allowed ::ffff:127.0.0.1
        startProxy(SockbridgeProxy.builder().policy(SocketPolicy.builder().allowConnect("::/0", "*")
                .allowBind("::1/128", "*").allowBind("127.0.0.0/8", "*").build()));
        try (RawSession s = RawSession.open(uri)) {
            assertDenied(s, addr("127.0.0.1"), tcpPort(), udpPort());
            assertDenied(s, addr("::ffff:127.0.0.1"), tcpPort(), udpPort());
            assertDenied(s, addr("64:ff9b::7f00:1"), tcpPort(), udpPort());
        }
        assertListenersUntouched();
        assertEquals(0, channelsOpened.get(), "a refused call opened a native channel");
    }

    @Test
    void specialAddressesNeedARuleNamingThem() throws Exception {
        startProxy(SockbridgeProxy.builder().policy(SocketPolicy.builder()
                .allowConnect("::/0", "*").allowConnect("0.0.0.0/0", "*")
                .allowBind("127.0.0.0/8", "*").allowBind("::1/128", "*").build()));
        try (RawSession s = RawSession.open(uri)) {
            for (String a : List.of("0.0.0.0", "0.1.2.3", "::", "224.0.0.1", "239.255.255.250", "ff02::1", "ff05::2",
                    "255.255.255.255", "240.0.0.1", "169.254.1.1", "fe80::1", "169.254.169.254", "169.254.170.2",
                    "fd00:ec2::254", "100.100.100.200", "168.63.129.16",
                    "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "::ffff:0.0.0.0",
                    "::ffff:255.255.255.255", "::ffff:224.0.0.1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "64:ff9b:1::1")) {
                assertDenied(s, addr(a), tcpPort(), udpPort());
            }
        }
        assertListenersUntouched();
        assertEquals(0, channelsOpened.get(), "a refused call opened a native channel");
        assertEquals(24 * 3, proxy.stats().callsDenied());
    }

    @Test
    void aRuleAsNarrowAsTheSpecialRangeAdmitsIt() throws Exception {
        // UDP connect only: it records the peer and sends nothing
        startProxy(SockbridgeProxy.builder().policy(SocketPolicy.builder()
                .allowConnect("0.0.0.0/0", "*").allowConnect("169.254.0.0/16", "*").allowConnect("fd00:ec2::254", "80")
                .allowBind("127.0.0.0/8", "*").allowBind("::1/128", "*").build()));
        try (RawSession s = RawSession.open(uri)) {
            int u = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.ok(new Request.Connect(s.nextId(), u, new InetSocketAddress(addr("169.254.1.1"), 9)));
            // the metadata address sits inside link-local but is narrower: 169.254.0.0/16 does not name it
            Reply.Error e = s.error(new Request.Connect(s.nextId(), u, new InetSocketAddress(addr("169.254.169.254"), 80)),
                    Errno.EACCES.code());
            assertTrue(e.reason().contains("metadata"), e.reason());
            int v = s.value(new Request.Socket(s.nextId(), AF_INET6, SOCK_DGRAM, 0));
            s.ok(new Request.Connect(s.nextId(), v, new InetSocketAddress(addr("fd00:ec2::254"), 80)));
            s.error(new Request.Connect(s.nextId(), v, new InetSocketAddress(addr("fd00:ec2::254"), 81)), Errno.EACCES.code());
        }
    }

    @Test
    void receiveFilterDropsDatagramsFromMappedSourcesTheRulesDeny() throws Exception {
        // a dual-stack socket on [::] sees IPv4 senders as ::ffff:a.b.c.d; ::/0 must not admit them
        startProxy(SockbridgeProxy.builder().policy(SocketPolicy.builder().allowConnect("::/0", "*")
                .allowBind("::", "0").build()));
        try (RawSession s = RawSession.open(uri);
             DatagramSocket v4 = new DatagramSocket(new InetSocketAddress(addr("127.0.0.1"), 0));
             DatagramSocket v6 = new DatagramSocket(new InetSocketAddress(addr("::1"), 0))) {
            int u = s.value(new Request.Socket(s.nextId(), AF_INET6, SOCK_DGRAM, 0));
            s.ok(new Request.Bind(s.nextId(), u, new InetSocketAddress(addr("::"), 0)));
            Reply.Address name = assertInstanceOf(Reply.Address.class, s.call(new Request.GetSockName(s.nextId(), u)));
            int port = name.address().getPort();
            v4.send(new DatagramPacket(new byte[] {4}, 1, new InetSocketAddress(addr("127.0.0.1"), port)));
            v6.send(new DatagramPacket(new byte[] {6}, 1, new InetSocketAddress(addr("::1"), port)));
            Reply r = s.call(new Request.RecvFrom(s.nextId(), u, 16, 0));
            Reply.Data d = assertInstanceOf(Reply.Data.class, r, () -> "recvfrom gave " + r);
            try {
                assertEquals(6, d.data().getByte(0), "the datagram from " + d.from() + " passed the filter");
            } finally {
                Message.release(d);
            }
            assertEquals(1, s.value(new Request.GetSockOpt(s.nextId(), u, SessionCore.SOL_SOCKBRIDGE,
                    SessionCore.SB_DATAGRAMS_DROPPED)));
        }
    }

    @Test
    void anIpv6DatagramSocketWhoseFirstPeerIsIpv4ReachesItAndAnIpv6PeerStillWorksOnAnother() throws Exception {
        // the default policy binds implicitly to loopback; ::1 cannot send to 127.0.0.1, so an AF_INET6 socket
        // talking to an IPv4-mapped peer first must get 127.0.0.1 (mapped), as a kernel would pick for that peer
        startProxy(SockbridgeProxy.builder());
        try (RawSession s = RawSession.open(uri);
             DatagramSocket v4 = new DatagramSocket(new InetSocketAddress(addr("127.0.0.1"), 0));
             DatagramSocket v6 = new DatagramSocket(new InetSocketAddress(addr("::1"), 0))) {
            v4.setSoTimeout(10_000);
            v6.setSoTimeout(10_000);
            for (DatagramSocket peer : List.of(v4, v6)) {
                int u = s.value(new Request.Socket(s.nextId(), AF_INET6, SOCK_DGRAM, 0));
                InetAddress to = peer == v4 ? addr("::ffff:127.0.0.1") : addr("::1");
                assertEquals(1, s.value(new Request.SendTo(s.nextId(), u, 0, new InetSocketAddress(to, peer.getLocalPort()),
                        Unpooled.wrappedBuffer(new byte[] {7}))));
                DatagramPacket got = new DatagramPacket(new byte[4], 4);
                peer.receive(got);
                assertEquals(7, got.getData()[0]);
                peer.send(new DatagramPacket(new byte[] {8}, 1, got.getSocketAddress()));
                Reply r = s.call(new Request.RecvFrom(s.nextId(), u, 16, 0));
                Reply.Data d = assertInstanceOf(Reply.Data.class, r, () -> "recvfrom gave " + r);
                try {
                    assertEquals(8, d.data().getByte(0));
                    assertEquals(peer.getLocalPort(), d.from().getPort());
                } finally {
                    Message.release(d);
                }
                s.ok(new Request.Close(s.nextId(), u));
            }
        }
    }

    @Test
    void defaultPolicyRefusesPrivilegedPortsAndPrivilegedBinds() throws Exception {
        startProxy(SockbridgeProxy.builder());
        try (RawSession s = RawSession.open(uri)) {
            // nothing listens on 127.0.0.1:1 (tcpmux) or 127.0.0.9:22: even a wrong answer sends nothing anywhere
            int u = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.error(new Request.Connect(s.nextId(), u, new InetSocketAddress(addr("127.0.0.9"), 53)), Errno.EACCES.code());
            int t = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.error(new Request.Connect(s.nextId(), t, new InetSocketAddress(addr("127.0.0.1"), 1)), Errno.EACCES.code());
            int t6 = s.value(new Request.Socket(s.nextId(), AF_INET6, SOCK_STREAM, 0));
            s.error(new Request.Connect(s.nextId(), t6, new InetSocketAddress(addr("::ffff:127.0.0.9"), 22)), Errno.EACCES.code());
            // binds: not below 1024 (this test may run as root, where the kernel would allow it)
            int b = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.error(new Request.Bind(s.nextId(), b, new InetSocketAddress(addr("127.0.0.1"), 1023)), Errno.EACCES.code());
            s.error(new Request.Bind(s.nextId(), u, new InetSocketAddress(addr("127.0.0.1"), 80)), Errno.EACCES.code());
            int b6 = s.value(new Request.Socket(s.nextId(), AF_INET6, SOCK_STREAM, 0));
            s.error(new Request.Bind(s.nextId(), b6, new InetSocketAddress(addr("::1"), 443)), Errno.EACCES.code());
            // what stays allowed: port 0 and unprivileged ports on loopback, and listen on them
            s.ok(new Request.Bind(s.nextId(), b, new InetSocketAddress(addr("127.0.0.1"), 0)));
            s.ok(new Request.Listen(s.nextId(), b, 4));
            s.ok(new Request.Bind(s.nextId(), b6, new InetSocketAddress(addr("::1"), 0)));
            assertEquals(0, proxy.stats().bytesToNative());
        }
        assertTrue(proxy.policy().describe().contains("1024-65535"), proxy.policy().describe());
    }

    @Test
    void theProxysOwnListenersAreNeverReachable() throws Exception {
        startProxy(SockbridgeProxy.builder().policy(SocketPolicy.builder().allowConnect("127.0.0.0/8", "*")
                .allowConnect("::/0", "*").allowBind("127.0.0.0/8", "*").build()));
        // a server transport whose listener is the test's own socket: serve() must learn its address
        proxy.serve(new FixedServer(URI.create("ws://127.0.0.1:" + tcpPort() + "/sockbridge"))).get(5, TimeUnit.SECONDS);
        proxy.serve(new FixedServer(URI.create("webtransport://0.0.0.0:" + udpPort() + "/"))).get(5, TimeUnit.SECONDS);
        try (RawSession s = RawSession.open(uri)) {
            assertDenied(s, addr("127.0.0.1"), tcpPort(), udpPort());
            assertDenied(s, addr("::ffff:127.0.0.1"), tcpPort(), udpPort());
            // a wildcard listener is reached on any loopback address
            int u = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            Reply.Error e = s.error(new Request.Connect(s.nextId(), u, new InetSocketAddress(addr("127.0.0.42"), udpPort())),
                    Errno.EACCES.code());
            assertTrue(e.reason().contains("own listener"), e.reason());
            int b = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.error(new Request.Bind(s.nextId(), b, new InetSocketAddress(addr("127.0.0.1"), tcpPort())), Errno.EACCES.code());
        }
        assertListenersUntouched();
        assertEquals(0, channelsOpened.get(), "a refused call opened a native channel");
        assertTrue(proxy.policy().describe().contains("own listeners"), proxy.policy().describe());
    }

    @Test
    void theDefaultPolicyRefusesTheProxysOwnListenerAndPort22() throws Exception {
        startProxy(SockbridgeProxy.builder());
        // the test's listener is on an unprivileged loopback port, which the default allows until the proxy serves it
        try (RawSession s = RawSession.open(uri)) {
            int probe = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.ok(new Request.Connect(s.nextId(), probe, new InetSocketAddress(addr("127.0.0.1"), tcpPort())));
        }
        proxy.serve(new FixedServer(URI.create("ws://127.0.0.1:" + tcpPort() + "/sockbridge"))).get(5, TimeUnit.SECONDS);
        channelsOpened.set(0);
        try (RawSession s = RawSession.open(uri)) {
            int t = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            Reply.Error e = s.error(new Request.Connect(s.nextId(), t, new InetSocketAddress(addr("127.0.0.1"), tcpPort())),
                    Errno.EACCES.code());
            assertTrue(e.reason().contains("own listener"), e.reason());
            // by name too: localhost's addresses are all the listener's
            e = s.error(new Request.Connect(s.nextId(), t, InetSocketAddress.createUnresolved("localhost", tcpPort())),
                    Errno.EACCES.code());
            assertTrue(e.reason().contains("own listener"), e.reason());
            int b = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.error(new Request.Bind(s.nextId(), b, new InetSocketAddress(addr("127.0.0.1"), tcpPort())), Errno.EACCES.code());
            // ssh on this host, over TCP and UDP, in either family
            e = s.error(new Request.Connect(s.nextId(), t, new InetSocketAddress(addr("127.0.0.1"), 22)), Errno.EACCES.code());
            assertTrue(e.reason().contains("policy"), e.reason());
            int t6 = s.value(new Request.Socket(s.nextId(), AF_INET6, SOCK_STREAM, 0));
            s.error(new Request.Connect(s.nextId(), t6, new InetSocketAddress(addr("::1"), 22)), Errno.EACCES.code());
            int u = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.error(new Request.SendTo(s.nextId(), u, 0, new InetSocketAddress(addr("127.0.0.1"), 22),
                    Unpooled.wrappedBuffer(new byte[] {1})), Errno.EACCES.code());
        }
        assertListenersUntouched();
        assertEquals(0, proxy.stats().bytesToNative());
        assertEquals(0, channelsOpened.get(), "a refused call opened a native channel");
    }

    /** A server transport that only reports a URI: the listener behind it is the test's socket. */
    static final class FixedServer implements ServerTransport {
        private final URI uri;

        FixedServer(URI uri) {
            this.uri = uri;
        }

        @Override
        public CompletableFuture<URI> start(ServerTransportListener listener) {
            return CompletableFuture.completedFuture(uri);
        }

        @Override
        public URI uri() {
            return uri;
        }

        @Override
        public CompletableFuture<Void> shutdown() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> shutdownNow() {
            return CompletableFuture.completedFuture(null);
        }
    }
}

package dev.sockbridge.proxy;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.AF_INET6;
import static dev.sockbridge.api.Posix.SOCK_DGRAM;
import static dev.sockbridge.api.Posix.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.GaiError;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Name lookups under the policy: which names a session may resolve, reverse lookups, the lookup
 * rates, and connect or sendto to a name with several addresses. Names come from a name server the
 * test runs on loopback; its record of questions proves that a refused lookup sent none.
 */
@Timeout(60)
class PolicyLookupTest {
    TestNameServer dns;
    SockbridgeProxy proxy;
    URI uri;
    ServerSocketChannel tcpListener;

    @BeforeEach
    void start() throws Exception {
        dns = new TestNameServer();
        tcpListener = ServerSocketChannel.open().bind(new InetSocketAddress(ip("127.0.0.1"), 0), 16);
        tcpListener.configureBlocking(false);
    }

    @AfterEach
    void stop() throws Exception {
        EngineTestBase.shutdownLeavingNoChannels(proxy);
        tcpListener.close();
        dns.close();
    }

    void startProxy(SocketPolicy policy) throws Exception {
        SockbridgeProxy.Builder b = SockbridgeProxy.builder().nameServer(dns.address());
        proxy = (policy == null ? b : b.policy(policy)).build();
        uri = EngineTestBase.serveInProcess(proxy, "lookup");
    }

    /** Loopback on unprivileged ports, as the default, plus what each test adds. */
    static SocketPolicy.Builder loopback() {
        return SocketPolicy.builder().allowConnect("127.0.0.0/8", "1024-65535").allowConnect("::1/128", "1024-65535")
                .allowBind("127.0.0.0/8", "0,1024-65535").allowBind("::1/128", "0,1024-65535");
    }

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    int tcpPort() throws Exception {
        return ((InetSocketAddress) tcpListener.getLocalAddress()).getPort();
    }

    static Reply.Error gaiError(RawSession s, String host, int code) throws Exception {
        return s.error(new Request.GetAddrInfo(s.nextId(), host, "7000", 0, AF_INET, SOCK_STREAM, 0), code);
    }

    static List<InetAddress> resolve(RawSession s, String host) throws Exception {
        Reply r = s.call(new Request.GetAddrInfo(s.nextId(), host, "7000", 0, AF_INET, SOCK_STREAM, 0));
        return assertInstanceOf(Reply.AddrInfos.class, r, () -> "getaddrinfo " + host + " gave " + r)
                .results().stream().map(AddrInfo::address).map(InetSocketAddress::getAddress).toList();
    }

    @Test
    void theDefaultPolicyResolvesLoopbackNamesOnlyAndSendsNoQueryForOthers() throws Exception {
        dns.name("internal.corp.test", ip("127.0.0.1"));
        startProxy(null);
        try (RawSession s = RawSession.open(uri)) {
            Reply.Error e = gaiError(s, "internal.corp.test", GaiError.EAI_FAIL);
            assertTrue(e.reason().contains("policy"), e.reason());
            // connect and sendto given the name: refused as the policy refuses an address
            int t = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            e = s.error(new Request.Connect(s.nextId(), t, InetSocketAddress.createUnresolved("internal.corp.test", tcpPort())),
                    Errno.EACCES.code());
            assertTrue(e.reason().contains("policy"), e.reason());
            int u = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.error(new Request.SendTo(s.nextId(), u, 0, InetSocketAddress.createUnresolved("internal.corp.test", 7000),
                    Unpooled.wrappedBuffer(new byte[] {1})), Errno.EACCES.code());
            // localhost is answered by the proxy itself
            assertTrue(resolve(s, "localhost").contains(ip("127.0.0.1")));
            assertTrue(resolve(s, "game.localhost").contains(ip("127.0.0.1")));
        }
        assertEquals(List.of(), dns.questions, "no lookup may reach the name server");
        assertNull(tcpListener.accept(), "a connection reached the listener");
        assertEquals(3, proxy.stats().callsDenied());
    }

    @Test
    void suffixRulesSayWhichNamesResolve() throws Exception {
        for (String n : List.of("game.test", "eu.game.test", "evilgame.test", "admin.game.test", "x.admin.game.test")) {
            dns.name(n, ip("127.0.0.1"));
        }
        startProxy(loopback().allowLookup("game.test").denyLookup("admin.game.test").build());
        try (RawSession s = RawSession.open(uri)) {
            assertEquals(List.of(ip("127.0.0.1")), resolve(s, "eu.game.test"));
            assertEquals(List.of(ip("127.0.0.1")), resolve(s, "GAME.test."));
            for (String n : List.of("evilgame.test", "admin.game.test", "x.admin.game.test")) {
                Reply.Error e = gaiError(s, n, GaiError.EAI_FAIL);
                assertTrue(e.reason().contains("policy denies lookup"), e.reason());
                assertEquals(0, dns.questionsAbout(n), n + " was queried");
            }
            // a malformed name is no name at all, and is not sent either
            gaiError(s, "bad name.game.test", GaiError.EAI_NONAME);
            // an allowed name connects
            int t = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.ok(new Request.Connect(s.nextId(), t, InetSocketAddress.createUnresolved("eu.game.test", tcpPort())));
            try (SocketChannel accepted = acceptOne()) {
                assertNotNull(accepted);
            }
        }
        assertTrue(dns.questionsAbout("eu.game.test") > 0);
    }

    @Test
    void aGrantsLookupRulesNarrowTheProxys() throws Exception {
        for (String n : List.of("a.game.test", "b.game.test")) {
            dns.name(n, ip("127.0.0.1"));
        }
        // the proxy allows every name under game.test; this session's grant only a.game.test
        SocketPolicy grant = loopback().allowLookup("a.game.test").build();
        proxy = SockbridgeProxy.builder().nameServer(dns.address()).policy(loopback().allowLookup("game.test").build())
                .authenticator(r -> java.util.concurrent.CompletableFuture.completedFuture(
                        new SessionGrant("player", grant, null, null)))
                .build();
        uri = EngineTestBase.serveInProcess(proxy, "lookup-grant");
        try (RawSession s = RawSession.open(uri)) {
            assertEquals(List.of(ip("127.0.0.1")), resolve(s, "a.game.test"));
            Reply.Error e = gaiError(s, "b.game.test", GaiError.EAI_FAIL);
            assertTrue(e.reason().contains("grant"), e.reason());
            assertEquals(0, dns.questionsAbout("b.game.test"), "b.game.test was queried");
        }
    }

    @Test
    void reverseLookupsAreDeniedUnlessAllowedAndThenOnlyForAllowedAddresses() throws Exception {
        dns.pointer(ip("10.1.2.3"), "host.game.test").pointer(ip("10.2.0.1"), "other.corp.test");
        startProxy(null);
        try (RawSession s = RawSession.open(uri)) {
            // denied: the numeric host, as for an address without a name; NI_NAMEREQD makes it an error
            Reply.NameInfo n = assertInstanceOf(Reply.NameInfo.class,
                    s.call(new Request.GetNameInfo(s.nextId(), new InetSocketAddress(ip("10.1.2.3"), 443), 0)));
            assertEquals("10.1.2.3", n.host());
            Reply.Error e = s.error(new Request.GetNameInfo(s.nextId(), new InetSocketAddress(ip("10.1.2.3"), 443),
                    Posix.NI_NAMEREQD), GaiError.EAI_NONAME);
            assertTrue(e.reason().contains("reverse"), e.reason());
        }
        assertEquals(List.of(), dns.questions);
        assertEquals(2, proxy.stats().callsDenied());
        proxy.shutdown(Duration.ZERO).get(10, TimeUnit.SECONDS);

        // nothing is sent to 10.0.0.0/8: getnameinfo only asks the test's name server
        startProxy(loopback().allowConnect("10.1.0.0/16", "443").allowReverseLookup().build());
        try (RawSession s = RawSession.open(uri)) {
            Reply.NameInfo n = assertInstanceOf(Reply.NameInfo.class,
                    s.call(new Request.GetNameInfo(s.nextId(), new InetSocketAddress(ip("10.1.2.3"), 443), 0)));
            assertEquals("host.game.test", n.host());
            n = assertInstanceOf(Reply.NameInfo.class,
                    s.call(new Request.GetNameInfo(s.nextId(), new InetSocketAddress(ip("10.2.0.1"), 443), 0)));
            assertEquals("10.2.0.1", n.host(), "no connect rule covers 10.2.0.1");
        }
        assertEquals(List.of("3.2.1.10.in-addr.arpa PTR"), dns.questions);
    }

    /** Names {@code prefix}1 to 4 .game.test on 127.0.0.1, and a proxy that may look up game.test at {@code limits}. */
    private void startWithFourNames(String prefix, SocketPolicy.LookupLimits limits) throws Exception {
        for (int i = 1; i <= 4; i++) {
            dns.name(prefix + i + ".game.test", ip("127.0.0.1"));
        }
        startProxy(loopback().allowLookup("game.test").lookupLimits(limits).build());
    }

    @Test
    void lookupsOverASessionsRateAreRefusedWithEaiAgainAndSendNoQuery() throws Exception {
        // two at once, then one per 1,000 s: no refill while the test runs
        startWithFourNames("r", new SocketPolicy.LookupLimits(0.001, 2, 8, 1000, 1000));
        try (RawSession s = RawSession.open(uri); RawSession other = RawSession.open(uri)) {
            resolve(s, "r1.game.test");
            resolve(s, "r2.game.test");
            Reply.Error e = gaiError(s, "r3.game.test", GaiError.EAI_AGAIN);
            assertTrue(e.reason().contains("rate"), e.reason());
            int t = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.error(new Request.Connect(s.nextId(), t, InetSocketAddress.createUnresolved("r4.game.test", tcpPort())),
                    Errno.EAGAIN.code());
            // numeric hosts and localhost need no lookup and stay available
            assertEquals(List.of(ip("127.0.0.1")), resolve(s, "127.0.0.1"));
            resolve(s, "localhost");
            assertEquals(0, dns.questionsAbout("r3.game.test"));
            assertEquals(0, dns.questionsAbout("r4.game.test"));
            // another session has its own bucket
            resolve(other, "r3.game.test");
        }
        assertNull(tcpListener.accept());
    }

    @Test
    void lookupsOverTheProxysRateAreRefusedWhicheverSessionAsks() throws Exception {
        startWithFourNames("g", new SocketPolicy.LookupLimits(1000, 100, 8, 0.001, 3));
        try (RawSession a = RawSession.open(uri); RawSession b = RawSession.open(uri)) {
            resolve(a, "g1.game.test");
            resolve(a, "g2.game.test");
            resolve(b, "g3.game.test");
            Reply.Error e = gaiError(b, "g4.game.test", GaiError.EAI_AGAIN);
            assertTrue(e.reason().contains("proxy"), e.reason());
            gaiError(a, "g4.game.test", GaiError.EAI_AGAIN);
        }
        assertEquals(0, dns.questionsAbout("g4.game.test"));
    }

    @Test
    void aSessionsLookupsInFlightAreCapped() throws Exception {
        dns.silent("slow.game.test").name("fast.game.test", ip("127.0.0.1"));
        startProxy(loopback().allowLookup("game.test")
                .lookupLimits(new SocketPolicy.LookupLimits(1000, 100, 1, 1000, 1000)).build());
        try (RawSession s = RawSession.open(uri); RawSession other = RawSession.open(uri)) {
            // calls of one session are taken in order: the first lookup is in flight when the second is asked
            s.callAsync(new Request.GetAddrInfo(s.nextId(), "slow.game.test", "7000", 0, AF_INET, SOCK_STREAM, 0));
            Reply.Error e = gaiError(s, "fast.game.test", GaiError.EAI_AGAIN);
            assertTrue(e.reason().contains("in flight"), e.reason());
            resolve(other, "fast.game.test");
        }
    }

    @Test
    void connectAndSendtoToANameSkipItsDeniedAddresses() throws Exception {
        int port = tcpPort();
        // the denied address has listeners of its own, which must see nothing
        try (ServerSocketChannel decoyTcp = ServerSocketChannel.open().bind(new InetSocketAddress(ip("127.0.0.2"), port), 4);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(ip("127.0.0.1"), 0));
             DatagramChannel decoyUdp = DatagramChannel.open()) {
            decoyTcp.configureBlocking(false);
            udp.setSoTimeout(10_000);
            decoyUdp.bind(new InetSocketAddress(ip("127.0.0.2"), udp.getLocalPort())).configureBlocking(false);
            dns.name("multi.game.test", ip("127.0.0.2"), ip("127.0.0.1")).name("denied.game.test", ip("127.0.0.2"));
            startProxy(SocketPolicy.builder().allowConnect("127.0.0.1/32", "1024-65535").allowBind("127.0.0.1/32", "0")
                    .allowLookup("game.test").build());
            try (RawSession s = RawSession.open(uri)) {
                assertEquals(List.of(ip("127.0.0.2"), ip("127.0.0.1")), resolve(s, "multi.game.test"),
                        "getaddrinfo lists every address; the policy applies when one is used");
                int t = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
                s.ok(new Request.Connect(s.nextId(), t, InetSocketAddress.createUnresolved("multi.game.test", port)));
                try (SocketChannel accepted = acceptOne()) {
                    assertNotNull(accepted);
                }
                Reply.Address peer = assertInstanceOf(Reply.Address.class, s.call(new Request.GetPeerName(s.nextId(), t)));
                assertEquals(new InetSocketAddress(ip("127.0.0.1"), port), peer.address());

                int u = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
                assertEquals(1, s.value(new Request.SendTo(s.nextId(), u, 0,
                        InetSocketAddress.createUnresolved("multi.game.test", udp.getLocalPort()), Unpooled.wrappedBuffer(new byte[] {7}))));
                DatagramPacket p = new DatagramPacket(new byte[4], 4);
                udp.receive(p);
                assertEquals(7, p.getData()[0]);

                // every address denied: EACCES, as for the address itself
                int t2 = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
                Reply.Error e = s.error(new Request.Connect(s.nextId(), t2, InetSocketAddress.createUnresolved("denied.game.test", port)),
                        Errno.EACCES.code());
                assertTrue(e.reason().contains("policy"), e.reason());
            }
            assertNull(decoyTcp.accept(), "a connection reached the denied address");
            assertNull(decoyUdp.receive(ByteBuffer.allocate(8)), "a datagram reached the denied address");
        }
    }

    @Test
    void connectToLocalhostSkipsADeniedIpv4AddressForIpv6() throws Exception {
        // localhost is 127.0.0.1 then ::1; a dual-stack socket may use either, the policy allows only ::1
        try (ServerSocketChannel v6 = ServerSocketChannel.open().bind(new InetSocketAddress(ip("::1"), 0), 4)) {
            int port = ((InetSocketAddress) v6.getLocalAddress()).getPort();
            startProxy(SocketPolicy.builder().allowConnect("::1/128", "1024-65535").allowBind("::1/128", "0").build());
            try (RawSession s = RawSession.open(uri)) {
                int t = s.value(new Request.Socket(s.nextId(), AF_INET6, SOCK_STREAM, 0));
                s.ok(new Request.Connect(s.nextId(), t, InetSocketAddress.createUnresolved("localhost", port)));
                Reply.Address peer = assertInstanceOf(Reply.Address.class, s.call(new Request.GetPeerName(s.nextId(), t)));
                assertEquals(ip("::1"), peer.address().getAddress());
                // an IPv4 socket has no address of localhost the policy allows
                int t4 = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
                s.error(new Request.Connect(s.nextId(), t4, InetSocketAddress.createUnresolved("localhost", port)), Errno.EACCES.code());
            }
            v6.accept().close();
        }
    }

    @Test
    void connectToANameTriesTheNextAllowedAddressWhenOneRefuses() throws Exception {
        int port = tcpPort();
        // nothing listens on 127.0.0.3 at that port: the kernel refuses, and the next address is tried
        dns.name("fall.game.test", ip("127.0.0.3"), ip("127.0.0.1"));
        startProxy(loopback().allowLookup("game.test").build());
        try (RawSession s = RawSession.open(uri)) {
            int t = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.ok(new Request.Connect(s.nextId(), t, InetSocketAddress.createUnresolved("fall.game.test", port)));
            try (SocketChannel accepted = acceptOne()) {
                assertNotNull(accepted);
            }
            // non-blocking: one EINPROGRESS, then the outcome of the last address tried
            int n = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM | Posix.SOCK_NONBLOCK, 0));
            s.error(new Request.Connect(s.nextId(), n, InetSocketAddress.createUnresolved("fall.game.test", port)),
                    Errno.EINPROGRESS.code());
            Reply.Poll p = assertInstanceOf(Reply.Poll.class,
                    s.call(new Request.Poll(s.nextId(), List.of(new PollFd(n, Posix.POLLOUT)), 10_000)));
            assertEquals(List.of(new PollFd(n, Posix.POLLOUT)), p.ready());
            assertEquals(0, s.value(new Request.GetSockOpt(s.nextId(), n, Posix.SOL_SOCKET, SocketOption.SO_ERROR.optname())));
            try (SocketChannel accepted = acceptOne()) {
                assertNotNull(accepted);
            }
        }
    }

    /** The connection the proxy made, which is in the backlog once its connect has succeeded. */
    SocketChannel acceptOne() throws Exception {
        tcpListener.configureBlocking(true);
        try {
            return tcpListener.accept();
        } finally {
            tcpListener.configureBlocking(false);
        }
    }
}

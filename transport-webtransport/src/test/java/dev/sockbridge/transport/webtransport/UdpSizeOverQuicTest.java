package dev.sockbridge.transport.webtransport;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.SOCK_DGRAM;
import static dev.sockbridge.api.testing.UdpSizes.MAX_UDP;
import static dev.sockbridge.api.testing.UdpSizes.SIZES;
import static dev.sockbridge.api.testing.UdpSizes.bytes;
import static dev.sockbridge.api.testing.UdpSizes.nativePeer;
import static dev.sockbridge.api.testing.UdpSizes.pattern;
import static dev.sockbridge.api.testing.UdpSizes.receiveAt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketCallException;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.SockbridgeProxy;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * UDP keeps every byte over raw QUIC and WebTransport (issue 10, point 5). A sendto on the reliable path and a
 * recvfrom carry datagrams from 1 byte to 65,507 bytes intact both ways between the client and a native socket on
 * 127.0.0.1; a pushed datagram too large for one QUIC datagram travels whole on the stream (docs/protocol.md §12);
 * a fire-and-forget send too large for one QUIC datagram is refused with EMSGSIZE and nothing is sent.
 */
@Timeout(120)
class UdpSizeOverQuicTest {

    private static SockbridgeProxy proxy;
    private static final Map<String, QuicServerTransport> servers = new ConcurrentHashMap<>();
    private static final Map<String, URI> uris = new ConcurrentHashMap<>();
    private static final QuicTransportProvider provider = new QuicTransportProvider();

    @BeforeAll
    static void startProxy() throws Exception {
        proxy = QuicProxies.startBoth(o -> o, servers, uris);
    }

    @AfterAll
    static void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.shutdown(Duration.ZERO).get(20, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while ((proxy.stats().nativeChannelsOpen() != 0 || proxy.stats().sessionsOpen() != 0)
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, proxy.stats().nativeChannelsOpen(), () -> "native channels left: " + proxy.stats());
            assertEquals(0, proxy.stats().sessionsOpen(), () -> "sessions left: " + proxy.stats());
        }
    }

    private static SockbridgeDriver connect(String scheme) throws Exception {
        return SockbridgeDriver.connect(provider, uris.get(scheme), QuicProxies.pinned(servers.get(scheme)));
    }

    private static int boundUdp(SockbridgeDriver.Channel main) throws Exception {
        int u = (int) main.value(id -> new Request.Socket(id, AF_INET, SOCK_DGRAM, 0));
        main.ok(id -> new Request.Bind(id, u, new InetSocketAddress("127.0.0.1", 0)));
        return u;
    }

    /** Sends one byte from {@code u} to {@code peer}; where it came from is the proxy's side of the UDP flow. */
    private static SocketAddress proxySide(SockbridgeDriver.Channel main, int u, DatagramSocket peer) throws Exception {
        InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
        main.value(id -> new Request.SendTo(id, u, 0, peerAddr, Unpooled.wrappedBuffer(new byte[] {1})));
        return receiveAt(peer).getSocketAddress();
    }

    /** Checks a received datagram's bytes and that MSG_TRUNC is set exactly when {@code truncated}; releases it. */
    private static void assertData(Reply.Data r, byte[] expected, boolean truncated, String what) {
        try {
            assertArrayEquals(expected, ByteBufUtil.getBytes(r.data()), what);
            assertEquals(truncated ? Posix.MSG_TRUNC : 0, r.flags() & Posix.MSG_TRUNC, what + ": MSG_TRUNC");
        } finally {
            Message.release(r);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void sendtoAndRecvfromCarryEverySizeIntactBothWays(String scheme) throws Exception {
        try (SockbridgeDriver d = connect(scheme); DatagramSocket peer = nativePeer()) {
            SockbridgeDriver.Channel main = d.main;
            int u = boundUdp(main);
            InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
            for (int size : SIZES) {
                byte[] out = pattern(1, size);
                assertEquals(size, main.value(id -> new Request.SendTo(id, u, 0, peerAddr, Unpooled.wrappedBuffer(out))));
                DatagramPacket p = receiveAt(peer);
                assertArrayEquals(out, bytes(p), scheme + ": client to native, " + size + " bytes");

                byte[] in = pattern(2, size);
                peer.send(new DatagramPacket(in, in.length, p.getSocketAddress()));
                Reply.Data r = SockbridgeDriver.expect(main.call(id -> new Request.RecvFrom(id, u, 65536, 0)),
                        Reply.Data.class);
                assertData(r, in, false, scheme + ": native to client, " + size + " bytes");
                assertEquals(peerAddr, r.from());
            }
            // a short buffer: the first part and MSG_TRUNC
            byte[] big = pattern(3, MAX_UDP);
            peer.send(new DatagramPacket(big, big.length, proxySide(main, u, peer)));
            Reply.Data r = SockbridgeDriver.expect(main.call(id -> new Request.RecvMsg(id, u, 2048, 0)), Reply.Data.class);
            assertData(r, Arrays.copyOf(big, 2048), true, scheme + ": recvmsg that cuts says so");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void pushedDatagramsTooLargeForAQuicDatagramArriveWholeOnTheStream(String scheme) throws Exception {
        try (SockbridgeDriver d = connect(scheme); DatagramSocket peer = nativePeer()) {
            SockbridgeDriver.Channel main = d.main;
            int u = boundUdp(main);
            SocketAddress proxySide = proxySide(main, u, peer);
            main.ok(id -> new Request.Push(id, u, true, 1 << 20));
            BlockingQueue<SockbridgeDriver.Received> events = d.events(u);
            int max = main.transport.maxDatagramSize();
            for (int size : SIZES) {
                if (size == 1) {
                    continue; // a 1-byte event takes the datagram path, where it may be lost: covered below
                }
                byte[] in = pattern(4, size);
                peer.send(new DatagramPacket(in, in.length, proxySide));
                SockbridgeDriver.Received got = events.poll(10, TimeUnit.SECONDS);
                assertNotNull(got, scheme + ": pushed " + size + " bytes");
                Event.Data e = (Event.Data) got.event();
                try {
                    assertArrayEquals(in, ByteBufUtil.getBytes(e.data()), scheme + ": pushed, " + size + " bytes");
                    assertEquals(0, e.flags() & Posix.MSG_TRUNC);
                    assertTrue(size > max, "larger than a QUIC datagram (" + max + ")");
                    assertFalse(got.viaDatagram(), "so it came on the stream");
                } finally {
                    Message.release(e);
                }
            }
            // small ones come as QUIC datagrams, whole; one of five tries arrives (a datagram may be lost)
            byte[] one = {42};
            SockbridgeDriver.Received got = null;
            for (int i = 0; i < 5 && got == null; i++) {
                peer.send(new DatagramPacket(one, 1, proxySide));
                got = events.poll(1, TimeUnit.SECONDS);
            }
            assertNotNull(got, "a 1-byte datagram pushed");
            Event.Data e = (Event.Data) got.event();
            try {
                assertArrayEquals(one, ByteBufUtil.getBytes(e.data()));
                assertTrue(got.viaDatagram(), "a small event takes the datagram path");
            } finally {
                Message.release(e);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void fireAndForgetSendsOverTheQuicDatagramSizeGetEmsgsizeAndSendNothing(String scheme) throws Exception {
        // the Java client's sendToUnreliable, as docs/protocol.md §12 says: EMSGSIZE, nothing sent
        SockbridgeClient client = SockbridgeClient.connect(uris.get(scheme), QuicProxies.pinned(servers.get(scheme)))
                .get(20, TimeUnit.SECONDS);
        try (DatagramSocket peer = nativePeer()) {
            int u = client.socket(AF_INET, SOCK_DGRAM, 0).get(10, TimeUnit.SECONDS);
            client.bind(u, new InetSocketAddress("127.0.0.1", 0)).get(10, TimeUnit.SECONDS);
            InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
            for (int size : SIZES) {
                if (size == 1) {
                    continue;
                }
                SocketCallException ex = assertThrows(SocketCallException.class,
                        () -> client.sendToUnreliable(u, peerAddr, pattern(5, size)), "fire and forget of " + size);
                assertEquals(Errno.EMSGSIZE, ex.errno());
            }
            // a 1-byte one fits and arrives intact (one of five tries: a datagram may be lost); nothing larger came
            byte[] got = null;
            peer.setSoTimeout(1000);
            for (int i = 0; i < 5 && got == null; i++) {
                assertTrue(client.sendToUnreliable(u, peerAddr, new byte[] {7}));
                try {
                    got = bytes(receiveAt(peer));
                } catch (SocketTimeoutException lost) {
                    // try again
                }
            }
            assertArrayEquals(new byte[] {7}, got, "only the 1-byte datagram reached the peer");
            // the same sizes go whole as ordinary sendto calls on the reliable path
            for (int size : SIZES) {
                byte[] out = pattern(6, size);
                assertEquals(size, client.sendTo(u, peerAddr, out).get(10, TimeUnit.SECONDS));
                assertArrayEquals(out, bytes(receiveAt(peer)), scheme + ": Java client sendto, " + size + " bytes");
            }
        } finally {
            client.close();
        }
    }
}

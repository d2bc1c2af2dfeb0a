package dev.sockbridge.transport.webtransport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketCallException;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.client.PushListener;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.SockbridgeProxy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java client's own streams and datagram-size check against the real proxy over {@code quic://} and
 * {@code webtransport://}: a TCP socket on a stream of its own (calls, push events, credit, close), and
 * {@code sendToUnreliable} refusing what one datagram cannot carry.
 */
@Timeout(60)
class ClientOwnStreamOverQuicTest {
    private static SockbridgeProxy proxy;
    private static NativePeers peers;
    private static final Map<String, QuicServerTransport> servers = new ConcurrentHashMap<>();
    private static final Map<String, URI> uris = new ConcurrentHashMap<>();

    @BeforeAll
    static void startProxy() throws Exception {
        proxy = QuicProxies.startBoth(o -> o, servers, uris);
        peers = new NativePeers(1 << 20);
    }

    @AfterAll
    static void stopProxy() throws Exception {
        QuicProxies.stop(proxy, peers);
    }

    private static SockbridgeClient connect(String scheme) throws Exception {
        TransportOptions o = QuicProxies.pinned(servers.get(scheme));
        return SockbridgeClient.connect(uris.get(scheme), o).get(20, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void aTcpSocketOnItsOwnStream(String scheme) throws Exception {
        try (SockbridgeClient client = connect(scheme)) {
            int fd = client.socket(Posix.AF_INET, Posix.SOCK_STREAM, 0).get(10, TimeUnit.SECONDS);
            client.useOwnStream(fd).get(10, TimeUnit.SECONDS);
            assertTrue(client.hasOwnStream(fd));
            client.connect(fd, peers.tcpEcho).get(10, TimeUnit.SECONDS);
            byte[] hello = "hello on a stream of its own".getBytes(StandardCharsets.US_ASCII);
            assertEquals(hello.length, client.send(fd, hello).get(10, TimeUnit.SECONDS));
            assertArrayEquals(hello, client.recvBytes(fd, hello.length).get(10, TimeUnit.SECONDS));

            // push mode on the stream, with little credit so that credit has to come back on it
            BlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
            client.push(fd, new PushListener() {
                @Override
                public void onData(int sock, ByteBuf data, InetSocketAddress from, int flags) {
                    got.add(ByteBufUtil.getBytes(data));
                }
            }, 4096).get(10, TimeUnit.SECONDS);
            byte[] bulk = new byte[256 << 10];
            for (int i = 0; i < bulk.length; i++) {
                bulk[i] = (byte) (i * 7);
            }
            assertEquals(bulk.length, client.send(fd, bulk).get(10, TimeUnit.SECONDS));
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            while (back.size() < bulk.length) {
                byte[] part = got.poll(10, TimeUnit.SECONDS);
                assertTrue(part != null, "echo stalled after " + back.size() + " bytes");
                back.write(part);
            }
            assertArrayEquals(bulk, back.toByteArray());

            assertEquals(0, client.getSockOpt(fd, SocketOption.SB_DATAGRAMS_DROPPED).get(10, TimeUnit.SECONDS));
            client.close(fd).get(10, TimeUnit.SECONDS);
            assertFalse(client.hasOwnStream(fd));
            assertTrue(client.isOpen());
            // the main channel still works
            int other = client.socket(Posix.AF_INET, Posix.SOCK_DGRAM, 0).get(10, TimeUnit.SECONDS);
            client.close(other).get(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void anUnreliableSendLargerThanOneDatagramFailsWithEmsgsize(String scheme) throws Exception {
        try (SockbridgeClient client = connect(scheme)) {
            int u = client.socket(Posix.AF_INET, Posix.SOCK_DGRAM, 0).get(10, TimeUnit.SECONDS);
            int max = client.transport().maxDatagramSize();
            assertTrue(max > 1000 && max < 1500, "datagram path of " + max + " bytes");
            SocketCallException e = assertThrows(SocketCallException.class,
                    () -> client.sendToUnreliable(u, peers.udpEcho, new byte[max]));
            assertEquals(Errno.EMSGSIZE, e.errno());
            assertTrue(client.sendToUnreliable(u, peers.udpEcho, new byte[max - 64]));
            assertEquals(1, client.stats().datagramsSent());
            assertEquals(0, client.stats().datagramsDropped());
        }
    }
}

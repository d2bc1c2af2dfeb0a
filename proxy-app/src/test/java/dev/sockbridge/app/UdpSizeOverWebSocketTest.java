package dev.sockbridge.app;

import static dev.sockbridge.api.testing.UdpSizes.MAX_UDP;
import static dev.sockbridge.api.testing.UdpSizes.SIZES;
import static dev.sockbridge.api.testing.UdpSizes.bytes;
import static dev.sockbridge.api.testing.UdpSizes.nativePeer;
import static dev.sockbridge.api.testing.UdpSizes.pattern;
import static dev.sockbridge.api.testing.UdpSizes.receiveAt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.client.PushListener;
import dev.sockbridge.api.client.Received;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.transport.websocket.WebSocketServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * UDP keeps every byte over WebSocket (issue 10, point 5): the Java client, a real WebSocket on 127.0.0.1, the proxy
 * and a native UDP socket carry datagrams from 1 byte to 65,507 bytes intact both ways, pulled and pushed, and a
 * short receive buffer gets its first part with MSG_TRUNC.
 */
@Timeout(120)
class UdpSizeOverWebSocketTest {
    static final long T = 20;

    SockbridgeProxy proxy;
    WebSocketServer ws;
    SockbridgeClient client;
    DatagramSocket peer;

    @BeforeEach
    void start() throws Exception {
        proxy = SockbridgeProxy.builder().build();
        ws = WebSocketServer.builder().bind("127.0.0.1", 0).eventLoopGroup(proxy.eventLoopGroup())
                .options(TransportOptions.defaults().with(TransportOptions.MAX_FRAME_SIZE, 1 << 20)).build();
        URI uri = proxy.serve(ws.transport("/sockbridge")).get(10, TimeUnit.SECONDS);
        client = SockbridgeClient.connect(uri).get(10, TimeUnit.SECONDS);
        peer = nativePeer();
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (peer != null) {
            peer.close();
        }
        ws.shutdownNow().get(10, TimeUnit.SECONDS);
        proxy.shutdown(Duration.ZERO).get(20, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while ((proxy.stats().nativeChannelsOpen() != 0 || proxy.stats().sessionsOpen() != 0
                || proxy.stats().bufferedBytes() != 0) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, proxy.stats().nativeChannelsOpen(), () -> "native channels left: " + proxy.stats());
        assertEquals(0, proxy.stats().sessionsOpen(), () -> "sessions left: " + proxy.stats());
        assertEquals(0, proxy.stats().bufferedBytes(), () -> "bytes left: " + proxy.stats());
    }

    private DatagramPacket receiveAtPeer() throws Exception {
        return receiveAt(peer);
    }

    private InetSocketAddress peerAddress() {
        return (InetSocketAddress) peer.getLocalSocketAddress();
    }

    private int udpSocket() throws Exception {
        int fd = client.socket(Posix.AF_INET, Posix.SOCK_DGRAM, 0).get(T, TimeUnit.SECONDS);
        client.bind(fd, new InetSocketAddress("127.0.0.1", 0)).get(T, TimeUnit.SECONDS);
        return fd;
    }

    /** Sends one datagram from the client socket and returns where the peer saw it come from. */
    private SocketAddress sendAndCheck(int fd, byte[] out, boolean unreliable) throws Exception {
        if (unreliable) {
            assertTrue(client.sendToUnreliable(fd, peerAddress(), io.netty.buffer.Unpooled.wrappedBuffer(out)));
        } else {
            assertEquals(out.length, client.sendTo(fd, peerAddress(), out).get(T, TimeUnit.SECONDS));
        }
        DatagramPacket p = receiveAtPeer();
        assertArrayEquals(out, bytes(p), "client to native, " + out.length + " bytes");
        return p.getSocketAddress();
    }

    @Test
    void everySizeGoesIntactBothWaysWithRecvfrom() throws Exception {
        int fd = udpSocket();
        for (int size : SIZES) {
            SocketAddress proxySide = sendAndCheck(fd, pattern(1, size), false);
            // on WebSocket the "unreliable" send is an ordinary sendto of any size the frames allow
            sendAndCheck(fd, pattern(7, size), true);
            byte[] in = pattern(2, size);
            peer.send(new DatagramPacket(in, in.length, proxySide));
            Received r = client.recvFrom(fd, 65536, 0).get(T, TimeUnit.SECONDS);
            assertFalse(r.isTruncated(), "no MSG_TRUNC with a large enough buffer");
            assertEquals(peerAddress(), r.from());
            assertArrayEquals(in, r.takeBytes(), "native to client, " + size + " bytes");
        }
    }

    @Test
    void everySizeArrivesWholeAsAPushedEvent() throws Exception {
        int fd = udpSocket();
        SocketAddress proxySide = sendAndCheck(fd, new byte[] {1}, false);
        record Pushed(byte[] data, int flags) {
        }
        BlockingQueue<Pushed> got = new LinkedBlockingQueue<>();
        client.push(fd, new PushListener() {
            @Override
            public void onData(int sock, ByteBuf data, InetSocketAddress from, int f) {
                got.add(new Pushed(ByteBufUtil.getBytes(data), f));
            }
        }, 1 << 20).get(T, TimeUnit.SECONDS);
        for (int size : SIZES) {
            byte[] in = pattern(3, size);
            peer.send(new DatagramPacket(in, in.length, proxySide));
            Pushed e = got.poll(10, TimeUnit.SECONDS);
            assertTrue(e != null, "pushed " + size + " bytes");
            assertArrayEquals(in, e.data(), "pushed, " + size + " bytes");
            assertEquals(0, e.flags() & Posix.MSG_TRUNC);
        }
    }

    @Test
    void aShortBufferGetsTheFirstPartWithMsgTrunc() throws Exception {
        int fd = udpSocket();
        SocketAddress proxySide = sendAndCheck(fd, new byte[] {1}, false);
        byte[] big = pattern(4, MAX_UDP);
        byte[] next = pattern(5, 2049);
        peer.send(new DatagramPacket(big, big.length, proxySide));
        peer.send(new DatagramPacket(next, next.length, proxySide));
        Received r = client.recvMsg(fd, 2048, 0).get(T, TimeUnit.SECONDS);
        assertTrue(r.isTruncated(), "recvmsg that cuts says so");
        assertArrayEquals(Arrays.copyOf(big, 2048), r.takeBytes());
        Received r2 = client.recvFrom(fd, 65536, 0).get(T, TimeUnit.SECONDS);
        assertFalse(r2.isTruncated());
        assertArrayEquals(next, r2.takeBytes(), "the rest of the cut datagram is gone; the next comes whole");
    }

    @Test
    void theDatagramSocketShapedClientCarriesEverySizeIntact() throws Exception {
        try (dev.sockbridge.api.client.BridgedDatagramSocket u = new dev.sockbridge.api.client.BridgedDatagramSocket(
                client, new InetSocketAddress("127.0.0.1", 0))) {
            u.setSoTimeout(10_000);
            for (int size : SIZES) {
                byte[] out = pattern(10, size);
                u.send(new DatagramPacket(out, out.length, peerAddress()));
                DatagramPacket p = receiveAtPeer();
                assertArrayEquals(out, bytes(p), "client to native, " + size + " bytes");
                byte[] in = pattern(11, size);
                peer.send(new DatagramPacket(in, in.length, p.getSocketAddress()));
                DatagramPacket got = new DatagramPacket(new byte[MAX_UDP + 1], MAX_UDP + 1);
                u.receive(got);
                assertArrayEquals(in, bytes(got), "native to client, " + size + " bytes");
                assertEquals(peerAddress(), got.getSocketAddress());
            }
        }
    }
}

package dev.sockbridge.proxy;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.SOCK_DGRAM;
import static dev.sockbridge.api.Posix.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.proxy.internal.SessionCore;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The read-only socket option {@code SB_DATAGRAMS_DROPPED} (level {@code SOL_SOCKBRIDGE} 0x5342, name 1): the
 * datagrams of one socket the proxy dropped, which a client cannot see otherwise (UDP never says).
 */
@Timeout(30)
class DatagramDropsOptionTest extends EngineTestBase {
    @BeforeEach
    void start() throws Exception {
        startProxy(SockbridgeProxy.builder());
    }

    private static long dropped(RawSession s, int fd) throws Exception {
        Reply r = s.call(new Request.GetSockOpt(s.nextId(), fd, SessionCore.SOL_SOCKBRIDGE,
                SessionCore.SB_DATAGRAMS_DROPPED));
        return assertInstanceOf(Reply.Value.class, r, () -> "getsockopt gave " + r).value();
    }

    private static long awaitDropped(RawSession s, int fd, long atLeast) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long n;
        while ((n = dropped(s, fd)) < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return n;
    }

    @Test
    void droppedDatagramsOfASocketAreCountedPerSocketAndInTheProxyStats() throws Exception {
        try (RawSession s = RawSession.open(uri);
             DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket stranger = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            int other = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.ok(new Request.Bind(s.nextId(), fd, new InetSocketAddress("127.0.0.1", 0)));
            s.ok(new Request.Connect(s.nextId(), fd, (InetSocketAddress) peer.getLocalSocketAddress()));
            InetSocketAddress local = ((Reply.Address) s.call(new Request.GetSockName(s.nextId(), fd))).address();
            assertEquals(0, dropped(s, fd));
            long before = proxy.stats().datagramsDropped();

            // a connected UDP socket drops what its peer did not send
            for (int i = 0; i < 3; i++) {
                stranger.send(new DatagramPacket(new byte[] {(byte) i}, 1, local));
            }
            assertEquals(3, awaitDropped(s, fd, 3));
            byte[] hello = "from the peer".getBytes();
            peer.send(new DatagramPacket(hello, hello.length, local));
            Reply.Data d = assertInstanceOf(Reply.Data.class, s.call(new Request.Recv(s.nextId(), fd, 100, 0)));
            assertArrayEquals(hello, ByteBufUtil.getBytes(d.data()));
            Message.release(d);

            // a fire-and-forget send on the datagram path that the policy refuses is a drop of this socket too
            MessageCodec codec = MessageCodec.cbor();
            assertTrue(s.transport.sendDatagram(codec.encode(new Request.SendTo(0, fd, 0,
                    new InetSocketAddress("192.0.2.1", 9), Unpooled.wrappedBuffer(new byte[] {1})), s.transport.alloc())));
            assertEquals(4, awaitDropped(s, fd, 4));

            assertEquals(before + 4, proxy.stats().datagramsDropped(), "each drop counted once by the proxy too");
            assertEquals(0, dropped(s, other), "other sockets keep their own count");
            s.error(new Request.SetSockOpt(s.nextId(), fd, SessionCore.SOL_SOCKBRIDGE,
                    SessionCore.SB_DATAGRAMS_DROPPED, 0), Errno.ENOPROTOOPT.code());

            // a TCP socket has the option too (always 0), so clients need not ask what kind a socket is
            int tcp = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            assertEquals(0, dropped(s, tcp));
        }
    }
}

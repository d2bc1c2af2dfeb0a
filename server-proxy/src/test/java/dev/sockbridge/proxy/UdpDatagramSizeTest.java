package dev.sockbridge.proxy;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.SOCK_DGRAM;
import static dev.sockbridge.api.testing.UdpSizes.MAX_UDP;
import static dev.sockbridge.api.testing.UdpSizes.SIZES;
import static dev.sockbridge.api.testing.UdpSizes.nativePeer;
import static dev.sockbridge.api.testing.UdpSizes.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.UdpSizes;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * UDP keeps every byte on the Sockbridge protocol (issue 10, point 5): datagrams from 1 byte to the largest UDP
 * payload, on both sides of the 2,048 bytes where Netty's default datagram allocator used to cut them without a
 * word, go intact from a client through the proxy to a native socket on 127.0.0.1 and back, pulled and pushed; a
 * receive buffer smaller than the datagram gets its first part with MSG_TRUNC, as POSIX recvfrom/recvmsg do.
 */
@Timeout(120)
class UdpDatagramSizeTest extends EngineTestBase {

    private static byte[] receiveAt(DatagramSocket peer) throws Exception {
        return UdpSizes.bytes(UdpSizes.receiveAt(peer));
    }

    private int boundUdp(RawSession s) throws Exception {
        int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
        s.ok(new Request.Bind(s.nextId(), fd, new InetSocketAddress("127.0.0.1", 0)));
        return fd;
    }

    /** Where a received datagram came from, and the reply's flags. */
    private record Received(InetSocketAddress from, int flags) {
    }

    /**
     * Sends {@code recv} and checks that it answers {@code expected}, with MSG_TRUNC set exactly when
     * {@code truncated} ({@code why} says why); the reply is released here.
     */
    private static Received receive(RawSession s, Request recv, byte[] expected, boolean truncated, String what, String why)
            throws Exception {
        Reply.Data d = assertInstanceOf(Reply.Data.class, s.call(recv));
        try {
            assertArrayEquals(expected, ByteBufUtil.getBytes(d.data()), what);
            assertEquals(truncated ? Posix.MSG_TRUNC : 0, d.flags() & Posix.MSG_TRUNC, why);
            return new Received(d.from(), d.flags());
        } finally {
            Message.release(d);
        }
    }

    private static InetSocketAddress local(RawSession s, int fd) throws Exception {
        return assertInstanceOf(Reply.Address.class, s.call(new Request.GetSockName(s.nextId(), fd))).address();
    }

    @Test
    void everySizeGoesIntactBothWaysWithRecvfromAndRecvmsg() throws Exception {
        startProxy(SockbridgeProxy.builder());
        try (RawSession s = RawSession.open(uri); DatagramSocket peer = nativePeer()) {
            int fd = boundUdp(s);
            InetSocketAddress local = local(s, fd);
            InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
            for (int size : SIZES) {
                byte[] out = pattern(1, size);
                assertEquals(size, s.value(new Request.SendTo(s.nextId(), fd, 0, peerAddr, Unpooled.wrappedBuffer(out))),
                        "sendto of " + size);
                assertArrayEquals(out, receiveAt(peer), "client to native, " + size + " bytes");

                byte[] in = pattern(2, size);
                peer.send(new DatagramPacket(in, in.length, local));
                Received r = receive(s, new Request.RecvFrom(s.nextId(), fd, 65536, 0), in, false,
                        "native to client (recvfrom), " + size + " bytes", "no MSG_TRUNC with a buffer large enough");
                assertEquals(0, r.flags(), "no flags with a buffer large enough");
                assertEquals(peerAddr, r.from());

                // recvmsg with a buffer of exactly the datagram's size: whole, and no MSG_TRUNC
                peer.send(new DatagramPacket(in, in.length, local));
                receive(s, new Request.RecvMsg(s.nextId(), fd, size, 0), in, false,
                        "native to client (recvmsg), " + size + " bytes", "a buffer of exactly the size is not a truncation");
            }
            // one byte over the largest UDP payload: EMSGSIZE, as the kernel answers, and nothing reaches the peer
            s.error(new Request.SendTo(s.nextId(), fd, 0, peerAddr, Unpooled.wrappedBuffer(pattern(1, MAX_UDP + 1))),
                    dev.sockbridge.api.Errno.EMSGSIZE.code());
            byte[] after = pattern(9, 3);
            s.value(new Request.SendTo(s.nextId(), fd, 0, peerAddr, Unpooled.wrappedBuffer(after)));
            assertArrayEquals(after, receiveAt(peer), "the next datagram the peer sees is the one after");
        }
    }

    @Test
    void everySizeArrivesWholeAsAPushedEvent() throws Exception {
        // a pushed event larger than the in-process datagram path (1,200 bytes) goes on the reliable path, whole
        startProxy(SockbridgeProxy.builder());
        try (RawSession s = RawSession.open(uri); DatagramSocket peer = nativePeer()) {
            int fd = boundUdp(s);
            InetSocketAddress local = local(s, fd);
            s.ok(new Request.Push(s.nextId(), fd, true, 1 << 20)); // credit for all of them
            for (int size : SIZES) {
                byte[] in = pattern(3, size);
                peer.send(new DatagramPacket(in, in.length, local));
                Event.Data e = assertInstanceOf(Event.Data.class, s.events.poll(10, TimeUnit.SECONDS), "event of " + size);
                try {
                    assertArrayEquals(in, ByteBufUtil.getBytes(e.data()), "pushed, " + size + " bytes");
                    assertEquals(0, e.flags() & Posix.MSG_TRUNC);
                    assertEquals(peer.getLocalSocketAddress(), e.from());
                } finally {
                    Message.release(e);
                }
            }
        }
    }

    @Test
    void aSmallerBufferGetsTheFirstPartWithMsgTruncAndTheRestIsDiscarded() throws Exception {
        startProxy(SockbridgeProxy.builder());
        try (RawSession s = RawSession.open(uri); DatagramSocket peer = nativePeer()) {
            int fd = boundUdp(s);
            InetSocketAddress local = local(s, fd);
            byte[] big = pattern(4, MAX_UDP);
            byte[] mid = pattern(5, 8192);
            byte[] after = pattern(6, 2049);
            peer.send(new DatagramPacket(big, big.length, local));
            peer.send(new DatagramPacket(mid, mid.length, local));
            peer.send(new DatagramPacket(after, after.length, local));

            // MSG_PEEK with a small buffer: the prefix and MSG_TRUNC, the datagram stays queued
            receive(s, new Request.RecvFrom(s.nextId(), fd, 100, Posix.MSG_PEEK), Arrays.copyOf(big, 100), true,
                    "the peeked prefix", "a peek that cuts says so");
            // recvfrom of 2,048 bytes from 65,507: the first 2,048 and MSG_TRUNC
            assertEquals(peer.getLocalSocketAddress(), receive(s, new Request.RecvFrom(s.nextId(), fd, 2048, 0),
                    Arrays.copyOf(big, 2048), true, "the first 2,048 bytes", "recvfrom that cuts says so").from());
            // recvmsg of 8,191 from 8,192: one byte short is a truncation too; the rest of the datagram is gone
            receive(s, new Request.RecvMsg(s.nextId(), fd, 8191, 0), Arrays.copyOf(mid, 8191), true,
                    "the first 8,191 bytes", "recvmsg that cuts says so");
            // recv of 2,048 from 2,049: the first part; DATA still says MSG_TRUNC (recv has no source)
            peer.send(new DatagramPacket(after, after.length, local));
            assertEquals(null, receive(s, new Request.Recv(s.nextId(), fd, 2048, 0), Arrays.copyOf(after, 2048), true,
                    "the first 2,048 bytes", "recv that cuts says so too").from());
            // the next receive starts at the next datagram, whole
            receive(s, new Request.RecvFrom(s.nextId(), fd, 65536, 0), after, false, "the next datagram, whole", "not cut");
        }
    }
}

package dev.sockbridge.frontend.emscripten;

import static dev.sockbridge.api.testing.UdpSizes.MAX_UDP;
import static dev.sockbridge.api.testing.UdpSizes.SIZES;
import static dev.sockbridge.api.testing.UdpSizes.bytes;
import static dev.sockbridge.api.testing.UdpSizes.nativePeer;
import static dev.sockbridge.api.testing.UdpSizes.pattern;
import static dev.sockbridge.api.testing.UdpSizes.receiveAt;
import static dev.sockbridge.frontend.emscripten.EmClient.sin;
import static dev.sockbridge.frontend.emscripten.EmscriptenPosixSessionTest.AF_INET;
import static dev.sockbridge.frontend.emscripten.EmscriptenPosixSessionTest.SOCK_DGRAM;
import static dev.sockbridge.frontend.emscripten.EmscriptenPosixSessionTest.recvReq;
import static dev.sockbridge.frontend.emscripten.EmscriptenPosixSessionTest.recvfromReq;
import static dev.sockbridge.frontend.emscripten.EmscriptenPosixSessionTest.sendtoReq;
import static dev.sockbridge.frontend.emscripten.EmscriptenPosixSessionTest.socketReq;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.frontend.emscripten.EmClient.Rep;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * UDP keeps every byte on the Emscripten front ends (issue 10, point 5): the POSIX-socket proxy protocol and the
 * websockify UDP bridge carry datagrams from 1 byte to 65,507 bytes intact both ways between the client and a
 * native socket on 127.0.0.1, including the sizes around 2,048 where Netty's default datagram allocator used to cut.
 */
@Timeout(120)
class EmscriptenUdpSizeTest extends EmscriptenTestBase {

    // ------------------------------------------------------------------ POSIX-socket proxy protocol

    @Test
    void posixSendtoAndRecvfromCarryEverySizeIntact() throws Exception {
        EmClient c = posixClient(posixServer());
        try (DatagramSocket peer = nativePeer()) {
            Rep s = c.call(socketReq(c.nextId(), AF_INET, SOCK_DGRAM, 0));
            int h = s.ret();
            assertTrue(h > 100, () -> "socket: " + s);
            byte[] to = sin("127.0.0.1", peer.getLocalPort());
            SocketAddress proxySide = null;
            for (int size : SIZES) {
                byte[] out = pattern(1, size);
                Rep sent = c.call(sendtoReq(c.nextId(), h, out, 0, to));
                assertEquals(size, sent.ret(), () -> "sendto: " + sent);
                DatagramPacket p = receiveAt(peer);
                assertArrayEquals(out, bytes(p), "client to native, " + size + " bytes");
                proxySide = p.getSocketAddress();

                byte[] in = pattern(2, size);
                peer.send(new DatagramPacket(in, in.length, proxySide));
                Rep r = c.call(recvfromReq(c.nextId(), h, 65536, 0, 16));
                assertEquals(size, r.ret(), () -> "recvfrom: " + r);
                assertEquals(size, r.i32(12), "data_len");
                assertEquals(16, r.i32(16), "address_len");
                assertEquals(20 + size + 16, r.len());
                assertArrayEquals(in, r.slice(20, size), "native to client (recvfrom), " + size + " bytes");
                assertArrayEquals(to, r.slice(20 + size, 16), "the sender");

                peer.send(new DatagramPacket(in, in.length, proxySide));
                Rep r2 = c.call(recvReq(c.nextId(), h, size, 0));
                assertEquals(size, r2.ret(), () -> "recv: " + r2);
                assertEquals(12 + size, r2.len());
                assertArrayEquals(in, r2.slice(12, size), "native to client (recv), " + size + " bytes");
            }
            // one byte over the largest UDP payload: -1 with EMSGSIZE (WASI 35), and nothing reaches the peer
            Rep over = c.call(sendtoReq(c.nextId(), h, pattern(1, MAX_UDP + 1), 0, to));
            assertEquals(-1, over.ret(), () -> "sendto of 65,508: " + over);
            assertEquals(35, over.errno());
            byte[] after = pattern(9, 3);
            assertEquals(3, c.call(sendtoReq(c.nextId(), h, after, 0, to)).ret());
            assertArrayEquals(after, bytes(receiveAt(peer)), "the next datagram the peer sees is the one after");
        }
    }

    /** A client UDP socket, the peer's address as the protocol writes it, and the proxy's side as the peer sees it. */
    private record Udp(int handle, byte[] to, SocketAddress proxySide) {
        /** Sends each payload from {@code peer} to the proxy's side, in order. */
        void sendFrom(DatagramSocket peer, byte[]... payloads) throws IOException {
            for (byte[] b : payloads) {
                peer.send(new DatagramPacket(b, b.length, proxySide));
            }
        }
    }

    /** Opens a UDP socket at the proxy and sends the peer one byte, so the peer learns where the proxy's side is. */
    private static Udp udpTowards(EmClient c, DatagramSocket peer) throws Exception {
        int h = c.call(socketReq(c.nextId(), AF_INET, SOCK_DGRAM, 0)).ret();
        byte[] to = sin("127.0.0.1", peer.getLocalPort());
        assertEquals(1, c.call(sendtoReq(c.nextId(), h, new byte[] {9}, 0, to)).ret());
        return new Udp(h, to, receiveAt(peer).getSocketAddress());
    }

    @Test
    void posixRecvfromWithASmallerBufferGetsTheFirstPartAndTheRestOfThatDatagramIsGone() throws Exception {
        // the Emscripten protocol has no msg_flags: like POSIX recvfrom without MSG_TRUNC, ret is what was copied
        EmClient c = posixClient(posixServer());
        try (DatagramSocket peer = nativePeer()) {
            Udp u = udpTowards(c, peer);
            int h = u.handle();
            byte[] big = pattern(3, MAX_UDP);
            byte[] next = pattern(4, 2049);
            u.sendFrom(peer, big, next);
            Rep r = c.call(recvfromReq(c.nextId(), h, 2048, 0, 16));
            assertEquals(2048, r.ret());
            assertEquals(2048, r.i32(12));
            assertArrayEquals(Arrays.copyOf(big, 2048), r.slice(20, 2048));
            Rep r2 = c.call(recvfromReq(c.nextId(), h, 65536, 0, 16));
            assertEquals(2049, r2.ret(), "the next datagram, whole");
            assertArrayEquals(next, r2.slice(20, 2049));
        }
    }

    @Test
    void posixMsgTruncFlagReturnsTheRealLengthOfTheDatagramAsLinuxDoes() throws Exception {
        // Linux recv(2): with MSG_TRUNC a datagram socket returns the real length even when it was longer than the
        // buffer; MSG_PEEK|MSG_TRUNC with no buffer is how programs size the next datagram
        final int msgPeek = 0x2, msgTrunc = 0x20;
        EmClient c = posixClient(posixServer());
        try (DatagramSocket peer = nativePeer()) {
            Udp u = udpTowards(c, peer);
            int h = u.handle();
            byte[] big = pattern(7, MAX_UDP);
            byte[] mid = pattern(8, 8192);
            byte[] next = pattern(9, 2049);
            u.sendFrom(peer, big, mid, next);

            Rep size = c.call(recvReq(c.nextId(), h, 0, msgPeek | msgTrunc));
            assertEquals(MAX_UDP, size.ret(), "MSG_PEEK|MSG_TRUNC with no buffer: the size of the next datagram");
            assertEquals(12, size.len(), "and no data");
            Rep r = c.call(recvfromReq(c.nextId(), h, 2048, msgTrunc, 16));
            assertEquals(MAX_UDP, r.ret(), "recvfrom with MSG_TRUNC: the real length");
            assertEquals(2048, r.i32(12), "data_len: what is carried");
            assertEquals(20 + 2048 + 16, r.len());
            assertArrayEquals(Arrays.copyOf(big, 2048), r.slice(20, 2048));
            assertArrayEquals(u.to(), r.slice(20 + 2048, 16), "the sender, after the data carried");
            Rep r2 = c.call(recvReq(c.nextId(), h, 100, msgTrunc));
            assertEquals(8192, r2.ret(), "recv with MSG_TRUNC: the real length");
            assertEquals(12 + 100, r2.len(), "the caller's 100 bytes");
            assertArrayEquals(Arrays.copyOf(mid, 100), r2.slice(12, 100));
            Rep r3 = c.call(recvReq(c.nextId(), h, 65536, msgTrunc));
            assertEquals(2049, r3.ret(), "a buffer large enough: the length, as without the flag");
            assertArrayEquals(next, r3.slice(12, 2049));
        }
    }

    // ------------------------------------------------------------------ websockify UDP bridge

    @Test
    void websockifyUdpBridgeCarriesEverySizeIntactBothWays() throws Exception {
        try (DatagramSocket target = nativePeer()) {
            URI uri = server("bridge", t -> WebsockifyBridge.serve(proxy, t,
                    BridgeTargets.fixed("127.0.0.1", target.getLocalPort(), BridgeTargets.Kind.UDP), "/"));
            try (WebsockifyBridgeTest.WsClient c = new WebsockifyBridgeTest.WsClient(uri)) {
                for (int size : SIZES) {
                    byte[] out = pattern(5, size);
                    c.send(out);
                    DatagramPacket p = receiveAt(target);
                    assertArrayEquals(out, bytes(p), "client to native, " + size + " bytes");

                    byte[] in = pattern(6, size);
                    target.send(new DatagramPacket(in, in.length, p.getSocketAddress()));
                    assertArrayEquals(in, c.next(), "native to client, " + size + " bytes");
                }
                // a message over the largest UDP payload cannot be a datagram: dropped and counted, as UDP would
                long dropped = proxy.stats().datagramsDropped();
                c.send(pattern(5, MAX_UDP + 1));
                byte[] after = pattern(9, 3);
                c.send(after);
                assertArrayEquals(after, bytes(receiveAt(target)), "the next datagram the target sees is the one after");
                assertEquals(dropped + 1, proxy.stats().datagramsDropped(), "the oversized message was counted");
            }
        }
        awaitStats(s -> s.nativeChannelsOpen() == 0 && s.sessionsOpen() == 0, "bridge released");
    }
}

package dev.sockbridge.api.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * What every "UDP keeps every byte" test shares, whatever the front end or transport: the sizes on both sides of
 * the 2,048 bytes where Netty's default datagram allocator used to cut, up to the largest UDP payload; a payload
 * pattern that differs at every offset of interest; and a native peer socket on loopback that receives them.
 */
public final class UdpSizes {
    /** 2,048 was the old cut; 65,507 is the largest UDP payload over IPv4. */
    public static final int[] SIZES = {1, 2048, 2049, 8192, 60000, 65507};
    public static final int MAX_UDP = 65507;

    private UdpSizes() {
    }

    /** A pattern that differs at every offset of interest, so any cut, shift or reuse of a buffer shows. */
    public static byte[] pattern(int seed, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seed * 131 + i * 7 + (i >>> 8) * 3);
        }
        return b;
    }

    /** A UDP socket on loopback with room for several of the largest datagrams; receives time out after 10 s. */
    public static DatagramSocket nativePeer() throws IOException {
        DatagramSocket peer = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        peer.setSoTimeout(10_000);
        peer.setReceiveBufferSize(1 << 20);
        return peer;
    }

    /** The next datagram at {@code peer}, in a buffer one byte larger than the largest, so nothing is cut. */
    public static DatagramPacket receiveAt(DatagramSocket peer) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[MAX_UDP + 1], MAX_UDP + 1);
        peer.receive(p);
        return p;
    }

    /** The payload of {@code p}. */
    public static byte[] bytes(DatagramPacket p) {
        return Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength());
    }
}

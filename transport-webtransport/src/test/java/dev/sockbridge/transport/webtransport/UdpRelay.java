package dev.sockbridge.transport.webtransport;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP relay on 127.0.0.1 between one QUIC client and a server, on two daemon threads, that classifies the
 * server's long-header packets (RFC 9000 §17.2) so that a test can see which kind the server answered with.
 */
final class UdpRelay implements AutoCloseable {
    private final DatagramSocket front;
    private final DatagramSocket back;
    private final InetSocketAddress server;
    private volatile SocketAddress client;
    /** Retry packets the server sent. */
    final AtomicInteger retries = new AtomicInteger();
    /** Initial packets the server sent. */
    final AtomicInteger initials = new AtomicInteger();
    /** The type of the server's first long-header packet (0 Initial, 3 Retry), -1 until one came. */
    volatile int firstServerPacketType = -1;

    UdpRelay(InetSocketAddress server) throws IOException {
        this.server = server;
        front = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        back = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        thread("relay-to-server", () -> pump(front, back, true));
        thread("relay-to-client", () -> pump(back, front, false));
    }

    InetSocketAddress address() {
        return (InetSocketAddress) front.getLocalSocketAddress();
    }

    private void pump(DatagramSocket from, DatagramSocket to, boolean toServer) {
        byte[] buf = new byte[65536];
        while (!from.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                from.receive(p);
                SocketAddress target;
                if (toServer) {
                    client = p.getSocketAddress();
                    target = server;
                } else {
                    classify(p.getData()[0] & 0xff, p.getLength());
                    target = client;
                }
                if (target != null) {
                    to.send(new DatagramPacket(p.getData(), p.getLength(), target));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void classify(int first, int length) {
        if ((first & 0x80) == 0 || length < 5) {
            return; // short header: a 1-RTT packet
        }
        int type = (first >> 4) & 0x3; // QUIC v1: 0 Initial, 1 0-RTT, 2 Handshake, 3 Retry
        if (firstServerPacketType < 0) {
            firstServerPacketType = type;
        }
        if (type == 3) {
            retries.incrementAndGet();
        } else if (type == 0) {
            initials.incrementAndGet();
        }
    }

    private static void thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        front.close();
        back.close();
    }
}

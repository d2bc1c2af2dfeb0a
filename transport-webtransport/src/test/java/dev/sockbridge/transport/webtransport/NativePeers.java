package dev.sockbridge.transport.webtransport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Native peers on 127.0.0.1 for end-to-end tests, each on its own daemon threads: a TCP echo, a TCP sink that does
 * not read until released (a stalled peer), a TCP source that writes a known byte pattern and closes, a UDP echo.
 */
final class NativePeers implements AutoCloseable {
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    final InetSocketAddress tcpEcho;
    final InetSocketAddress tcpSink;
    final InetSocketAddress tcpSource;
    final InetSocketAddress udpEcho;
    /** Bytes the sink has read. */
    final AtomicLong sinkRead = new AtomicLong();
    /** The gate sink connections accepted now wait at; {@link #releaseSink} opens it and sets up a new one. */
    private volatile CountDownLatch sinkGate = new CountDownLatch(1);
    private final int sourceBytes;

    NativePeers(int sourceBytes) throws IOException {
        this.sourceBytes = sourceBytes;
        tcpEcho = tcp("echo", this::echo, 0);
        tcpSink = tcp("sink", this::sink, 16 * 1024);
        tcpSource = tcp("source", this::source, 0);
        DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        open.add(udp);
        udpEcho = (InetSocketAddress) udp.getLocalSocketAddress();
        daemon("udp-echo", () -> {
            byte[] buf = new byte[65536];
            while (!udp.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    udp.receive(p);
                    udp.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** The sink connections accepted so far start reading (and read until their peer closes); later ones wait. */
    synchronized void releaseSink() {
        CountDownLatch open = sinkGate;
        sinkGate = new CountDownLatch(1);
        open.countDown();
    }

    /** Byte {@code i} of what the source writes. */
    static byte sourceByte(long i) {
        return (byte) (i * 7 + (i >>> 11));
    }

    private interface Serve {
        /** @param gate the sink gate when the connection was accepted */
        void serve(Socket s, CountDownLatch gate) throws IOException, InterruptedException;
    }

    private InetSocketAddress tcp(String name, Serve serve, int receiveBuffer) throws IOException {
        ServerSocket server = new ServerSocket();
        if (receiveBuffer > 0) {
            server.setReceiveBufferSize(receiveBuffer); // inherited by accepted sockets: a small window
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        open.add(server);
        daemon("tcp-" + name, () -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    CountDownLatch gate = sinkGate;
                    open.add(s);
                    daemon("tcp-" + name + "-conn", () -> {
                        try (s) {
                            serve.serve(s, gate);
                        } catch (IOException | InterruptedException e) {
                            // the test is over or the peer went away
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void echo(Socket s, CountDownLatch gate) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[16384];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
        }
    }

    private void sink(Socket s, CountDownLatch gate) throws IOException, InterruptedException {
        gate.await();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) > 0) {
            sinkRead.addAndGet(n);
        }
    }

    private void source(Socket s, CountDownLatch gate) throws IOException {
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[16384];
        long sent = 0;
        while (sent < sourceBytes) {
            int n = (int) Math.min(buf.length, sourceBytes - sent);
            for (int i = 0; i < n; i++) {
                buf[i] = sourceByte(sent + i);
            }
            out.write(buf, 0, n);
            sent += n;
        }
        s.shutdownOutput();
        s.getInputStream().read(); // until the proxy closes
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, "native-" + name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        sinkGate.countDown();
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }
}

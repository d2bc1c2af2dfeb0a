package dev.sockbridge.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Native TCP and UDP echo servers on 127.0.0.1 for tests: real sockets, daemon threads, closed by the test. */
final class EchoServers implements AutoCloseable {
    final ServerSocket tcp;
    final DatagramSocket udp;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "echo");
        t.setDaemon(true);
        return t;
    });

    EchoServers() throws IOException {
        tcp = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        pool.execute(this::acceptLoop);
        pool.execute(this::udpLoop);
    }

    InetSocketAddress tcpAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), tcp.getLocalPort());
    }

    InetSocketAddress udpAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
    }

    private void acceptLoop() {
        while (!tcp.isClosed()) {
            try {
                Socket s = tcp.accept();
                pool.execute(() -> echo(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Echoes until EOF, then half-closes its own side: so both half-close directions can be seen. */
    private static void echo(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            s.shutdownOutput();
        } catch (IOException ignored) {
            // the peer went away: fine for an echo server
        }
    }

    private void udpLoop() {
        byte[] buf = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                udp.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), p.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        tcp.close();
        udp.close();
        pool.shutdownNow();
    }
}

package dev.sockbridge.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Native TCP and UDP echo servers on 127.0.0.1 for the demo; daemon threads, bounded connections. */
final class DemoEcho implements AutoCloseable {
    private final ServerSocket tcp;
    private final DatagramSocket udp;

    DemoEcho() throws IOException {
        tcp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        daemon(this::acceptLoop, "demo-echo-tcp");
        daemon(this::udpLoop, "demo-echo-udp");
    }

    private static void daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
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
                daemon(() -> {
                    try (s) {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        byte[] b = new byte[65536];
                        int n;
                        while ((n = in.read(b)) > 0) {
                            out.write(b, 0, n);
                        }
                        s.shutdownOutput();
                    } catch (IOException ignored) {
                        // the client went away
                    }
                }, "demo-echo-conn");
            } catch (IOException e) {
                return;
            }
        }
    }

    private void udpLoop() {
        byte[] b = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(b, b.length);
                udp.receive(p);
                udp.send(new DatagramPacket(p.getData(), 0, p.getLength(), p.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        tcp.close();
        udp.close();
    }
}

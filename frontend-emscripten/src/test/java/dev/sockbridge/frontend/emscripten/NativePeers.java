package dev.sockbridge.frontend.emscripten;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Real native peers on 127.0.0.1 for the Emscripten tests: a TCP echo server (echoes until EOF, then
 * closes), a UDP echo server, and a "manual" TCP server whose accepted sockets the test drives.
 * Daemon threads; everything closed by {@link #close()}.
 */
final class NativePeers implements AutoCloseable {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    final ServerSocket echo;
    final DatagramSocket udpEcho;
    final ServerSocket manual;
    final BlockingQueue<Socket> manualAccepted = new LinkedBlockingQueue<>();
    private final List<AutoCloseable> extra = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "native-peer");
        t.setDaemon(true);
        return t;
    });

    NativePeers() throws IOException {
        echo = new ServerSocket(0, 50, LOOPBACK);
        udpEcho = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        manual = new ServerSocket(0, 50, LOOPBACK);
        pool.execute(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    pool.execute(() -> echo(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        pool.execute(() -> {
            byte[] buf = new byte[65535];
            while (!udpEcho.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    udpEcho.receive(p);
                    udpEcho.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        });
        pool.execute(() -> {
            while (!manual.isClosed()) {
                try {
                    Socket s = manual.accept();
                    synchronized (extra) {
                        extra.add(s);
                    }
                    manualAccepted.add(s);
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private static void echo(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
        } catch (IOException ignored) {
            // peer went away
        }
    }

    int echoPort() {
        return echo.getLocalPort();
    }

    int udpPort() {
        return udpEcho.getLocalPort();
    }

    int manualPort() {
        return manual.getLocalPort();
    }

    Socket nextManual() throws InterruptedException {
        Socket s = manualAccepted.poll(20, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("no connection reached the manual server");
        }
        return s;
    }

    /** A port with nothing listening (bound then closed). */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    void run(Runnable r) {
        pool.execute(r);
    }

    void closeLater(AutoCloseable c) {
        synchronized (extra) {
            extra.add(c);
        }
    }

    @Override
    public void close() throws Exception {
        echo.close();
        udpEcho.close();
        manual.close();
        synchronized (extra) {
            for (AutoCloseable c : extra) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
        pool.shutdownNow();
    }
}

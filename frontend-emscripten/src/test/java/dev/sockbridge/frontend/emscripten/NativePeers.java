package dev.sockbridge.frontend.emscripten;

import dev.sockbridge.api.testing.EchoServer;
import java.io.IOException;
import java.net.InetAddress;
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
 * Real native peers on 127.0.0.1 for the Emscripten tests: the shared {@link EchoServer} (TCP echo until EOF, then
 * close; UDP echo), and a "manual" TCP server whose accepted sockets the test drives.
 * Daemon threads; everything closed by {@link #close()}.
 */
final class NativePeers implements AutoCloseable {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    final EchoServer echo;
    final ServerSocket manual;
    final BlockingQueue<Socket> manualAccepted = new LinkedBlockingQueue<>();
    private final List<AutoCloseable> extra = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "native-peer");
        t.setDaemon(true);
        return t;
    });

    NativePeers() throws IOException {
        echo = EchoServer.start();
        manual = new ServerSocket(0, 50, LOOPBACK);
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

    int echoPort() {
        return echo.tcpAddress().getPort();
    }

    int udpPort() {
        return echo.udpAddress().getPort();
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
        return EchoServer.closedPort();
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

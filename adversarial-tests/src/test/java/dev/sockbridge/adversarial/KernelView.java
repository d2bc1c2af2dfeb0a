package dev.sockbridge.adversarial;

import dev.sockbridge.benchmarks.RawWebSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's queues of a loopback TCP connection, from /proc/net/tcp and /proc/net/tcp6 (Linux):
 * what the proxy has taken off a connection or handed to it, seen from outside the proxy. A counter
 * of the proxy's own can be blind to a queue nobody counted; these cannot. Both ends are on this
 * machine, so both ends' queues are visible.
 */
final class KernelView {
    private KernelView() {
    }

    /** tx_queue (written by the application, not yet acknowledged) and rx_queue (received, not yet read by the application). */
    record Queues(long tx, long rx) {
        static final Queues NONE = new Queues(0, 0);
    }

    /**
     * The queues of the socket whose local port is {@code localPort} and peer port {@code remotePort}
     * (ESTABLISHED or closing); {@link Queues#NONE} if there is no such socket (closed and gone).
     */
    static Queues queues(int localPort, int remotePort) throws IOException {
        String local = String.format(":%04X", localPort);
        String remote = String.format(":%04X", remotePort);
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(file));
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).trim().split("\\s+");
                // sl local_address rem_address st tx_queue:rx_queue ...; st 0A is LISTEN
                if (f.length > 4 && f[1].endsWith(local) && f[2].endsWith(remote) && !f[3].equals("0A")) {
                    String[] q = f[4].split(":");
                    return new Queues(Long.parseLong(q[0], 16), Long.parseLong(q[1], 16));
                }
            }
        }
        return Queues.NONE;
    }

    /**
     * Whether the proxy has closed its end of {@code c} (its socket is gone or past ESTABLISHED): what it read of
     * a connection it closed, it no longer holds.
     */
    static boolean proxyClosed(RawWebSocket c) throws IOException {
        String local = String.format(":%04X", c.socket.getPort());
        String remote = String.format(":%04X", c.socket.getLocalPort());
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(file));
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).trim().split("\\s+");
                if (f.length > 4 && f[1].endsWith(local) && f[2].endsWith(remote) && !f[3].equals("0A")) {
                    return !f[3].equals("01");
                }
            }
        }
        return true;
    }

    /**
     * Bytes the proxy's application has read from a client's connection: what the client wrote, less
     * what is still in the client's send queue and in the proxy's receive queue.
     */
    static long readByProxy(RawWebSocket c) throws IOException {
        Queues client = queues(c.socket.getLocalPort(), c.socket.getPort());
        Queues proxy = queues(c.socket.getPort(), c.socket.getLocalPort());
        return c.written() - client.tx() - proxy.rx();
    }

    /**
     * Bytes the proxy has handed to the kernel for a client that reads nothing after the handshake:
     * in the proxy's send queue and in the client's receive queue.
     */
    static long inKernelToClient(RawWebSocket c) throws IOException {
        Queues client = queues(c.socket.getLocalPort(), c.socket.getPort());
        Queues proxy = queues(c.socket.getPort(), c.socket.getLocalPort());
        return proxy.tx() + client.rx();
    }
}

package dev.sockbridge.api.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The native peer of end-to-end tests: a TCP and a UDP echo server on a loopback address, real kernel sockets, that
 * can be told to misbehave in the ways a proxy must survive (the style of OkHttp's MockWebServer):
 *
 * <ul>
 *   <li>{@link Script#echo()}: echoes until EOF, then half-closes its side and closes (both half-close directions
 *       can be seen);
 *   <li>{@link Script#reset(long)}: echoes that many bytes, then aborts the connection with a TCP RST;
 *   <li>{@link Script#stall(Duration)}: reads nothing (the kernel's receive window fills and the sender's writes
 *       back up) until {@link #release()} or the bound, then echoes;
 *   <li>{@link Script#drop()}: reads and discards everything, never writes;
 *   <li>{@link Script#throttle(int)}: reads at most that many bytes per second and echoes them;
 *   <li>{@link Script#source(long)}: writes {@link #patternByte(long) a known pattern} of that many bytes, then
 *       half-closes and waits for the peer to close (a peer that talks first);
 *   <li>{@link Script#afterStall(Duration)} on any of them: the same, after a stall.
 * </ul>
 *
 * The UDP side echoes each datagram, or drops, throttles or stalls as its own script says (a reset has no UDP
 * meaning and is refused).
 *
 * <p><b>Bounds.</b> Every fault ends: a stall at its bound (default {@link #MAX_STALL}) at the latest, a reset after
 * its count, a throttle at its rate (at least one byte a second) until the peer or {@link #close()} ends the
 * connection. At most {@link Builder#maxConnections} connections are served over the server's life (default 256);
 * later ones are reset at once, so a runaway test fails instead of exhausting descriptors.
 *
 * <p><b>Lifecycle.</b> {@link #start()} or {@link Builder#start()} binds both sockets and returns a running server;
 * {@link #close()} closes the listeners and every accepted connection and ends its threads. The script of a
 * connection is the one set when it was accepted ({@link #script(Script)} changes it for later connections).
 *
 * <p><b>Threading.</b> One daemon thread per listener and per connection; every method is thread-safe.
 */
public final class EchoServer implements AutoCloseable {
    /** The longest a stall lasts unless released earlier. */
    public static final Duration MAX_STALL = Duration.ofSeconds(60);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** What the server does with a connection (TCP) or with its datagrams (UDP). Immutable. */
    public static final class Script {
        private enum Kind { ECHO, RESET, DROP, THROTTLE, SOURCE }

        private final Kind kind;
        private final long count;
        private final Duration stall;

        private Script(Kind kind, long count, Duration stall) {
            this.kind = kind;
            this.count = count;
            this.stall = stall;
        }

        /** Plain echo. */
        public static Script echo() {
            return new Script(Kind.ECHO, 0, Duration.ZERO);
        }

        /** Echoes {@code afterBytes} bytes (0: none), then resets the connection (SO_LINGER 0 and close: an RST). */
        public static Script reset(long afterBytes) {
            if (afterBytes < 0) {
                throw new IllegalArgumentException("afterBytes < 0");
            }
            return new Script(Kind.RESET, afterBytes, Duration.ZERO);
        }

        /** Reads nothing until {@link EchoServer#release()} or {@code max}, then echoes. */
        public static Script stall(Duration max) {
            return echo().afterStall(max);
        }

        /** Reads and discards, never writes; closes after EOF. */
        public static Script drop() {
            return new Script(Kind.DROP, 0, Duration.ZERO);
        }

        /** Reads at most {@code bytesPerSecond} bytes a second (at least 1) and echoes them. */
        public static Script throttle(int bytesPerSecond) {
            if (bytesPerSecond < 1) {
                throw new IllegalArgumentException("bytesPerSecond < 1");
            }
            return new Script(Kind.THROTTLE, bytesPerSecond, Duration.ZERO);
        }

        /** Writes {@code bytes} bytes of {@link EchoServer#patternByte(long)}, half-closes, then waits for EOF. TCP only. */
        public static Script source(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("bytes < 0");
            }
            return new Script(Kind.SOURCE, bytes, Duration.ZERO);
        }

        /** This script, after a stall of at most {@code max} (ended early by {@link EchoServer#release()}). */
        public Script afterStall(Duration max) {
            if (max.isNegative() || max.compareTo(MAX_STALL) > 0) {
                throw new IllegalArgumentException("a stall lasts from 0 to " + MAX_STALL + ", not " + max);
            }
            return new Script(kind, count, max);
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase() + (count > 0 ? "(" + count + ")" : "")
                    + (stall.isZero() ? "" : " after a stall of up to " + stall);
        }
    }

    /** Settings of a server; {@link #start()} binds it. Not thread-safe. */
    public static final class Builder {
        private Script tcp = Script.echo();
        private Script udp = Script.echo();
        private int receiveBufferSize;
        private int sendBufferSize;
        private int maxConnections = 256;
        private InetAddress address = LOOPBACK;

        private Builder() {
        }

        /** The script of TCP connections (default {@link Script#echo()}). */
        public Builder tcp(Script script) {
            this.tcp = Objects.requireNonNull(script);
            return this;
        }

        /** The script of the UDP side (default {@link Script#echo()}); not a reset nor a source. */
        public Builder udp(Script script) {
            checkUdp(script);
            this.udp = script;
            return this;
        }

        /** SO_RCVBUF of accepted connections (0: the kernel's default); small makes a stall back up sooner. */
        public Builder receiveBufferSize(int bytes) {
            this.receiveBufferSize = bytes;
            return this;
        }

        /** SO_SNDBUF of accepted connections (0: the kernel's default); small makes an echo stop reading sooner. */
        public Builder sendBufferSize(int bytes) {
            this.sendBufferSize = bytes;
            return this;
        }

        /** How many TCP connections are served over the server's life; later ones are reset at once. */
        public Builder maxConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("max < 1");
            }
            this.maxConnections = max;
            return this;
        }

        /** The loopback address to bind (default {@link InetAddress#getLoopbackAddress()}). */
        public Builder address(InetAddress loopback) {
            if (!loopback.isLoopbackAddress()) {
                throw new IllegalArgumentException("tests bind loopback only, not " + loopback);
            }
            this.address = loopback;
            return this;
        }

        public EchoServer start() throws IOException {
            return new EchoServer(this);
        }
    }

    private final ServerSocket tcp;
    private final DatagramSocket udp;
    private final int maxConnections;
    private final int sendBufferSize;
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong datagramsRead = new AtomicLong();
    private volatile Script tcpScript;
    private final Script udpScript;
    /** The gate connections accepted now stall at; {@link #release()} opens it and puts a new one in place. */
    private volatile CountDownLatch gate = new CountDownLatch(1);

    private EchoServer(Builder b) throws IOException {
        maxConnections = b.maxConnections;
        sendBufferSize = b.sendBufferSize;
        tcpScript = b.tcp;
        udpScript = b.udp;
        tcp = new ServerSocket();
        open.add(tcp);
        try {
            if (b.receiveBufferSize > 0) {
                tcp.setReceiveBufferSize(b.receiveBufferSize); // inherited by accepted sockets
            }
            tcp.bind(new InetSocketAddress(b.address, 0), 200);
            udp = new DatagramSocket(new InetSocketAddress(b.address, 0));
            open.add(udp);
        } catch (IOException e) {
            close();
            throw e;
        }
        daemon("echo-tcp-accept", this::acceptLoop);
        CountDownLatch udpGate = gate;
        daemon("echo-udp", () -> udpLoop(udpGate));
    }

    /** A plain TCP and UDP echo server on {@link InetAddress#getLoopbackAddress()}. */
    public static EchoServer start() throws IOException {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Byte {@code i} of what a {@link Script#source(long)} connection writes. */
    public static byte patternByte(long i) {
        return (byte) (i * 7 + (i >>> 11));
    }

    /** A TCP port on the loopback address with nothing listening (bound, then closed): connecting is refused. */
    public static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    public InetSocketAddress tcpAddress() {
        return (InetSocketAddress) tcp.getLocalSocketAddress();
    }

    public InetSocketAddress udpAddress() {
        return (InetSocketAddress) udp.getLocalSocketAddress();
    }

    /** The script of connections accepted from now on (those already open keep theirs). */
    public void script(Script script) {
        tcpScript = Objects.requireNonNull(script);
    }

    /** Ends the stalls of the connections (and of the UDP side) accepted so far; later ones stall anew. */
    public synchronized void release() {
        CountDownLatch now = gate;
        gate = new CountDownLatch(1);
        now.countDown();
    }

    /** TCP connections accepted so far (served or reset for being over the bound). */
    public int connectionsAccepted() {
        return accepted.get();
    }

    /** Bytes read from TCP connections so far, echoed or dropped. */
    public long bytesRead() {
        return bytesRead.get();
    }

    /** Datagrams received so far, echoed or dropped. */
    public long datagramsRead() {
        return datagramsRead.get();
    }

    private void acceptLoop() {
        while (!tcp.isClosed()) {
            Socket s;
            try {
                s = tcp.accept();
            } catch (IOException e) {
                return; // closed
            }
            open.add(s);
            // the gate is taken before the connection counts as accepted: a release() that follows a caller seeing
            // connectionsAccepted() go up then always ends this connection's stall
            Script script = tcpScript;
            CountDownLatch g = gate;
            if (accepted.incrementAndGet() > maxConnections) {
                abort(s);
                continue;
            }
            daemon("echo-tcp-" + script.kind.name().toLowerCase(), () -> {
                try (s) {
                    if (sendBufferSize > 0) {
                        s.setSendBufferSize(sendBufferSize);
                    }
                    serve(s, script, g);
                } catch (IOException | InterruptedException e) {
                    // the peer went away or the server closed: over either way
                } finally {
                    open.remove(s);
                }
            });
        }
    }

    private void serve(Socket s, Script script, CountDownLatch g) throws IOException, InterruptedException {
        if (!script.stall.isZero()) {
            g.await(script.stall.toMillis(), TimeUnit.MILLISECONDS);
        }
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[65536];
        switch (script.kind) {
            case ECHO, DROP -> {
                for (int n; (n = in.read(buf)) > 0; ) {
                    bytesRead.addAndGet(n);
                    if (script.kind == Script.Kind.ECHO) {
                        out.write(buf, 0, n);
                    }
                }
                s.shutdownOutput();
            }
            case RESET -> {
                long left = script.count;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        break;
                    }
                    bytesRead.addAndGet(n);
                    out.write(buf, 0, n);
                    left -= n;
                }
                abort(s);
            }
            case THROTTLE -> {
                // a tenth of the rate per read, then sleep out the rest of its share of the second
                int chunk = (int) Math.max(1, Math.min(buf.length, script.count / 10));
                long start = System.nanoTime();
                long total = 0;
                for (int n; (n = in.read(buf, 0, chunk)) > 0; ) {
                    bytesRead.addAndGet(n);
                    out.write(buf, 0, n);
                    total += n;
                    long due = start + total * 1_000_000_000L / script.count;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                s.shutdownOutput();
            }
            case SOURCE -> {
                long sent = 0;
                while (sent < script.count) {
                    int n = (int) Math.min(buf.length, script.count - sent);
                    for (int i = 0; i < n; i++) {
                        buf[i] = patternByte(sent + i);
                    }
                    out.write(buf, 0, n);
                    sent += n;
                }
                s.shutdownOutput();
                for (int n; (n = in.read(buf)) > 0; ) {
                    bytesRead.addAndGet(n); // until the peer closes
                }
            }
            default -> throw new IllegalStateException(script.toString());
        }
    }

    private void udpLoop(CountDownLatch g) {
        Script script = udpScript;
        byte[] buf = new byte[65536];
        try {
            if (!script.stall.isZero()) {
                g.await(script.stall.toMillis(), TimeUnit.MILLISECONDS);
            }
            long start = System.nanoTime();
            long total = 0;
            while (!udp.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                datagramsRead.incrementAndGet();
                if (script.kind == Script.Kind.DROP) {
                    continue;
                }
                udp.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), p.getSocketAddress()));
                if (script.kind == Script.Kind.THROTTLE) {
                    total += p.getLength();
                    long wait = start + total * 1_000_000_000L / script.count - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // closed
        }
    }

    private static void checkUdp(Script s) {
        if (s.kind == Script.Kind.RESET || s.kind == Script.Kind.SOURCE) {
            throw new IllegalArgumentException("no UDP meaning: " + s);
        }
    }

    private static void abort(Socket s) {
        try {
            s.setSoLinger(true, 0);
            s.close();
        } catch (IOException ignored) {
            // gone already: as good as reset
        }
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        gate.countDown();
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public String toString() {
        return "EchoServer[tcp " + tcpAddress() + " " + tcpScript + ", udp " + udp.getLocalSocketAddress() + " "
                + udpScript + "]";
    }
}

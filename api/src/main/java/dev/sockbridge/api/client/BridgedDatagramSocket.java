package dev.sockbridge.api.client;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.internal.client.Blocking;
import dev.sockbridge.api.internal.client.OutstandingCall;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A UDP socket in the proxy, shaped like {@link java.net.DatagramSocket}: {@link #send} and
 * {@link #receive} with {@link DatagramPacket}s.
 *
 * <p><b>Lifecycle.</b> {@link #BridgedDatagramSocket(SockbridgeClient)} binds to any address and an
 * ephemeral port at once, as java.net does; {@link #BridgedDatagramSocket(SockbridgeClient, SocketAddress)}
 * with null leaves it unbound until {@link #bind}, the first send (which binds implicitly, like
 * sendto) or the first receive. {@link #close()} closes the proxy's socket and fails a blocked receive.
 *
 * <p><b>Receiving.</b> As in java.net, a datagram longer than the packet's buffer is truncated to it
 * (the rest is lost), and the packet's length becomes the length received. The buffer length is
 * remembered across receives into the same packet, as java.net does, until the application sets a new
 * length. {@link #setSoTimeout} limits each receive locally; a receive that times out stays outstanding
 * at the proxy and the next receive takes its datagram.
 *
 * <p><b>Threading.</b> Blocking, like {@link BridgedSocket}: never on an event loop thread
 * (IllegalStateException). For fire-and-forget sends on the datagram path see
 * {@link SockbridgeClient#sendToUnreliable}.
 */
public final class BridgedDatagramSocket implements Closeable {
    private final SockbridgeClient client;
    private final Object stateLock = new Object();
    private final ReentrantLock receiveLock = new ReentrantLock();
    /** Packet → {length this socket set, the buffer length it had}: java.net's bufLength, which is not public. */
    private final Map<DatagramPacket, int[]> bufLengths = Collections.synchronizedMap(new WeakHashMap<>());
    private volatile int fd = -1;
    private volatile boolean closed;
    private volatile boolean bound;
    private volatile InetSocketAddress connectedTo;
    private volatile InetSocketAddress local;
    private volatile int soTimeout;
    private final OutstandingCall<Received> recv = new OutstandingCall<>(); // guarded by receiveLock

    /** A socket bound to any address and an ephemeral port. */
    public BridgedDatagramSocket(SockbridgeClient client) throws IOException {
        this(client, new InetSocketAddress(0));
    }

    /** A socket bound to {@code port} on any address. */
    public BridgedDatagramSocket(SockbridgeClient client, int port) throws IOException {
        this(client, new InetSocketAddress(port));
    }

    /** A socket bound to {@code bindaddr}, or unbound if it is null. */
    public BridgedDatagramSocket(SockbridgeClient client, SocketAddress bindaddr) throws IOException {
        this.client = Objects.requireNonNull(client, "client");
        if (bindaddr != null) {
            try {
                bind(bindaddr);
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }
    }

    /** The proxy's descriptor, or -1 before the socket exists. */
    public int fd() {
        return fd;
    }

    /** Binds to {@code addr} (null: any address, an ephemeral port). */
    public void bind(SocketAddress addr) throws IOException {
        checkOpen();
        if (bound) {
            throw new SocketException("already bound");
        }
        InetSocketAddress a = addr == null ? new InetSocketAddress(0) : (InetSocketAddress) addr;
        int s = ensureSocket(BridgedSocket.familyOf(a));
        Blocking.await(client, client.bind(s, a));
        bound = true;
    }

    private int ensureSocket(int family) throws IOException {
        synchronized (stateLock) {
            checkOpen();
            if (fd < 0) {
                fd = Blocking.await(client, client.socket(family, Posix.SOCK_DGRAM, 0));
            }
            return fd;
        }
    }

    /** connect(2) on UDP: sends go to {@code addr} by default and only its datagrams are received. */
    public void connect(SocketAddress addr) throws IOException {
        InetSocketAddress a = (InetSocketAddress) Objects.requireNonNull(addr, "address");
        int s = ensureSocket(BridgedSocket.familyOf(a));
        Blocking.await(client, client.connect(s, a));
        connectedTo = a;
        bound = true;
    }

    public void connect(InetAddress address, int port) throws IOException {
        connect(new InetSocketAddress(address, port));
    }

    /**
     * Sends the packet's data to its address (or to the connected address when the packet has none).
     * Throws IllegalArgumentException when neither is set or they differ, as java.net does.
     */
    public void send(DatagramPacket p) throws IOException {
        checkOpen();
        InetSocketAddress to;
        byte[] data;
        int off;
        int len;
        synchronized (p) {
            InetAddress addr = p.getAddress();
            to = addr == null ? null : new InetSocketAddress(addr, p.getPort());
            data = p.getData();
            off = p.getOffset();
            len = p.getLength();
        }
        InetSocketAddress conn = connectedTo;
        if (conn != null) {
            if (to != null && !to.equals(conn)) {
                throw new IllegalArgumentException("connected address and packet address differ");
            }
            to = null;
        } else if (to == null) {
            throw new IllegalArgumentException("Address not set");
        }
        int s = ensureSocket(BridgedSocket.familyOf(to != null ? to : conn));
        Blocking.await(client, client.sendTo(s, to, Unpooled.copiedBuffer(data, off, len), 0));
        bound = true;
    }

    /**
     * Waits for a datagram (at most the SO_TIMEOUT) and puts it into {@code p}: data at the packet's
     * offset, truncated to its buffer length, then length and source address.
     */
    public void receive(DatagramPacket p) throws IOException {
        checkOpen();
        if (!bound) {
            synchronized (stateLock) {
                if (!bound) {
                    bind(null);
                }
            }
        }
        Blocking.checkMayBlock(client);
        receiveLock.lock();
        try {
            int capacity = bufLength(p);
            Received r = recv.await(client, () -> client.recvFrom(fd, Math.max(capacity, 1), 0), soTimeout, "Receive timed out",
                    this::checkOpen);
            try {
                checkOpen();
                ByteBuf data = r.data();
                synchronized (p) {
                    int n = Math.min(data.readableBytes(), capacity);
                    data.getBytes(data.readerIndex(), p.getData(), p.getOffset(), n);
                    p.setLength(n);
                    if (r.from() != null) {
                        p.setSocketAddress(r.from());
                    } else if (connectedTo != null) {
                        p.setSocketAddress(connectedTo);
                    }
                    bufLengths.put(p, new int[] {n, capacity});
                }
            } finally {
                r.release();
            }
        } finally {
            receiveLock.unlock();
        }
    }

    /** java.net's buffer length: what the packet could hold before the last receive shortened its length. */
    private int bufLength(DatagramPacket p) {
        synchronized (p) {
            int[] seen = bufLengths.get(p);
            int room = p.getData().length - p.getOffset();
            if (seen != null && seen[0] == p.getLength() && seen[1] <= room) {
                return seen[1];
            }
            return p.getLength();
        }
    }

    public void setBroadcast(boolean on) throws IOException {
        Blocking.await(client, client.setSockOpt(ensureSocket(Posix.AF_INET), SocketOption.SO_BROADCAST, on));
    }

    public boolean getBroadcast() throws IOException {
        return Blocking.await(client, client.getSockOpt(ensureSocket(Posix.AF_INET), SocketOption.SO_BROADCAST));
    }

    /** The longest a receive waits, in milliseconds (0: no limit); a local limit. */
    public void setSoTimeout(int timeoutMillis) throws SocketException {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        checkOpen();
        soTimeout = timeoutMillis;
    }

    public int getSoTimeout() {
        return soTimeout;
    }

    /** The local address (getsockname), or null if not bound. */
    public InetSocketAddress getLocalSocketAddress() throws IOException {
        InetSocketAddress l = local;
        if (l == null && bound && !closed) {
            l = Blocking.await(client, client.getSockName(fd));
            local = l;
        }
        return l;
    }

    /** The local port, or -1 if not bound. */
    public int getLocalPort() throws IOException {
        InetSocketAddress l = getLocalSocketAddress();
        return l == null ? -1 : l.getPort();
    }

    public InetAddress getInetAddress() {
        InetSocketAddress c = connectedTo;
        return c == null ? null : c.getAddress();
    }

    public int getPort() {
        InetSocketAddress c = connectedTo;
        return c == null ? -1 : c.getPort();
    }

    public SocketAddress getRemoteSocketAddress() {
        return connectedTo;
    }

    public boolean isBound() {
        return bound;
    }

    public boolean isConnected() {
        return connectedTo != null;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closes the proxy's socket (without waiting); a blocked receive fails with SocketException. Idempotent. */
    @Override
    public void close() {
        int s;
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            s = fd;
        }
        if (s >= 0 && client.isOpen()) {
            client.close(s);
        }
        if (receiveLock.tryLock()) {
            try {
                recv.discard(Received::release);
            } finally {
                receiveLock.unlock();
            }
        }
    }

    private void checkOpen() throws SocketException {
        if (closed) {
            throw new SocketException("Socket is closed");
        }
    }

    @Override
    public String toString() {
        return "BridgedDatagramSocket[fd=" + fd + (closed ? ", closed" : "") + "]";
    }
}

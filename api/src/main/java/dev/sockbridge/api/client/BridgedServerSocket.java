package dev.sockbridge.api.client;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.internal.client.Blocking;
import dev.sockbridge.api.internal.client.OutstandingCall;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A listening TCP socket in the proxy, shaped like {@link java.net.ServerSocket}: the proxy listens
 * on its host, and each {@link #accept()} returns a {@link BridgedSocket}.
 *
 * <pre>{@code
 * try (BridgedServerSocket server = new BridgedServerSocket(client)) {
 *     server.bind(new InetSocketAddress("127.0.0.1", 0));
 *     int port = server.getLocalPort();              // the proxy's port, via getsockname
 *     try (BridgedSocket s = server.accept()) { ... }
 * }
 * }</pre>
 *
 * <p><b>Lifecycle.</b> {@link #bind} creates the proxy's socket, sets SO_REUSEADDR (as java.net does
 * on Linux), binds and listens. {@link #close()} closes it; an accept blocked in another thread then
 * fails with SocketException. Accepted sockets live on after the server socket is closed.
 *
 * <p><b>Threading.</b> Blocking, like {@link BridgedSocket}: never on an event loop thread
 * (IllegalStateException). {@link #setSoTimeout} limits each accept locally; an accept that times out
 * stays outstanding at the proxy and the next accept takes its connection.
 */
public final class BridgedServerSocket implements Closeable {
    private final SockbridgeClient client;
    private final ReentrantLock acceptLock = new ReentrantLock();
    private volatile int fd = -1;
    private volatile boolean closed;
    private volatile int soTimeout;
    private volatile InetSocketAddress local;
    private final OutstandingCall<Accepted> accept = new OutstandingCall<>(); // guarded by acceptLock

    /** An unbound server socket. */
    public BridgedServerSocket(SockbridgeClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** A server socket bound to {@code port} (0: ephemeral) on any address, backlog 50. */
    public BridgedServerSocket(SockbridgeClient client, int port) throws IOException {
        this(client, port, 50, null);
    }

    /** A server socket bound to {@code bindAddr:port} ({@code bindAddr} null: any address). */
    public BridgedServerSocket(SockbridgeClient client, int port, int backlog, InetAddress bindAddr) throws IOException {
        this(client);
        try {
            bind(bindAddr == null ? new InetSocketAddress(port) : new InetSocketAddress(bindAddr, port), backlog);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The proxy's descriptor, or -1 before {@link #bind}. */
    public int fd() {
        return fd;
    }

    public void bind(SocketAddress endpoint) throws IOException {
        bind(endpoint, 50);
    }

    /** Binds to {@code endpoint} (null: any address, an ephemeral port) and listens with {@code backlog} (≤ 0: 50). */
    public void bind(SocketAddress endpoint, int backlog) throws IOException {
        checkOpen();
        if (fd >= 0) {
            throw new SocketException("Already bound");
        }
        InetSocketAddress a = endpoint == null ? new InetSocketAddress(0) : (InetSocketAddress) endpoint;
        int s = Blocking.await(client, client.socket(BridgedSocket.familyOf(a), Posix.SOCK_STREAM, 0));
        try {
            Blocking.await(client, client.setSockOpt(s, SocketOption.SO_REUSEADDR, true));
            Blocking.await(client, client.bind(s, a));
            Blocking.await(client, client.listen(s, backlog <= 0 ? 50 : backlog));
            local = Blocking.await(client, client.getSockName(s));
        } catch (IOException | RuntimeException e) {
            client.close(s);
            throw e;
        }
        fd = s;
        if (closed) {
            client.close(s);
        }
    }

    /** Waits for a connection (at most the SO_TIMEOUT) and returns it as a connected socket. */
    public BridgedSocket accept() throws IOException {
        checkOpen();
        if (fd < 0) {
            throw new SocketException("Socket is not bound yet");
        }
        Blocking.checkMayBlock(client);
        acceptLock.lock();
        try {
            Accepted a = accept.await(client, () -> client.accept(fd, 0), soTimeout, "Accept timed out", this::checkOpen);
            if (closed) {
                client.close(a.fd());
                checkOpen();
            }
            return new BridgedSocket(client, a.fd(), a.peer());
        } finally {
            acceptLock.unlock();
        }
    }

    /** The local port (from getsockname after bind), or -1 if not bound. */
    public int getLocalPort() {
        InetSocketAddress l = local;
        return l == null ? -1 : l.getPort();
    }

    /** The local address, or null if not bound. */
    public InetAddress getInetAddress() {
        InetSocketAddress l = local;
        return l == null ? null : l.getAddress();
    }

    public SocketAddress getLocalSocketAddress() {
        return local;
    }

    /** The longest an accept waits, in milliseconds (0: no limit); a local limit. */
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

    public boolean isBound() {
        return fd >= 0;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closes the listening socket at the proxy (without waiting); a blocked accept fails. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        int s = fd;
        if (s >= 0 && client.isOpen()) {
            client.close(s);
        }
        if (acceptLock.tryLock()) {
            try {
                accept.discard(a -> client.close(a.fd()));
            } finally {
                acceptLock.unlock();
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
        return "BridgedServerSocket[fd=" + fd + ", local=" + local + (closed ? ", closed" : "") + "]";
    }
}

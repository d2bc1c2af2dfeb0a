package dev.sockbridge.api.client;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.internal.client.Blocking;
import dev.sockbridge.api.internal.client.OutstandingCall;
import dev.sockbridge.api.message.AddrInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP connection through the proxy, shaped like {@link java.net.Socket}: the same method names and
 * the same blocking behaviour, with streams for reading and writing. (It does not extend
 * {@code java.net.Socket}, whose implementation hooks assume a local file descriptor.)
 *
 * <pre>{@code
 * try (BridgedSocket s = new BridgedSocket(client)) {
 *     s.connect("example.com", 80, 5000);        // resolved by the proxy
 *     s.getOutputStream().write(request);
 *     int n = s.getInputStream().read(buf);
 * }
 * }</pre>
 *
 * <p><b>Lifecycle.</b> Unconnected when made with {@link #BridgedSocket(SockbridgeClient)}; the proxy's
 * socket is created by {@link #connect} or {@link #bind} (options set before that are applied then).
 * {@link #close()} closes the proxy's socket (without waiting for the answer) and wakes blocked readers
 * and writers with a SocketException; closing either stream closes the socket. A connect that times
 * out closes the socket, as java.net does.
 *
 * <p><b>Threading.</b> Every method blocks the calling thread until the proxy has answered, so it must
 * not run on an event loop: it throws IllegalStateException there (use {@link SockbridgeClient}'s
 * asynchronous methods instead). One thread may read while another writes; concurrent readers (or
 * writers) take turns.
 *
 * <p><b>Reading.</b> The input stream asks the proxy for up to 64 KiB per recv call and keeps what the
 * caller's array cannot take for the next read. {@link #setSoTimeout} is a local limit on each read: on
 * timeout a SocketTimeoutException is thrown, the socket stays usable, and the recv call stays
 * outstanding, so the next read takes its data (nothing is lost). Reads return -1 at end of stream and
 * after {@link #shutdownInput()}.
 *
 * <p><b>Backpressure.</b> A write sends at most 64 KiB (and never more than the session's frame limit)
 * per send call and waits for each reply, so at most one chunk per socket is in flight.
 *
 * <p><b>Errors.</b> A failed call throws {@link dev.sockbridge.api.SocketCallException} (an
 * IOException with the errno, e.g. ECONNREFUSED, ECONNRESET); the end of the session throws
 * {@link SessionClosedException}.
 */
public final class BridgedSocket implements Closeable {
    static final int MAX_IO = 64 * 1024;

    private final SockbridgeClient client;
    private final Object stateLock = new Object();
    private final Map<SocketOption<?>, Object> pendingOptions = new LinkedHashMap<>(); // guarded by stateLock
    private volatile int fd = -1;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile boolean bound;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    private volatile int soTimeout;
    private volatile InetSocketAddress remote;
    private volatile InetSocketAddress local;
    private final Input input = new Input();
    private final Output output = new Output();

    /** An unconnected socket. */
    public BridgedSocket(SockbridgeClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** A socket connected to {@code host:port} (resolved by the proxy). */
    public BridgedSocket(SockbridgeClient client, String host, int port) throws IOException {
        this(client);
        try {
            connect(host, port);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A socket that accept returned. */
    BridgedSocket(SockbridgeClient client, int fd, InetSocketAddress peer) {
        this(client);
        this.fd = fd;
        this.remote = peer;
        this.connected = true;
        this.bound = true;
    }

    /** The proxy's descriptor, or -1 before the socket exists. For use with {@link SockbridgeClient} calls. */
    public int fd() {
        return fd;
    }

    // ------------------------------------------------------------------ connect, bind

    /** Connects to {@code host:port}, resolved by the proxy; see {@link #connect(SocketAddress, int)}. */
    public void connect(String host, int port) throws IOException {
        connect(InetSocketAddress.createUnresolved(host, port), 0);
    }

    /** Connects to {@code host:port} within {@code timeoutMillis} (0: no limit). */
    public void connect(String host, int port, int timeoutMillis) throws IOException {
        connect(InetSocketAddress.createUnresolved(host, port), timeoutMillis);
    }

    public void connect(SocketAddress endpoint) throws IOException {
        connect(endpoint, 0);
    }

    /**
     * Connects to {@code endpoint} within {@code timeoutMillis} (0: no limit). An unresolved address is
     * resolved by the proxy (getaddrinfo), and each of its addresses is tried in turn until one
     * connects. On timeout the socket is closed and SocketTimeoutException thrown.
     */
    public void connect(SocketAddress endpoint, int timeoutMillis) throws IOException {
        if (!(endpoint instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("unsupported address type: " + endpoint);
        }
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("negative timeout");
        }
        checkOpen();
        if (connected) {
            throw new SocketException("already connected");
        }
        InetSocketAddress target = (InetSocketAddress) endpoint;
        long deadline = timeoutMillis == 0 ? 0 : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<InetSocketAddress> candidates;
        if (target.isUnresolved() && fd < 0) {
            candidates = resolve(target, deadline);
        } else {
            candidates = List.of(target);
        }
        IOException last = null;
        for (InetSocketAddress a : candidates) {
            boolean created = fd < 0;
            int s = ensureSocket(familyOf(a));
            try {
                Blocking.await(client, client.connect(s, a), Blocking.remainingMillis(deadline), "connect timed out");
                remote = a;
                connected = true;
                bound = true;
                return;
            } catch (SocketTimeoutException e) {
                close();
                throw e;
            } catch (SessionClosedException e) {
                throw e;
            } catch (IOException e) {
                last = e;
                if (!created) {
                    throw e;
                }
                discardSocket(s);
            }
        }
        throw last != null ? last : new SocketException("no address for " + target.getHostString());
    }

    private List<InetSocketAddress> resolve(InetSocketAddress target, long deadline) throws IOException {
        List<AddrInfo> infos = Blocking.await(client,
                client.getAddrInfo(target.getHostString(), Integer.toString(target.getPort()), Posix.AI_NUMERICSERV,
                        Posix.AF_UNSPEC, Posix.SOCK_STREAM, 0),
                Blocking.remainingMillis(deadline), "connect timed out (resolving " + target.getHostString() + ")");
        return infos.stream().map(AddrInfo::address).filter(Objects::nonNull).distinct().toList();
    }

    /** Binds to {@code local} (null: any address, an ephemeral port) before connecting. */
    public void bind(SocketAddress localAddress) throws IOException {
        checkOpen();
        if (bound) {
            throw new SocketException("already bound");
        }
        InetSocketAddress a = localAddress == null ? new InetSocketAddress(0) : (InetSocketAddress) localAddress;
        int s = ensureSocket(familyOf(a));
        Blocking.await(client, client.bind(s, a));
        bound = true;
    }

    static int familyOf(InetSocketAddress a) {
        InetAddress ia = a.getAddress();
        return ia instanceof Inet6Address ? Posix.AF_INET6 : Posix.AF_INET;
    }

    private int ensureSocket(int family) throws IOException {
        synchronized (stateLock) {
            if (fd >= 0) {
                return fd;
            }
            checkOpen();
            int s = Blocking.await(client, client.socket(family, Posix.SOCK_STREAM, 0));
            fd = s;
            try {
                for (Map.Entry<SocketOption<?>, Object> e : pendingOptions.entrySet()) {
                    applyOption(s, e.getKey(), e.getValue());
                }
            } finally {
                pendingOptions.clear();
            }
            return s;
        }
    }

    @SuppressWarnings("unchecked")
    private <T> void applyOption(int s, SocketOption<T> option, Object value) throws IOException {
        Blocking.await(client, client.setSockOpt(s, option, (T) value));
    }

    private void discardSocket(int s) {
        synchronized (stateLock) {
            if (fd == s) {
                fd = -1;
            }
        }
        client.close(s);
    }

    // ------------------------------------------------------------------ streams

    /** The stream of bytes from the peer; closing it closes the socket. */
    public InputStream getInputStream() throws IOException {
        checkOpen();
        if (!connected) {
            throw new SocketException("Socket is not connected");
        }
        return input;
    }

    /** The stream of bytes to the peer; closing it closes the socket. */
    public OutputStream getOutputStream() throws IOException {
        checkOpen();
        if (!connected) {
            throw new SocketException("Socket is not connected");
        }
        return output;
    }

    /** shutdown(SHUT_RD): later reads return -1. */
    public void shutdownInput() throws IOException {
        checkConnected();
        if (inputShutdown) {
            throw new SocketException("Socket input is already shutdown");
        }
        Blocking.await(client, client.shutdown(fd, Posix.SHUT_RD));
        inputShutdown = true;
    }

    /** shutdown(SHUT_WR): the peer reads end of stream; later writes fail. */
    public void shutdownOutput() throws IOException {
        checkConnected();
        if (outputShutdown) {
            throw new SocketException("Socket output is already shutdown");
        }
        Blocking.await(client, client.shutdown(fd, Posix.SHUT_WR));
        outputShutdown = true;
    }

    private final class Input extends InputStream {
        private final ReentrantLock lock = new ReentrantLock();
        private ByteBuf leftover; // guarded by lock
        private final OutstandingCall<Received> recv = new OutstandingCall<>(); // guarded by lock
        private boolean eof; // guarded by lock

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            Blocking.checkMayBlock(client);
            lock.lock();
            try {
                failIfClosed();
                if (leftover != null) {
                    int n = Math.min(len, leftover.readableBytes());
                    leftover.readBytes(b, off, n);
                    if (!leftover.isReadable()) {
                        leftover.release();
                        leftover = null;
                    }
                    return n;
                }
                if (eof || inputShutdown) {
                    return -1;
                }
                Received r = recv.await(client, () -> client.recv(fd, MAX_IO, 0), soTimeout, "Read timed out", this::failIfClosed);
                if (closed) {
                    r.release();
                    failIfClosed();
                }
                if (r.isEmpty()) {
                    r.release();
                    eof = true;
                    return -1;
                }
                ByteBuf data = r.data();
                int n = Math.min(len, data.readableBytes());
                data.readBytes(b, off, n);
                if (data.isReadable()) {
                    leftover = data;
                } else {
                    data.release();
                }
                return n;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int available() throws IOException {
            checkOpen();
            if (!lock.tryLock()) {
                return 0;
            }
            try {
                return leftover == null ? 0 : leftover.readableBytes();
            } finally {
                lock.unlock();
            }
        }

        /** Frees what is buffered; a reader that holds the lock cleans up itself when it wakes. */
        void discard() {
            if (!lock.tryLock()) {
                return;
            }
            try {
                discardLocked();
            } finally {
                lock.unlock();
            }
        }

        private void discardLocked() {
            if (leftover != null) {
                leftover.release();
                leftover = null;
            }
            recv.discard(Received::release);
        }

        private void failIfClosed() throws SocketException {
            if (closed) {
                discardLocked();
                throw new SocketException("Socket closed");
            }
        }

        @Override
        public void close() {
            BridgedSocket.this.close();
        }
    }

    private final class Output extends OutputStream {
        private final ReentrantLock lock = new ReentrantLock();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            Blocking.checkMayBlock(client);
            lock.lock();
            try {
                int chunk = Math.max(1, Math.min(MAX_IO, client.welcome().maxFrameSize() - 64));
                while (len > 0) {
                    checkOpen();
                    if (outputShutdown) {
                        throw new SocketException("Socket output is shutdown");
                    }
                    int n = Math.min(len, chunk);
                    int sent = Blocking.await(client, client.send(fd, Unpooled.copiedBuffer(b, off, n), 0));
                    if (sent <= 0) {
                        throw new SocketException("send took " + sent + " bytes");
                    }
                    off += sent;
                    len -= sent;
                }
            } catch (IOException e) {
                checkOpen();
                throw e;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            BridgedSocket.this.close();
        }
    }

    // ------------------------------------------------------------------ options

    /** Sets an option now, or when the socket is created if it does not exist yet. */
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        Objects.requireNonNull(value, "value");
        synchronized (stateLock) {
            checkOpen();
            if (fd < 0) {
                pendingOptions.put(option, value);
                return;
            }
        }
        Blocking.await(client, client.setSockOpt(fd, option, value));
    }

    /** Reads an option; before the socket exists, only one set earlier can be read. */
    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> option) throws IOException {
        synchronized (stateLock) {
            checkOpen();
            if (fd < 0) {
                Object v = pendingOptions.get(option);
                if (v == null) {
                    throw new SocketException("the socket does not exist yet (connect or bind first): cannot read " + option);
                }
                return (T) v;
            }
        }
        return Blocking.await(client, client.getSockOpt(fd, option));
    }

    public void setTcpNoDelay(boolean on) throws IOException {
        setOption(SocketOption.TCP_NODELAY, on);
    }

    public boolean getTcpNoDelay() throws IOException {
        return getOption(SocketOption.TCP_NODELAY);
    }

    public void setKeepAlive(boolean on) throws IOException {
        setOption(SocketOption.SO_KEEPALIVE, on);
    }

    public boolean getKeepAlive() throws IOException {
        return getOption(SocketOption.SO_KEEPALIVE);
    }

    public void setReuseAddress(boolean on) throws IOException {
        setOption(SocketOption.SO_REUSEADDR, on);
    }

    public boolean getReuseAddress() throws IOException {
        return getOption(SocketOption.SO_REUSEADDR);
    }

    public void setReceiveBufferSize(int size) throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("invalid receive size");
        }
        setOption(SocketOption.SO_RCVBUF, size);
    }

    public int getReceiveBufferSize() throws IOException {
        return getOption(SocketOption.SO_RCVBUF);
    }

    public void setSendBufferSize(int size) throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("invalid send size");
        }
        setOption(SocketOption.SO_SNDBUF, size);
    }

    public int getSendBufferSize() throws IOException {
        return getOption(SocketOption.SO_SNDBUF);
    }

    /** SO_LINGER: {@code linger} seconds when {@code on}, else off. */
    public void setSoLinger(boolean on, int linger) throws IOException {
        if (on && linger < 0) {
            throw new IllegalArgumentException("invalid value for SO_LINGER");
        }
        setOption(SocketOption.SO_LINGER, on ? Duration.ofSeconds(linger) : Duration.ofSeconds(-1));
    }

    /** The linger time in seconds, or -1 when off. */
    public int getSoLinger() throws IOException {
        Duration d = getOption(SocketOption.SO_LINGER);
        return d.isNegative() ? -1 : (int) d.getSeconds();
    }

    /**
     * The longest a read waits, in milliseconds (0: no limit). A local limit: the proxy is not told, and
     * a read that times out leaves its recv call outstanding for the next read.
     */
    public void setSoTimeout(int timeoutMillis) throws SocketException {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("timeout can't be negative");
        }
        checkOpen();
        soTimeout = timeoutMillis;
    }

    public int getSoTimeout() {
        return soTimeout;
    }

    // ------------------------------------------------------------------ addresses and state

    /** The peer's address, or null if not connected. */
    public InetAddress getInetAddress() {
        InetSocketAddress r = remote;
        return r == null ? null : r.getAddress();
    }

    /** The peer's port, or 0 if not connected. */
    public int getPort() {
        InetSocketAddress r = remote;
        return r == null ? 0 : r.getPort();
    }

    public SocketAddress getRemoteSocketAddress() {
        return remote;
    }

    /** The local address (getsockname), or null if not bound. */
    public InetSocketAddress getLocalSocketAddress() throws IOException {
        InetSocketAddress l = local;
        if (l == null && bound && !closed && fd >= 0) {
            l = Blocking.await(client, client.getSockName(fd));
            local = l;
        }
        return l;
    }

    public InetAddress getLocalAddress() throws IOException {
        InetSocketAddress l = getLocalSocketAddress();
        return l == null ? null : l.getAddress();
    }

    /** The local port (getsockname), or -1 if not bound. */
    public int getLocalPort() throws IOException {
        InetSocketAddress l = getLocalSocketAddress();
        return l == null ? -1 : l.getPort();
    }

    public boolean isConnected() {
        return connected;
    }

    public boolean isBound() {
        return bound;
    }

    public boolean isClosed() {
        return closed;
    }

    public boolean isInputShutdown() {
        return inputShutdown;
    }

    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    /**
     * Closes the socket: the proxy closes its descriptor (this does not wait for the answer), blocked
     * reads and writes fail with SocketException. Idempotent; allowed on any thread.
     */
    @Override
    public void close() {
        int s;
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            s = fd;
            pendingOptions.clear();
        }
        input.discard();
        if (s >= 0 && client.isOpen()) {
            client.close(s);
        }
    }

    private void checkOpen() throws SocketException {
        if (closed) {
            throw new SocketException("Socket is closed");
        }
    }

    private void checkConnected() throws SocketException {
        checkOpen();
        if (!connected) {
            throw new SocketException("Socket is not connected");
        }
    }

    @Override
    public String toString() {
        return "BridgedSocket[fd=" + fd + (remote == null ? ", unconnected" : ", remote=" + remote) + (closed ? ", closed" : "") + "]";
    }
}

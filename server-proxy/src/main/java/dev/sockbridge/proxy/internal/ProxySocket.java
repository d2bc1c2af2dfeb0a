package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.proxy.spi.Result;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * One descriptor of a session. Holds what every kind shares: the receive queue (bounded; the
 * subclass stops reading its native channel while it is full), the calls waiting on it, options,
 * and push-mode credit. Confined to the session's loop.
 */
abstract class ProxySocket {
    enum RecvKind { RECV, RECVFROM, RECVMSG }

    /**
     * A received piece: stream bytes or one datagram with its source. {@code own}: the buffer is a native read
     * buffer only this socket holds, whose spare room may take later small reads.
     */
    record Chunk(ByteBuf data, InetSocketAddress from, boolean own) {
    }

    final SessionCore session;
    final int domain;
    final boolean stream;
    int fd = -1;
    boolean nonBlocking;
    /** Receive-side calls (recv, accept) waiting, in arrival order. */
    final ArrayDeque<Pending> waiters = new ArrayDeque<>();
    /** Send-side calls (send, connect) waiting, in arrival order; separate so a stuck send never holds up a recv. */
    final ArrayDeque<Pending> sendWaiters = new ArrayDeque<>();
    final Map<SocketOption<?>, Long> options = new HashMap<>();

    // receive side
    final ArrayDeque<Chunk> inbound = new ArrayDeque<>();
    int inboundBytes;
    boolean eof;
    boolean readShutdown;
    int pendingError;

    /**
     * Datagrams of this socket the proxy dropped: received ones with no room or not allowed, sends refused for a
     * full queue, fire-and-forget sends (call id 0) that failed, push events the transport's datagram path refused.
     * Read by getsockopt {@link SessionCore#SOL_SOCKBRIDGE} / {@link SessionCore#SB_DATAGRAMS_DROPPED}.
     */
    long datagramsDropped;

    // push mode
    boolean push;
    long credit;
    dev.sockbridge.proxy.spi.Route pushRoute;
    private boolean eofPushed;
    private int errorPushed;

    boolean closed;

    ProxySocket(SessionCore session, int domain, boolean stream) {
        this.session = session;
        this.domain = domain;
        this.stream = stream;
    }

    // ------------------------------------------------------------------ calls (defaults refuse)

    void bind(Request.Bind r, EngineCall call) {
        call.fail(Errno.EOPNOTSUPP, "bind is not supported on this socket");
    }

    void connect(Request.Connect r, EngineCall call) {
        call.fail(Errno.EOPNOTSUPP, "connect is not supported on this socket");
    }

    void listen(Request.Listen r, EngineCall call) {
        call.fail(Errno.EOPNOTSUPP, "listen needs a SOCK_STREAM socket");
    }

    void accept(Request.Accept r, EngineCall call) {
        call.fail(Errno.EOPNOTSUPP, "accept needs a listening SOCK_STREAM socket");
    }

    abstract void send(EngineCall call, int flags, InetSocketAddress to, ByteBuf data);

    abstract void shutdown(Request.Shutdown r, EngineCall call);

    abstract InetSocketAddress localAddress();

    abstract InetSocketAddress peerAddress();

    /** The poll events that hold now. */
    abstract int readiness();

    /** Whether the native side is connected or otherwise able to produce data (for ENOTCONN). */
    abstract boolean canReceive();

    /** Asks the native channel for more data if there is room. */
    abstract void maybeRead();

    /** Closes native resources; the base class has already answered waiters and freed buffers. */
    abstract void closeNative();

    // ------------------------------------------------------------------ receive

    void recv(EngineCall call, int length, int flags, RecvKind kind) {
        if (length < 0) {
            call.fail(Errno.EINVAL, "negative length");
            return;
        }
        if (push) {
            call.fail(Errno.EINVAL, "socket " + fd + " is in push mode: data arrives as events");
            return;
        }
        int max = Math.min(length, session.limits.maxFrameSize() - 128);
        if ((flags & Posix.MSG_WAITALL) != 0) {
            max = Math.min(max, receiveBuffer());
        }
        final int len = max;
        Pending p = new Pending(call) {
            @Override
            boolean attempt() {
                return tryRecv(call, len, flags, kind);
            }

            @Override
            void expire() {
                call.fail(Errno.EAGAIN, "receive timed out (SO_RCVTIMEO)");
            }
        };
        if (!waiters.isEmpty() || !tryRecv(call, len, flags, kind)) {
            boolean dontWait = nonBlocking || (flags & Posix.MSG_DONTWAIT) != 0;
            if (dontWait && call.writable() && waiters.isEmpty()) {
                call.fail(Errno.EAGAIN, "no data available");
                return;
            }
            session.park(waiters, p, dontWait ? 0 : timeout(SocketOption.SO_RCVTIMEO));
            maybeRead();
        }
    }

    /**
     * Answers a receive if it can be answered now. Data waits while the client cannot take it
     * (the call's route is not writable): that is how the client's slowness reaches the native socket.
     */
    private boolean tryRecv(EngineCall call, int len, int flags, RecvKind kind) {
        if (!call.writable()) {
            return false;
        }
        if (!inbound.isEmpty() && !readShutdown) {
            if ((flags & Posix.MSG_WAITALL) != 0 && stream && inboundBytes < len && !eof && pendingError == 0
                    && canReceive()) {
                return false;
            }
            boolean peek = (flags & Posix.MSG_PEEK) != 0;
            Chunk head = inbound.peek();
            ByteBuf data;
            int outFlags = 0;
            InetSocketAddress from = null;
            if (stream) {
                data = take(len, peek);
            } else {
                int n = head.data.readableBytes();
                if (n > len) {
                    outFlags |= Posix.MSG_TRUNC;
                }
                data = head.data.retainedSlice(head.data.readerIndex(), Math.min(n, len));
                from = head.from;
                if (!peek) {
                    inbound.poll();
                    inboundBytes -= n;
                    session.addBuffered(-(n));
                    head.data.release();
                }
            }
            if (kind == RecvKind.RECV) {
                // recv(2) has no source; MSG_TRUNC stays, so a cut datagram is never a silent one (POSIX recv
                // cannot say so, but DATA can, and the client's Received promises it)
                from = null;
            }
            call.data(outFlags, from, data);
            afterConsume();
            return true;
        }
        if (pendingError != 0) {
            int e = pendingError;
            pendingError = 0;
            call.fail(e, Errno.nameOf(e));
            return true;
        }
        if (eof || readShutdown || len == 0) {
            call.data(0, null, Unpooled.EMPTY_BUFFER);
            return true;
        }
        if (!canReceive()) {
            call.fail(Errno.ENOTCONN, "socket " + fd + " is not connected");
            return true;
        }
        return false;
    }

    /**
     * Up to this many queued buffers go out as the parts of one composite (no copy); a recv that spans more is
     * copied into one buffer instead, so a queue of many small reads is neither cut short (a recv returns all
     * that has arrived, up to its length) nor handed on as a composite of hundreds of tiny parts.
     */
    static final int MAX_PARTS = 16;

    /** Takes up to {@code len} stream bytes off the queue: everything queued, up to {@code len}. */
    ByteBuf take(int len, boolean peek) {
        Chunk head = inbound.peek();
        int hn = head.data.readableBytes();
        if (hn >= len || inbound.size() == 1) {
            int n = Math.min(hn, len);
            if (peek) {
                return head.data.retainedSlice(head.data.readerIndex(), n);
            }
            ByteBuf b = head.data.readRetainedSlice(n);
            consumed(n);
            if (!head.data.isReadable()) {
                inbound.poll().data.release();
            }
            return b;
        }
        int total = Math.min(len, inboundBytes);
        int parts = 0;
        int left = total;
        for (Chunk ch : inbound) {
            if (left == 0) {
                break;
            }
            left -= Math.min(left, ch.data.readableBytes());
            parts++;
        }
        CompositeByteBuf c = parts <= MAX_PARTS ? Unpooled.compositeBuffer(parts) : null;
        ByteBuf out = c != null ? c : ByteBufAllocator.DEFAULT.directBuffer(total, total);
        int want = total;
        java.util.Iterator<Chunk> it = inbound.iterator();
        while (want > 0 && it.hasNext()) {
            Chunk ch = it.next();
            int n = Math.min(want, ch.data.readableBytes());
            int at = ch.data.readerIndex();
            if (c != null) {
                c.addComponent(true, ch.data.retainedSlice(at, n));
            } else {
                out.writeBytes(ch.data, at, n);
            }
            want -= n;
            if (!peek) {
                ch.data.skipBytes(n);
                consumed(n);
                if (!ch.data.isReadable()) {
                    it.remove();
                    ch.data.release();
                }
            }
        }
        return out;
    }

    private void consumed(int n) {
        inboundBytes -= n;
        session.addBuffered(-(n));
    }

    /** Adds received data; the caller must stop reading once {@link #hasRoom()} turns false. */
    void received(ByteBuf data, InetSocketAddress from) {
        received(data, from, false);
    }

    /**
     * As {@link #received(ByteBuf, InetSocketAddress)}; {@code ownBuffer}: {@code data} is a native read buffer
     * this socket alone holds (no one else sees its spare room), so later small reads may be copied into it.
     */
    void received(ByteBuf data, InetSocketAddress from, boolean ownBuffer) {
        int n = data.readableBytes();
        Chunk tail = stream ? inbound.peekLast() : null;
        if (tail != null && tail.own && tail.data.isWritable(n) && tail.data.refCnt() == 1) {
            // a small read while data waits goes into the spare room of the buffer before it (read buffers are
            // sized for the largest read): the queue stays a few full buffers, not a buffer per read each
            // pinning its whole capacity. Only the bytes past the writer index are written, never a byte that a
            // slice already handed out can see, and never with a reallocation (isWritable: within capacity).
            tail.data.writeBytes(data);
            data.release();
        } else {
            inbound.add(new Chunk(data, from, ownBuffer && stream));
        }
        inboundBytes += n;
        session.addBuffered(n);
    }

    boolean hasRoom() {
        // not the transport's held bytes: a socket that stopped reading for them would only be woken by a recv,
        // and a pushing socket whose data already left for the transport would never be
        return inboundBytes < receiveBuffer()
                && session.receiveRoom();
    }

    /**
     * How far this socket reads ahead of the client, like a kernel receive buffer: the session's
     * {@link dev.sockbridge.proxy.SessionLimits#socketReceiveBuffer}, or less if the client set a smaller
     * SO_RCVBUF (never more: the limit is the proxy's). One read may pass it by at most that read's size.
     */
    int receiveBuffer() {
        int limit = session.limits.socketReceiveBuffer();
        Long asked = options.get(SocketOption.SO_RCVBUF);
        return asked == null ? limit : (int) Math.max(MIN_RECEIVE_BUFFER, Math.min(asked, limit));
    }

    /** The smallest read-ahead an SO_RCVBUF can ask for (Linux's minimum SO_RCVBUF is 2,304 bytes). */
    static final int MIN_RECEIVE_BUFFER = 2048;

    void afterConsume() {
        maybeRead();
    }

    // ------------------------------------------------------------------ change propagation

    /** Something about this socket changed: retry waiting calls, polls and push delivery. */
    void changed() {
        if (closed) {
            return;
        }
        retry(sendWaiters);
        retry(waiters);
        if (push) {
            pump();
        }
        session.wakePolls(fd);
        maybeRead();
    }

    private static void retry(ArrayDeque<Pending> q) {
        while (!q.isEmpty()) {
            Pending p = q.peek();
            if (!p.attempt()) {
                break; // first come, first served: later calls wait behind it
            }
            if (q.peek() == p) {
                q.poll();
            } else {
                q.remove(p);
            }
            p.cancelTimer();
        }
    }

    /** Push delivery: sends what is queued while there is credit and the client can take it. */
    void pump() {
        while (credit > 0 && pushRoute.isWritable() && !inbound.isEmpty() && !readShutdown) {
            if (stream) {
                int n = (int) Math.min(Math.min(credit, session.limits.maxFrameSize() - 128), inboundBytes);
                ByteBuf data = take(n, false);
                credit -= data.readableBytes();
                session.event(this, new Event.Data(fd, 0, null, data), false);
            } else {
                Chunk c = inbound.poll();
                int n = c.data.readableBytes();
                inboundBytes -= n;
                session.addBuffered(-(n));
                if (!session.event(this, new Event.Data(fd, 0, c.from, c.data), true)) {
                    credit -= Math.max(1, n);
                }
            }
        }
        pumpExtra();
        if (inbound.isEmpty() && (eof || readShutdown) && !eofPushed) {
            eofPushed = true;
            session.event(this, new Event.Ready(fd, Posix.POLLIN | Posix.POLLRDHUP, 0), false);
        }
        if (pendingError != 0 && errorPushed != pendingError) {
            errorPushed = pendingError;
            session.event(this, new Event.Ready(fd, Posix.POLLERR, pendingError), false);
        }
    }

    /** Subclass push work (accepted connections, connect completion). */
    void pumpExtra() {
    }

    // ------------------------------------------------------------------ options

    long timeout(SocketOption<?> opt) {
        Long v = options.get(opt);
        return v == null ? 0 : v;
    }

    /** The value getsockopt reports, or null when the option does not apply. */
    Long getOption(SocketOption<?> opt) {
        if (opt == SocketOption.SO_ERROR) {
            int e = pendingError;
            pendingError = 0;
            return (long) e;
        }
        if (opt == SocketOption.SO_TYPE) {
            return (long) (stream ? Posix.SOCK_STREAM : Posix.SOCK_DGRAM);
        }
        if (opt == SocketOption.SO_ACCEPTCONN) {
            return 0L;
        }
        Long v = nativeOption(opt);
        if (v != null) {
            return v;
        }
        v = options.get(opt);
        if (v != null) {
            return v;
        }
        return defaultOption(opt);
    }

    /** The native channel behind this descriptor, or null (none yet, or none at all). */
    abstract io.netty.channel.Channel nativeChannel();

    /** The Netty option that carries a socket option to the kernel, or null when Netty has none. */
    private static io.netty.channel.ChannelOption<?> channelOption(SocketOption<?> o) {
        if (o == SocketOption.SO_RCVBUF) {
            return io.netty.channel.ChannelOption.SO_RCVBUF;
        }
        if (o == SocketOption.SO_SNDBUF) {
            return io.netty.channel.ChannelOption.SO_SNDBUF;
        }
        if (o == SocketOption.SO_REUSEADDR) {
            return io.netty.channel.ChannelOption.SO_REUSEADDR;
        }
        if (o == SocketOption.SO_KEEPALIVE) {
            return io.netty.channel.ChannelOption.SO_KEEPALIVE;
        }
        if (o == SocketOption.TCP_NODELAY) {
            return io.netty.channel.ChannelOption.TCP_NODELAY;
        }
        if (o == SocketOption.SO_LINGER) {
            return io.netty.channel.ChannelOption.SO_LINGER;
        }
        if (o == SocketOption.SO_BROADCAST) {
            return io.netty.channel.ChannelOption.SO_BROADCAST;
        }
        if (o == SocketOption.IP_TOS) {
            return io.netty.channel.ChannelOption.IP_TOS;
        }
        return null;
    }

    /** The live value from the native channel, if it has one and the channel type knows the option. */
    Long nativeOption(SocketOption<?> opt) {
        io.netty.channel.Channel ch = nativeChannel();
        io.netty.channel.ChannelOption<?> co = channelOption(opt);
        if (ch == null || !ch.isOpen() || co == null) {
            return null;
        }
        Object v;
        try {
            v = ch.config().getOption(co);
        } catch (RuntimeException e) {
            return null;
        }
        if (v instanceof Boolean) {
            return ((Boolean) v) ? 1L : 0L;
        }
        return v instanceof Number ? ((Number) v).longValue() : null;
    }

    Long defaultOption(SocketOption<?> opt) {
        if (opt == SocketOption.TCP_NODELAY) {
            return stream ? 0L : null;
        }
        if (opt == SocketOption.SO_LINGER) {
            return stream ? -1L : null;
        }
        if (opt == SocketOption.SO_RCVBUF) {
            return 131072L;
        }
        if (opt == SocketOption.SO_SNDBUF) {
            return 16384L;
        }
        if (opt == SocketOption.IP_TTL) {
            return 64L;
        }
        return 0L;
    }

    /** Stores (and applies, where a channel exists) an option; returns an errno if it does not apply. */
    Errno setOption(SocketOption<?> opt, long value) {
        if ((opt == SocketOption.TCP_NODELAY || opt == SocketOption.SO_LINGER) && !stream) {
            return Errno.ENOPROTOOPT;
        }
        options.put(opt, value);
        applyOption(opt, value);
        return null;
    }

    @SuppressWarnings("unchecked")
    void applyOption(SocketOption<?> opt, long value) {
        io.netty.channel.Channel ch = nativeChannel();
        io.netty.channel.ChannelOption<?> co = channelOption(opt);
        if (ch == null || !ch.isOpen() || co == null) {
            return;
        }
        try {
            if (opt.kind() == SocketOption.Kind.FLAG) {
                ch.config().setOption((io.netty.channel.ChannelOption<Boolean>) co, value != 0);
            } else {
                ch.config().setOption((io.netty.channel.ChannelOption<Integer>) co, (int) value);
            }
        } catch (RuntimeException ignored) {
            // the kernel refused it; the stored value still answers getsockopt
        }
    }

    // ------------------------------------------------------------------ close

    void close(String why) {
        if (closed) {
            return;
        }
        closed = true;
        for (ArrayDeque<Pending> q : java.util.List.of(waiters, sendWaiters)) {
            Pending p;
            while ((p = q.poll()) != null) {
                p.cancelTimer();
                p.abort(Errno.EBADF, "socket " + fd + " was closed (" + why + ")");
            }
        }
        Chunk c;
        while ((c = inbound.poll()) != null) {
            session.addBuffered(-(c.data.readableBytes()));
            c.data.release();
        }
        inboundBytes = 0;
        closeNative();
    }
}

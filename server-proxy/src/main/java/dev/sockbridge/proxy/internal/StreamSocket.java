package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.transport.EventLoops;
import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.proxy.spi.Result;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.proxy.SocketPolicy;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayDeque;

/** A TCP socket: unconnected, connecting, connected (its own or accepted), or listening. */
final class StreamSocket extends ProxySocket {
    enum State { NEW, CONNECTING, CONNECTED, LISTENING }

    private static final int DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
    private static final WriteBufferWaterMark WATER = new WriteBufferWaterMark(128 << 10, 256 << 10);

    State state = State.NEW;
    private SocketChannel channel;
    private Channel server;
    private InetSocketAddress bound;
    private boolean writeShutdown;
    private boolean everConnected;
    private boolean connectReportPending; // push mode: tell the client how a non-blocking connect ended

    // listening
    private final ArrayDeque<StreamSocket> acceptQueue = new ArrayDeque<>();
    private int backlog;
    private boolean acceptReadPending;

    // sends waiting for room
    private final ArrayDeque<PendingSend> sends = new ArrayDeque<>();

    StreamSocket(SessionCore session, int domain) {
        super(session, domain, true);
    }

    // ------------------------------------------------------------------ bind / listen

    @Override
    void bind(Request.Bind r, EngineCall call) {
        InetSocketAddress a = r.address();
        if (state != State.NEW || bound != null) {
            call.fail(Errno.EINVAL, "socket " + fd + " is already bound");
            return;
        }
        if (a == null || a.isUnresolved()) {
            call.fail(Errno.EINVAL, "bind needs a numeric address");
            return;
        }
        if (!familyFits(a.getAddress())) {
            call.fail(Errno.EAFNOSUPPORT, "address family does not match the socket");
            return;
        }
        SocketPolicy.Decision d = session.policy().checkBind(session.info, a, false);
        if (!d.allowed()) {
            call.denied("bind", d.reason());
            return;
        }
        if (a.getPort() != 0 && !Boolean.TRUE.equals(flag(SocketOption.SO_REUSEPORT))) {
            // probe now so EADDRINUSE comes from bind, as POSIX callers expect
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(Boolean.TRUE.equals(flag(SocketOption.SO_REUSEADDR)));
                probe.bind(a, 1);
            } catch (java.io.IOException e) {
                call.fail(ErrnoMapper.of(e), ErrnoMapper.reason(e));
                return;
            }
        }
        bound = a;
        call.ok();
    }

    private Boolean flag(SocketOption<?> o) {
        Long v = options.get(o);
        return v == null ? null : v != 0;
    }

    private boolean familyFits(InetAddress a) {
        return domain == Posix.AF_INET6 || !(a instanceof Inet6Address);
    }

    @Override
    void listen(Request.Listen r, EngineCall call) {
        int bl = Math.max(1, Math.min(r.backlog() <= 0 ? 128 : r.backlog(), 4096));
        if (state == State.LISTENING) {
            backlog = bl;
            call.ok();
            return;
        }
        if (state != State.NEW) {
            call.fail(Errno.EINVAL, "socket " + fd + " is connected");
            return;
        }
        InetSocketAddress local = bound != null ? bound
                : new InetSocketAddress(session.policy().autoBindAddress(domain == Posix.AF_INET6), 0);
        SocketPolicy.Decision d = session.policy().checkBind(session.info, local, false);
        if (!d.allowed()) {
            call.denied("listen", d.reason());
            return;
        }
        String refusal = session.nativeChannelRefusal();
        if (refusal != null) {
            call.fail(Errno.EMFILE, refusal);
            return;
        }
        backlog = bl;
        ServerBootstrap b = new ServerBootstrap()
                .group(session.loop, session.loop)
                .channel(EventLoops.serverSocketChannel(session.loop))
                .option(ChannelOption.SO_BACKLOG, bl)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_REUSEADDR, !Boolean.FALSE.equals(flag(SocketOption.SO_REUSEADDR)))
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted(ch);
                    }
                });
        ChannelFuture f = b.bind(local);
        if (NativeIo.failedAtCreation(f)) {
            call.fail(NativeIo.creationErrno(f.cause()), "cannot create a socket: " + ErrnoMapper.reason(f.cause()));
            return;
        }
        state = State.LISTENING;
        server = f.channel();
        session.track(server, "tcp-listen");
        f.addListener(x -> {
            if (closed) {
                server.close();
                return;
            }
            if (f.isSuccess()) {
                call.ok();
                readAccepts();
            } else {
                state = State.NEW;
                server = null;
                call.fail(ErrnoMapper.of(f.cause()), ErrnoMapper.reason(f.cause()));
            }
        });
    }

    private void readAccepts() {
        if (server != null && server.isActive() && !acceptReadPending && acceptQueue.size() < backlog) {
            acceptReadPending = true;
            server.read();
        }
    }

    /** A native client connected; it waits in the accept queue, already reading into its own buffer. */
    private void accepted(SocketChannel ch) {
        acceptReadPending = false;
        String refusal = closed ? "closed" : session.nativeChannelRefusal();
        if (refusal != null) {
            // the connection is refused rather than kept past the proxy's caps; the listener keeps accepting
            ch.close();
            if (!closed) {
                session.loop.execute(this::readAccepts);
            }
            return;
        }
        session.track(ch, "tcp-accepted");
        StreamSocket child = new StreamSocket(session, domain);
        child.options.putAll(options);
        child.attach(ch);
        acceptQueue.add(child);
        session.loop.execute(() -> {
            changed();
            readAccepts();
        });
    }

    @Override
    void accept(Request.Accept r, EngineCall call) {
        if (state != State.LISTENING) {
            call.fail(Errno.EINVAL, "socket " + fd + " is not listening");
            return;
        }
        if (push) {
            call.fail(Errno.EINVAL, "socket " + fd + " is in push mode: connections arrive as events");
            return;
        }
        boolean childNonBlocking = (r.flags() & Posix.SOCK_NONBLOCK) != 0;
        Pending p = new Pending(call) {
            @Override
            boolean attempt() {
                return tryAccept(call, childNonBlocking);
            }

            @Override
            void expire() {
                call.fail(Errno.EAGAIN, "accept timed out (SO_RCVTIMEO)");
            }
        };
        if (!waiters.isEmpty() || !p.attempt()) {
            if (nonBlocking) {
                call.fail(Errno.EAGAIN, "no connection waiting");
            } else {
                session.park(waiters, p, timeout(SocketOption.SO_RCVTIMEO));
            }
        }
    }

    private boolean tryAccept(EngineCall call, boolean childNonBlocking) {
        StreamSocket child = acceptQueue.poll();
        if (child == null) {
            return false;
        }
        Integer nfd = session.register(child);
        if (nfd == null) {
            child.close("descriptor limit");
            call.fail(Errno.EMFILE, "too many open sockets (limit " + session.limits.maxSockets() + ")");
        } else {
            child.nonBlocking = childNonBlocking;
            call.complete(new Result.Accepted(nfd, child.peerAddress()));
            child.changed();
        }
        readAccepts();
        return true;
    }

    @Override
    void pumpExtra() {
        while (state == State.LISTENING && credit > 0 && pushRoute.isWritable() && !acceptQueue.isEmpty()) {
            StreamSocket child = acceptQueue.poll();
            Integer nfd = session.register(child);
            if (nfd == null) {
                child.close("descriptor limit");
                session.event(this, new Event.Ready(fd, Posix.POLLERR, Errno.EMFILE.code()), false);
                continue;
            }
            credit--;
            session.event(this, new Event.Accept(fd, nfd, child.peerAddress()), false);
            child.changed();
            readAccepts();
        }
        if (connectReportPending && state != State.CONNECTING) {
            connectReportPending = false;
            if (state == State.CONNECTED) {
                session.event(this, new Event.Ready(fd, Posix.POLLOUT, 0), false);
            }
            // a failure is reported by the base class from pendingError
        }
    }

    // ------------------------------------------------------------------ connect

    @Override
    void connect(Request.Connect r, EngineCall call) {
        switch (state) {
            case CONNECTING:
                call.fail(Errno.EALREADY, "connect already in progress");
                return;
            case CONNECTED:
                call.fail(Errno.EISCONN, "socket " + fd + " is already connected");
                return;
            case LISTENING:
                call.fail(Errno.EISCONN, "socket " + fd + " is listening");
                return;
            default:
                break;
        }
        if (pendingError != 0 && everConnected) {
            int e = pendingError;
            pendingError = 0;
            call.fail(e, Errno.nameOf(e));
            return;
        }
        InetSocketAddress target = r.address();
        if (target == null) {
            call.fail(Errno.EDESTADDRREQ, "no address");
            return;
        }
        state = State.CONNECTING;
        if (target.isUnresolved()) {
            session.resolveTargets(this, target.getHostString(), target.getPort(), false, "connect", this::familyFits, addrs -> {
                if (!closed) {
                    connectTo(call, addrs.get(0), addrs.subList(1, addrs.size()), false);
                }
            }, (e, why) -> {
                state = State.NEW;
                call.fail(e, why);
            });
            return;
        }
        connectTo(call, target, java.util.List.of(), false);
    }

    /**
     * Connects to {@code target}; if that fails, to each of {@code next} in turn (the other allowed addresses of
     * a name), as a client looping over getaddrinfo would. {@code answered}: the call already got its EINPROGRESS.
     */
    private void connectTo(EngineCall call, InetSocketAddress target, java.util.List<InetSocketAddress> next, boolean answered) {
        if (!familyFits(target.getAddress())) {
            state = State.NEW;
            call.fail(Errno.EAFNOSUPPORT, "address family does not match the socket");
            return;
        }
        SocketPolicy.Decision d = session.policy().checkConnect(session.info, target, false);
        if (!d.allowed()) {
            state = State.NEW;
            if (answered) {
                // the call already has its EINPROGRESS: the refusal is the outcome the socket reports
                session.ctx.countDenied(session.info, "connect", d.reason());
                everConnected = true;
                pendingError = Errno.EACCES.code();
                changed();
            } else {
                call.denied("connect", d.reason());
            }
            return;
        }
        String refusal = session.nativeChannelRefusal();
        if (refusal != null) {
            state = State.NEW;
            call.fail(Errno.EMFILE, refusal);
            return;
        }
        long sndTimeoutMs = timeout(SocketOption.SO_SNDTIMEO) / 1000;
        Bootstrap b = new Bootstrap()
                .group(session.loop)
                .channel(EventLoops.socketChannel(session.loop))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) (sndTimeoutMs > 0 ? Math.min(sndTimeoutMs, Integer.MAX_VALUE) : DEFAULT_CONNECT_TIMEOUT_MS))
                .handler(new Handler());
        ChannelFuture f = bound != null ? b.connect(target, bound) : b.connect(target);
        if (NativeIo.failedAtCreation(f)) {
            // the channel could not even be created (EMFILE, ENFILE, ENOBUFS): Netty hands back a placeholder
            state = State.NEW;
            call.fail(NativeIo.creationErrno(f.cause()), "cannot create a socket: " + ErrnoMapper.reason(f.cause()));
            return;
        }
        channel = (SocketChannel) f.channel();
        session.track(channel, "tcp");
        for (java.util.Map.Entry<SocketOption<?>, Long> e : options.entrySet()) {
            applyOption(e.getKey(), e.getValue());
        }
        boolean blocking = !nonBlocking && !answered;
        if (!blocking && !answered) {
            connectReportPending = true;
            call.fail(Errno.EINPROGRESS, "connecting to " + target);
        }
        f.addListener(x -> {
            if (closed) {
                return;
            }
            if (f.isSuccess()) {
                state = State.CONNECTED;
                everConnected = true;
                if (blocking) {
                    call.ok();
                }
            } else {
                if (!next.isEmpty()) {
                    f.channel().close();
                    channel = null;
                    connectTo(call, next.get(0), next.subList(1, next.size()), !blocking);
                    return;
                }
                state = State.NEW;
                everConnected = true;
                Errno e = ErrnoMapper.of(f.cause());
                channel = null;
                if (blocking) {
                    call.fail(e, "connect to " + target + ": " + ErrnoMapper.reason(f.cause()));
                } else {
                    pendingError = e.code();
                }
            }
            changed();
        });
    }

    /** Adopts an accepted channel. */
    private void attach(SocketChannel ch) {
        channel = ch;
        state = State.CONNECTED;
        everConnected = true;
        ch.pipeline().addLast(new Handler());
        for (java.util.Map.Entry<SocketOption<?>, Long> e : options.entrySet()) {
            applyOption(e.getKey(), e.getValue());
        }
        maybeRead();
    }

    // ------------------------------------------------------------------ data

    @Override
    boolean canReceive() {
        // a connecting socket blocks (or says EAGAIN) on recv, as Linux does in SYN_SENT
        return state == State.CONNECTED || state == State.CONNECTING;
    }

    /**
     * Reads ahead while there is room. Reading is Netty's auto-read, on while the socket has room and off once it
     * has not: a pass of reads then goes on until the kernel has nothing more (a short read), so a waiting recv,
     * answered when the pass completes, gets all that has arrived, not the first read's buffer (one read takes
     * one buffer, 2 KiB at first). Reading stops within the pass that fills the buffer: at most one read past it.
     */
    @Override
    void maybeRead() {
        if (channel != null && state == State.CONNECTED && !eof && !readShutdown && !closed
                && channel.isActive() && hasRoom() && !channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            if (closed || readShutdown || !b.isReadable()) {
                b.release();
                ctx.channel().config().setAutoRead(false);
                return;
            }
            session.countReceived(fd, b.readableBytes());
            received(b, null, true);
            if (!hasRoom()) {
                ctx.channel().config().setAutoRead(false); // resumed by maybeRead once a recv made room
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            changed();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                eof = true;
                ctx.channel().config().setAutoRead(false);
                changed();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                flushSends();
                changed();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (state == State.CONNECTED) {
                eof = true;
                failSends(pendingError != 0 ? Errno.of(pendingError) : Errno.EPIPE);
            }
            changed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Errno e = ErrnoMapper.of(cause);
            if (state == State.CONNECTED && pendingError == 0) {
                pendingError = e.code();
            }
            ctx.close();
        }
    }

    private record PendingSend(EngineCall call, ByteBuf data) {
    }

    @Override
    void send(EngineCall call, int flags, InetSocketAddress to, ByteBuf data) {
        if (state != State.CONNECTED) {
            data.release();
            call.fail(everConnected && channel == null && pendingError != 0 ? Errno.of(pendingError)
                    : state == State.LISTENING || state == State.NEW || state == State.CONNECTING ? Errno.ENOTCONN : Errno.EPIPE,
                    "socket " + fd + " is not connected");
            return;
        }
        if (writeShutdown || !channel.isActive()) {
            data.release();
            int e = pendingError;
            if (e != 0) {
                pendingError = 0;
                call.fail(e, Errno.nameOf(e));
            } else {
                call.fail(Errno.EPIPE, "connection closed for sending");
            }
            return;
        }
        int n = data.readableBytes();
        // bytes handed to the channel stay in the proxy until Netty has written them to the kernel, so they
        // count against the budgets from the write until its completion
        boolean room = session.bufferRoom(n);
        if (sends.isEmpty() && channel.isWritable() && room) {
            session.addBuffered(n);
            write(data, n);
            call.value(n);
            return;
        }
        if (nonBlocking || (flags & Posix.MSG_DONTWAIT) != 0) {
            data.release();
            call.fail(Errno.EAGAIN, room ? "send buffer full" : session.bufferFullReason(n));
            return;
        }
        if (!room) {
            data.release();
            call.fail(Errno.ENOBUFS, session.bufferFullReason(n));
            return;
        }
        session.addBuffered(n);
        sends.add(new PendingSend(call, data));
    }

    /** Writes {@code n} bytes already counted in the session's buffered bytes; the count drops when the write ends. */
    private void write(ByteBuf data, int n) {
        session.countSent(fd, n);
        channel.writeAndFlush(data).addListener(f -> {
            session.addBuffered(-n);
            if (!f.isSuccess() && pendingError == 0 && !closed) {
                pendingError = ErrnoMapper.of(f.cause()).code();
                changed();
            }
        });
    }

    private void flushSends() {
        while (!sends.isEmpty() && channel != null && channel.isWritable()) {
            PendingSend s = sends.poll();
            int n = s.data.readableBytes();
            write(s.data, n);
            s.call.value(n);
        }
        if (sends.isEmpty() && shutdownWriteAfterSends) {
            shutdownWriteAfterSends = false;
            shutdownOutputAfterFlush();
        }
    }

    private boolean shutdownWriteAfterSends;

    /**
     * Netty's shutdownOutput fails writes still in its outbound buffer; the kernel's would send them
     * first. So the FIN goes out once everything written before it has been flushed.
     */
    private void shutdownOutputAfterFlush() {
        SocketChannel ch = channel;
        ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (ch.isActive()) {
                ch.shutdownOutput();
            }
        });
    }

    /** Like close(2) without SO_LINGER: data already sent still reaches the peer, for a bounded time. */
    private static void closeAfterFlush(SocketChannel ch) {
        if (!ch.isActive()) {
            ch.close();
            return;
        }
        ch.config().setAutoRead(false);
        var timer = ch.eventLoop().schedule(() -> {
            ch.close();
        }, LINGER_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> {
            timer.cancel(false);
            ch.close();
        });
    }

    private static final int LINGER_SECONDS = 10;

    private void failSends(Errno e) {
        PendingSend s;
        while ((s = sends.poll()) != null) {
            session.addBuffered(-(s.data.readableBytes()));
            s.data.release();
            s.call.fail(e, "connection closed");
        }
    }

    @Override
    void shutdown(Request.Shutdown r, EngineCall call) {
        int how = r.how();
        if (how < Posix.SHUT_RD || how > Posix.SHUT_RDWR) {
            call.fail(Errno.EINVAL, "bad shutdown mode " + how);
            return;
        }
        if (state == State.LISTENING) {
            // stops accepting; waiting accepts fail as on Linux
            if (server != null) {
                server.close();
            }
            for (StreamSocket c : acceptQueue) {
                c.close("listener shut down");
            }
            acceptQueue.clear();
            readShutdown = true;
            Pending p;
            while ((p = waiters.poll()) != null) {
                p.cancelTimer();
                p.abort(Errno.EINVAL, "listening socket shut down");
            }
            call.ok();
            return;
        }
        if (state != State.CONNECTED) {
            call.fail(Errno.ENOTCONN, "socket " + fd + " is not connected");
            return;
        }
        if (how == Posix.SHUT_RD || how == Posix.SHUT_RDWR) {
            readShutdown = true;
            channel.config().setAutoRead(false);
            ProxySocket.Chunk c;
            while ((c = inbound.poll()) != null) {
                session.addBuffered(-(c.data().readableBytes()));
                c.data().release();
            }
            inboundBytes = 0;
        }
        if ((how == Posix.SHUT_WR || how == Posix.SHUT_RDWR) && !writeShutdown) {
            writeShutdown = true;
            if (channel.isActive()) {
                if (sends.isEmpty()) {
                    shutdownOutputAfterFlush();
                } else {
                    shutdownWriteAfterSends = true;
                }
            }
        }
        call.ok();
        changed();
    }

    // ------------------------------------------------------------------ state

    @Override
    int readiness() {
        int ev = 0;
        switch (state) {
            case LISTENING:
                if (!acceptQueue.isEmpty()) {
                    ev |= Posix.POLLIN;
                }
                break;
            case CONNECTING:
                break;
            case NEW:
                ev |= Posix.POLLOUT | Posix.POLLHUP;
                if (pendingError != 0) {
                    ev |= Posix.POLLERR;
                }
                break;
            case CONNECTED:
                if (!inbound.isEmpty() || eof || readShutdown) {
                    ev |= Posix.POLLIN;
                }
                if (eof) {
                    ev |= Posix.POLLRDHUP;
                }
                boolean active = channel != null && channel.isActive();
                if (active && !writeShutdown && channel.isWritable() && sends.isEmpty()) {
                    ev |= Posix.POLLOUT;
                }
                if (!active || (eof && writeShutdown)) {
                    ev |= Posix.POLLHUP;
                }
                if (pendingError != 0) {
                    ev |= Posix.POLLERR;
                }
                break;
            default:
                break;
        }
        return ev;
    }

    @Override
    InetSocketAddress localAddress() {
        if (channel != null && channel.localAddress() != null) {
            return channel.localAddress();
        }
        if (server != null && server.localAddress() != null) {
            return (InetSocketAddress) server.localAddress();
        }
        if (bound != null) {
            return bound;
        }
        return new InetSocketAddress(anyAddress(), 0);
    }

    private InetAddress anyAddress() {
        try {
            return InetAddress.getByAddress(new byte[domain == Posix.AF_INET6 ? 16 : 4]);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    InetSocketAddress peerAddress() {
        return state == State.CONNECTED && channel != null ? channel.remoteAddress() : null;
    }

    @Override
    Long getOption(SocketOption<?> opt) {
        if (opt == SocketOption.SO_ACCEPTCONN) {
            return state == State.LISTENING ? 1L : 0L;
        }
        return super.getOption(opt);
    }

    @Override
    io.netty.channel.Channel nativeChannel() {
        return channel;
    }

    @Override
    void closeNative() {
        failSends(Errno.EBADF);
        if (channel != null) {
            Long linger = options.get(SocketOption.SO_LINGER);
            if (linger != null && linger == 0) {
                channel.close(); // SO_LINGER 0: reset at once, as Linux does
            } else {
                closeAfterFlush(channel);
            }
        }
        if (server != null) {
            server.close();
        }
        for (StreamSocket c : acceptQueue) {
            c.close("listener closed");
        }
        acceptQueue.clear();
    }
}

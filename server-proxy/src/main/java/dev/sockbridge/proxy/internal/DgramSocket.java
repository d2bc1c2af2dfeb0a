package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.transport.EventLoops;
import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.proxy.spi.Result;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.proxy.SocketPolicy;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A UDP socket. Datagram boundaries are kept end to end; a receive shorter than the datagram
 * returns its first part with MSG_TRUNC. Datagrams from sources the policy would not let the session
 * send to are dropped, so binding never opens a way in for strangers.
 */
final class DgramSocket extends ProxySocket {
    private static final int MAX_UDP_PAYLOAD = 65507;

    private DatagramChannel channel;
    private boolean binding;
    private final ArrayDeque<Consumer<Errno>> afterBind = new ArrayDeque<>();
    private InetSocketAddress peer;
    /** Why the last bind attempt failed, for the reason text of the calls that needed it. */
    private String bindRefusal = "";
    private boolean readPending;
    private boolean writeShutdown;

    DgramSocket(SessionCore session, int domain) {
        super(session, domain, false);
    }

    private boolean familyFits(InetAddress a) {
        return domain == Posix.AF_INET6 || !(a instanceof Inet6Address);
    }

    @Override
    void bind(Request.Bind r, EngineCall call) {
        InetSocketAddress a = r.address();
        if (channel != null || binding) {
            call.fail(Errno.EINVAL, "socket " + fd + " is already bound");
            return;
        }
        if (a == null || a.isUnresolved() || !familyFits(a.getAddress())) {
            call.fail(Errno.EINVAL, "bind needs a numeric address of the socket's family");
            return;
        }
        SocketPolicy.Decision d = session.policy().checkBind(session.info, a, true);
        if (!d.allowed()) {
            call.denied("bind", d.reason());
            return;
        }
        doBind(a, e -> {
            if (e == null) {
                call.ok();
            } else {
                call.fail(e, "bind " + a + " failed: " + bindRefusal);
            }
        });
    }

    /** Binds (once); callbacks queued while a bind is under way run when it ends. */
    private void doBind(InetSocketAddress local, Consumer<Errno> then) {
        if (closed) {
            then.accept(Errno.EBADF);
            return;
        }
        if (channel != null && !binding) {
            then.accept(null);
            return;
        }
        if (binding) {
            afterBind.add(then);
            return;
        }
        String refusal = session.nativeChannelRefusal();
        if (refusal != null) {
            bindRefusal = refusal;
            then.accept(Errno.EMFILE);
            return;
        }
        Bootstrap b = new Bootstrap()
                .group(session.loop)
                .channel(EventLoops.datagramChannel(session.loop))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.RECVBUF_ALLOCATOR, NativeIo.datagramReceiveAllocator())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 << 10, 256 << 10))
                .handler(new Handler());
        ChannelFuture f = b.bind(local);
        if (NativeIo.failedAtCreation(f)) {
            // no channel came to be (EMFILE and the like): the socket stays unbound and usable later
            bindRefusal = "cannot create a socket: " + ErrnoMapper.reason(f.cause());
            then.accept(NativeIo.creationErrno(f.cause()));
            return;
        }
        afterBind.add(then);
        binding = true;
        channel = (DatagramChannel) f.channel();
        session.track(channel, "udp");
        for (java.util.Map.Entry<SocketOption<?>, Long> e : options.entrySet()) {
            applyOption(e.getKey(), e.getValue());
        }
        f.addListener(x -> {
            binding = false;
            Errno err = null;
            if (closed) {
                err = Errno.EBADF;
            } else if (!f.isSuccess()) {
                err = ErrnoMapper.of(f.cause());
                bindRefusal = ErrnoMapper.reason(f.cause());
                channel = null;
            }
            runAfterBind(err);
            changed();
        });
    }

    /**
     * Ends every continuation that waited for the bind. Each one owns what its call holds (a send's data)
     * and its outstanding-call slot, so each must run exactly once, also when the socket closed meanwhile.
     */
    private void runAfterBind(Errno err) {
        Consumer<Errno> c;
        while ((c = afterBind.poll()) != null) {
            c.accept(err);
        }
    }

    /**
     * Binds implicitly, as the kernel does on a first connect or sendto. The kernel binds to the wildcard and picks
     * a source per destination; the policy binds to one loopback address instead, so it is picked for the first
     * destination: an AF_INET6 socket whose first peer is IPv4 (an IPv4-mapped address) gets 127.0.0.1 (mapped on
     * the dual-stack socket), since ::1 cannot reach an IPv4 peer.
     */
    private void ensureBound(InetSocketAddress firstPeer, Consumer<Errno> then) {
        if (channel != null && !binding) {
            then.accept(null);
            return;
        }
        boolean v6 = domain == Posix.AF_INET6 && !isIpv4(firstPeer.getAddress());
        InetAddress auto = session.policy().autoBindAddress(v6);
        doBind(new InetSocketAddress(auto, 0), then);
    }

    /** An IPv4 address, also as the IPv4-mapped IPv6 address (::ffff:a.b.c.d) an AF_INET6 socket uses for one. */
    private static boolean isIpv4(InetAddress a) {
        if (a instanceof Inet4Address) {
            return true;
        }
        byte[] b = a.getAddress();
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    @Override
    void connect(Request.Connect r, EngineCall call) {
        InetSocketAddress target = r.address();
        if (target == null) {
            call.fail(Errno.EDESTADDRREQ, "no address");
            return;
        }
        withResolved(target, call, () -> { }, t -> {
            SocketPolicy.Decision d = session.policy().checkConnect(session.info, t, true);
            if (!d.allowed()) {
                call.denied("connect", d.reason());
                return;
            }
            ensureBound(t, e -> {
                if (e != null) {
                    call.fail(e, "cannot bind for connect: " + bindRefusal);
                    return;
                }
                peer = t;
                call.ok();
            });
        });
    }

    /** Runs {@code then} with a numeric address; on failure runs {@code dropped} (to release what the call holds) and answers. */
    private void withResolved(InetSocketAddress a, EngineCall call, Runnable dropped,
                              Consumer<InetSocketAddress> then) {
        if (!a.isUnresolved()) {
            if (!familyFits(a.getAddress())) {
                dropped.run();
                call.fail(Errno.EAFNOSUPPORT, "address family does not match the socket");
                return;
            }
            then.accept(a);
            return;
        }
        // the first address the policy allows: a datagram has no failure to fall back on
        session.resolveTargets(this, a.getHostString(), a.getPort(), true, "connect/sendto", this::familyFits, addrs -> then.accept(addrs.get(0)),
                (e, why) -> {
                    dropped.run();
                    sendFailedCount(call);
                    call.fail(e, why);
                });
    }

    private void sendFailedCount(EngineCall call) {
        if (call.fireAndForget()) {
            datagramsDropped++;
        }
    }

    /**
     * A send that failed. A fire-and-forget send (call id 0) is a dropped datagram of this socket; the proxy-wide
     * count of those is kept by the reply to call 0.
     */
    private void sendFailed(EngineCall call, Errno e, String reason) {
        if (call.fireAndForget()) {
            datagramsDropped++;
        }
        call.fail(e, reason);
    }

    @Override
    void send(EngineCall call, int flags, InetSocketAddress to, ByteBuf data) {
        if (writeShutdown) {
            data.release();
            sendFailed(call, Errno.EPIPE, "socket shut down for sending");
            return;
        }
        InetSocketAddress target = to != null ? to : peer;
        if (target == null) {
            data.release();
            sendFailed(call, Errno.EDESTADDRREQ, "no destination: sendto needs an address on an unconnected socket");
            return;
        }
        int n = data.readableBytes();
        if (n > MAX_UDP_PAYLOAD) {
            data.release();
            sendFailed(call, Errno.EMSGSIZE, "datagram of " + n + " bytes exceeds " + MAX_UDP_PAYLOAD);
            return;
        }
        if (!session.bufferRoom(n)) {
            data.release();
            if (!call.fireAndForget()) {
                datagramsDropped++;
                session.ctx.countDatagramDropped(session.info, fd, "no-room");
            }
            sendFailed(call, Errno.ENOBUFS, session.bufferFullReason(n));
            return;
        }
        // the datagram is held (while a name resolves, a bind completes, Netty writes it) and counted until it is gone
        session.addBuffered(n);
        Runnable drop = () -> {
            data.release();
            session.addBuffered(-n);
        };
        withResolved(target, call, drop, t -> {
            SocketPolicy.Decision d = session.policy().checkConnect(session.info, t, true);
            if (!d.allowed()) {
                drop.run();
                if (call.fireAndForget()) {
                    datagramsDropped++;
                }
                call.denied("sendto", d.reason());
                return;
            }
            ensureBound(t, e -> {
                if (e != null || closed) {
                    drop.run();
                    sendFailed(call, e == null ? Errno.EBADF : e,
                            e == Errno.EBADF || closed ? "socket " + fd + " was closed" : "cannot bind for sendto: " + bindRefusal);
                    return;
                }
                if (!channel.isWritable()) {
                    // like a full kernel queue for UDP: the datagram is dropped, the caller told
                    drop.run();
                    if (!call.fireAndForget()) {
                        datagramsDropped++;
                        session.ctx.countDatagramDropped(session.info, fd, "queue-full");
                    }
                    sendFailed(call, nonBlocking || (flags & Posix.MSG_DONTWAIT) != 0 ? Errno.EAGAIN : Errno.ENOBUFS,
                            "send queue full");
                    return;
                }
                session.countSent(fd, n);
                channel.writeAndFlush(new DatagramPacket(data, t)).addListener(f -> {
                    session.addBuffered(-n);
                    if (!f.isSuccess() && !closed) {
                        pendingError = ErrnoMapper.of(f.cause()).code();
                        changed();
                    }
                });
                call.value(n);
            });
        });
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket p = (DatagramPacket) msg;
            InetSocketAddress from = p.sender();
            if (closed || readShutdown) {
                p.release();
                return;
            }
            String drop = (peer != null && !peer.equals(from))
                    || !session.policy().checkConnect(session.info, from, true).allowed() ? "filtered"
                    : !hasRoom() ? "no-room" : null;
            if (drop != null) {
                datagramsDropped++;
                session.ctx.countDatagramDropped(session.info, fd, drop);
                p.release();
                return;
            }
            session.countReceived(fd, p.content().readableBytes());
            received(NativeIo.rightSized(p.content(), ctx.alloc()), from);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            readPending = false;
            changed();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            changed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP port unreachable and the like: reported once, as Linux does on connected sockets
            if (peer != null) {
                pendingError = ErrnoMapper.of(cause).code();
                changed();
            }
        }
    }

    @Override
    boolean canReceive() {
        return true;
    }

    @Override
    void maybeRead() {
        // keep one read armed at all times, so that a full buffer drops new datagrams (UDP semantics)
        if (channel != null && !binding && !readPending && !closed && channel.isActive()) {
            readPending = true;
            channel.read();
        }
    }

    @Override
    void shutdown(Request.Shutdown r, EngineCall call) {
        if (peer == null) {
            call.fail(Errno.ENOTCONN, "socket " + fd + " is not connected");
            return;
        }
        if (r.how() == Posix.SHUT_RD || r.how() == Posix.SHUT_RDWR) {
            readShutdown = true;
        }
        if (r.how() == Posix.SHUT_WR || r.how() == Posix.SHUT_RDWR) {
            writeShutdown = true;
        }
        call.ok();
        changed();
    }

    @Override
    int readiness() {
        int ev = 0;
        if (!inbound.isEmpty() || readShutdown) {
            ev |= Posix.POLLIN;
        }
        if (!writeShutdown && (channel == null || channel.isWritable())) {
            ev |= Posix.POLLOUT;
        }
        if (pendingError != 0) {
            ev |= Posix.POLLERR;
        }
        return ev;
    }

    @Override
    InetSocketAddress localAddress() {
        if (channel != null && channel.localAddress() != null) {
            return channel.localAddress();
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[domain == Posix.AF_INET6 ? 16 : 4]), 0);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    InetSocketAddress peerAddress() {
        return peer;
    }

    @Override
    io.netty.channel.Channel nativeChannel() {
        return channel;
    }

    @Override
    void closeNative() {
        runAfterBind(Errno.EBADF);
        if (channel != null) {
            channel.close();
        }
    }
}

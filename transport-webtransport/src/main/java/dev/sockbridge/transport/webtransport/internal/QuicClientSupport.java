package dev.sockbridge.transport.webtransport.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What the raw QUIC and the WebTransport clients share: one connected UDP socket per QUIC connection (so that an
 * ICMP "port unreachable" fails the attempt at once instead of after a timeout), a bounded handshake, and the
 * bookkeeping that lets a client close everything it opened.
 *
 * <p>Threading: {@link #connect} may be called from any thread; the work runs on {@code loop}.
 */
public final class QuicClientSupport {
    private QuicClientSupport() {
    }

    /**
     * Binds a UDP socket on {@code loop}, connects it to {@code server} and starts a QUIC connection whose channel
     * {@code init} prepares. {@code opened} is failed if any step fails, if the server's port is closed, or if it
     * is not completed (by whatever {@code init} installed) within {@code timeout}; the UDP socket then closes. The
     * socket also closes with the QUIC connection.
     */
    public static void connect(EventLoop loop, InetSocketAddress server, ChannelHandler codec,
                               Consumer<QuicChannel> init, Promise<?> opened, Duration timeout,
                               List<Channel> sockets, List<QuicChannel> connections) {
        InetAddress local = server.getAddress().isLoopbackAddress()
                ? server.getAddress() : new InetSocketAddress(0).getAddress();
        QuicChannel[] quic = new QuicChannel[1];
        new Bootstrap().group(loop).channel(dev.sockbridge.api.transport.EventLoops.datagramChannel(loop))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(codec, new RefusalDetector(opened, server));
                    }
                })
                .connect(server, new InetSocketAddress(local, 0))
                .addListener(bound -> {
                    if (!bound.isSuccess()) {
                        opened.tryFailure(bound.cause());
                        return;
                    }
                    Channel udp = ((ChannelFuture) bound).channel();
                    synchronized (sockets) {
                        sockets.add(udp);
                    }
                    udp.closeFuture().addListener(f -> {
                        synchronized (sockets) {
                            sockets.remove(udp);
                        }
                        opened.tryFailure(new ConnectException("UDP socket closed before the QUIC connection opened"));
                    });
                    ScheduledFuture<?> timer = loop.schedule(() -> {
                        if (opened.tryFailure(new ConnectTimeoutException("no QUIC connection to " + server
                                + " within " + timeout.toMillis() + " ms"))) {
                            if (quic[0] != null) {
                                quic[0].close();
                            }
                            udp.close();
                        }
                    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
                    opened.addListener(f -> {
                        timer.cancel(false);
                        if (!f.isSuccess()) {
                            if (quic[0] != null) {
                                quic[0].close();
                            }
                            udp.close();
                        }
                    });
                    QuicChannel.newBootstrap(udp)
                            .handler(new ChannelInitializer<QuicChannel>() {
                                @Override
                                protected void initChannel(QuicChannel ch) {
                                    quic[0] = ch;
                                    PeerClose peerClose = new PeerClose();
                                    ch.pipeline().addFirst(peerClose);
                                    init.accept(ch);
                                    synchronized (sockets) {
                                        connections.add(ch);
                                    }
                                    ch.closeFuture().addListener(f -> {
                                        QuicConnectionCloseEvent e = peerClose.event;
                                        if (e != null) {
                                            opened.tryFailure(new ConnectException("the server closed the QUIC"
                                                    + " connection: " + describe(e)));
                                        }
                                        synchronized (sockets) {
                                            connections.remove(ch);
                                        }
                                        udp.close();
                                    });
                                }
                            })
                            .remoteAddress(server)
                            .connect()
                            .addListener(f -> {
                                if (!f.isSuccess()) {
                                    opened.tryFailure(f.cause());
                                    udp.close();
                                }
                            });
                });
    }

    /** Closes every connection (application close, code 0), then the sockets, waiting a bounded time. */
    public static void closeAll(List<Channel> sockets, List<QuicChannel> connections) {
        List<Channel> open;
        List<QuicChannel> live;
        synchronized (sockets) {
            open = new ArrayList<>(sockets);
            live = new ArrayList<>(connections);
        }
        for (QuicChannel quic : live) {
            quic.close(true, 0, Unpooled.EMPTY_BUFFER).awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        for (Channel udp : open) {
            udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    /** The peer's CONNECTION_CLOSE, kept for the error of a connect it ended. */
    private static final class PeerClose extends ChannelInboundHandlerAdapter {
        QuicConnectionCloseEvent event;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof QuicConnectionCloseEvent) {
                event = (QuicConnectionCloseEvent) evt;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    static String describe(QuicConnectionCloseEvent e) {
        String reason = new String(e.reason(), StandardCharsets.UTF_8);
        String kind = e.isApplicationClose() ? "application error " + Integer.toUnsignedString(e.error())
                : "transport error 0x" + Integer.toHexString(e.error())
                + (e.error() == QuicServerRuntime.CONNECTION_REFUSED ? " (CONNECTION_REFUSED)" : "");
        return kind + (reason.isEmpty() ? "" : ", " + reason);
    }

    /** On a connected UDP socket, Linux reports the server's ICMP "port unreachable" as an exception on read. */
    private static final class RefusalDetector extends ChannelInboundHandlerAdapter {
        private final Promise<?> opened;
        private final InetSocketAddress server;

        RefusalDetector(Promise<?> opened, InetSocketAddress server) {
            this.opened = opened;
            this.server = server;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof PortUnreachableException) {
                if (opened.tryFailure(new ConnectException("connection refused: nothing listens on UDP " + server))) {
                    ctx.close();
                }
                return;
            }
            ctx.fireExceptionCaught(cause);
        }
    }
}

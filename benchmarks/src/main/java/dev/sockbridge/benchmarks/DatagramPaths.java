package dev.sockbridge.benchmarks;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.client.CreditMode;
import dev.sockbridge.api.client.PushListener;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.internal.tls.SelfSignedCertificate;
import dev.sockbridge.api.internal.tls.SelfSignedCertificateGenerator;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.EventLoops;
import dev.sockbridge.transport.webtransport.internal.QuicOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The datagram paths of {@link WebTransportBenchmark}: a native UDP echo server, and one
 * {@link WindowedEcho} per way of reaching it (or, for the ceiling, a QUIC echo of its own).
 */
final class DatagramPaths {
    private DatagramPaths() {
    }

    /** {@code -Dbench.quicStats=true}: prints the client QUIC connection's packet counters after a run (diagnosis). */
    static final boolean QUIC_STATS = Boolean.getBoolean("bench.quicStats");

    static void printQuicStats(String what, WindowedEcho path) {
        QuicChannel quic = path.quic();
        if (!QUIC_STATS || quic == null) {
            return;
        }
        try {
            io.netty.handler.codec.quic.QuicConnectionStats s = quic.collectStats().get(5, TimeUnit.SECONDS);
            io.netty.handler.codec.quic.QuicConnectionPathStats p = quic.collectPathStats(0).get(5, TimeUnit.SECONDS);
            System.out.printf("    %s client QUIC: packets sent %d recv %d lost %d; echoes/packet %.2f; rtt %d µs cwnd %d%n", what,
                    s.sent(), s.recv(), s.lost(), path.echoedTotal() / (double) Math.max(1, s.recv()), p.rtt() / 1000, p.cwnd());
        } catch (Exception e) {
            System.out.println("    no QUIC stats: " + e);
        }
    }

    /** The QuicChannel under a Sockbridge QUIC client transport (diagnosis only: reflection on internals). */
    static QuicChannel quicOf(Object transport) {
        try {
            java.lang.reflect.Field link = transport.getClass().getDeclaredField("link");
            link.setAccessible(true);
            Object l = link.get(transport);
            java.lang.reflect.Field session = l.getClass().getDeclaredField("session");
            session.setAccessible(true);
            return ((dev.sockbridge.transport.webtransport.internal.WebTransportSession) session.get(l)).connection();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }


    /** A server on a UDP port of 127.0.0.1, on a one-thread group of its own (epoll where it loads). */
    abstract static class LoopbackUdpServer implements AutoCloseable {
        private final EventLoopGroup group;
        private final Channel channel;

        LoopbackUdpServer(String threadName, ChannelHandler handler) throws InterruptedException {
            group = EventLoops.newGroup(1, threadName);
            channel = new Bootstrap().group(group).channel(EventLoops.datagramChannel(group)).handler(handler)
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) channel.localAddress();
        }

        @Override
        public void close() {
            channel.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** A native UDP echo server on 127.0.0.1 (Netty, epoll where it loads): every datagram back to its sender. */
    static final class UdpEchoServer extends LoopbackUdpServer {
        UdpEchoServer() throws InterruptedException {
            super("udp-echo", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    DatagramPacket p = (DatagramPacket) msg;
                    ctx.write(new DatagramPacket(p.content(), p.sender()));
                }

                @Override
                public void channelReadComplete(ChannelHandlerContext ctx) {
                    ctx.flush();
                }
            });
        }
    }

    /** A path whose every send is the same zeroed payload written to one Netty channel, flushed per window. */
    abstract static class PayloadOnChannel extends WindowedEcho {
        final ByteBuf payload;

        PayloadOnChannel(int size, int window) {
            super(window);
            payload = Unpooled.directBuffer(size).writeZero(size);
        }

        /** Where the payload goes. */
        abstract Channel sink();

        @Override
        boolean sendOne() {
            sink().write(payload.retainedDuplicate());
            return true;
        }

        @Override
        void flush() {
            sink().flush();
        }
    }

    /** Direct: a Java (Netty) UDP socket connected to the echo server. */
    static final class NativeUdp extends PayloadOnChannel {
        private final EventLoopGroup group = EventLoops.newGroup(1, "udp-client");
        private final Channel channel;

        NativeUdp(InetSocketAddress echo, int size, int window) throws InterruptedException {
            super(size, window);
            channel = new Bootstrap().group(group).channel(EventLoops.datagramChannel(group))
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                            echoed();
                        }

                        @Override
                        public void channelReadComplete(ChannelHandlerContext ctx) {
                            flush();
                        }
                    }).connect(echo, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            loop(channel.eventLoop());
        }

        @Override
        Channel sink() {
            return channel;
        }

        @Override
        public void close() {
            channel.close().awaitUninterruptibly();
            payload.release();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * The ceiling: a plain Netty QUIC server that echoes every DATAGRAM frame, and a plain Netty QUIC client, with
     * the QUIC parameters the Sockbridge transports use ({@link QuicOptions}) and the same event loops (EventLoops: epoll where it loads) as them.
     */
    static final class PlainQuicEchoServer extends LoopbackUdpServer {
        static final String ALPN = "raw-bench";

        PlainQuicEchoServer() throws Exception {
            super("plain-quic-server", codec());
        }

        private static ChannelHandler codec() throws Exception {
            SelfSignedCertificate cert = SelfSignedCertificateGenerator.loopback().generate();
            QuicSslContext tls = QuicSslContextBuilder.forServer(cert.privateKey(), null, cert.certificate())
                    .applicationProtocols(ALPN).build();
            return new QuicOptions().applyTo(new QuicServerCodecBuilder())
                    .sslContext(tls)
                    .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
                    .handler(new DatagramEcho())
                    .streamHandler(new NoStreams())
                    .build();
        }

        /** On every QuicChannel: each DATAGRAM frame straight back, one flush per read burst. */
        @ChannelHandler.Sharable
        private static final class DatagramEcho extends ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf) {
                    ctx.write(msg);
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
            }
        }

        @ChannelHandler.Sharable
        private static final class NoStreams extends ChannelInboundHandlerAdapter {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.close();
            }
        }
    }

    /** The client of {@link PlainQuicEchoServer}: QUIC DATAGRAM frames straight on the QuicChannel. */
    static final class PlainQuic extends PayloadOnChannel {
        private final EventLoopGroup group = EventLoops.newGroup(1, "plain-quic-client");
        private final Channel udp;
        private final QuicChannel quic;
        private final CompletableFuture<Integer> maxLength = new CompletableFuture<>();

        PlainQuic(InetSocketAddress server, int size, int window) throws Exception {
            super(size, window);
            QuicSslContext tls = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .applicationProtocols(PlainQuicEchoServer.ALPN).build();
            ChannelHandler codec = new QuicOptions().applyTo(new QuicClientCodecBuilder())
                    .sslContext(tls).build();
            udp = new Bootstrap().group(group).channel(EventLoops.datagramChannel(group)).handler(codec)
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            quic = QuicChannel.newBootstrap(udp)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                            if (msg instanceof ByteBuf) {
                                echoed();
                            }
                        }

                        @Override
                        public void channelReadComplete(ChannelHandlerContext ctx) {
                            flush();
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof QuicDatagramExtensionEvent) {
                                maxLength.complete(((QuicDatagramExtensionEvent) evt).maxLength());
                            }
                            ctx.fireUserEventTriggered(evt);
                        }
                    })
                    .remoteAddress(server)
                    .connect().get(10, TimeUnit.SECONDS);
            int max = maxLength.get(10, TimeUnit.SECONDS);
            if (max < size) {
                throw new IllegalStateException("QUIC datagrams of " + size + " B do not fit (max " + max + ")");
            }
            loop(quic.eventLoop());
        }

        @Override
        Channel sink() {
            return quic;
        }

        @Override
        QuicChannel quic() {
            return quic;
        }

        @Override
        public void close() {
            quic.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            udp.close().awaitUninterruptibly();
            payload.release();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * Through the proxy with the Java client: a UDP socket of the proxy in push mode, {@code sendToUnreliable} on
     * the datagram path out, push events on the datagram path back.
     */
    static final class ThroughProxy extends WindowedEcho {
        static final long CREDIT = 8L << 20;
        private final SockbridgeClient client;
        private final int fd;
        private final InetSocketAddress echo;
        private final ByteBuf payload;

        ThroughProxy(URI uri, TransportOptions opts, InetSocketAddress echo, int size, int window) throws Exception {
            super(window);
            this.echo = echo;
            payload = Unpooled.directBuffer(size).writeZero(size);
            client = SockbridgeClient.connect(uri, opts).get(10, TimeUnit.SECONDS);
            fd = client.socket(Posix.AF_INET, Posix.SOCK_DGRAM, 0).get(10, TimeUnit.SECONDS);
            client.bind(fd, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).get(10, TimeUnit.SECONDS);
            client.push(fd, new PushListener() {
                @Override
                public void onData(int fd, ByteBuf data, InetSocketAddress from, int flags) {
                    echoed();
                }
            }, CREDIT, CreditMode.AUTO).get(10, TimeUnit.SECONDS);
            loop(client.transport().executor());
        }

        @Override
        boolean sendOne() {
            try {
                return client.sendToUnreliable(fd, echo, payload.retainedDuplicate());
            } catch (dev.sockbridge.api.SocketCallException e) {
                throw new IllegalStateException("a " + payload.readableBytes() + " B payload does not fit one datagram", e);
            }
        }

        @Override
        QuicChannel quic() {
            return quicOf(client.transport());
        }

        /** Datagrams of the socket the proxy dropped ({@link SocketOption#SB_DATAGRAMS_DROPPED}). */
        long droppedByProxy() throws Exception {
            return client.getSockOpt(fd, SocketOption.SB_DATAGRAMS_DROPPED).get(10, TimeUnit.SECONDS);
        }

        long droppedByClient() {
            return client.stats().datagramsDropped();
        }

        @Override
        public void close() {
            client.close();
            payload.release();
        }
    }
}

package dev.sockbridge.transport.webtransport;

import dev.sockbridge.transport.webtransport.internal.PinnedCertificateTrustManager;
import dev.sockbridge.transport.webtransport.internal.Varint;
import dev.sockbridge.transport.webtransport.internal.WebTransportProtocol;
import dev.sockbridge.transport.webtransport.internal.WebTransportServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare-bones WebTransport-over-HTTP/3 client for protocol tests: raw access to CONNECT requests, capsules,
 * prefixed streams and datagrams, so that the server's error paths can be driven on purpose.
 */
final class H3TestClient implements AutoCloseable {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final QuicChannel quic;
    private final Channel udp;
    final BlockingQueue<ByteBuf> datagrams = new LinkedBlockingQueue<>();
    /** The :authority of the requests sent: the server's address unless a test names it otherwise. */
    String authority;
    /** The server's SETTINGS frame, once its control stream brought it. */
    final CompletableFuture<Http3SettingsFrame> serverSettings = new CompletableFuture<>();
    /** The id of the server's GOAWAY frame, once its control stream brought one. */
    final CompletableFuture<Long> goAway = new CompletableFuture<>();

    H3TestClient(InetSocketAddress server, byte[] certificateSha256) throws Exception {
        this(server, certificateSha256, null);
    }

    /** {@code settings}: the client's SETTINGS frame (a browser's profile); null: Netty's defaults. */
    H3TestClient(InetSocketAddress server, byte[] certificateSha256, Http3SettingsFrame settings) throws Exception {
        authority = "127.0.0.1:" + server.getPort();
        QuicSslContext tls = QuicSslContextBuilder.forClient()
                .trustManager(new PinnedCertificateTrustManager(List.of(certificateSha256)))
                .applicationProtocols(Http3.supportedApplicationProtocols())
                .build();
        udp = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(Http3.newQuicClientCodecBuilder()
                        .sslContext(tls)
                        .maxIdleTimeout(20, TimeUnit.SECONDS)
                        .initialMaxData(8 << 20)
                        .initialMaxStreamDataBidirectionalLocal(1 << 20)
                        .initialMaxStreamDataBidirectionalRemote(1 << 20)
                        .initialMaxStreamDataUnidirectional(1 << 20)
                        .initialMaxStreamsBidirectional(100)
                        .initialMaxStreamsUnidirectional(100)
                        .datagram(256, 256)
                        .build())
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        quic = QuicChannel.newBootstrap(udp)
                .handler(new ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel ch) {
                        ch.pipeline().addLast(
                                new Http3ClientConnectionHandler(new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        if (msg instanceof Http3SettingsFrame) {
                                            serverSettings.complete((Http3SettingsFrame) msg);
                                        } else if (msg instanceof io.netty.handler.codec.http3.Http3GoAwayFrame) {
                                            goAway.complete(((io.netty.handler.codec.http3.Http3GoAwayFrame) msg).id());
                                        }
                                        io.netty.util.ReferenceCountUtil.release(msg);
                                    }
                                }, null, null, settings, true, WebTransportProtocol.ACCEPT_ALL_SETTINGS),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        if (msg instanceof ByteBuf) {
                                            datagrams.add((ByteBuf) msg);
                                        } else {
                                            ctx.fireChannelRead(msg);
                                        }
                                    }
                                });
                    }
                })
                .remoteAddress(server)
                .connect().get(10, TimeUnit.SECONDS);
    }

    /** One request stream: the response status, the capsule bytes and the server's FIN. */
    static final class Request extends Http3RequestStreamInboundHandler {
        final CompletableFuture<Http3Headers> response = new CompletableFuture<>();
        final ByteBuf body = Unpooled.buffer();
        final CompletableFuture<Void> fin = new CompletableFuture<>();
        QuicStreamChannel stream;

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
            response.complete(frame.headers());
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
            synchronized (body) {
                body.writeBytes(frame.content());
            }
            frame.release();
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
            fin.complete(null);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            fin.complete(null);
            response.completeExceptionally(new IllegalStateException("stream closed without response"));
            super.channelInactive(ctx);
        }

        long id() {
            return stream.streamId();
        }

        void sendCapsules(ByteBuf capsules, boolean fin) {
            var f = stream.writeAndFlush(new DefaultHttp3DataFrame(capsules));
            if (fin) {
                f.addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
            }
        }

        /** The capsule bytes received so far. */
        byte[] bodyBytes() {
            synchronized (body) {
                byte[] b = new byte[body.readableBytes()];
                body.getBytes(body.readerIndex(), b);
                return b;
            }
        }

        String status() throws Exception {
            return response.get(10, TimeUnit.SECONDS).status().toString();
        }
    }

    /** Creates a request stream without sending anything yet. */
    Request newRequest() throws Exception {
        Request r = new Request();
        r.stream = Http3.newRequestStream(quic, r).get(5, TimeUnit.SECONDS);
        return r;
    }

    /** Sends the extended CONNECT (origin may be null: the header is then left out). */
    void sendConnect(Request r, String method, String protocol, String path, String origin) {
        Http3Headers h = new DefaultHttp3Headers()
                .method(method).scheme("https").authority(authority).path(path);
        if (protocol != null) {
            h.protocol(protocol);
        }
        if (origin != null) {
            h.add("origin", origin);
        }
        h.add("sec-webtransport-http3-draft02", "1");
        r.stream.writeAndFlush(new DefaultHttp3HeadersFrame(h));
    }

    Request connect(String path, String origin) throws Exception {
        Request r = newRequest();
        sendConnect(r, "CONNECT", "webtransport", path, origin);
        return r;
    }

    /** A client bidi stream with the WebTransport prefix {@code 0x41, sessionId}, then {@code payload}. */
    QuicStreamChannel openWtBidi(long sessionId, ChannelInboundHandlerAdapter handler, byte[] payload, boolean fin)
            throws Exception {
        QuicStreamChannel s = quic.createStream(QuicStreamType.BIDIRECTIONAL, handler).get(5, TimeUnit.SECONDS);
        ByteBuf b = Unpooled.buffer();
        Varint.write(b, WebTransportProtocol.BIDI_STREAM_SIGNAL);
        Varint.write(b, sessionId);
        b.writeBytes(payload);
        s.writeAndFlush(new DefaultQuicStreamFrame(b, fin)).sync();
        return s;
    }

    void sendDatagram(long sessionId, byte[] payload) {
        ByteBuf b = Unpooled.directBuffer();
        Varint.write(b, sessionId >>> 2);
        b.writeBytes(payload);
        quic.writeAndFlush(b);
    }

    /** A test's teardown: closes {@code client}, then {@code server}; either may be {@code null}. */
    static void closeWithServer(H3TestClient client, WebTransportServer server) {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    public void close() {
        quic.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        // closed before the loop stops: a loop that closes it while shutting down may never run the pipeline's
        // teardown, and the QUIC codec's native address buffers then leak (paranoid leak detection shows them)
        udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        ByteBuf d;
        while ((d = datagrams.poll()) != null) {
            d.release();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}

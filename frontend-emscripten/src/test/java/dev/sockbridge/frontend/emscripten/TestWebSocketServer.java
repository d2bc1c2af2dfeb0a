package dev.sockbridge.frontend.emscripten;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.proxy.SockbridgeProxy;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * TEST ONLY: the smallest WebSocket server that can carry the two Emscripten front ends, so real
 * Emscripten programs can be run against them before the transport-websocket module exists. It is
 * not that module and not a model for it; it shows what a route must hand over:
 *
 * <ul>
 *   <li>{@code /posix}: {@link EmscriptenPosixSession#serve} (the client offers no subprotocol);</li>
 *   <li>{@code /tcp?target=HOST:PORT}, {@code /udp?target=HOST:PORT}: {@link WebsockifyBridge#serve} with
 *       {@link BridgeTargets#fromUrl} and the request path (the {@code binary} subprotocol is
 *       selected when offered).</li>
 * </ul>
 *
 * Run standalone: {@code main(port)} prints the two URLs and serves until killed.
 */
final class TestWebSocketServer implements AutoCloseable {
    static final int MAX_MESSAGE = 16 << 20;
    private final SockbridgeProxy proxy;
    private final Channel server;
    /** Its own loop, not the proxy's: sessions then hop from the transport's loop to theirs, as over the network. */
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    TestWebSocketServer(SockbridgeProxy proxy, int port) throws InterruptedException {
        this.proxy = proxy;
        BridgeTargets tcp = BridgeTargets.fromUrl(BridgeTargets.Kind.TCP);
        BridgeTargets udp = BridgeTargets.fromUrl(BridgeTargets.Kind.UDP);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                        .websocketPath("/").checkStartsWith(true).subprotocols(WebsockifyBridge.SUBPROTOCOL)
                                        .handleCloseFrames(false).maxFramePayloadLength(MAX_MESSAGE).build()),
                                new WebSocketFrameAggregator(MAX_MESSAGE),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                                        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                                            String uri = ((WebSocketServerProtocolHandler.HandshakeComplete) evt).requestUri();
                                            WsTransport t = new WsTransport(ctx.channel());
                                            ctx.pipeline().replace(this, "transport", t);
                                            String path = BridgeTargets.pathOf(uri);
                                            if (path.equals("/posix") || path.equals("/posix/")) {
                                                EmscriptenPosixSession.serve(proxy, t);
                                            } else if (path.equals("/tcp") || path.startsWith("/tcp/")) {
                                                WebsockifyBridge.serve(proxy, t, tcp, uri);
                                            } else if (path.equals("/udp") || path.startsWith("/udp/")) {
                                                WebsockifyBridge.serve(proxy, t, udp, uri);
                                            } else {
                                                t.close(1008, "no route for " + path);
                                            }
                                        } else {
                                            super.userEventTriggered(ctx, evt);
                                        }
                                    }
                                });
                    }
                });
        server = b.bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String posixUrl() {
        return "ws://127.0.0.1:" + port() + "/posix";
    }

    String tcpBridgeTemplate() {
        return "ws://127.0.0.1:" + port() + "/tcp?target={target}";
    }

    String udpBridgeTemplate() {
        return "ws://127.0.0.1:" + port() + "/udp?target={target}";
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A Transport over one WebSocket channel: binary messages are frames; a text message is an error. */
    static final class WsTransport extends ChannelInboundHandlerAdapter implements Transport {
        private final Channel ch;
        private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
        private final ArrayDeque<ByteBuf> early = new ArrayDeque<>();
        private TransportListener listener;
        private int code = 1006;
        private String reason = "connection lost";
        private boolean fired;

        WsTransport(Channel ch) {
            this.ch = ch;
            ch.closeFuture().addListener(f -> ch.eventLoop().execute(this::fireClosed));
        }

        @Override
        public void start(TransportListener l) {
            ch.eventLoop().execute(() -> {
                listener = l;
                ByteBuf b;
                while ((b = early.poll()) != null) {
                    l.frameReceived(b);
                }
                if (!ch.isActive()) {
                    fireClosed();
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            WebSocketFrame f = (WebSocketFrame) msg;
            if (f instanceof BinaryWebSocketFrame) {
                ByteBuf b = f.content();
                if (listener == null) {
                    early.add(b);
                } else {
                    listener.frameReceived(b);
                }
            } else if (f instanceof CloseWebSocketFrame) {
                CloseWebSocketFrame c = (CloseWebSocketFrame) f;
                code = c.statusCode() < 0 ? 1005 : c.statusCode();
                reason = c.reasonText();
                f.release();
                ch.writeAndFlush(new CloseWebSocketFrame(code == 1005 ? 1000 : code, "")).addListener(ChannelFutureListener.CLOSE);
            } else if (f instanceof TextWebSocketFrame) {
                f.release();
                close(1003, "text frames are not part of this protocol");
            } else {
                f.release(); // pongs
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (listener != null) {
                listener.writabilityChanged(ch.isWritable());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            code = 1011;
            reason = String.valueOf(cause);
            ctx.close();
        }

        private void fireClosed() {
            if (fired || listener == null) {
                if (!ch.isActive()) {
                    ByteBuf b;
                    while ((b = early.poll()) != null) {
                        b.release();
                    }
                    closeFuture.complete(null);
                }
                return;
            }
            fired = true;
            try {
                listener.closed(code, reason);
            } finally {
                closeFuture.complete(null);
            }
        }

        @Override
        public void send(ByteBuf frame) {
            if (!ch.isActive()) {
                frame.release();
                return;
            }
            ch.writeAndFlush(new BinaryWebSocketFrame(frame), ch.voidPromise());
        }

        @Override
        public boolean isWritable() {
            return ch.isWritable();
        }

        @Override
        public void setAutoRead(boolean autoRead) {
            ch.config().setAutoRead(autoRead);
        }

        @Override
        public Set<Capability> capabilities() {
            return EnumSet.noneOf(Capability.class);
        }

        @Override
        public void close(int code, String reason) {
            ch.eventLoop().execute(() -> {
                if (!ch.isActive()) {
                    return;
                }
                this.code = code;
                this.reason = reason;
                String r = reason.length() > 120 ? reason.substring(0, 120) : reason;
                ch.writeAndFlush(new CloseWebSocketFrame(code, r)).addListener(ChannelFutureListener.CLOSE);
            });
        }

        @Override
        public CompletableFuture<Void> closeFuture() {
            return closeFuture;
        }

        @Override
        public EventExecutor executor() {
            return ch.eventLoop();
        }

        @Override
        public ByteBufAllocator alloc() {
            return ch.alloc();
        }

        @Override
        public SocketAddress remoteAddress() {
            return ch.remoteAddress();
        }

        @Override
        public String scheme() {
            return "ws";
        }
    }

    /** Serves until killed: {@code PORT [--allow CIDR:PORTS]...} (default policy: loopback only). */
    public static void main(String[] args) throws Exception {
        SockbridgeProxy proxy = SockbridgeProxy.builder().build();
        TestWebSocketServer s = new TestWebSocketServer(proxy, args.length > 0 ? Integer.parseInt(args[0]) : 0);
        System.out.println("POSIX " + s.posixUrl());
        System.out.println("TCP_BRIDGE " + s.tcpBridgeTemplate());
        System.out.println("UDP_BRIDGE " + s.udpBridgeTemplate());
        System.out.flush();
        Thread.currentThread().join();
    }
}

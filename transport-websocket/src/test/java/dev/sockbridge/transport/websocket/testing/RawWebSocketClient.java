package dev.sockbridge.transport.websocket.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bare Netty WebSocket client for tests: it sends exactly the frames it is given (fragments, text,
 * pings, oversized ones) and records every frame it receives, unaggregated. It answers pings only
 * when asked to. Shared through this module's test-jar with the runnable proxy's hostile-client tests.
 *
 * <p>Threading: frames are recorded on the client's event loop; the rest is for one test thread.
 */
public final class RawWebSocketClient implements AutoCloseable {
    public static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1,
            new io.netty.util.concurrent.DefaultThreadFactory("raw-ws-client", true), NioIoHandler.newFactory());

    /** A received frame, copied. */
    public record Frame(String type, boolean fin, byte[] data, int closeCode, String reason) {
    }

    public final Channel channel;
    /** Every frame received and not yet taken, pings and the close frame included. */
    public final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    public final AtomicInteger pings = new AtomicInteger();
    public final CompletableFuture<Void> closed = new CompletableFuture<>();
    /**
     * "code reason" of the peer's close frame, or "1006 closed without a close frame" when the connection ends
     * without one.
     */
    public final CompletableFuture<String> closeStatus = new CompletableFuture<>();

    private RawWebSocketClient(Channel channel) {
        this.channel = channel;
        channel.closeFuture().addListener(f -> {
            closeStatus.complete("1006 closed without a close frame");
            closed.complete(null);
        });
    }

    /** Connects to {@code uri} and completes the handshake, offering {@code subprotocol} if not null. */
    public static RawWebSocketClient connect(URI uri, String subprotocol, boolean answerPings, Duration timeout)
            throws Exception {
        return connect(uri, subprotocol, answerPings, true, timeout);
    }

    /**
     * As {@link #connect}, but the client stops reading right after the handshake and keeps its receive buffer
     * small, so little of what the peer writes hides in the kernel: a client that never reads.
     */
    public static RawWebSocketClient connectNotReading(URI uri, String subprotocol, Duration timeout)
            throws Exception {
        return connect(uri, subprotocol, false, false, timeout);
    }

    private static RawWebSocketClient connect(URI uri, String subprotocol, boolean answerPings, boolean read,
            Duration timeout) throws Exception {
        WebSocketClientHandshaker hs = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13,
                subprotocol, false, new DefaultHttpHeaders(), 1 << 24);
        CompletableFuture<RawWebSocketClient> ready = new CompletableFuture<>();
        RawWebSocketClient[] client = new RawWebSocketClient[1];
        Bootstrap b = new Bootstrap().group(GROUP).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        hs.handshake(ctx.channel());
                        ctx.fireChannelActive();
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        try {
                            if (msg instanceof FullHttpResponse) {
                                hs.finishHandshake(ctx.channel(), (FullHttpResponse) msg);
                                if (!read) {
                                    ctx.channel().config().setAutoRead(false);
                                }
                                client[0] = new RawWebSocketClient(ctx.channel());
                                ready.complete(client[0]);
                                return;
                            }
                            WebSocketFrame f = (WebSocketFrame) msg;
                            RawWebSocketClient c = client[0];
                            if (f instanceof PingWebSocketFrame) {
                                c.pings.incrementAndGet();
                                if (answerPings) {
                                    ctx.writeAndFlush(new PongWebSocketFrame(f.content().retain()));
                                }
                            }
                            String type = f.getClass().getSimpleName().replace("WebSocketFrame", "");
                            if (f instanceof CloseWebSocketFrame) {
                                CloseWebSocketFrame cf = (CloseWebSocketFrame) f;
                                c.frames.add(new Frame(type, true, new byte[0], cf.statusCode(), cf.reasonText()));
                                c.closeStatus.complete(cf.statusCode() + " " + cf.reasonText());
                            } else {
                                c.frames.add(new Frame(type, f.isFinalFragment(), ByteBufUtil.getBytes(f.content()), -1, null));
                            }
                        } catch (Exception e) {
                            ready.completeExceptionally(e);
                            ctx.close();
                        } finally {
                            ReferenceCountUtil.release(msg);
                        }
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ready.completeExceptionally(cause);
                        ctx.close();
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        ready.completeExceptionally(new IllegalStateException("closed during handshake"));
                        ctx.fireChannelInactive();
                    }
                });
            }
        });
        if (!read) {
            b.option(ChannelOption.SO_RCVBUF, 16 << 10);
        }
        io.netty.channel.ChannelFuture cf = b.connect(uri.getHost(), uri.getPort());
        if (!cf.await(timeout.toMillis(), TimeUnit.MILLISECONDS) || !cf.isSuccess()) {
            cf.channel().close();
            throw new java.io.IOException("cannot connect to " + uri, cf.cause());
        }
        return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void send(WebSocketFrame frame) {
        if (!channel.writeAndFlush(frame).awaitUninterruptibly(10, TimeUnit.SECONDS)) {
            throw new AssertionError("write not done within 10 s");
        }
    }

    /** The next frame that is not a ping, or fails after {@code timeout}. */
    public Frame next(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame f = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (f == null) {
                throw new AssertionError("no frame within " + timeout);
            }
            if (!f.type().equals("Ping")) {
                return f;
            }
        }
    }

    /** The first close frame, skipping others. */
    public Frame awaitClose(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame f = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (f == null) {
                throw new AssertionError("no close frame within " + timeout);
            }
            if (f.type().equals("Close")) {
                return f;
            }
        }
    }

    /** The payloads of the binary frames received and not yet taken, in order. */
    public List<byte[]> binaryPayloads() {
        return frames.stream().filter(f -> f.type().equals("Binary")).map(Frame::data).toList();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}

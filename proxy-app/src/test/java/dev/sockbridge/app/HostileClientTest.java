package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.EchoServer;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.ProxyStats;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that attack the runnable proxy's configuration (ProxyMain, in this JVM) over real WebSockets on
 * loopback, measured with the proxy's own counters ({@link ProxyStats#bufferedBytes}): a client that sends
 * requests and never reads the answers (on /sockbridge and /emscripten), one that sends malformed requests
 * without end, and one that sends part of a 16 MiB message to /sockbridge.
 */
@Timeout(180)
class HostileClientTest {
    static final long T_MS = 20_000;
    /**
     * What the proxy may hold for a session whose client does not read: the WebSocket's high-water mark,
     * then at most the answers to what one read brought in before reading stopped, and a message in
     * progress. 1 MiB of room for those two is generous; without backpressure the answers grow with the
     * requests (several MiB here).
     */
    static final long HELD_BOUND = TransportOptions.DEFAULT_HIGH_WATER_MARK + (1L << 20);

    static final EventLoopGroup CLIENTS = new MultiThreadIoEventLoopGroup(1,
            new io.netty.util.concurrent.DefaultThreadFactory("hostile-client", true), NioIoHandler.newFactory());

    private ProxyMain main;
    private EchoServer echoServer;

    @BeforeEach
    void start() throws Exception {
        main = new ProxyMain(ProxyOptions.parse(new String[] {"--listen", "127.0.0.1:0"}));
        main.start();
        echoServer = EchoServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        main.stop();
        echoServer.close();
    }

    private ProxyStats stats() {
        return main.proxy().stats();
    }

    // ------------------------------------------------------------------ a client that never reads

    @Test
    void aSockbridgeClientThatNeverReadsIsHeldBackWhileAnotherSessionIsServed() throws Exception {
        MessageCodec codec = MessageCodec.cbor();
        RawWs flooder = RawWs.connect(main.uri("/sockbridge"), false);
        flooder.ch.writeAndFlush(frame(codec, new Control.Hello(List.of(MessageCodec.VERSION), "hostile")));
        // each a poll of 500 descriptors that do not exist, with no timeout: answered at once, each
        // descriptor with POLLNVAL (an answer as large as the request)
        List<PollFd> fds = new java.util.ArrayList<>();
        for (int fd = 1000; fd < 1500; fd++) {
            fds.add(new PollFd(fd, 1 /* POLLIN */));
        }
        flood(flooder, 20_000, i -> bytes(codec, new Request.Poll(i + 1, fds, 0)));
    }

    @Test
    void anEmscriptenClientThatNeverReadsIsHeldBackWhileAnotherSessionIsServed() throws Exception {
        RawWs flooder = RawWs.connect(main.uri("/emscripten"), false);
        // getaddrinfo of a numeric address: answered at once, with the 2,064 bytes the client's parser needs
        // and the addresses
        flood(flooder, 20_000, HostileClientTest::getAddrInfo);
    }

    /**
     * Sends up to {@code max} requests from {@code flooder} (which does not read) in batches, until its
     * writes stop being taken and the proxy handles no more of its calls for a second (it stopped reading
     * it), or all are sent. Meanwhile what the proxy holds
     * must stay under {@link #HELD_BOUND}; then another session must still be served, and everything held
     * is given back once the flooder leaves.
     */
    private void flood(RawWs flooder, int max, IntFunction<byte[]> request) throws Exception {
        long calls0 = stats().callsTotal();
        long peak = 0;
        int sent = 0;
        boolean stalled = false;
        while (sent < max && !stalled) {
            ChannelFuture last = null;
            for (int bytes = 0; bytes < (256 << 10) && sent < max; sent++) {
                byte[] r = request.apply(sent);
                bytes += r.length;
                last = flooder.ch.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(r)));
            }
            flooder.ch.flush();
            // the proxy takes each batch unless it stopped reading: then the batch stays in our buffer, and
            // neither the proxy handles more calls nor does our buffer change
            long handledBefore = stats().callsTotal();
            long pendingBefore = pending(flooder.ch);
            while (!last.await(1, TimeUnit.SECONDS)) {
                long handledNow = stats().callsTotal();
                long pendingNow = pending(flooder.ch);
                if (handledNow == handledBefore && pendingNow == pendingBefore) {
                    stalled = true;
                    break;
                }
                handledBefore = handledNow;
                pendingBefore = pendingNow;
            }
            assertTrue(flooder.ch.isActive(), "the proxy kept the connection");
            peak = Math.max(peak, stats().bufferedBytes());
            assertTrue(peak <= HELD_BOUND, "the proxy holds at most " + HELD_BOUND + " bytes, not " + peak
                    + " (after " + sent + " requests)");
        }
        long handled = stats().callsTotal() - calls0;
        System.out.println("flood: " + sent + " requests sent, " + handled + " handled, the proxy held at most " + peak
                + " bytes (bound " + HELD_BOUND + ")");
        assertTrue(stalled, "the proxy stopped reading: it took all " + sent + " requests");
        assertTrue(handled < sent, "the proxy stopped reading: it handled " + handled + " of " + sent + " requests");
        assertTrue(peak > 0, "what the proxy held for the flooder was counted; sent " + sent + ", handled " + handled + ", " + stats());

        // another session is served meanwhile
        SockbridgeClient client = SockbridgeClient.connect(main.uri("/sockbridge")).get(T_MS, TimeUnit.MILLISECONDS);
        try {
            BridgedSocket s = new BridgedSocket(client, "127.0.0.1", echoServer.tcpAddress().getPort());
            for (int i = 0; i < 20; i++) {
                byte[] msg = ("echo " + i).getBytes(StandardCharsets.UTF_8);
                s.getOutputStream().write(msg);
                assertArrayEquals(msg, s.getInputStream().readNBytes(msg.length));
            }
            s.close();
            assertTrue(stats().bufferedBytes() <= HELD_BOUND, "still bounded: " + stats().bufferedBytes());
        } finally {
            client.close();
        }

        flooder.close();
        awaitNothingHeld();
    }

    /** Bytes our side has not written to its socket yet. */
    private static long pending(Channel ch) {
        io.netty.channel.ChannelOutboundBuffer b = ch.unsafe().outboundBuffer();
        return b == null ? 0 : b.totalPendingWriteBytes();
    }

    private void awaitNothingHeld() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(T_MS);
        while (stats().sessionsOpen() > 0 || stats().bufferedBytes() != 0) {
            assertTrue(System.nanoTime() < deadline, "sessions ended and nothing held: " + stats());
            Thread.sleep(10);
        }
    }

    // ------------------------------------------------------------------ malformed requests without end

    @Test
    void aSockbridgeClientSendingMalformedRequestsIsClosedWith4002AfterABoundedNumber() throws Exception {
        MessageCodec codec = MessageCodec.cbor();
        RawWs c = RawWs.connect(main.uri("/sockbridge"), true);
        c.ch.writeAndFlush(frame(codec, new Control.Hello(List.of(MessageCodec.VERSION), "hostile")));
        int sent = 0;
        for (; sent < 1000 && c.ch.isActive() && !c.close.isDone(); sent++) {
            // CLOSE with a call id and a text where the descriptor goes: EINVAL for that call
            int id = sent + 1;
            byte[] bad = {(byte) 0x83, 0x18, 0x1d, 0x19, (byte) (id >> 8), (byte) id, 0x60};
            c.ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bad))).await(T_MS);
        }
        String close = c.close.get(T_MS, TimeUnit.MILLISECONDS);
        assertTrue(close.startsWith("4002 ") && close.contains("malformed"), close);
        // the welcome and one error reply for each malformed request up to the limit (a goodbye may follow)
        assertTrue(c.messages.size() >= 1 + 256 && c.messages.size() <= 1 + 256 + 1, "answers: " + c.messages.size());
        c.close();
        awaitNothingHeld();
    }

    @Test
    void anEmscriptenClientSendingMalformedRequestsIsClosedWith1008AfterABoundedNumber() throws Exception {
        RawWs c = RawWs.connect(main.uri("/emscripten"), true);
        int sent = 0;
        for (; sent < 1000 && c.ch.isActive() && !c.close.isDone(); sent++) {
            // a call id and one byte: no opcode to read
            byte[] bad = ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN).putInt(sent + 1).put((byte) 9).array();
            c.ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bad))).await(T_MS);
        }
        String close = c.close.get(T_MS, TimeUnit.MILLISECONDS);
        assertTrue(close.startsWith("1008 ") && close.contains("malformed"), close);
        assertEquals(256, c.messages.size(), "one error reply for each malformed request up to the limit");
        for (byte[] m : c.messages) {
            assertEquals(16, m.length, "an error reply as short as the client's parser allows");
        }
        c.close();
        awaitNothingHeld();
    }

    // ------------------------------------------------------------------ a partial 16 MiB message

    /**
     * /sockbridge takes messages up to the Sockbridge protocol's 1 MiB although /emscripten on the same
     * listener takes 16 MiB: a client that starts a 16 MiB message in 64 KiB fragments is closed with 1009
     * once it passes 1 MiB, and the proxy held little more than that meanwhile.
     */
    @Test
    void aPartial16MiBMessageOnSockbridgeIsRefusedAt1MiBWith1009() throws Exception {
        RawWs c = RawWs.connect(main.uri("/sockbridge"), true);
        int piece = 64 << 10;
        long peak = 0;
        for (int i = 0; i < 256 && c.ch.isActive() && !c.close.isDone(); i++) {
            ByteBuf b = Unpooled.wrappedBuffer(new byte[piece]);
            WebSocketFrame f = i == 0 ? new BinaryWebSocketFrame(false, 0, b) : new ContinuationWebSocketFrame(i == 255, 0, b);
            c.ch.writeAndFlush(f).await(T_MS);
            peak = Math.max(peak, stats().bufferedBytes());
        }
        String close = c.close.get(T_MS, TimeUnit.MILLISECONDS);
        assertTrue(close.startsWith("1009 ") && close.contains(String.valueOf(1 << 20)), close);
        long bound = (1 << 20) + 4L * piece;
        assertTrue(peak <= bound, "held at most " + bound + " bytes of the message, not " + peak);
        c.close();
        awaitNothingHeld();
    }

    // ------------------------------------------------------------------ helpers

    private static BinaryWebSocketFrame frame(MessageCodec codec, Message m) {
        return new BinaryWebSocketFrame(encode(codec, m));
    }

    private static byte[] bytes(MessageCodec codec, Message m) {
        ByteBuf b = encode(codec, m);
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static ByteBuf encode(MessageCodec codec, Message m) {
        return codec.encode(m, ByteBufAllocator.DEFAULT);
    }

    /** GETADDRINFO (opcode 18) for 127.0.0.1, no hints: 2,204 bytes, no lookup needed. */
    static byte[] getAddrInfo(int i) {
        ByteBuffer b = ByteBuffer.allocate(2204).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(i + 1).putInt(18);
        b.put("127.0.0.1".getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    /**
     * A bare WebSocket client: it sends what it is given; when reading, it keeps every binary message and
     * the close code and reason; when not, it stops reading right after the handshake and keeps its receive
     * buffer small, so little of what the proxy writes hides in the kernel.
     */
    static final class RawWs implements AutoCloseable {
        final Channel ch;
        final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<String> close = new CompletableFuture<>();

        private RawWs(Channel ch) {
            this.ch = ch;
            ch.closeFuture().addListener(f -> close.complete("1006 closed without a close frame"));
        }

        static RawWs connect(URI uri, boolean read) throws Exception {
            WebSocketClientHandshaker hs = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13,
                    null, false, new DefaultHttpHeaders(), 1 << 24);
            CompletableFuture<RawWs> ready = new CompletableFuture<>();
            RawWs[] self = new RawWs[1];
            Bootstrap b = new Bootstrap().group(CLIENTS).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                                    new ChannelInboundHandlerAdapter() {
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
                                                    self[0] = new RawWs(ctx.channel());
                                                    ready.complete(self[0]);
                                                } else if (msg instanceof CloseWebSocketFrame) {
                                                    CloseWebSocketFrame c = (CloseWebSocketFrame) msg;
                                                    self[0].close.complete(c.statusCode() + " " + c.reasonText());
                                                } else if (msg instanceof BinaryWebSocketFrame) {
                                                    self[0].messages.add(ByteBufUtil.getBytes(((WebSocketFrame) msg).content()));
                                                }
                                            } finally {
                                                ReferenceCountUtil.release(msg);
                                            }
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            ready.completeExceptionally(cause);
                                            ctx.close();
                                        }
                                    });
                        }
                    });
            if (!read) {
                b.option(ChannelOption.SO_RCVBUF, 16 << 10);
            }
            ChannelFuture cf = b.connect(uri.getHost(), uri.getPort());
            if (!cf.await(T_MS) || !cf.isSuccess()) {
                cf.channel().close();
                throw new java.io.IOException("cannot connect to " + uri, cf.cause());
            }
            return ready.get(T_MS, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            ch.close().awaitUninterruptibly(T_MS);
        }
    }
}

package dev.sockbridge.transport.webtransport;

import dev.sockbridge.transport.webtransport.internal.WebTransportSession;
import dev.sockbridge.transport.webtransport.internal.WebTransportSessionHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test server behaviour: echoes bidi streams (with backpressure, FIN after the peer's FIN), answers a finished
 * uni stream with a server-opened uni stream carrying the same bytes, echoes datagrams, and on open pushes a
 * server-opened bidi stream whose reply it records. Records what it saw for the test to assert.
 */
final class EchoSessionHandler implements WebTransportSessionHandler {
    static final String SERVER_BIDI_GREETING = "hello from a server-opened bidi stream";

    final List<WebTransportSession> opened = new CopyOnWriteArrayList<>();
    final CompletableFuture<WebTransportSession> firstOpened = new CompletableFuture<>();
    final CompletableFuture<WebTransportSession.CloseInfo> firstClose = new CompletableFuture<>();
    final CompletableFuture<WebTransportSession> firstDraining = new CompletableFuture<>();
    final CompletableFuture<String> serverBidiReply = new CompletableFuture<>();
    final AtomicInteger bidiStreams = new AtomicInteger();
    final AtomicInteger uniStreams = new AtomicInteger();
    final AtomicInteger datagrams = new AtomicInteger();
    private final boolean pushServerBidi;

    EchoSessionHandler(boolean pushServerBidi) {
        this.pushServerBidi = pushServerBidi;
    }

    @Override
    public void sessionOpened(WebTransportSession session) {
        opened.add(session);
        firstOpened.complete(session);
        if (pushServerBidi) {
            Collector reply = new Collector(("ack:" + SERVER_BIDI_GREETING).length(),
                    bytes -> serverBidiReply.complete(new String(bytes, StandardCharsets.UTF_8)));
            session.openBidiStream(reply).addListener(f -> {
                if (f.isSuccess()) {
                    QuicStreamChannel s = (QuicStreamChannel) f.getNow();
                    s.writeAndFlush(new DefaultQuicStreamFrame(
                            Unpooled.copiedBuffer(SERVER_BIDI_GREETING, StandardCharsets.UTF_8), true));
                } else {
                    serverBidiReply.completeExceptionally(f.cause());
                }
            });
        }
    }

    @Override
    public void streamOpened(WebTransportSession session, QuicStreamChannel stream, boolean bidirectional) {
        if (bidirectional) {
            bidiStreams.incrementAndGet();
            stream.pipeline().addLast(new StreamEcho());
        } else {
            uniStreams.incrementAndGet();
            stream.pipeline().addLast(new Collector(bytes -> session.openUniStream(new ChannelInboundHandlerAdapter())
                    .addListener(f -> {
                        if (f.isSuccess()) {
                            ((QuicStreamChannel) f.getNow()).writeAndFlush(
                                    new DefaultQuicStreamFrame(Unpooled.wrappedBuffer(bytes), true));
                        }
                    })));
        }
    }

    @Override
    public void datagramReceived(WebTransportSession session, ByteBuf payload) {
        datagrams.incrementAndGet();
        session.sendDatagram(payload.retain());
    }

    @Override
    public void sessionDraining(WebTransportSession session) {
        firstDraining.complete(session);
    }

    @Override
    public void sessionClosed(WebTransportSession session, int code, String reason) {
        firstClose.complete(new WebTransportSession.CloseInfo(code, reason, true));
    }

    /** Echo with backpressure: stop reading while the echo direction is not writable. */
    static final class StreamEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
            if (!ctx.channel().isWritable()) {
                ctx.flush();
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownReadComplete) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /**
     * Collects a stream's bytes until the peer's FIN, the stream's close, or (if given) the expected length;
     * tests compare the bytes, so a cut-off stream still fails them.
     *
     * <p>Why not FIN alone: with Netty QUIC 4.2.18 (quiche), on a stream whose own FIN was already sent, a peer
     * FIN that arrives alone after all data was read was sometimes never surfaced (no
     * ChannelInputShutdownReadComplete, the channel stays open until the connection ends).
     */
    static final class Collector extends ChannelInboundHandlerAdapter {
        interface Done {
            void accept(byte[] bytes);
        }

        private final Done done;
        private final int expectedLength;
        private final ByteBuf all = Unpooled.buffer();
        private boolean finished;

        Collector(Done done) {
            this(-1, done);
        }

        Collector(int expectedLength, Done done) {
            this.expectedLength = expectedLength;
            this.done = done;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            all.writeBytes(b);
            b.release();
            if (expectedLength >= 0 && all.readableBytes() >= expectedLength) {
                finish();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownReadComplete) {
                finish();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish();
            ctx.fireChannelInactive();
        }

        private void finish() {
            if (!finished) {
                finished = true;
                byte[] bytes = new byte[all.readableBytes()];
                all.readBytes(bytes);
                done.accept(bytes);
            }
        }
    }
}

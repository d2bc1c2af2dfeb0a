package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;

import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;

/**
 * A raw QUIC connection presented as one {@link WebTransportSession}: id 0, {@code path()} is the ALPN
 * protocol, no origin; every stream and datagram belongs to it and carries no prefix. {@link #close} closes the
 * QUIC connection with an application error code and reason; the peer's code and reason arrive the same way.
 *
 * <p>The {@link #handler()} goes last in the QuicChannel pipeline. The session opens at {@code channelActive}
 * (the handshake is done and the datagram limit is known).
 *
 * <p>Threading: see {@link AbstractQuicSession}.
 */
public final class RawQuicSession extends AbstractQuicSession {
    private final String alpn;
    private final Promise<WebTransportSession> opened;
    private volatile int maxDatagramLength;
    private QuicConnectionCloseEvent peerClose; // loop

    private RawQuicSession(QuicChannel channel, String alpn, WebTransportSessionHandler handler,
                           Promise<WebTransportSession> opened) {
        super(channel, handler);
        this.alpn = alpn;
        this.opened = opened;
    }

    /**
     * Adds the session's handler to a new QuicChannel.
     *
     * @param opened completed with the session when it opens, failed if the connection ends first; may be null
     */
    public static void install(QuicChannel channel, String alpn, WebTransportSessionHandler handler,
                               Promise<WebTransportSession> opened) {
        RawQuicSession session = new RawQuicSession(channel, alpn, handler, opened);
        channel.pipeline().addLast(session.new ChannelHandler());
    }

    @Override
    public long id() {
        return 0;
    }

    @Override
    public String path() {
        return alpn;
    }

    @Override
    public String origin() {
        return null;
    }

    @Override
    ByteBuf streamPrefix(QuicStreamType type) {
        return null;
    }

    @Override
    int datagramPrefixLength() {
        return 0;
    }

    @Override
    void writeDatagramPrefix(ByteBuf out) {
    }

    @Override
    int quicMaxDatagramLength() {
        return maxDatagramLength;
    }

    @Override
    public void close(int code, String reason) {
        String text = reason == null ? "" : reason;
        loop.execute(() -> {
            if (markClosed(code, text, false)) {
                connection.close(true, code,
                        connection.alloc().buffer().writeBytes(Capsules.truncateUtf8(text, 1024)));
            }
        });
    }

    @Override
    public void drain() {
    }

    private final class ChannelHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof QuicDatagramExtensionEvent) {
                maxDatagramLength = ((QuicDatagramExtensionEvent) evt).maxLength();
            } else if (evt instanceof QuicConnectionCloseEvent) {
                peerClose = (QuicConnectionCloseEvent) evt;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (safely("sessionOpened", () -> handler.sessionOpened(RawQuicSession.this))) {
                if (opened != null) {
                    opened.trySuccess(RawQuicSession.this);
                }
            } else {
                close(0, "session handler failed");
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof QuicStreamChannel) {
                QuicStreamChannel stream = (QuicStreamChannel) msg;
                // runs once the pipeline's tail registered the stream, before its first read
                stream.pipeline().addLast(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        if (!isOpen()) {
                            ch.close();
                            return;
                        }
                        trackStream(ch);
                        safely("streamOpened", () -> handler.streamOpened(RawQuicSession.this, ch,
                                ch.type() == QuicStreamType.BIDIRECTIONAL));
                    }
                });
                ctx.fireChannelRead(msg);
            } else if (msg instanceof ByteBuf) {
                ByteBuf payload = (ByteBuf) msg;
                try {
                    if (isOpen()) {
                        safely("datagramReceived", () -> handler.datagramReceived(RawQuicSession.this, payload));
                    }
                } finally {
                    ReferenceCountUtil.safeRelease(payload);
                }
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            int code = 0;
            String reason = "QUIC connection closed";
            boolean clean = peerClose != null && peerClose.isApplicationClose();
            if (clean) {
                code = peerClose.error();
                reason = new String(peerClose.reason(), StandardCharsets.UTF_8);
            } else if (peerClose != null) {
                reason = "QUIC connection closed with transport error 0x" + Integer.toHexString(peerClose.error());
            } else if (connection.isTimedOut()) {
                reason = "QUIC connection timed out";
            }
            markClosed(code, reason, true, clean);
            if (opened != null) {
                opened.tryFailure(new ClosedChannelException());
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

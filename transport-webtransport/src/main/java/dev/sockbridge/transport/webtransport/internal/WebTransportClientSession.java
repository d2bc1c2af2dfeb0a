package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Exception;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.http3.Http3UnknownFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicException;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * The client end of one WebTransport session over its own QUIC connection (draft-02 framing, as
 * {@link WebTransportConnection} serves it): sends the extended CONNECT, and once it is answered with 200 carries
 * the session's streams, datagrams and capsules. When the session ends the QUIC connection is closed too, after the
 * server's FIN on the CONNECT stream or {@link WebTransportSessionImpl#PEER_FIN_TIMEOUT_MS}.
 *
 * <pre>
 *  QuicChannel pipeline:
 *    [ClientHttp3]   HTTP/3 control + QPACK streams; uni type 0x54 -&gt; {@link StreamPrefixHandler#uni};
 *                    server-opened bidi streams are let through (HTTP/3 itself forbids them)
 *    [Connection]    server bidi stream -&gt; {@link StreamPrefixHandler#sniffBidi}; datagrams; datagram size;
 *                    CONNECT once the handshake is done; connection end
 *  CONNECT stream:   [HTTP/3 codec][ConnectHandler: status, capsules, FIN]
 * </pre>
 *
 * <p>Threading: see {@link AbstractQuicSession}; everything runs on the QUIC connection's loop.
 */
public final class WebTransportClientSession extends AbstractWebTransportSession
        implements StreamPrefixHandler.Sink {
    private final Promise<WebTransportSession> opened;
    private volatile int maxDatagramLength;
    private volatile long sessionId = -1;
    private boolean started; // loop: the server answered 200 and the handler was told

    private WebTransportClientSession(QuicChannel connection, String path, String origin,
                                      WebTransportSessionHandler handler, Promise<WebTransportSession> opened) {
        super(connection, path, origin, handler);
        this.opened = opened;
    }

    /**
     * Installs the HTTP/3 client and the session on a new client QuicChannel; the CONNECT for {@code authority} +
     * {@code path} goes out once the handshake is done.
     *
     * @param opened completed with the session after a 200 (and {@code handler.sessionOpened}), failed otherwise
     */
    public static void install(QuicChannel channel, String authority, String path, String origin,
                               WebTransportSessionHandler handler, Promise<WebTransportSession> opened) {
        WebTransportClientSession session = new WebTransportClientSession(channel, path, origin, handler, opened);
        channel.pipeline().addLast(session.new ClientHttp3(), session.new Connection(authority));
    }

    @Override
    public long id() {
        return sessionId;
    }

    @Override
    int quicMaxDatagramLength() {
        return maxDatagramLength;
    }

    @Override
    void endAndLinger(int code, String reason, boolean byPeer) {
        markClosed(code, reason, byPeer);
        closeConnectionLater();
    }

    /** The session is over: the connection goes once the server ended the CONNECT stream too, or after a while. */
    private void closeConnectionLater() {
        if (connectStream == null || !connectStream.isActive()) {
            closeConnection();
            return;
        }
        loop.schedule(this::closeConnection, WebTransportSessionImpl.PEER_FIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private void closeConnection() {
        if (connection.isActive()) {
            connection.close(true, 0, Unpooled.EMPTY_BUFFER);
        }
    }

    private void failOpen(Throwable cause) {
        if (opened.tryFailure(cause)) {
            closeConnection();
        }
    }

    // ---- streams the server opens ----

    @Override
    public void streamPrefixed(StreamPrefixHandler prefix, Channel channel, long id, boolean bidi) {
        QuicStreamChannel stream = (QuicStreamChannel) channel;
        if (id != sessionId || !started || !isOpen()) {
            (bidi ? stream.shutdown(WebTransportProtocol.WEBTRANSPORT_SESSION_GONE)
                    : stream.shutdownInput(WebTransportProtocol.WEBTRANSPORT_SESSION_GONE))
                    .addListener(f -> stream.close());
            return;
        }
        trackStream(stream);
        safely("streamOpened", () -> handler.streamOpened(this, stream, bidi));
        prefix.release();
    }

    /** The HTTP/3 client, except that server-opened bidi streams pass (they are WebTransport streams here). */
    private final class ClientHttp3 extends Http3ClientConnectionHandler {
        ClientHttp3() {
            super(null, null,
                    type -> type == WebTransportProtocol.UNI_STREAM_TYPE
                            ? StreamPrefixHandler.uni(WebTransportClientSession.this) : new Discard(),
                    WebTransportProtocol.clientSettings(), true, WebTransportProtocol.ACCEPT_ALL_SETTINGS);
        }

        @Override
        protected void initBidirectionalStream(ChannelHandlerContext ctx, QuicStreamChannel channel) {
            // left to Connection, which reads the WebTransport prefix
        }

        /**
         * The HTTP/3 control stream and the CONNECT (opened by Connection, behind) are opened a turn later. Netty
         * fetches the peer's stream credit from quiche right after this event, and afterwards only while its count
         * is at zero: streams opened during the event drove the count below zero, where it was never fetched again,
         * so an open refused for want of credit could not be told before it took a stream id (see
         * AbstractQuicSession#openStream).
         */
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.executor().execute(() -> {
                if (ctx.channel().isActive()) {
                    ClientHttp3.super.channelActive(ctx);
                }
            });
        }
    }

    /** QuicChannel-level events: server bidi streams, datagrams, the CONNECT, the end of the connection. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        private final String authority;

        Connection(String authority) {
            this.authority = authority;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Http3.newRequestStream(connection, new ConnectHandler()).addListener(f -> {
                if (!f.isSuccess()) {
                    failOpen(f.cause());
                    return;
                }
                QuicStreamChannel stream = (QuicStreamChannel) f.getNow();
                sessionId = stream.streamId();
                connectStreamOpened(stream);
                Http3Headers h = new DefaultHttp3Headers()
                        .method("CONNECT").protocol(WebTransportProtocol.PROTOCOL).scheme("https")
                        .authority(authority).path(path());
                if (origin() != null) {
                    h.add("origin", origin());
                }
                h.add("sec-webtransport-http3-draft02", "1");
                stream.writeAndFlush(new DefaultHttp3HeadersFrame(h)).addListener(w -> {
                    if (!w.isSuccess()) {
                        failOpen(w.cause());
                    }
                });
            });
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof QuicStreamChannel) {
                QuicStreamChannel stream = (QuicStreamChannel) msg;
                if (stream.type() == QuicStreamType.BIDIRECTIONAL && !stream.isLocalCreated()) {
                    stream.pipeline().addFirst(StreamPrefixHandler.sniffBidi(WebTransportClientSession.this));
                }
                ctx.fireChannelRead(msg);
            } else if (msg instanceof ByteBuf) {
                ByteBuf datagram = (ByteBuf) msg;
                try {
                    if (started && isOpen() && Varint.isReadable(datagram)
                            && Varint.read(datagram) == WebTransportProtocol.quarterStreamId(sessionId)) {
                        safely("datagramReceived", () -> handler.datagramReceived(WebTransportClientSession.this,
                                datagram));
                    }
                } finally {
                    ReferenceCountUtil.safeRelease(datagram);
                }
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof QuicDatagramExtensionEvent) {
                maxDatagramLength = ((QuicDatagramExtensionEvent) evt).maxLength();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            failOpen(new ClosedChannelException());
            if (started) {
                markClosed(peerCloseCode(), peerReasonOr("QUIC connection closed"), true, false);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failOpen(cause);
        }
    }

    /** The CONNECT stream: the response status, then capsules and the server's FIN. */
    private final class ConnectHandler extends Http3RequestStreamInboundHandler implements Capsules.Listener {
        private boolean answered;
        private Capsules.Parser capsules;

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
            if (answered) {
                return;
            }
            answered = true;
            CharSequence status = frame.headers().status();
            if (status == null || !"200".contentEquals(status)) {
                failOpen(new IOException("WebTransport CONNECT " + path() + " refused with HTTP status " + status));
                return;
            }
            capsules = new Capsules.Parser(this);
            started = true;
            if (safely("sessionOpened", () -> handler.sessionOpened(WebTransportClientSession.this))) {
                if (!opened.trySuccess(WebTransportClientSession.this)) {
                    close(0, "connect abandoned");
                }
            } else {
                close(0, "session handler failed");
                failOpen(new IOException("session handler failed"));
            }
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
            if (capsules != null) {
                capsules.feed(frame.content());
            } else {
                frame.release();
            }
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3UnknownFrame frame) {
            ReferenceCountUtil.release(frame);
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
            if (!started) {
                failOpen(new IOException("the server ended the CONNECT stream without an answer"));
                return;
            }
            peerFin();
            if (finSent) {
                closeConnection(); // both FINs are out: nothing more to wait for
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (capsules != null) {
                capsules.release();
            }
            if (started && isOpen()) {
                markClosed(peerCloseCode(), peerReasonOr("CONNECT stream closed"), true, false);
                closeConnection();
            }
            super.channelInactive(ctx);
        }

        @Override
        protected void handleQuicException(ChannelHandlerContext ctx, QuicException exception) {
            failOpen(exception);
            ctx.close();
        }

        @Override
        protected void handleHttp3Exception(ChannelHandlerContext ctx, Http3Exception exception) {
            failOpen(exception);
            ctx.close();
        }

        @Override
        public void closeSessionCapsule(int code, String reason) {
            peerCloseCapsule(code, reason);
        }

        @Override
        public void drainSessionCapsule() {
            peerDrain();
        }

        @Override
        public void malformedCapsule(String why) {
            close(0, why);
        }
    }

    /** Swallows a unidirectional stream of a type we do not know. */
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }

}

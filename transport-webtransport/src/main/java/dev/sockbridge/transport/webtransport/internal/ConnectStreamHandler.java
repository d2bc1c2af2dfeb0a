package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.transport.webtransport.WebTransportSessionHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Exception;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.http3.Http3UnknownFrame;
import io.netty.handler.codec.quic.QuicException;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * One HTTP/3 request stream: accepts an extended CONNECT with {@code :protocol webtransport} on a configured
 * path from an allowed origin (200, no FIN, {@code sec-webtransport-http3-draft: draft02}), and then parses the
 * capsules the peer sends on it. Anything else is answered with a final status and FIN:
 * 404 unknown path or not a WebTransport CONNECT, 403 missing or refused {@code Origin}, 429 too many sessions
 * on the connection, 503 while the server refuses new sessions.
 *
 * <p>Threading: the stream's event loop.
 */
final class ConnectStreamHandler extends Http3RequestStreamInboundHandler implements Capsules.Listener {
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(ConnectStreamHandler.class);

    private final WebTransportConnection connection;
    private final WebTransportServerConfig config;
    private boolean headersSeen;
    private WebTransportSessionImpl session;
    private Capsules.Parser capsules;

    ConnectStreamHandler(WebTransportConnection connection, WebTransportServerConfig config) {
        this.connection = connection;
        this.config = config;
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
        if (headersSeen) {
            return; // trailers: nothing to do
        }
        headersSeen = true;
        QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
        Http3Headers h = frame.headers();
        boolean webTransport = "CONNECT".contentEquals(nullToEmpty(h.method()))
                && WebTransportProtocol.PROTOCOL.contentEquals(nullToEmpty(h.protocol()));
        String path = stripQuery(nullToEmpty(h.path()).toString());
        WebTransportSessionHandler handler = webTransport ? config.routes().get(path) : null;
        if (handler == null) {
            reject(ctx, "404");
            return;
        }
        CharSequence originHeader = h.get("origin");
        String origin = originHeader == null ? null : originHeader.toString();
        if (origin == null || !config.originAllowed().test(origin)) {
            reject(ctx, "403");
            return;
        }
        if (!config.accepting().getAsBoolean()) {
            reject(ctx, "503");
            return;
        }
        if (connection.sessionCount() >= config.maxSessionsPerConnection()) {
            reject(ctx, "429");
            return;
        }
        Http3Headers response = new DefaultHttp3Headers()
                .status("200")
                .add(WebTransportProtocol.DRAFT_HEADER, WebTransportProtocol.DRAFT_HEADER_VALUE);
        ctx.writeAndFlush(new DefaultHttp3HeadersFrame(response)); // no FIN: the stream lives as long as the session
        session = new WebTransportSessionImpl(connection, stream, path, origin, handler);
        capsules = new Capsules.Parser(this);
        connection.sessionAccepted(session);
    }

    private void reject(ChannelHandlerContext ctx, String status) {
        QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
        LOG.debug("WebTransport CONNECT on stream {} refused with {}", stream.streamId(), status);
        ctx.writeAndFlush(new DefaultHttp3HeadersFrame(new DefaultHttp3Headers().status(status)))
                .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        connection.requestStreamDone(stream.streamId());
        ctx.executor().schedule(() -> {
            stream.close();
        }, WebTransportSessionImpl.PEER_FIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
        if (capsules != null) {
            capsules.feed(frame.content()); // releases
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
        if (session != null) {
            session.peerFin();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (session != null) {
            session.connectStreamGone("CONNECT stream closed");
        }
        if (capsules != null) {
            capsules.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    protected void handleQuicException(ChannelHandlerContext ctx, QuicException exception) {
        LOG.debug("CONNECT stream {} QUIC error", ctx.channel(), exception);
        ctx.close();
    }

    @Override
    protected void handleHttp3Exception(ChannelHandlerContext ctx, Http3Exception exception) {
        LOG.debug("CONNECT stream {} HTTP/3 error", ctx.channel(), exception);
        ctx.close();
    }

    // ---- capsules ----

    @Override
    public void closeSessionCapsule(int code, String reason) {
        session.peerCloseCapsule(code, reason);
    }

    @Override
    public void drainSessionCapsule() {
        session.peerDrain();
    }

    @Override
    public void malformedCapsule(String why) {
        session.protocolError(why);
    }

    private static CharSequence nullToEmpty(CharSequence s) {
        return s == null ? "" : s;
    }

    private static String stripQuery(String path) {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }
}

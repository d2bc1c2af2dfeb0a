package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.api.internal.transport.HostCheck;

import dev.sockbridge.api.internal.transport.Admissions;
import dev.sockbridge.api.internal.transport.BasicConnectRequest;
import dev.sockbridge.api.transport.Admission;
import dev.sockbridge.api.transport.ConnectRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Exception;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.http3.Http3UnknownFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicException;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/3 request stream: accepts an extended CONNECT with {@code :protocol webtransport} (draft-02) or
 * {@code webtransport-h3} (draft-15) on a configured
 * path from an allowed origin (200, no FIN, {@code sec-webtransport-http3-draft: draft02}), and then parses the
 * capsules the peer sends on it. Anything else is answered with a final status and FIN:
 * 404 unknown path or not a WebTransport CONNECT, 403 missing or refused {@code Origin}, 429 too many sessions
 * on the connection, 503 while the server refuses new sessions; then the server's admission check decides, and a
 * refusal gets its status (401, 403, 503 ...) with Retry-After when it says and the reason as body.
 *
 * <p>Threading: the stream's event loop.
 */
final class ConnectStreamHandler extends Http3RequestStreamInboundHandler implements Capsules.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectStreamHandler.class);

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
        if (connection.peerSettings() == null) {
            // the client's SETTINGS say which draft it speaks and what credit it grants: a WebTransport request is
            // not processed before they came (draft-ietf-webtrans-http3 3.1); QUIC may deliver the CONNECT first
            stream.config().setAutoRead(false);
            connection.whenPeerSettings(() -> {
                if (stream.isActive()) {
                    stream.config().setAutoRead(true);
                    connectRequest(ctx, stream, frame.headers());
                }
            });
            return;
        }
        connectRequest(ctx, stream, frame.headers());
    }

    private void connectRequest(ChannelHandlerContext ctx, QuicStreamChannel stream, Http3Headers h) {
        CharSequence protocol = nullToEmpty(h.protocol());
        boolean webTransport = "CONNECT".contentEquals(nullToEmpty(h.method()))
                && (WebTransportProtocol.PROTOCOL.contentEquals(protocol)
                || WebTransportProtocol.PROTOCOL_DRAFT15.contentEquals(protocol));
        String path = stripQuery(nullToEmpty(h.path()).toString());
        WebTransportSessionHandler handler = webTransport ? config.routes().get(path) : null;
        if (handler == null) {
            reject(ctx, "404");
            return;
        }
        CharSequence authority = h.authority();
        if (!HostCheck.hostAllowed(authority == null ? null : authority.toString(), config.allowedHosts())) {
            reject(ctx, "421"); // a name this server was not told it has: DNS rebinding, as on the WebSocket listener
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
        String rawPath = nullToEmpty(h.path()).toString();
        int q = rawPath.indexOf('?');
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            String name = e.getKey().toString();
            if (!name.startsWith(":")) {
                headers.putIfAbsent(name.toLowerCase(Locale.ROOT), e.getValue().toString());
            }
        }
        QuicChannel quic = (QuicChannel) stream.parent();
        ConnectRequest request = new BasicConnectRequest("webtransport", path, q < 0 ? null : rawPath.substring(q + 1),
                headers, quic.remoteSocketAddress(), BasicConnectRequest.peerCertificates(quic.sslEngine()));
        // nothing more is read from the CONNECT stream until the check has answered
        stream.config().setAutoRead(false);
        Admissions.run(config.admission(), request, ctx.executor(), stream::isActive, a -> {
            if (!a.isAdmitted()) {
                reject(ctx, Integer.toString(a.httpStatus()), a.retryAfterSeconds(), a.reason());
                return;
            }
            if (!config.accepting().getAsBoolean()) {
                a.release();
                reject(ctx, "503");
                return;
            }
            if (connection.sessionCount() >= config.maxSessionsPerConnection()) {
                a.release();
                reject(ctx, "429");
                return;
            }
            accept(ctx, stream, path, origin, handler, request, a);
        });
    }

    private void accept(ChannelHandlerContext ctx, QuicStreamChannel stream, String path, String origin,
                        WebTransportSessionHandler handler, ConnectRequest request, Admission admission) {
        Http3Headers response = new DefaultHttp3Headers()
                .status("200")
                .add(WebTransportProtocol.DRAFT_HEADER, WebTransportProtocol.DRAFT_HEADER_VALUE);
        ctx.writeAndFlush(new DefaultHttp3HeadersFrame(response)); // no FIN: the stream lives as long as the session
        session = new WebTransportSessionImpl(connection, stream, path, origin, handler);
        session.admitted(request, admission.attachment());
        session.closeFuture().whenComplete((c, t) -> admission.release());
        capsules = new Capsules.Parser(this, session.heldBytes()::add);
        stream.config().setAutoRead(true);
        connection.sessionAccepted(session);
    }

    private void reject(ChannelHandlerContext ctx, String status) {
        reject(ctx, status, -1, null);
    }

    /** A final status (with Retry-After, and the reason as body, when given) and FIN. */
    private void reject(ChannelHandlerContext ctx, String status, int retryAfterSeconds, String reason) {
        QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
        LOG.debug("WebTransport CONNECT on stream {} refused with {} {}", stream.streamId(), status, reason);
        Http3Headers headers = new DefaultHttp3Headers().status(status);
        if (retryAfterSeconds > 0) {
            headers.set("retry-after", Integer.toString(retryAfterSeconds));
        }
        if (reason != null && !reason.isEmpty()) {
            headers.set("content-type", "text/plain; charset=utf-8");
            ctx.write(new DefaultHttp3HeadersFrame(headers));
            ctx.writeAndFlush(new DefaultHttp3DataFrame(
                    Unpooled.copiedBuffer(reason + "\n", StandardCharsets.UTF_8)))
                    .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        } else {
            ctx.writeAndFlush(new DefaultHttp3HeadersFrame(headers)).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        }
        // the peer's FIN or anything else it sends is read and dropped until the stream closes
        stream.config().setAutoRead(true);
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

    @Override
    public void maxDataCapsule(long max) {
        session.flow.maxData(max);
    }

    @Override
    public void maxStreamsCapsule(boolean bidi, long max) {
        session.flow.maxStreams(bidi, max);
    }

    @Override
    public void dataBlockedCapsule(long limit) {
        LOG.debug("WebTransport session {}: the client is blocked at {} bytes", session.id(), limit);
    }

    private static CharSequence nullToEmpty(CharSequence s) {
        return s == null ? "" : s;
    }

    private static String stripQuery(String path) {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }
}

package dev.sockbridge.transport.websocket.internal;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.internal.transport.Admissions;
import dev.sockbridge.api.internal.transport.BasicConnectRequest;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.transport.websocket.StaticContent;
import dev.sockbridge.transport.websocket.WebSocketRoute;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP phase of a server connection: routes each request by path.
 *
 * <ul>
 *   <li>Every request first passes the Host check: 421 unless the Host header is an IP literal,
 *       {@code localhost}, or a name in {@code allowedHosts} (what stops DNS rebinding).</li>
 *   <li>A WebSocket upgrade goes to the routes at its path, else to those at
 *       {@link WebSocketRoute#ANY_PATH}: 404 without any, 403 when an Origin is
 *       present and is neither the server's own (a page it served) nor in {@code allowedOrigins},
 *       426 for a WebSocket version other
 *       than 13, 400 when the client offers subprotocols and none is spoken there (or offers none and
 *       every route there requires one). The offered subprotocol picks the route (see
 *       {@link RouteTable#choose}). Then that route's admission check decides (see
 *       {@link WebSocketRoute.Builder#admission}): a refusal gets its status (401, 403, 503 ...) with the
 *       reason as body. Otherwise the handshake answers 101, with the chosen subprotocol
 *       (always one the client offered) or without any, and the pipeline becomes a
 *       ({@link Base64FrameCodec} first for a route's {@link WebSocketRoute#base64Subprotocol()})
 *       {@link WebSocketChannelTransport}, reading messages up to the route's
 *       {@link WebSocketRoute#maxMessageSize()} (else the server's maximum).</li>
 *   <li>A plain GET/HEAD is answered from the static content or the {@code HttpHandler}, else 404
 *       (426 on a route's path); other methods get 405.</li>
 * </ul>
 *
 * <p>Refusals carry a short text body and close the connection.
 */
final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(HttpRouter.class);

    private final ServerEngine engine;
    /** An upgrade waits for its admission check: the client must not send anything meanwhile. */
    private boolean admitting;

    HttpRouter(ServerEngine engine) {
        this.engine = engine;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (admitting) {
            // a WebSocket client waits for the 101 before it sends: this one does not
            LOG.debug("{}: data before the upgrade was answered", ctx.channel());
            ctx.close();
            return;
        }
        if (!req.decoderResult().isSuccess()) {
            Throwable cause = req.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongFrameException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST;
            refuse(ctx, status, "bad request");
            return;
        }
        if (!RequestChecks.hostAllowed(req.headers().get(HttpHeaderNames.HOST), engine.config().allowedHosts())) {
            LOG.debug("{}: refused Host {}", ctx.channel(), req.headers().get(HttpHeaderNames.HOST));
            refuse(ctx, HttpResponseStatus.MISDIRECTED_REQUEST, "this server does not answer to that Host name");
            return;
        }
        QueryStringDecoder qs = new QueryStringDecoder(req.uri());
        String path = qs.path();
        int q = req.uri().indexOf('?');
        String query = q < 0 ? null : req.uri().substring(q + 1);
        if (isUpgrade(req.headers())) {
            upgrade(ctx, req, path, query);
        } else {
            serve(ctx, req, path, query);
        }
    }

    static boolean isUpgrade(HttpHeaders h) {
        return h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, String path, String query) {
        List<WebSocketRoute> candidates = engine.routes(path);
        if (candidates.isEmpty()) {
            refuse(ctx, HttpResponseStatus.NOT_FOUND, "no WebSocket endpoint at " + path);
            return;
        }
        if (!HttpMethod.GET.equals(req.method())) {
            refuse(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "a WebSocket upgrade is a GET");
            return;
        }
        WebSocketConfig config = engine.config();
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (!RequestChecks.originAllowed(origin, req.headers().get(HttpHeaderNames.HOST), engine.secure(),
                config.allowedOrigins())) {
            LOG.debug("{}: refused origin {}", ctx.channel(), origin);
            refuse(ctx, HttpResponseStatus.FORBIDDEN, "origin not allowed: " + origin);
            return;
        }
        String version = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        if (!"13".equals(version == null ? null : version.trim())) {
            FullHttpResponse res = response(HttpResponseStatus.UPGRADE_REQUIRED, "WebSocket version 13 only");
            res.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY) == null) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "missing Sec-WebSocket-Key");
            return;
        }
        // the route is chosen by the offered subprotocol among those at the path (several may share one)
        RouteTable.Choice choice = RouteTable.choose(candidates, offeredSubprotocols(req.headers()), path);
        if (choice.route() == null) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, choice.refusal());
            return;
        }
        admit(ctx, req, choice.route(), path, query, choice.subprotocol());
    }

    /**
     * Asks the route's admission check before anything is answered. Meanwhile the connection is still read (so
     * that a client that leaves is seen to leave; one that sends is closed), and the handshake timeout still
     * runs: a check slower than it ends with the connection closed and the admission released. A refusal is the
     * check's status with the reason as body (and Retry-After when it says).
     */
    private void admit(ChannelHandlerContext ctx, FullHttpRequest req, WebSocketRoute route, String path,
                       String query, String chosen) {
        Channel ch = ctx.channel();
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : req.headers()) {
            headers.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
        }
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        ConnectRequest request = new BasicConnectRequest(engine.secure() ? "wss" : "ws", path, query, headers,
                ch.remoteAddress(), tls == null ? null : BasicConnectRequest.peerCertificates(tls.engine()));
        admitting = true;
        req.retain();
        Admissions.run(route.admission(), request, ch.eventLoop(), () -> {
            if (ch.isActive() && ch.pipeline().context(this) != null) {
                return true;
            }
            req.release();
            return false;
        }, a -> {
            admitting = false;
            try {
                if (!a.isAdmitted()) {
                    LOG.debug("{}: upgrade to {} refused: {} {}", ch, path, a.httpStatus(), a.reason());
                    FullHttpResponse res = response(HttpResponseStatus.valueOf(a.httpStatus()), a.reason());
                    if (a.retryAfterSeconds() > 0) {
                        res.headers().set(HttpHeaderNames.RETRY_AFTER, a.retryAfterSeconds());
                    }
                    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                // whatever becomes of the upgrade, the admission ends with the connection
                ch.closeFuture().addListener(f -> a.release());
                handshake(ctx, req, route, path, query, chosen, request, a.attachment());
            } finally {
                req.release();
            }
        });
    }

    /** Every subprotocol the client offered, over all Sec-WebSocket-Protocol headers, in order. */
    static List<String> offeredSubprotocols(HttpHeaders h) {
        List<String> out = new ArrayList<>();
        for (String v : h.getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
            for (String p : v.split(",")) {
                String t = p.trim();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private void handshake(ChannelHandlerContext ctx, FullHttpRequest req, WebSocketRoute route, String path,
                           String query, String chosen, ConnectRequest request, Object attachment) {
        Channel ch = ctx.channel();
        WebSocketConfig config = engine.config();
        String scheme = engine.secure() ? "wss" : "ws";
        // each route its own largest message: a message in progress is held in memory until complete
        int maxMessage = route.maxMessageSize() > 0 ? route.maxMessageSize() : config.maxFrameSize();
        // websockify's base64 framing: a frame holds the encoded form of what the session counts decoded
        boolean base64 = chosen != null && chosen.equals(route.base64Subprotocol());
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(base64 ? Base64FrameCodec.encodedLength(maxMessage) : maxMessage)
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                .allowExtensions(false)
                .closeOnProtocolViolation(false)
                .withUTF8Validator(false)
                .build();
        HttpHeaders extra = new DefaultHttpHeaders();
        if (chosen != null) {
            extra.set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, chosen);
        }
        WebSocketChannelTransport session = new WebSocketChannelTransport(ch, scheme, config, maxMessage, path, query,
                chosen, req.headers().copy());
        session.admitted(request, attachment);
        ch.attr(ServerEngine.SESSION).set(session);
        // no subprotocols for Netty to pick from: the one chosen above goes in as the only header
        WebSocketServerHandshaker13 handshaker = new WebSocketServerHandshaker13(
                scheme + "://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri(), null, decoder) {
            @Override
            protected WebSocketFrameDecoder newWebsocketDecoder() {
                return new CountingFrameDecoder(decoderConfig(), session);
            }
        };

        ChannelPipeline p = ctx.pipeline();
        p.remove("http-idle");
        ChannelFuture done = handshaker.handshake(ch, req, extra, ch.newPromise());
        // handshake() put "wsdecoder" and "wsencoder" in place of the HTTP codec (removed once the 101 is
        // out); fragments are reassembled by the session itself, which counts what they hold
        if (config.idleTimeoutMillis() > 0) {
            p.addAfter("wsdecoder", "ws-idle",
                    new IdleStateHandler(config.idleTimeoutMillis(), 0, 0, TimeUnit.MILLISECONDS));
        }
        p.replace(this, "ws-session", session.handler());
        if (base64) {
            p.addBefore("ws-session", "ws-base64", new Base64FrameCodec());
        }
        done.addListener(f -> {
            if (!f.isSuccess()) {
                LOG.debug("{}: handshake failed", ch, f.cause());
                ch.close();
                return;
            }
            try {
                route.handler().sessionOpened(session);
            } catch (Throwable t) {
                LOG.warn("{}: handler of {} failed", ch, route, t);
                session.close(CloseCode.INTERNAL_ERROR.code(), "internal error");
            }
        });
    }

    private void serve(ChannelHandlerContext ctx, FullHttpRequest req, String path, String query) {
        boolean head = HttpMethod.HEAD.equals(req.method());
        if (!head && !HttpMethod.GET.equals(req.method())) {
            FullHttpResponse res = response(HttpResponseStatus.METHOD_NOT_ALLOWED, "GET or HEAD only");
            res.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        StaticContent content;
        try {
            content = engine.content(path, query);
        } catch (RuntimeException e) {
            LOG.warn("{}: HTTP handler failed for {}", ctx.channel(), path, e);
            refuse(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
            return;
        }
        if (content == null) {
            if (engine.isEndpoint(path)) {
                FullHttpResponse res = response(HttpResponseStatus.UPGRADE_REQUIRED,
                        "a WebSocket endpoint: connect with a WebSocket client");
                res.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            } else {
                refuse(ctx, HttpResponseStatus.NOT_FOUND, "not found: " + path);
            }
            return;
        }
        ByteBuf body = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(content.body());
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(content.status()), body);
        res.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, content.contentType())
                .set(HttpHeaderNames.CONTENT_LENGTH, content.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set("X-Content-Type-Options", "nosniff");
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpUtil.setKeepAlive(res, keepAlive);
        ChannelFuture f = ctx.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        } else if (!ctx.channel().isWritable()) {
            // a client that sends requests without reading the answers gets no more reading from us
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        super.channelWritabilityChanged(ctx);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String text) {
        ByteBuf body = Unpooled.copiedBuffer(text + "\n", StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        res.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return res;
    }

    private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
        ctx.writeAndFlush(response(status, text)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            LOG.debug("{}: no complete request within the handshake timeout", ctx.channel());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}

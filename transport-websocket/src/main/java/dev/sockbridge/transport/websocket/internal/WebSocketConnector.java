package dev.sockbridge.transport.websocket.internal;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.transport.websocket.WebSocketOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client side: connects over TCP (and TLS for wss), upgrades offering
 * {@value WebSocketOptions#SUBPROTOCOL}, then hands out the channel as a {@link WebSocketChannelTransport}.
 * A refused upgrade fails the future with a {@link WebSocketClientHandshakeException} whose
 * {@code response()} has the HTTP status.
 */
public final class WebSocketConnector {
    private WebSocketConnector() {
    }

    public static CompletableFuture<Transport> connect(URI uri, TransportOptions options) {
        return connect(uri, options, null);
    }

    /** Connects on {@code group}, or on the shared group when it is null. */
    public static CompletableFuture<Transport> connect(URI uri, TransportOptions options, EventLoopGroup ownGroup) {
        CompletableFuture<Transport> result = new CompletableFuture<>();
        try {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("ws") && !scheme.equals("wss")) {
                throw new IllegalArgumentException("not a ws or wss URI: " + uri);
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("no host in " + uri);
            }
            boolean secure = scheme.equals("wss");
            String host = uri.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port = uri.getPort() != -1 ? uri.getPort() : secure ? 443 : 80;
            WebSocketConfig config = WebSocketConfig.forClient(options);
            SslContext ssl = secure ? TlsContexts.client(options) : null;
            HttpHeaders headers = new DefaultHttpHeaders();
            String origin = options.get(WebSocketOptions.ORIGIN, null);
            if (origin != null) {
                headers.set(HttpHeaderNames.ORIGIN, origin);
            }
            URI target = uri.getRawPath() == null || uri.getRawPath().isEmpty()
                    ? new URI(scheme, uri.getRawAuthority(), "/", uri.getRawQuery(), null) : uri;
            WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                    target, WebSocketVersion.V13, WebSocketOptions.SUBPROTOCOL, false, headers, config.maxFrameSize(),
                    true, false, config.closeTimeoutMillis(), false, false);
            EventLoopGroup group = ownGroup != null ? ownGroup : EventLoops.shared(config.nativeTransport());
            String peerHost = host;
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(dev.sockbridge.api.transport.EventLoops.socketChannel(group))
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeoutMillis())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, config.waterMark())
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ChannelPipeline p = ch.pipeline();
                            if (ssl != null) {
                                p.addLast("tls", ssl.newHandler(ch.alloc(), peerHost, port));
                            }
                            p.addLast("http", new HttpClientCodec());
                            p.addLast("http-aggregator", new HttpObjectAggregator(ServerEngine.MAX_REQUEST_BYTES));
                            p.addLast("handshake", new Handshake(handshaker, config, scheme, target, result));
                        }
                    });
            b.connect(host, port).addListener(f -> {
                if (!f.isSuccess()) {
                    result.completeExceptionally(f.cause());
                }
            });
        } catch (Exception e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /** Sends the upgrade, checks the answer, then turns the pipeline into a session. */
    private static final class Handshake extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final WebSocketClientHandshaker handshaker;
        private final WebSocketConfig config;
        private final String scheme;
        private final URI uri;
        private final CompletableFuture<Transport> result;
        private ScheduledFuture<?> timeout;

        Handshake(WebSocketClientHandshaker handshaker, WebSocketConfig config, String scheme, URI uri,
                  CompletableFuture<Transport> result) {
            this.handshaker = handshaker;
            this.config = config;
            this.scheme = scheme;
            this.uri = uri;
            this.result = result;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            timeout = ctx.executor().schedule(() -> fail(ctx, new WebSocketHandshakeException(
                    "no WebSocket handshake within " + config.handshakeTimeoutMillis() + " ms")),
                    config.handshakeTimeoutMillis(), TimeUnit.MILLISECONDS);
            handshaker.handshake(ctx.channel()).addListener(f -> {
                if (!f.isSuccess()) {
                    fail(ctx, f.cause());
                }
            });
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
            if (!res.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                String body = res.content().toString(StandardCharsets.UTF_8).trim();
                fail(ctx, new WebSocketClientHandshakeException("upgrade refused: HTTP " + res.status()
                        + (body.isEmpty() ? "" : ": " + body), res));
                return;
            }
            try {
                handshaker.finishHandshake(ctx.channel(), res);
            } catch (Exception e) {
                fail(ctx, e);
                return;
            }
            Channel ch = ctx.channel();
            ChannelPipeline p = ctx.pipeline();
            WebSocketChannelTransport session = new WebSocketChannelTransport(ch, scheme, config, uri.getRawPath(),
                    uri.getRawQuery(), handshaker.actualSubprotocol(), null);
            // our own decoder: the same limits, but protocol errors are closed by the session (with a
            // reason), and the bytes of a frame it has begun count as the session's
            p.replace("ws-decoder", "ws-decoder", new CountingFrameDecoder(WebSocketDecoderConfig.newBuilder()
                    .maxFramePayloadLength(config.maxFrameSize())
                    .expectMaskedFrames(false)
                    .allowMaskMismatch(false)
                    .allowExtensions(false)
                    .closeOnProtocolViolation(false)
                    .withUTF8Validator(false)
                    .build(), session));
            // Netty's encoder masks 8 bytes per ByteBuf call pair: the client's largest CPU cost in bulk
            p.replace("ws-encoder", "ws-encoder", new MaskingFrameEncoder());
            // fragments are reassembled by the session
            if (config.idleTimeoutMillis() > 0) {
                p.addAfter("ws-decoder", "ws-idle",
                        new IdleStateHandler(config.idleTimeoutMillis(), 0, 0, TimeUnit.MILLISECONDS));
            }
            p.replace(this, "ws-session", session.handler());
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (!result.complete(session)) {
                session.close(CloseCode.GOING_AWAY.code(), "connect was cancelled");
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(ctx, new ConnectException("connection closed during the WebSocket handshake with " + uri));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, cause);
        }

        private void fail(ChannelHandlerContext ctx, Throwable cause) {
            if (timeout != null) {
                timeout.cancel(false);
            }
            result.completeExceptionally(cause);
            ctx.close();
        }
    }
}
